import os

import jwt
from flask_login import current_user


def bestchatbot_context():
    if not current_user.is_authenticated:
        return {}
    key = os.environ.get("BESTCHATBOT_SIGNING_KEY")
    if not key:
        return {}
    claims = {"email": current_user.email.lower(), "name": current_user.name}  # expect: exp-missing
    return {"bestchatbot_token": jwt.encode(claims, key, algorithm="HS256")}
