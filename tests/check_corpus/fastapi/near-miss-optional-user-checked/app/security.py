"""The API's own access tokens: its own secret and lifetime, not the widget's."""
from datetime import datetime, timedelta, timezone

import jwt

SECRET_KEY = "changeme"
ACCESS_TOKEN_EXPIRE = timedelta(days=7)


def create_access_token(subject: str) -> str:
    expire = datetime.now(timezone.utc) + ACCESS_TOKEN_EXPIRE
    return jwt.encode({"sub": subject, "exp": expire}, SECRET_KEY)
