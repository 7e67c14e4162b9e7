"""What auth does when a lower domain signals (app.common.signals); connected by the app factory."""
from app.auth.services.accounts import set_locale
from app.common import signals


def connect() -> None:
    """Idempotent: blinker keeps one connection per receiver, however many apps are built."""
    signals.language_chosen.connect(set_locale)  # the profile keeps the switcher's choice
