import os


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    BESTCHATBOT_SIGNING_KEY = os.environ.get("BESTCHATBOT_SIGNING_KEY")
