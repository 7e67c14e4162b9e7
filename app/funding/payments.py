"""Which payment backend this application uses: Stripe when a secret key is configured, else the
manual backend (no gateway: deposits by bank transfer recorded by staff, payouts by remittance).
One StripeGateway per application, built on first use."""
from flask import current_app

from app.funding.gateway import StripeGateway


def gateway():
    """The application's StripeGateway, or None for the manual backend."""
    app = current_app._get_current_object()
    if "stripe_gateway" not in app.extensions:
        key = app.config.get("STRIPE_SECRET_KEY")
        app.extensions["stripe_gateway"] = StripeGateway(
            key, webhook_secret=app.config.get("STRIPE_WEBHOOK_SECRET"),
            api_base=app.config.get("STRIPE_API_BASE")) if key else None
    return app.extensions["stripe_gateway"]


def use_gateway(app, chosen) -> None:
    """Put a gateway in place (tests: one over the fake Stripe; None: the manual backend)."""
    app.extensions["stripe_gateway"] = chosen
