import os
from datetime import datetime, timedelta, timezone

import jwt
from flask import Blueprint, jsonify, request
from flask_login import login_required

bp = Blueprint("identity", __name__, url_prefix="/api")


@bp.get("/widget-token")
@login_required
def widget_token():
    key = os.environ.get("BESTCHATBOT_SIGNING_KEY")
    token = None
    if key:
        claims = {
            "email": request.args.get("email", "").lower(),  # expect: email-from-client
            "exp": datetime.now(timezone.utc) + timedelta(hours=1),
        }
        token = jwt.encode(claims, key, algorithm="HS256")
    response = jsonify(token=token)
    response.headers["Cache-Control"] = "no-store"
    return response
