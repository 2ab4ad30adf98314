from fastapi import FastAPI

from . import api, pages

app = FastAPI()
app.include_router(pages.router)
app.include_router(api.router, prefix="/api")
