import os
import time

import jwt
from fastapi import APIRouter, Request, Response

router = APIRouter()


@router.get("/widget-token")
def widget_token(request: Request, response: Response) -> dict[str, str | None]:
    response.headers["Cache-Control"] = "no-store"
    member = request.session.get("member")
    if not member:
        response.status_code = 401
        return {"token": None}
    key = os.environ.get("BESTCHATBOT_SIGNING_KEY")
    if not key:
        response.status_code = 503
        return {"token": None}
    claims = {"email": member["email"].lower(), "exp": int(time.time()) + 3600}
    return {"token": jwt.encode(claims, key, algorithm="HS256")}
