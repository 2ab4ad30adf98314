import environ

env = environ.Env()
SECRET_KEY = env("DJANGO_SECRET_KEY")
INSTALLED_APPS = ["django.contrib.auth", "rest_framework", "accounts"]
ROOT_URLCONF = "config.urls"
BESTCHATBOT_SIGNING_KEY = env("BESTCHATBOT_SIGNING_KEY")
