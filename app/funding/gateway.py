"""The one adapter around the official stripe library (being written by a helper; minimal for now)."""
from flask_babel import lazy_gettext as _l

PROBLEMS = {
    "insufficient_balance": _l("The platform's Stripe balance is too low."),
    "account_not_enabled": _l("The payee's Stripe account cannot receive payouts yet."),
    "api_error": _l("Stripe had an error."),
}


class PaymentError(Exception):
    def __init__(self, problem: str, detail: str = "", retryable: bool = False):
        super().__init__(detail or problem)
        self.problem, self.detail, self.retryable = problem, detail, retryable

    @property
    def label(self):
        return PROBLEMS.get(self.problem, PROBLEMS["api_error"])


class BadSignature(Exception):
    pass


class StripeGateway:  # replaced by the helper's adapter
    def __init__(self, *args, **kwargs):
        raise NotImplementedError
