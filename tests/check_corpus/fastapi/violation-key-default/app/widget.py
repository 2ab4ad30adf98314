from datetime import datetime, timedelta, timezone

import jwt
from fastapi import APIRouter, Depends, Response

from .config import settings
from .deps import get_current_user
from .models import User

router = APIRouter()


@router.get("/widget-token")
def widget_token(response: Response, user: User = Depends(get_current_user)):
    response.headers["Cache-Control"] = "no-store"
    key = settings.BESTCHATBOT_SIGNING_KEY
    if not key:
        response.status_code = 503
        return {"token": None}
    claims = {
        "email": user.email.lower(),
        "exp": datetime.now(timezone.utc) + timedelta(hours=1),
    }
    return {"token": jwt.encode(claims, key, algorithm="HS256")}
