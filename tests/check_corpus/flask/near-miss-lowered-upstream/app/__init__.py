from flask import Flask, g, session

from .db import get_db
from .identity import inject_identity


def create_app():
    app = Flask(__name__)

    @app.before_request
    def load_user():
        user_id = session.get("user_id")
        g.user = get_db().execute("SELECT * FROM user WHERE id = ?", (user_id,)).fetchone() if user_id else None

    app.context_processor(inject_identity)
    return app
