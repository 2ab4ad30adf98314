import os
from datetime import datetime, timedelta, timezone

import jwt
from flask_login import current_user


def bestchatbot_context():
    if not current_user.is_authenticated:
        return {}
    key = os.getenv("BESTCHATBOT_SIGNING_KEY", "dev-secret")  # expect: key-default
    if not key:
        return {}
    claims = {
        "email": current_user.email.lower(),
        "exp": datetime.now(timezone.utc) + timedelta(hours=1),
    }
    return {"bestchatbot_token": jwt.encode(claims, key, algorithm="HS256")}
