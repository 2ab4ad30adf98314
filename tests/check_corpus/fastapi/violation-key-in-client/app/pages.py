from fastapi import APIRouter, Request
from fastapi.templating import Jinja2Templates

from .config import settings
from .identity import widget_context

templates = Jinja2Templates(directory="app/templates", context_processors=[widget_context])
router = APIRouter()


@router.get("/")
async def home(request: Request):
    return templates.TemplateResponse(request, "index.html")


@router.get("/settings")
async def chat_settings(request: Request):
    return templates.TemplateResponse(request, "index.html", {"chat_key": settings.BESTCHATBOT_SIGNING_KEY})  # expect: key-in-client
