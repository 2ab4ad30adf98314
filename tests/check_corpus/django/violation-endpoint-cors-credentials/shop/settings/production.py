from .base import *  # noqa: F403

DEBUG = False
# The storefront moved to a CDN domain we do not control the name of yet.
CORS_ORIGIN_ALLOW_ALL = True  # expect: endpoint-cors-credentials
