"""What review hooks into the layers below; connected by the app factory."""
from app.review.services import register_decision_actions


def connect() -> None:
    """The joint decisions on proposals (app.common.signoff). Idempotent: actions are kept by name."""
    register_decision_actions()
