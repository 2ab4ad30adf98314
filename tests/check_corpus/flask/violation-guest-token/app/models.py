from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class User(UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(255), unique=True)
    # "continue as guest" creates a throwaway account with a generated address
    is_guest = db.Column(db.Boolean, default=False, nullable=False)
