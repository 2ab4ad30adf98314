from api import api
from flask import Flask
from flask_login import LoginManager

app = Flask(__name__)
app.config.from_object("config.Config")
LoginManager(app)
app.register_blueprint(api)
