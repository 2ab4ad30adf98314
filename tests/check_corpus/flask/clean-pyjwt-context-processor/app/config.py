import os


class Config:
    SECRET_KEY = os.environ["FLASK_SECRET_KEY"]
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite:///app.db")


# read once at import: the widget's key lives in the environment only
BESTCHATBOT_KEY = os.environ.get("BESTCHATBOT_SIGNING_KEY")
