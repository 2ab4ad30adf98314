import os
from datetime import datetime, timedelta, timezone

import jwt
from flask import Blueprint, jsonify, request
from flask_login import current_user

api = Blueprint("api", __name__)


def _other_site_with_cookies() -> bool:
    """Fetch Metadata: another site's page, sending the visitor's cookies. CORS lets every
    origin in during development, so such a request gets no token."""
    cross = request.headers.get("Sec-Fetch-Site") == "cross-site"
    return cross and "Authorization" not in request.headers


@api.get("/widget-token")
def widget_token():
    if _other_site_with_cookies():
        response = jsonify(token=None)
        response.status_code = 403
    elif not current_user.is_authenticated:
        response = jsonify(token=None)
        response.status_code = 401
    elif not os.environ.get("BESTCHATBOT_SIGNING_KEY"):
        response = jsonify(token=None)
        response.status_code = 503
    else:
        claims = {
            "email": current_user.email.lower(),
            "name": current_user.name,
            "exp": datetime.now(timezone.utc) + timedelta(hours=1),
        }
        key = os.environ["BESTCHATBOT_SIGNING_KEY"]
        response = jsonify(token=jwt.encode(claims, key, algorithm="HS256"))
    response.headers["Cache-Control"] = "no-store"
    return response
