"""The chat widget's visitor tokens, signed with authlib."""
import os
import time

from authlib.jose import jwt


def widget_token_for(user) -> str:
    header = {"alg": "HS256", "typ": "JWT"}
    payload = {"email": user.email.lower(), "exp": int(time.time()) + 30 * 60}
    return jwt.encode(header, payload, os.environ["BESTCHATBOT_SIGNING_KEY"]).decode()
