from flask import Flask
from flask_login import LoginManager

from .widget import widget_context

login_manager = LoginManager()


def create_app():
    app = Flask(__name__)
    app.config.from_object("app.config.Config")
    login_manager.init_app(app)
    app.context_processor(widget_context)
    return app
