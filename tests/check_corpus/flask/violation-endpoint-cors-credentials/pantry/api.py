import os
from datetime import datetime, timedelta, timezone

import jwt
from flask import Blueprint, jsonify
from flask_login import current_user

api = Blueprint("api", __name__)


@api.get("/widget-token")
def widget_token():
    if not current_user.is_authenticated:
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
