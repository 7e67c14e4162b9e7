"""Which payment backend this application uses: Stripe when a secret key is configured, else the
manual backend (no gateway: deposits by bank transfer recorded by staff, payouts by remittance).
One StripeGateway per application, built on first use."""
from urllib.parse import urlsplit

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


# Where Stripe's hosted pages live: Checkout, and Connect's onboarding.
STRIPE_PAGES = ("https://checkout.stripe.com", "https://connect.stripe.com")


def hosted_page_origins() -> tuple[str, ...]:
    """The origins our forms redirect to for Stripe's hosted pages; a configured API base (a local
    fake Stripe) serves its own."""
    base = current_app.config.get("STRIPE_API_BASE")
    if base:
        parts = urlsplit(base)
        return (f"{parts.scheme}://{parts.netloc}",)
    return STRIPE_PAGES
