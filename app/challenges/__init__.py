"""Challenges: posting, review, publication, the NDA tier, clarification Q&A and search."""
from flask import Blueprint

bp = Blueprint("challenges", __name__, url_prefix="/challenges")

from app.challenges import routes  # noqa: E402,F401
