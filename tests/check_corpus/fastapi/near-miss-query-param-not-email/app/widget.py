import os
import time

import jwt
from fastapi import APIRouter, Depends, Response

from .constants import TOKEN_TTL_SECONDS
from .deps import get_current_user
from .models import User

router = APIRouter()


@router.get("/widget-token")
def widget_token(response: Response, locale: str = "en", user: User = Depends(get_current_user)):
    # `locale` comes from the query string; the email never does
    response.headers["Cache-Control"] = "no-store"
    claims = {"email": user.email.lower(), "locale": locale, "exp": int(time.time()) + TOKEN_TTL_SECONDS}
    return {"token": jwt.encode(claims, os.environ["BESTCHATBOT_SIGNING_KEY"], algorithm="HS256")}
