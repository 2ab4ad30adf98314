import os
from datetime import datetime, timedelta, timezone

import jwt
from fastapi import APIRouter, Header, HTTPException, Response
from firebase_admin import auth

router = APIRouter()


@router.get("/widget-token")
def widget_token(response: Response, authorization: str = Header(...)):
    response.headers["Cache-Control"] = "no-store"
    try:
        decoded = auth.verify_id_token(authorization.removeprefix("Bearer "))
    except auth.InvalidIdTokenError:
        raise HTTPException(status_code=401)
    email = decoded.get("email")
    if not email:
        return {"token": None}
    claims = {"email": email.lower(), "exp": datetime.now(timezone.utc) + timedelta(hours=1)}
    return {"token": jwt.encode(claims, os.environ["BESTCHATBOT_SIGNING_KEY"], algorithm="HS256")}  # expect: guest-token
