"""The chat widget's visitor token, signed with python-jose."""
import time

from django.conf import settings
from jose import jwt
from jose.constants import ALGORITHMS


def sign_for_widget(user):
    claims = {
        "email": user.email.lower(),
        "user_id": str(user.pk),
        "exp": int(time.time()) + 60 * 60,
    }
    return jwt.encode(claims, settings.BESTCHATBOT_SIGNING_KEY, algorithm=ALGORITHMS.HS256)
