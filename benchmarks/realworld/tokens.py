"""The person every deep check signs in as, and the token contract they all verify."""

from __future__ import annotations

import time

import jwt

PERSON = {
    "id": "7",
    "name": "Ada Lovelace",
    "username": "ada",
    "email": "Ada.Lovelace@Example.COM",
    "password": "Analytical-Engine-1843",
}


def check_token(token: str, key: str, email: str) -> str | None:
    """None when the token is the contract's (HS256 with the key from the environment,
    lowercased email, `exp` within the hour), else what is wrong with it."""
    try:
        claims = jwt.decode(token, key, algorithms=["HS256"], options={"require": ["exp"]})
    except jwt.PyJWTError as exc:
        return f"token does not verify: {exc}"
    if claims.get("email") != email.lower():
        return f"email claim {claims.get('email')!r}, expected {email.lower()!r}"
    lifetime = float(claims["exp"]) - time.time()
    if not 0 < lifetime <= 3600 + 60:
        return f"exp {lifetime:.0f}s from now, expected at most an hour"
    return None
