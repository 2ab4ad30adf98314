from flask import Blueprint, render_template

from .extensions import cache

bp = Blueprint("main", __name__)


@bp.route("/")
@cache.cached(timeout=300)  # expect: inline-token-page-cache
def index():
    return render_template("index.html")
