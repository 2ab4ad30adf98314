from fastapi import APIRouter, Depends, Response

from .deps import get_current_user, oauth2_scheme
from .models import User

router = APIRouter()


@router.get("/widget-token")
def widget_token(response: Response, token: str = Depends(oauth2_scheme), user: User = Depends(get_current_user)):
    response.headers["Cache-Control"] = "no-store"
    return {"token": token}  # expect: provider-token-forwarded
