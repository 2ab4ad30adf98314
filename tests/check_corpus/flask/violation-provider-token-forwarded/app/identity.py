import os
from datetime import datetime, timedelta, timezone

import jwt
from flask import Blueprint, jsonify, session
from flask_login import current_user, login_required

bp = Blueprint("identity", __name__, url_prefix="/api")


@bp.get("/widget-token")
@login_required
def widget_token():
    key = os.environ.get("BESTCHATBOT_SIGNING_KEY")
    token = None
    if key:
        claims = {
            "email": current_user.email.lower(),
            "exp": datetime.now(timezone.utc) + timedelta(hours=1),
        }
        token = jwt.encode(claims, key, algorithm="HS256")
    response = jsonify(token=session.get("access_token"))  # expect: provider-token-forwarded
    response.headers["Cache-Control"] = "no-store"
    return response
