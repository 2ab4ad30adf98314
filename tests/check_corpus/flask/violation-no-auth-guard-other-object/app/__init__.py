from flask import Flask

from .neighbours import load_neighbour
from .widget import widget_context


def create_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "dev-only"
    app.before_request(load_neighbour)
    app.context_processor(widget_context)
    return app
