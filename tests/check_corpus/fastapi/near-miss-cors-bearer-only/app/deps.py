from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer

from .models import User

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/login")
optional_scheme = OAuth2PasswordBearer(tokenUrl="/api/login", auto_error=False)


def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> User:
    user = User.from_token(token)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED)
    return user


def get_user_or_none(token: Annotated[str | None, Depends(optional_scheme)]) -> User | None:
    return User.from_token(token) if token else None


CurrentUser = Annotated[User, Depends(get_current_user)]
