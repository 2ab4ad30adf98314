from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from .identity import router

app = FastAPI()
# The API signs requests in by bearer token only: another site's page has no token to send,
# so the catch-all origin list reads nothing a visitor's cookies would unlock.
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)
app.include_router(router, prefix="/api")
