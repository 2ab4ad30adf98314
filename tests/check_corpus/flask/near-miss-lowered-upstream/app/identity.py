import os
from datetime import datetime, timezone

from flask import g
from jose import jwt

from .emails import normalized_email
from .settings import WIDGET_TOKEN_TTL


def inject_identity():
    if g.user is None:
        return {}
    email = g.user["email"]
    if not email:
        return {}
    email = normalized_email(g.user)
    now = datetime.now(timezone.utc)
    claims = {"email": email, "name": g.user["username"], "exp": now + WIDGET_TOKEN_TTL}
    token = jwt.encode(claims, os.environ["BESTCHATBOT_SIGNING_KEY"], algorithm="HS256")
    return {"bestchatbot_token": token}
