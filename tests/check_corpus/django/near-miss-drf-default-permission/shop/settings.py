import os

INSTALLED_APPS = ["django.contrib.auth", "rest_framework", "shop"]
ROOT_URLCONF = "shop.urls"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
BESTCHATBOT_SIGNING_KEY = os.environ.get("BESTCHATBOT_SIGNING_KEY")
