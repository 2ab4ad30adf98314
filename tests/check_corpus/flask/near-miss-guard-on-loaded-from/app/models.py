from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Plotholder(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(255), unique=True, nullable=False)
    full_name = db.Column(db.String(120))
