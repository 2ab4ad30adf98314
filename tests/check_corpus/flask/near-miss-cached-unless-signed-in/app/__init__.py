from flask import Flask

from .extensions import cache
from .views import bp


def create_app():
    app = Flask(__name__)
    cache.init_app(app)
    app.register_blueprint(bp)
    return app
