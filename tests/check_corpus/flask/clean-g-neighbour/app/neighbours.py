"""Neighbours sign in with a one-time code; the session keeps their id."""
import sqlite3

from flask import g, session


def load_neighbour():
    g.neighbour = None
    neighbour_id = session.get("neighbour_id")
    if neighbour_id is not None:
        db = sqlite3.connect("street.db")
        db.row_factory = sqlite3.Row
        g.neighbour = db.execute(
            "SELECT id, email, nickname FROM neighbour WHERE id = ?", (neighbour_id,)
        ).fetchone()
