"""What proposals does when a lower domain signals (app.common.signals); connected by the app factory."""
from app.common import signals
from app.proposals.services import proposers_following, tell_proposers_the_call_closed


def connect() -> None:
    """Idempotent: blinker keeps one connection per receiver, however many apps are built."""
    signals.challenge_closed.connect(tell_proposers_the_call_closed)
    signals.challenge_followers.connect(proposers_following)
