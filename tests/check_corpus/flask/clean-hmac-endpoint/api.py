"""JSON API for the single-page frontend."""
import base64
import hashlib
import hmac
import json
import time

from flask import Blueprint, current_app, jsonify
from flask_login import current_user, login_required

api = Blueprint("api", __name__, url_prefix="/api")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_hs256(claims: dict, key: str) -> str:
    """A compact JWT signed with HMAC-SHA256, without a JWT library."""
    header = {"alg": "HS256", "typ": "JWT"}
    segments = [
        _b64url(json.dumps(header, separators=(",", ":")).encode()),
        _b64url(json.dumps(claims, separators=(",", ":")).encode()),
    ]
    signing_input = ".".join(segments)
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


@api.get("/widget-token")
@login_required
def widget_token():
    key = current_app.config.get("BESTCHATBOT_SIGNING_KEY")
    if not key:
        response = jsonify(token=None)
        response.status_code = 503
    else:
        claims = {
            "email": current_user.email.strip().lower(),
            "user_id": str(current_user.id),
            "exp": int(time.time()) + 3600,
        }
        response = jsonify(token=sign_hs256(claims, key))
    response.headers["Cache-Control"] = "no-store"
    return response
