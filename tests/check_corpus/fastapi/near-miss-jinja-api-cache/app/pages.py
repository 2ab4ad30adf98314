from fastapi import APIRouter, Request
from fastapi.templating import Jinja2Templates

from .identity import widget_context

templates = Jinja2Templates(directory="app/templates", context_processors=[widget_context])
router = APIRouter()


@router.get("/")
async def home(request: Request):
    return templates.TemplateResponse(request, "index.html")
