from dataclasses import dataclass

from flask_login import UserMixin


@dataclass
class User(UserMixin):
    id: int
    email: str
    name: str

    @classmethod
    def find(cls, user_id: int) -> "User | None":
        return _USERS.get(user_id)


_USERS: dict[int, User] = {}
