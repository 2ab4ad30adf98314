from fastapi import FastAPI

from .pages import router

app = FastAPI()
app.include_router(router, prefix="/api")
