import os

import jwt
from fastapi import APIRouter, Depends, Response

from .deps import get_current_user
from .models import User

router = APIRouter()


@router.get("/widget-token")
def widget_token(response: Response, user: User = Depends(get_current_user)):
    response.headers["Cache-Control"] = "no-store"
    key = os.environ.get("BESTCHATBOT_SIGNING_KEY")
    if not key:
        response.status_code = 503
        return {"token": None}
    claims = {  # expect: exp-missing
        "email": user.email.lower(),
    }
    return {"token": jwt.encode(claims, key, algorithm="HS256")}
