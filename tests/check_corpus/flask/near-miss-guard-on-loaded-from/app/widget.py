import os
from datetime import datetime, timedelta, timezone

import jwt
from flask import session

from .models import Plotholder, db


def widget_context():
    # the guard is on the session key the plot holder is loaded from, not on the object
    if "plotholder_id" not in session:
        return {}
    holder = db.session.get(Plotholder, session["plotholder_id"])
    key = os.environ.get("BESTCHATBOT_SIGNING_KEY")
    if not key:
        return {}
    claims = {
        "email": holder.email.lower(),
        "user_id": str(holder.id),
        "exp": datetime.now(timezone.utc) + timedelta(hours=1),
    }
    return {"bestchatbot_token": jwt.encode(claims, key, algorithm="HS256")}
