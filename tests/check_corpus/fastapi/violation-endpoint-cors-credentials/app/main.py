import os

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.sessions import SessionMiddleware

from .widget import router

app = FastAPI(title="Studio bookings")
app.add_middleware(SessionMiddleware, secret_key=os.environ.get("SESSION_SECRET", ""))
app.add_middleware(  # expect: endpoint-cors-credentials
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)
app.include_router(router, prefix="/api")
