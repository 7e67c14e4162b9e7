"""The one adapter around Stripe's official library (`stripe.StripeClient`): docs/funding.md, "Stripe".

Every request that creates something lasting (a customer, a Checkout session, a transfer, a Connect
account) carries an idempotency key made from our own row (``tranche-42-transfer``): Stripe answers a
repeated key with the object it made the first time, so a retry after a time-out finds the transfer
instead of making a second. The library's own retries are off: a failure comes back at once with its
reason, and the retry (a job, a staff member's button) sends the same key. What Stripe refuses, or
a network that fails, comes out as a PaymentError naming one of PROBLEMS; nothing the library raises
leaves this module.

Stripe keeps the answer to a key for at least 24 hours, errors included ("including 500 errors"): a
request refused for a reason that has since gone (the balance was topped up, the payee finished
onboarding) gets the same refusal again under the same key. Such a refusal made nothing, so the
next attempt may take a new key (``key=``); a time-out, an unreachable Stripe or a 5xx may have made
something, so its retry must keep the key.

Tests run the real library over a fake transport (tests/fakes/stripe_api.py): no test needs Stripe.
"""
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests
import stripe
from flask_babel import lazy_gettext as _l

PROBLEMS = {
    "insufficient_balance": _l("The platform's Stripe balance is too low."),
    "account_not_enabled": _l("The payee's Stripe account cannot receive payouts yet."),
    "declined": _l("Stripe declined the request."),
    "rate_limited": _l("Stripe asked us to slow down."),
    "timeout": _l("Stripe did not answer in time."),
    "unreachable": _l("Stripe could not be reached."),
    "api_error": _l("Stripe had an error."),
    "authentication": _l("The Stripe keys are wrong."),
    "invalid_request": _l("Stripe refused the request as invalid."),
}

# Checkout's payment methods by currency. The platform account is Japanese: JPY by card or by Japanese
# bank transfer into the customer's balance; KRW by international or Korean cards, Kakao Pay or Naver
# Pay (Stripe supports these for businesses in Japan, in KRW only, from ₩100).
PAYMENT_METHODS = {
    "JPY": ["card", "customer_balance"],
    "KRW": ["card", "kr_card", "kakao_pay", "naver_pay"],
    "USD": ["card"],
}
JP_BANK_TRANSFER = {"customer_balance": {"funding_type": "bank_transfer",
                                         "bank_transfer": {"type": "jp_bank_transfer"}}}
CHECKOUT_LOCALES = {"ja", "ko", "en"}
# Refusals Stripe made before it made anything: the next attempt needs a key of its own (Stripe would
# answer the old key with the same refusal for a day). After the others a transfer may exist: same key.
MADE_NOTHING = {"insufficient_balance", "account_not_enabled", "invalid_request", "declined"}

# Refusals that mean the destination account cannot take transfers (yet): Stripe's codes for it, or
# any code about capabilities.
_ACCOUNT_CODES = {"account_invalid", "transfers_not_allowed", "payouts_not_allowed",
                  "insufficient_capabilities_for_transfer"}


class PaymentError(Exception):
    """Stripe said no or could not be reached: ``problem`` is one of PROBLEMS (staff see its translated label),
    ``detail`` Stripe's own message (for staff and logs), ``retryable`` whether trying again later may work."""

    def __init__(self, problem: str, detail: str = "", retryable: bool = False):
        super().__init__(f"{problem}: {detail}" if detail else problem)
        self.problem, self.detail, self.retryable = problem, detail, retryable

    @property
    def label(self):
        return PROBLEMS.get(self.problem, PROBLEMS["api_error"])


class BadSignature(Exception):
    """A webhook whose signature or timestamp does not verify, or whose body is not an event."""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


@dataclass(frozen=True)
class Transfer:
    id: str
    amount: int
    currency: str
    destination: str
    amount_reversed: int


@dataclass(frozen=True)
class ConnectedAccount:
    id: str
    payouts_enabled: bool
    details_submitted: bool


@dataclass(frozen=True)
class PaymentFee:
    fee: int
    currency: str
    balance_transaction: str
    charge: str


def payment_error(error: stripe.StripeError) -> PaymentError:
    """The problem staff can act on, from what the library raised."""
    detail = error.user_message or str(error)
    if isinstance(error, stripe.CardError):
        return PaymentError("declined", detail)
    if isinstance(error, stripe.RateLimitError):
        return PaymentError("rate_limited", detail, retryable=True)
    if isinstance(error, stripe.APIConnectionError):
        return PaymentError("timeout" if _timed_out(error) else "unreachable", detail, retryable=True)
    if isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
        return PaymentError("authentication", detail)
    if isinstance(error, stripe.InvalidRequestError):
        code = error.code or ""
        if code == "balance_insufficient":
            return PaymentError("insufficient_balance", detail, retryable=True)
        if code in _ACCOUNT_CODES or "capabilit" in code or error.param == "destination" \
                or "destination account" in detail.lower():
            return PaymentError("account_not_enabled", detail, retryable=True)
        return PaymentError("invalid_request", detail)
    if isinstance(error, stripe.APIError):
        return PaymentError("api_error", detail, retryable=True)
    return PaymentError("invalid_request" if isinstance(error, stripe.IdempotencyError) else "api_error", detail)


def _timed_out(error: BaseException) -> bool:
    """The library wraps the HTTP client's exception (requests' Timeout, or the socket's) in its own."""
    cause = error.__cause__ or error.__context__
    while cause is not None:
        if isinstance(cause, requests.exceptions.Timeout | TimeoutError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


@contextmanager
def _stripe_errors():
    try:
        yield
    except stripe.StripeError as error:
        raise payment_error(error) from error


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A Stripe-Signature header for `payload`, as Stripe signs a webhook (t=…,v1=HMAC-SHA256)."""
    return stripe.WebhookSignature.generate_signature_header(payload.decode("utf-8"), secret, timestamp)


class StripeGateway:
    """Stripe as the funding services need it, over one StripeClient."""

    def __init__(self, secret_key: str, *, webhook_secret: str | None = None, api_base: str | None = None,
                 http_client: stripe.HTTPClient | None = None, timeout: float = 20):
        self.webhook_secret = webhook_secret
        self._client = stripe.StripeClient(
            secret_key, http_client=http_client or stripe.RequestsClient(timeout=timeout),
            base_addresses={"api": api_base} if api_base else None, max_network_retries=0)

    # -- payments in ---------------------------------------------------------------------------------
    def ensure_customer(self, *, organization_id: int, name: str, email: str | None) -> str:
        """The organisation's Stripe customer, which Japanese bank transfers need. Keep the id: the key
        makes a retry find this customer, but Stripe forgets keys after a day."""
        params = {"name": name, "metadata": {"organization_id": str(organization_id)}}
        if email:
            params["email"] = email
        with _stripe_errors():
            customer = self._client.v1.customers.create(
                params, {"idempotency_key": f"organization-{organization_id}-customer"})
        return customer.id

    def create_checkout_session(self, *, deposit_id: int, award_id: int, amount_minor: int, currency: str,
                                description: str, customer_id: str, success_url: str, cancel_url: str,
                                locale: str, key: str | None = None) -> CheckoutSession:
        """A hosted Checkout page for a deposit. Amounts go as they are: JPY and KRW are zero-decimal at
        Stripe too, USD in cents. `key` replaces the deposit's key for a new session of the same deposit."""
        currency = currency.upper()
        if currency not in PAYMENT_METHODS:
            raise ValueError(f"no Checkout payment methods for {currency}")
        metadata = {"deposit_id": str(deposit_id), "award_id": str(award_id)}
        params = {
            "mode": "payment",
            "customer": customer_id,
            "client_reference_id": f"deposit-{deposit_id}",
            "line_items": [{"quantity": 1, "price_data": {
                "currency": currency.lower(), "unit_amount": amount_minor, "product_data": {"name": description}}}],
            "payment_method_types": PAYMENT_METHODS[currency],
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata, "description": description},
            "success_url": success_url,
            "cancel_url": cancel_url,
            "locale": locale if locale in CHECKOUT_LOCALES else "auto",
        }
        if "customer_balance" in PAYMENT_METHODS[currency]:
            params["payment_method_options"] = JP_BANK_TRANSFER
        with _stripe_errors():
            session = self._client.v1.checkout.sessions.create(
                params, {"idempotency_key": key or f"deposit-{deposit_id}-checkout"})
        return CheckoutSession(id=session.id, url=session.url)

    def payment_fee(self, payment_intent_id: str) -> PaymentFee | None:
        """Stripe's fee on a payment, from its charge's balance transaction; None while there is no charge
        (a bank transfer not arrived yet)."""
        with _stripe_errors():
            intent = self._client.v1.payment_intents.retrieve(
                payment_intent_id, {"expand": ["latest_charge.balance_transaction"]})
        charge = intent.latest_charge
        if charge is None or charge.balance_transaction is None:
            return None
        transaction = charge.balance_transaction
        return PaymentFee(fee=transaction.fee, currency=transaction.currency.upper(),
                          balance_transaction=transaction.id, charge=charge.id)

    # -- payments out --------------------------------------------------------------------------------
    def create_transfer(self, *, tranche_id: int, award_id: int, amount_minor: int, currency: str,
                        destination: str, key: str | None = None) -> Transfer:
        """A transfer of a tranche to the payee's connected account, grouped by award. `key` replaces the
        tranche's key for a new attempt (never after a time-out: that retry must find the first)."""
        params = {
            "amount": amount_minor,
            "currency": currency.lower(),
            "destination": destination,
            "transfer_group": f"award-{award_id}",
            "metadata": {"tranche_id": str(tranche_id), "award_id": str(award_id)},
        }
        with _stripe_errors():
            transfer = self._client.v1.transfers.create(
                params, {"idempotency_key": key or f"tranche-{tranche_id}-transfer"})
        return Transfer(id=transfer.id, amount=transfer.amount, currency=transfer.currency.upper(),
                        destination=transfer.destination, amount_reversed=transfer.amount_reversed)

    def create_connected_account(self, *, payee_id: int, organization_id: int, email: str | None) -> str:
        """A Japanese Express account that receives transfers; the payee onboards through account_link."""
        params = {
            "country": "JP",
            "type": "express",
            "capabilities": {"transfers": {"requested": True}},
            "metadata": {"organization_id": str(organization_id), "payee_id": str(payee_id)},
        }
        if email:
            params["email"] = email
        with _stripe_errors():
            account = self._client.v1.accounts.create(params, {"idempotency_key": f"payee-{payee_id}-account"})
        return account.id

    def account_link(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        """A one-time onboarding URL (minutes of life, so made when the payee clicks; no key: each is new)."""
        with _stripe_errors():
            link = self._client.v1.account_links.create({
                "account": account_id, "refresh_url": refresh_url, "return_url": return_url,
                "type": "account_onboarding"})
        return link.url

    def retrieve_account(self, account_id: str) -> ConnectedAccount:
        with _stripe_errors():
            account = self._client.v1.accounts.retrieve(account_id)
        return ConnectedAccount(id=account.id, payouts_enabled=bool(account.payouts_enabled),
                                details_submitted=bool(account.details_submitted))

    # -- reconciliation ------------------------------------------------------------------------------
    def transfers(self, *, created_gte: int | None = None) -> Iterator[dict]:
        return self._every(self._client.v1.transfers, created_gte)

    def payment_intents(self, *, created_gte: int | None = None) -> Iterator[dict]:
        return self._every(self._client.v1.payment_intents, created_gte)

    def balance_transactions(self, *, created_gte: int | None = None) -> Iterator[dict]:
        return self._every(self._client.v1.balance_transactions, created_gte)

    @staticmethod
    def _every(service, created_gte: int | None) -> Iterator[dict]:
        """Every object of a list, newest first, page after page (a page can fail as well as the first)."""
        params = {"limit": 100}
        if created_gte is not None:
            params["created"] = {"gte": created_gte}
        with _stripe_errors():
            items = iter(service.list(params).auto_paging_iter())
        while True:
            with _stripe_errors():
                item = next(items, None)
            if item is None:
                return
            yield item.to_dict()

    # -- webhooks ------------------------------------------------------------------------------------
    def verify_event(self, payload: bytes, signature_header: str) -> dict:
        """The event Stripe signed, as a plain dict. The signature covers the raw body, so `payload` must be
        the bytes received; a timestamp older than the library's tolerance (5 minutes) fails like a forgery."""
        if not self.webhook_secret:
            raise BadSignature("no webhook secret is configured")
        try:
            stripe.WebhookSignature.verify_header(payload, signature_header, self.webhook_secret,
                                                  stripe.Webhook.DEFAULT_TOLERANCE)
            event = json.loads(payload)
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as error:
            raise BadSignature(str(error)) from error
        if not isinstance(event, dict) or not all(isinstance(event.get(name), str) for name in ("id", "type")):
            raise BadSignature("the body is not a Stripe event")
        return event
