from datetime import datetime, timedelta, timezone

import jwt
from flask_login import current_user

from .config import BESTCHATBOT_KEY

LIFETIME = timedelta(hours=1)


def widget_context():
    """`bestchatbot_token` for the layout's widget tag."""
    if not current_user.is_authenticated or not BESTCHATBOT_KEY:
        return {"bestchatbot_token": None}
    claims = {
        "email": current_user.email.lower(),
        "name": current_user.display_name,
        "user_id": str(current_user.id),
        "exp": datetime.now(timezone.utc) + LIFETIME,
    }
    return {"bestchatbot_token": jwt.encode(claims, BESTCHATBOT_KEY, algorithm="HS256")}
