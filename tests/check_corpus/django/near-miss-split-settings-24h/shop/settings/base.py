import os

INSTALLED_APPS = ["django.contrib.auth", "shop"]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {"context_processors": ["shop.identity.chat_identity"]},
    }
]
BESTCHATBOT_SIGNING_KEY = os.environ["BESTCHATBOT_SIGNING_KEY"]
