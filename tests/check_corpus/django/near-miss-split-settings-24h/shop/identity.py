import time

import jwt
from django.conf import settings

ONE_DAY = 60 * 60 * 24  # the contract's hard maximum, and no more


def chat_identity(request):
    if not request.user.is_authenticated:
        return {"bestchatbot_token": None}
    email = (request.user.email or "").strip().lower()
    if not email:
        return {"bestchatbot_token": None}
    claims = {"email": email, "exp": int(time.time()) + ONE_DAY}
    return {"bestchatbot_token": jwt.encode(claims, settings.BESTCHATBOT_SIGNING_KEY, algorithm="HS256")}
