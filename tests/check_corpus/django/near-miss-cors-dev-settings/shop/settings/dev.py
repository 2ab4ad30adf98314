from .base import *  # noqa: F403

DEBUG = True
# Any local frontend port while developing.
CORS_ALLOW_ALL_ORIGINS = True
