import os
from datetime import datetime, timedelta, timezone

import jwt
from flask import Blueprint, jsonify
from flask_login import current_user, login_required

bp = Blueprint("identity", __name__, url_prefix="/api")


@bp.get("/widget-token")
@login_required
def widget_token():  # expect: endpoint-no-store
    key = os.environ.get("BESTCHATBOT_SIGNING_KEY")
    token = None
    if key:
        claims = {
            "email": current_user.email.lower(),
            "exp": datetime.now(timezone.utc) + timedelta(hours=1),
        }
        token = jwt.encode(claims, key, algorithm="HS256")
    response = jsonify(token=token)
    return response
