import os
from datetime import datetime, timedelta, timezone

import jwt
from fastapi import Request


def widget_context(request: Request) -> dict[str, str | None]:
    user = getattr(request.state, "user", None)
    key = os.environ.get("BESTCHATBOT_SIGNING_KEY")
    if user is None or not key:
        return {"bestchatbot_token": None}
    claims = {"email": user.email.lower(), "exp": datetime.now(timezone.utc) + timedelta(hours=1)}
    return {"bestchatbot_token": jwt.encode(claims, key, algorithm="HS256")}
