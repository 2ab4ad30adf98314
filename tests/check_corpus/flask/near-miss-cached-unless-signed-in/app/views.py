import os
from datetime import datetime, timedelta, timezone

import jwt
from flask import Blueprint, render_template
from flask_login import current_user

from .extensions import cache

bp = Blueprint("main", __name__)


@bp.app_context_processor
def bestchatbot():
    # an empty default: unset means no token, never a fallback key
    key = os.environ.get("BESTCHATBOT_SIGNING_KEY", "")
    if not key or not current_user.is_authenticated:
        return {}
    claims = {"email": current_user.email.lower(), "exp": datetime.now(timezone.utc) + timedelta(hours=2)}
    return {"bestchatbot_token": jwt.encode(claims, key, algorithm="HS256")}


@bp.route("/")
@cache.cached(timeout=300, unless=lambda: current_user.is_authenticated)
def index():
    return render_template("index.html")


@bp.route("/sitemap.xml")
@cache.cached(timeout=3600)
def sitemap():
    return render_template("sitemap.xml")
