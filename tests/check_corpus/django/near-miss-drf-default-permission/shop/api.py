from datetime import timedelta

import jwt
from django.conf import settings
from django.utils import timezone
from django.views.decorators.cache import never_cache
from rest_framework.decorators import api_view
from rest_framework.response import Response


@never_cache
@api_view(["GET"])
def widget_token(request):
    # IsAuthenticated comes from REST_FRAMEWORK's defaults; None is no default key
    key = getattr(settings, "BESTCHATBOT_SIGNING_KEY", None)
    if key is None:
        return Response({"token": None}, status=503)
    claims = {"email": request.user.email.lower(), "exp": timezone.now() + timedelta(minutes=45)}
    return Response({"token": jwt.encode(claims, key, algorithm="HS256")})
