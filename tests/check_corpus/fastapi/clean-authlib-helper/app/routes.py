from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from .deps import get_current_user
from .models import User
from .signing import widget_token_for

router = APIRouter()


@router.get("/chat/identity")
def chat_identity(user: User = Depends(get_current_user)) -> JSONResponse:
    return JSONResponse({"token": widget_token_for(user)}, headers={"Cache-Control": "no-store"})
