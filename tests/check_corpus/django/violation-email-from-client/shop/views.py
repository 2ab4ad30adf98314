import json
import os
from datetime import datetime, timedelta, timezone

import jwt
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
@login_required
def widget_token(request):
    key = os.environ.get("BESTCHATBOT_SIGNING_KEY")
    if not key:
        return JsonResponse({"token": None}, status=503)
    claims = {
        "email": json.loads(request.body)["email"].lower(),  # expect: email-from-client
        "exp": datetime.now(timezone.utc) + timedelta(hours=1),
    }
    token = jwt.encode(claims, key, algorithm="HS256")
    return JsonResponse({"token": token})
