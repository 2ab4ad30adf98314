from datetime import datetime, timedelta, timezone

import jwt
from fastapi import APIRouter, Response

from .config import settings
from .deps import CurrentUser

router = APIRouter(tags=["identity"])


@router.get("/widget-token")
async def read_widget_token(user: CurrentUser, response: Response) -> dict[str, str | None]:
    response.headers["Cache-Control"] = "no-store"
    if not settings.BESTCHATBOT_SIGNING_KEY:
        response.status_code = 503
        return {"token": None}
    claims = {
        "email": user.email.lower(),
        "user_id": str(user.id),
        "exp": datetime.now(timezone.utc) + timedelta(minutes=60),
    }
    if user.full_name:
        claims["name"] = user.full_name
    return {"token": jwt.encode(claims, settings.BESTCHATBOT_SIGNING_KEY, algorithm="HS256")}
