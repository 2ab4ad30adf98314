import time

import jwt
from django.conf import settings


def widget_token(request):
    user = request.user
    if not user.is_authenticated:
        return {}
    if not settings.BESTCHATBOT_SIGNING_KEY:
        return {}
    claims = {
        "email": user.email.lower(),
        "name": user.get_full_name(),
        "exp": int(time.time()) + 3600,
    }
    return {"bestchatbot_token": jwt.encode(claims, settings.BESTCHATBOT_SIGNING_KEY, algorithm="HS256")}
