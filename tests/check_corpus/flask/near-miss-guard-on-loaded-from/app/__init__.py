from flask import Flask

from .models import db
from .widget import widget_context


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///allotments.db"
    db.init_app(app)
    app.context_processor(widget_context)
    return app
