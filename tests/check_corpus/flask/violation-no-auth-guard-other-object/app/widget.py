import os
from datetime import datetime, timedelta, timezone

import jwt
from flask import g


def widget_context():
    key = os.environ.get("BESTCHATBOT_SIGNING_KEY")
    # a check on another object of `g`: guests reach the mint with g.neighbour None
    if g.get("street") is None or not key:
        return {"bestchatbot_token": None}
    claims = {
        "email": g.neighbour["email"].lower(),
        "exp": datetime.now(timezone.utc) + timedelta(hours=1),
    }
    return {"bestchatbot_token": jwt.encode(claims, key, algorithm="HS256")}  # expect: no-auth-guard
