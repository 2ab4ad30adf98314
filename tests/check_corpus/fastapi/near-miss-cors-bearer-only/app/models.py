from pydantic import BaseModel


class User(BaseModel):
    id: int
    email: str
    full_name: str | None = None

    @classmethod
    def from_token(cls, token):
        return None
