"""What funding does when a lower domain signals, and the joint decisions it registers; connected by
the app factory."""
from app.common import signals
from app.funding import payments, services


def connect() -> None:
    """Idempotent: blinker keeps one connection per receiver; actions are kept by name."""
    services.register_decision_actions()
    services.use_gateway_provider(payments.gateway)
    signals.proposal_selected.connect(services.tell_staff_to_propose_award)
