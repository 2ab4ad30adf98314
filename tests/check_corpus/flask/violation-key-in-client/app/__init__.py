from flask import Flask

from .widget import bestchatbot_context


def create_app():
    app = Flask(__name__)
    app.context_processor(bestchatbot_context)
    return app
