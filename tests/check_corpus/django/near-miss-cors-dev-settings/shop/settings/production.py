from .base import *  # noqa: F403

DEBUG = False
CORS_ALLOWED_ORIGINS = ["https://shop.example.com"]
CORS_URLS_REGEX = r"^/api/.*$"
