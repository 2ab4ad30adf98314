from datetime import datetime, timedelta, timezone

import jwt
from fastapi import Request

from .config import settings


def widget_context(request: Request) -> dict[str, str | None]:
    user = getattr(request.state, "user", None)
    if user is None or not settings.BESTCHATBOT_SIGNING_KEY:
        return {"bestchatbot_token": None}
    claims = {"email": user.email.lower(), "exp": datetime.now(timezone.utc) + timedelta(hours=1)}
    return {"bestchatbot_token": jwt.encode(claims, settings.BESTCHATBOT_SIGNING_KEY, algorithm="HS256")}
