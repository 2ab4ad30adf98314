from datetime import datetime, timedelta, timezone

import jwt
from flask_login import current_user

from .config import WIDGET_SIGNING_KEY


def bestchatbot_context():
    if not current_user.is_authenticated:
        return {}
    key = WIDGET_SIGNING_KEY
    if not key:
        return {}
    claims = {
        "email": current_user.email.lower(),
        "exp": datetime.now(timezone.utc) + timedelta(hours=1),
    }
    return {"bestchatbot_token": jwt.encode(claims, key, algorithm="HS256")}
