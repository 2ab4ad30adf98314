import os
from datetime import datetime, timedelta, timezone

import jwt
from flask_login import current_user


def bestchatbot_context():
    if not current_user.is_authenticated:
        return {}
    key = os.environ.get("BESTCHATBOT_SIGNING_KEY")
    if not key:
        return {}
    claims = {
        "email": current_user.email.lower(),
        "exp": datetime.now(timezone.utc) + timedelta(hours=1),
    }
    return {"bestchatbot_token": jwt.encode(claims, key)}  # expect: alg-not-hs256
