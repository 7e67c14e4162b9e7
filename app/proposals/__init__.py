"""Proposals: a venture's answer to a challenge, from draft to decision; the per-venture and
per-challenge lists."""
from flask import Blueprint

bp = Blueprint("proposals", __name__)

from app.proposals import routes  # noqa: E402,F401
