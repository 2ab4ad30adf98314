from fastapi import FastAPI

from .widget import router

app = FastAPI()
app.include_router(router, prefix="/api")
