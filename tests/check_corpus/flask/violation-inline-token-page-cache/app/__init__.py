from flask import Flask

from .extensions import cache
from .views import bp
from .widget import bestchatbot_context


def create_app():
    app = Flask(__name__)
    cache.init_app(app)
    app.register_blueprint(bp)
    app.context_processor(bestchatbot_context)
    return app
