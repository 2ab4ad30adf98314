from fastapi import FastAPI

from .identity import router

app = FastAPI()
app.include_router(router, prefix="/api")
