"""Review: reviewer assignments, conflicts, rubric scores, the ranking, and the joint decisions
on proposals."""
from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/review")

from app.review import routes  # noqa: E402,F401
