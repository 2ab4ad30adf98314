from flask import Flask
from flask_cors import CORS
from flask_login import LoginManager

from .models import User

login_manager = LoginManager()


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.from_prefixed_env()
    login_manager.init_app(app)
    # The Vue frontend runs on its own dev server.
    CORS(app, supports_credentials=True)

    from .api import api

    app.register_blueprint(api, url_prefix="/api")
    return app


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return User.find(int(user_id))
