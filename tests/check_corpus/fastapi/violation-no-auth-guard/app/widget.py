import os
from datetime import datetime, timedelta, timezone
from typing import Annotated

import jwt
from fastapi import APIRouter, Depends, Response

from .deps import get_user_or_none
from .models import User

router = APIRouter()


@router.get("/widget-token")
def widget_token(response: Response, user: Annotated[User | None, Depends(get_user_or_none)]):
    response.headers["Cache-Control"] = "no-store"
    claims = {
        "email": (getattr(user, "email", None) or "").lower(),
        "exp": datetime.now(timezone.utc) + timedelta(hours=1),
    }
    return {"token": jwt.encode(claims, os.environ["BESTCHATBOT_SIGNING_KEY"], algorithm="HS256")}  # expect: no-auth-guard
