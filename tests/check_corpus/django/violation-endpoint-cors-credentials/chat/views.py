import os
from datetime import datetime, timedelta, timezone

import jwt
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def widget_token(request):
    user = request.user
    if not user.is_authenticated:
        return JsonResponse({"token": None}, status=401)
    key = os.environ.get("BESTCHATBOT_SIGNING_KEY")
    if not key:
        return JsonResponse({"token": None}, status=503)
    claims = {
        "email": user.email.lower(),
        "user_id": str(user.pk),
        "exp": datetime.now(timezone.utc) + timedelta(hours=1),
    }
    return JsonResponse({"token": jwt.encode(claims, key, algorithm="HS256")})
