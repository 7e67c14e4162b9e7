"""Funding: awards on selected proposals, milestone tranches, company deposits through Stripe,
remittances and MSS disbursements to ventures, on an append-only double-entry ledger
(docs/funding.md). Stripe's webhooks arrive at /webhooks/stripe (``webhooks_bp``)."""
from flask import Blueprint

bp = Blueprint("funding", __name__, url_prefix="/funding")
webhooks_bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

from app.funding import reconciliation_routes, routes, webhooks  # noqa: E402,F401
