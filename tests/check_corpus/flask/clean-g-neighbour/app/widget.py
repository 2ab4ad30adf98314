import os
from datetime import datetime, timedelta, timezone

import jwt
from flask import g


def widget_context():
    """`bestchatbot_token` for the layout's widget tag: signed-in neighbours only."""
    key = os.environ.get("BESTCHATBOT_SIGNING_KEY")
    if g.get("neighbour") is None or not key:
        return {"bestchatbot_token": None}
    claims = {
        "email": g.neighbour["email"].lower(),
        "name": g.neighbour["nickname"],
        "user_id": str(g.neighbour["id"]),
        "exp": datetime.now(timezone.utc) + timedelta(hours=1),
    }
    return {"bestchatbot_token": jwt.encode(claims, key, algorithm="HS256")}
