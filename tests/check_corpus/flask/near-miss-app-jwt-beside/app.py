"""One module: the app's own API tokens (its secret, its lifetime) beside the widget's."""
import os
from datetime import datetime, timedelta, timezone

import jwt
from flask import Flask, abort, jsonify, request
from flask_login import current_user, login_required
from users import check_password

app = Flask(__name__)
API_SECRET = "local-dev-api-secret"


@app.post("/api/login")
def login():
    username = request.json["username"]
    if not check_password(username, request.json["password"]):
        abort(401)
    expires = datetime.now(timezone.utc) + timedelta(days=30)
    token = jwt.encode({"sub": username, "exp": expires}, API_SECRET, algorithm="HS512")
    return jsonify(token=token)


@app.get("/api/widget-token")
@login_required
def widget_token():
    key = os.environ.get("BESTCHATBOT_SIGNING_KEY")
    token = None
    if key:
        claims = {
            "email": current_user.email.lower(),
            "exp": datetime.now(timezone.utc) + timedelta(minutes=60),
        }
        token = jwt.encode(claims, key, algorithm="HS256")
    response = jsonify(token=token)
    response.headers["Cache-Control"] = "no-store, private"
    return response
