"""A fake Stripe that the real `stripe` library talks to: in memory through FakeHTTPClient (a
stripe.HTTPClient, no socket), or over HTTP through tests/fakes/stripe_server.py.

It answers what app/funding/gateway.py asks, shaped as Stripe's API reference describes: customers;
Checkout Sessions in payment mode (cards, Japanese bank transfer into the customer balance, Korean
methods in KRW); PaymentIntents with their latest charge and its balance transaction, Stripe's fee
taken (cards 3.6 %, Stripe Japan's rate, rounded down; the bank transfer rate is the fake's own);
transfers and their reversals; refunds; Express accounts and account links; lists newest first, in
pages as Stripe cuts them (limit, starting_after, ending_before, has_more, created[gte|gt|lte|lt]);
`expand` of dotted paths.

The platform's balance is kept per currency, all of it available at once (as with Stripe's test card
that skips the pending balance): a payment adds what is left after the fee, a transfer takes, and a
transfer beyond the balance is refused with `balance_insufficient`.

Idempotency as Stripe documents it: the same Idempotency-Key with the same request gets the first
answer again (header Idempotent-Replayed: true), a refusal included once the endpoint had begun (a
balance too low, an account that cannot take transfers); a request refused for its parameters is not
kept; the same key with other parameters is a 400 idempotency_error. `forget_idempotency_keys()` plays
the day after which Stripe prunes them.

What happens outside the API the test drives: `complete_checkout` (the customer pays),
`receive_bank_transfer` / `fail_bank_transfer`, `expire_checkout`, `enable_account` (the payee finishes
onboarding), `top_up`, `reverse_transfer`, `refund`. Each change Stripe announces by webhook is an event
in `events` (made by `event()`, handed to `on_event` too); `sign()` gives the body and Stripe-Signature
header Stripe would send. Trouble is scripted: `fail_next` (Stripe answers an error), `time_out_next`
(the answer never arrives, after Stripe acted or before) and `disconnect_next` (the connection fails).
Every request is recorded in `requests`.
"""
import copy
import itertools
import json
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from urllib.parse import parse_qsl, urlsplit

import requests
import stripe
from requests.structures import CaseInsensitiveDict

from app.funding.gateway import StripeGateway, sign_payload

CURRENCIES = {"jpy", "krw", "usd"}
KOREAN_METHODS = {"kr_card", "kakao_pay", "naver_pay"}
PAYMENT_METHODS = {"card", "customer_balance"} | KOREAN_METHODS
LOCALES = {"auto", "en", "ja", "ko"}
KOREAN_MINIMUM = 100  # won: Stripe's least amount for the Korean methods
SESSION_LIFETIME = 24 * 3600
LINK_LIFETIME = 300

# The API's collections: path → object type.
COLLECTIONS = {
    "customers": "customer",
    "checkout/sessions": "checkout.session",
    "payment_intents": "payment_intent",
    "charges": "charge",
    "balance_transactions": "balance_transaction",
    "transfers": "transfer",
    "accounts": "account",
    "refunds": "refund",
}
# What each list may be filtered by, besides `created`.
LIST_FILTERS = {
    "transfer": ("destination", "transfer_group"),
    "balance_transaction": ("type", "source", "currency"),
    "payment_intent": ("customer",),
    "checkout.session": ("customer", "payment_intent"),
    "customer": ("email",),
    "account": (),
}
INSUFFICIENT_FUNDS = ("You have insufficient funds in your Stripe account. One likely reason you have insufficient "
                      "funds is that your funds are automatically being paid out; try enabling manual payouts.")
NO_TRANSFER_CAPABILITY = ("Your destination account needs to have at least one of the following capabilities "
                          "enabled: transfers, crypto_transfers, legacy_payments")


@dataclass
class RecordedRequest:
    method: str
    path: str
    params: dict
    idempotency_key: str | None
    headers: dict[str, str]


@dataclass
class Answer:
    status: int
    body: dict
    headers: dict[str, str] = field(default_factory=dict)
    # "timeout" or "disconnected": the client never reads this answer.
    lost: str | None = None


class StripeFailure(Exception):
    """An error answer in Stripe's shape. `kept` when the endpoint had begun: Stripe then keeps it as the
    answer to the request's idempotency key."""

    def __init__(self, status: int, message: str, *, error_type: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None, kept: bool = False):
        super().__init__(message)
        self.status, self.message, self.error_type = status, message, error_type
        self.code, self.param, self.kept = code, param, kept

    def answer(self) -> Answer:
        error = {"type": self.error_type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        return Answer(self.status, {"error": error})


def missing(param: str) -> StripeFailure:
    return StripeFailure(400, f"Missing required param: {param}.", code="parameter_missing", param=param)


def invalid(param: str, message: str) -> StripeFailure:
    return StripeFailure(400, message, code="parameter_invalid_integer" if "integer" in message else None,
                         param=param)


@dataclass
class Script:
    method: str
    path_prefix: str
    kind: str  # "fail", "timeout" or "disconnect"
    failure: StripeFailure | None = None
    processed: bool = False


def decode_form(encoded: str) -> dict:
    """Stripe's form encoding back into nested dicts and lists: ``metadata[award_id]=7`` and
    ``line_items[0][quantity]=1`` as the library writes them. Values stay the strings sent."""
    nested: dict = {}
    for key, value in parse_qsl(encoded, keep_blank_values=True):
        names = re.findall(r"[^\[\]]+", key)
        node = nested
        for name in names[:-1]:
            node = node.setdefault(name, {})
        node[names[-1]] = value
    return _listed(nested)


def _listed(node):
    if not isinstance(node, dict):
        return node
    if node and set(node) == {str(index) for index in range(len(node))}:
        return [_listed(node[str(index)]) for index in range(len(node))]
    return {key: _listed(value) for key, value in node.items()}


class FakeStripe:
    def __init__(self, *, secret_key: str = "sk_test_fake", webhook_secret: str = "whsec_fake",
                 pages_url: str | None = None):
        self.secret_key, self.webhook_secret = secret_key, webhook_secret
        # Where the hosted pages live: Stripe's own addresses unless the fake server serves them.
        self.pages_url = pages_url
        self.fee_percent = {"card": Decimal("3.6"), "customer_balance": Decimal("1.5")}
        self.balance: dict[str, int] = defaultdict(int)
        self.requests: list[RecordedRequest] = []
        self.events: list[dict] = []
        self.on_event: Callable[[dict], None] | None = None
        self.account_links: dict[str, dict] = {}  # account id → the latest link's URLs
        self._objects: dict[str, dict] = {}
        self._order: dict[str, int] = {}
        self._by_type: dict[str, list[str]] = defaultdict(list)
        self._kept: dict[str, tuple[tuple, Answer]] = {}
        self._scripts: list[Script] = []
        self._checkout: dict[str, dict] = {}  # session id → what the hosted page and the payment need
        self._serial = itertools.count(1)
        self._request: tuple[str, str | None] | None = None
        self._lock = threading.RLock()

    # -- what tests read -------------------------------------------------------------------------------
    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method.upper() and r.path == path]

    def events_of(self, event_type: str) -> list[dict]:
        return [e for e in self.events if e["type"] == event_type]

    def objects(self, object_type: str) -> list[dict]:
        """Every object of a type, oldest first, as Stripe holds it now."""
        return [copy.deepcopy(self._objects[i]) for i in self._by_type[object_type]]

    def get(self, object_id: str) -> dict:
        return copy.deepcopy(self._objects[object_id])

    def sign(self, event: dict, *, timestamp: int | None = None, secret: str | None = None) -> tuple[bytes, str]:
        """The body and Stripe-Signature header of the webhook Stripe would send for `event`."""
        body = json.dumps(event, indent=2).encode()
        return body, sign_payload(body, secret or self.webhook_secret, timestamp)

    # -- scripted trouble ------------------------------------------------------------------------------
    def fail_next(self, method: str, path_prefix: str, *, status: int, error_type: str, code: str | None = None,
                  message: str = "") -> None:
        """The next matching request gets this error before Stripe acts on it (nothing kept under its key)."""
        failure = StripeFailure(status, message or f"Scripted {error_type}", error_type=error_type, code=code)
        self._scripts.append(Script(method.upper(), path_prefix, "fail", failure))

    def time_out_next(self, method: str, path_prefix: str, *, processed: bool = True) -> None:
        """The next matching request's answer never arrives; `processed`: Stripe acted on it all the same
        (the case an idempotency key is for), else it never got there."""
        self._scripts.append(Script(method.upper(), path_prefix, "timeout", processed=processed))

    def disconnect_next(self, method: str, path_prefix: str) -> None:
        """The next matching request cannot connect: Stripe never sees it."""
        self._scripts.append(Script(method.upper(), path_prefix, "disconnect"))

    def forget_idempotency_keys(self) -> None:
        """A day has passed: Stripe pruned the keys, and a repeated key makes a new request."""
        self._kept.clear()

    # -- the API ---------------------------------------------------------------------------------------
    def handle(self, method: str, path: str, params: dict, headers: Mapping[str, str]) -> Answer:
        method = method.upper()
        headers = dict(headers)
        lowered = {name.lower(): value for name, value in headers.items()}
        key = lowered.get("idempotency-key")
        with self._lock:
            self.requests.append(RecordedRequest(method, path, copy.deepcopy(params), key, headers))
            request_id = f"req_fake{next(self._serial):06d}"
            script = self._script_for(method, path)
            if script and (script.kind == "disconnect" or (script.kind == "timeout" and not script.processed)):
                return Answer(0, {}, lost="disconnected" if script.kind == "disconnect" else "timeout")
            if script and script.kind == "fail":
                answer = script.failure.answer()
            elif lowered.get("authorization") != f"Bearer {self.secret_key}":
                answer = StripeFailure(401, "Invalid API Key provided.", error_type="invalid_request_error").answer()
            elif method == "POST" and key in self._kept:
                answer = self._replay(key, (method, path, params))
            else:
                self._request = (request_id, key)
                try:
                    answer = Answer(200, self._dispatch(method, path, params))
                    kept = True
                except StripeFailure as failure:
                    answer, kept = failure.answer(), failure.kept
                finally:
                    self._request = None
                if method == "POST" and key and kept:
                    self._kept[key] = ((method, path, copy.deepcopy(params)), copy.deepcopy(answer))
            answer.headers.setdefault("Request-Id", request_id)
            if script and script.kind == "timeout":
                answer.lost = "timeout"
            return answer

    def _script_for(self, method: str, path: str) -> Script | None:
        for script in self._scripts:
            if script.method == method and path.startswith(script.path_prefix):
                self._scripts.remove(script)
                return script
        return None

    def _replay(self, key: str, request: tuple) -> Answer:
        first, answer = self._kept[key]
        if first != request:
            return StripeFailure(
                400, f"Keys for idempotent requests can only be used with the same parameters they were first "
                     f"used with. Try using a key other than '{key}' if you meant to execute a different request.",
                error_type="idempotency_error").answer()
        replayed = copy.deepcopy(answer)
        replayed.headers["Idempotent-Replayed"] = "true"
        return replayed

    def _dispatch(self, method: str, path: str, params: dict) -> dict:
        if method == "POST":
            create = {"/v1/customers": self._create_customer, "/v1/checkout/sessions": self._create_session,
                      "/v1/transfers": self._create_transfer, "/v1/accounts": self._create_account,
                      "/v1/account_links": self._create_account_link}.get(path)
            if create is not None:
                return create(params)
        if method == "GET":
            for collection, object_type in COLLECTIONS.items():
                if path == f"/v1/{collection}" and object_type in LIST_FILTERS:
                    return self._list(collection, object_type, params)
                if match := re.fullmatch(rf"/v1/{collection}/([^/]+)", path):
                    return self._expanded(self._retrieve(object_type, match.group(1)), params.get("expand", []))
        raise StripeFailure(404, f"Unrecognized request URL ({method}: {path}).")

    # -- objects ---------------------------------------------------------------------------------------
    def _id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._serial):06d}"

    def _store(self, object_type: str, object_id: str, fields: dict) -> dict:
        obj = {"id": object_id, "object": object_type, "created": int(time.time()), "livemode": False, **fields}
        self._objects[object_id] = obj
        self._order[object_id] = len(self._order)
        self._by_type[object_type].append(object_id)
        return obj

    def _retrieve(self, object_type: str, object_id: str) -> dict:
        obj = self._objects.get(object_id)
        if obj is None or obj["object"] != object_type:
            raise StripeFailure(404, f"No such {object_type.split('.')[-1]}: '{object_id}'",
                                code="resource_missing", param="id")
        return obj

    def _helper_object(self, object_type: str, object_id: str) -> dict:
        """An object a test helper acts on: a wrong id is the test's mistake, not an API error."""
        obj = self._objects.get(object_id)
        if obj is None or obj["object"] != object_type:
            raise LookupError(f"the fake Stripe holds no {object_type} {object_id!r}")
        return obj

    def _expanded(self, obj: dict, paths: list[str]) -> dict:
        obj = copy.deepcopy(obj)
        for path in paths:
            self._expand(obj, path.split("."))
        return obj

    def _expand(self, node, names: list[str]) -> None:
        if not names or not isinstance(node, dict) or names[0] not in node:
            return
        value = node[names[0]]
        if isinstance(value, str) and value in self._objects:
            value = node[names[0]] = copy.deepcopy(self._objects[value])
        for item in value if isinstance(value, list) else [value]:
            self._expand(item, names[1:])

    def _list(self, collection: str, object_type: str, params: dict) -> dict:
        limit = self._integer(params, "limit", default=10)
        if not 1 <= limit <= 100:
            raise invalid("limit", "This value must be between 1 and 100.")
        created = params.get("created", {})
        bounds = created if isinstance(created, dict) else {"eq": created}
        compare = {"gte": int.__ge__, "gt": int.__gt__, "lte": int.__le__, "lt": int.__lt__, "eq": int.__eq__}
        items = [self._objects[i] for i in self._by_type[object_type]]
        items = [o for o in items
                 if all(compare[op](o["created"], int(v)) for op, v in bounds.items() if op in compare)
                 and all(str(o.get(name)) == params[name] for name in LIST_FILTERS[object_type] if name in params)]
        items.sort(key=lambda o: (o["created"], self._order[o["id"]]), reverse=True)
        ids = [o["id"] for o in items]
        if after := params.get("starting_after"):
            start = self._cursor(ids, after, object_type) + 1
            page, has_more = items[start:start + limit], start + limit < len(items)
        elif before := params.get("ending_before"):
            end = self._cursor(ids, before, object_type)
            page, has_more = items[max(0, end - limit):end], end - limit > 0
        else:
            page, has_more = items[:limit], limit < len(items)
        listed = {"object": "list", "url": f"/v1/{collection}", "has_more": has_more, "data": page}
        return self._expanded(listed, params.get("expand", []))

    def _cursor(self, ids: list[str], cursor: str, object_type: str) -> int:
        if cursor not in ids:
            raise StripeFailure(400, f"No such {object_type.split('.')[-1]}: '{cursor}'", code="resource_missing",
                                param="starting_after")
        return ids.index(cursor)

    @staticmethod
    def _integer(params: dict, name: str, *, default: int | None = None, least: int | None = None) -> int:
        value = params.get(name)
        if value is None:
            if default is None:
                raise missing(name)
            return default
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise invalid(name, "Invalid integer: " + str(value)) from None
        if least is not None and number < least:
            raise invalid(name, f"This value must be greater than or equal to {least}.")
        return number

    @staticmethod
    def _currency(params: dict, name: str = "currency") -> str:
        currency = params.get(name)
        if not currency:
            raise missing(name)
        if currency not in CURRENCIES:
            raise invalid(name, f"Invalid currency: {currency}. The fake Stripe knows {', '.join(sorted(CURRENCIES))}.")
        return currency

    @staticmethod
    def _metadata(params: dict) -> dict:
        metadata = params.get("metadata", {})
        if not isinstance(metadata, dict):
            raise invalid("metadata", "Invalid object")
        return metadata

    # -- events ----------------------------------------------------------------------------------------
    def event(self, event_type: str, obj: dict, *, previous_attributes: dict | None = None) -> dict:
        """The event Stripe sends for a change, recorded in `events` and handed to `on_event`."""
        data = {"object": copy.deepcopy(obj)}
        if previous_attributes is not None:
            data["previous_attributes"] = previous_attributes
        request_id, key = self._request or (None, None)
        event = {"id": self._id("evt"), "object": "event", "api_version": stripe.api_version,
                 "created": int(time.time()), "type": event_type, "livemode": False, "pending_webhooks": 1,
                 "request": {"id": request_id, "idempotency_key": key}, "data": data}
        with self._lock:
            self.events.append(event)
            if self.on_event is not None:
                self.on_event(event)
        return event

    # -- customers -------------------------------------------------------------------------------------
    def _create_customer(self, params: dict) -> dict:
        return self._store("customer", self._id("cus"), {
            "name": params.get("name"), "email": params.get("email"), "description": params.get("description"),
            "metadata": self._metadata(params), "balance": 0})

    # -- Checkout --------------------------------------------------------------------------------------
    def _create_session(self, params: dict) -> dict:
        if params.get("mode") is None:
            raise missing("mode")
        if params["mode"] != "payment":
            raise invalid("mode", "The fake Stripe serves Checkout in payment mode only.")
        if not params.get("success_url"):
            raise missing("success_url")
        items = params.get("line_items")
        if not isinstance(items, list) or not items:
            raise missing("line_items")
        currencies, total, names = set(), 0, []
        for index, item in enumerate(items):
            price = item.get("price_data")
            if not isinstance(price, dict):
                raise missing(f"line_items[{index}][price_data]")
            currencies.add(self._currency(price))
            quantity = self._integer(item, "quantity", least=1)
            total += self._integer(price, "unit_amount", least=0) * quantity
            if not price.get("product_data", {}).get("name"):
                raise missing(f"line_items[{index}][price_data][product_data][name]")
            names.append(price["product_data"]["name"])
        if len(currencies) > 1:
            raise invalid("line_items", "All line items must be in the same currency.")
        currency = currencies.pop()
        customer = params.get("customer")
        if customer is not None:
            self._retrieve("customer", customer)
        methods = params.get("payment_method_types", ["card"])
        options = params.get("payment_method_options", {})
        self._check_methods(methods, options, currency, total, customer)
        locale = params.get("locale", "auto")
        if locale not in LOCALES:
            raise invalid("locale", f"Invalid locale: {locale}")
        session_id = self._id("cs_test")
        pages = f"{self.pages_url}/pay/{session_id}" if self.pages_url else \
            f"https://checkout.stripe.com/c/pay/{session_id}"
        now = int(time.time())
        self._checkout[session_id] = {"description": ", ".join(names),
                                      "payment_intent_data": params.get("payment_intent_data", {})}
        return self._store("checkout.session", session_id, {
            "mode": "payment", "status": "open", "payment_status": "unpaid", "url": pages,
            "amount_subtotal": total, "amount_total": total, "currency": currency, "customer": customer,
            "client_reference_id": params.get("client_reference_id"), "metadata": self._metadata(params),
            "payment_intent": None, "payment_method_types": methods, "payment_method_options": options,
            "success_url": params["success_url"], "cancel_url": params.get("cancel_url"), "locale": locale,
            "expires_at": now + SESSION_LIFETIME})

    @staticmethod
    def _check_methods(methods, options: dict, currency: str, total: int, customer: str | None) -> None:
        if not isinstance(methods, list) or not methods:
            raise invalid("payment_method_types", "Invalid array")
        for method in methods:
            if method not in PAYMENT_METHODS:
                raise invalid("payment_method_types", f"The payment method type provided: {method} is invalid.")
            if method in KOREAN_METHODS and (currency != "krw" or total < KOREAN_MINIMUM):
                raise invalid("payment_method_types",
                              f"{method} supports KRW only, from {KOREAN_MINIMUM} won.")
        if "customer_balance" in methods:
            bank = options.get("customer_balance", {})
            if customer is None:
                raise missing("customer")
            if currency != "jpy" or bank.get("funding_type") != "bank_transfer" \
                    or bank.get("bank_transfer", {}).get("type") != "jp_bank_transfer":
                raise invalid("payment_method_options[customer_balance]",
                              "customer_balance needs funding_type bank_transfer with a bank_transfer type "
                              "(jp_bank_transfer for JPY).")

    def checkout_page(self, session_id: str) -> dict:
        """What the hosted page shows: the session and its line items' description."""
        with self._lock:
            session = copy.deepcopy(self._helper_object("checkout.session", session_id))
            return {**session, "description": self._checkout[session_id]["description"]}

    def complete_checkout(self, session_id: str, *, async_bank_transfer: bool = False,
                          payment_method: str = "card") -> dict:
        """The customer pays on the hosted page. By card the money is there at once; by bank transfer the
        session completes unpaid and the money arrives later (`receive_bank_transfer`)."""
        with self._lock:
            session = self._helper_object("checkout.session", session_id)
            method = "customer_balance" if async_bank_transfer else payment_method
            if session["status"] != "open" or method not in session["payment_method_types"]:
                raise ValueError(f"{session_id} is {session['status']}, offering {session['payment_method_types']}")
            details = self._checkout[session_id]["payment_intent_data"]
            intent = self._store("payment_intent", self._id("pi"), {
                "amount": session["amount_total"], "amount_received": 0, "currency": session["currency"],
                "customer": session["customer"], "description": details.get("description"),
                "metadata": details.get("metadata", {}), "payment_method_types": [method],
                "status": "requires_action" if async_bank_transfer else "processing", "latest_charge": None})
            session.update(status="complete", payment_intent=intent["id"])
            if not async_bank_transfer:
                self._charge(intent, method)
                session["payment_status"] = "paid"
            self.event("checkout.session.completed", session)
            return copy.deepcopy(session)

    def receive_bank_transfer(self, session_id: str) -> dict:
        """The company's bank transfer arrives: the payment succeeds."""
        with self._lock:
            session, intent = self._awaiting_transfer(session_id)
            self._charge(intent, "customer_balance")
            session["payment_status"] = "paid"
            self.event("checkout.session.async_payment_succeeded", session)
            return copy.deepcopy(session)

    def fail_bank_transfer(self, session_id: str) -> dict:
        """No transfer came before the payment expired."""
        with self._lock:
            session, intent = self._awaiting_transfer(session_id)
            intent.update(status="canceled", cancellation_reason="abandoned")
            self.event("checkout.session.async_payment_failed", session)
            return copy.deepcopy(session)

    def _awaiting_transfer(self, session_id: str) -> tuple[dict, dict]:
        session = self._helper_object("checkout.session", session_id)
        intent = self._objects.get(session["payment_intent"] or "")
        if intent is None or intent["status"] != "requires_action":
            raise ValueError(f"{session_id} awaits no bank transfer")
        return session, intent

    def expire_checkout(self, session_id: str) -> dict:
        with self._lock:
            session = self._helper_object("checkout.session", session_id)
            if session["status"] != "open":
                raise ValueError(f"{session_id} is {session['status']}")
            session["status"] = "expired"
            self.event("checkout.session.expired", session)
            return copy.deepcopy(session)

    def _charge(self, intent: dict, method: str) -> dict:
        amount, currency = intent["amount"], intent["currency"]
        percent = self.fee_percent.get(method, self.fee_percent["card"])
        fee = int((Decimal(amount) * percent / 100).to_integral_value(rounding=ROUND_FLOOR))
        charge_id = self._id("ch")
        transaction = self._balance_transaction(
            amount, currency, source=charge_id, fee=fee, kind="charge" if method != "customer_balance" else "payment",
            description=intent["description"])
        charge = self._store("charge", charge_id, {
            "amount": amount, "amount_captured": amount, "amount_refunded": 0, "captured": True, "paid": True,
            "refunded": False, "status": "succeeded", "currency": currency, "customer": intent["customer"],
            "payment_intent": intent["id"], "balance_transaction": transaction["id"],
            "description": intent["description"], "metadata": intent["metadata"],
            "payment_method_details": {"type": method}})
        intent.update(status="succeeded", amount_received=amount, latest_charge=charge_id)
        return charge

    def _balance_transaction(self, amount: int, currency: str, *, source: str, kind: str, fee: int = 0,
                             description: str | None = None) -> dict:
        """A movement of the platform's balance: `amount` in (negative: out), less `fee`."""
        self.balance[currency] += amount - fee
        now = int(time.time())
        fee_details = [{"amount": fee, "currency": currency, "type": "stripe_fee",
                        "description": "Stripe processing fees", "application": None}] if fee else []
        return self._store("balance_transaction", self._id("txn"), {
            "amount": amount, "currency": currency, "fee": fee, "fee_details": fee_details, "net": amount - fee,
            "type": kind, "reporting_category": {"payment": "charge", "transfer_refund": "transfer_reversal",
                                                 "topup": "topup"}.get(kind, kind),
            "source": source, "status": "available", "available_on": now, "exchange_rate": None,
            "description": description})

    def top_up(self, currency: str, amount: int) -> dict:
        """Money added to the platform's balance from its bank (Stripe's top-ups)."""
        with self._lock:
            return copy.deepcopy(self._balance_transaction(amount, currency.lower(), source=self._id("tu"),
                                                           kind="topup", description="Top-up"))

    def refund(self, payment_intent_id: str, amount: int | None = None) -> dict:
        """Staff refund (part of) a payment from Stripe's Dashboard."""
        with self._lock:
            intent = self._helper_object("payment_intent", payment_intent_id)
            charge = self._helper_object("charge", intent["latest_charge"] or "")
            remaining = charge["amount"] - charge["amount_refunded"]
            amount = remaining if amount is None else amount
            if not 0 < amount <= remaining:
                raise ValueError(f"{amount} is not refundable: {remaining} remains")
            refund_id = self._id("re")
            transaction = self._balance_transaction(-amount, charge["currency"], source=refund_id, kind="refund",
                                                    description="REFUND FOR CHARGE")
            refund = self._store("refund", refund_id, {
                "amount": amount, "currency": charge["currency"], "charge": charge["id"],
                "payment_intent": intent["id"], "status": "succeeded", "reason": None,
                "balance_transaction": transaction["id"], "metadata": {}})
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            self.event("charge.refunded", charge)
            return copy.deepcopy(refund)

    # -- Connect ---------------------------------------------------------------------------------------
    def _create_account(self, params: dict) -> dict:
        kind = params.get("type")
        if kind not in {"express", "standard", "custom"} and "controller" not in params:
            raise invalid("type", "Invalid type: must be one of express, standard or custom (or give controller).")
        capabilities = params.get("capabilities", {})
        if not isinstance(capabilities, dict):
            raise invalid("capabilities", "Invalid object")
        return self._store("account", self._id("acct"), {
            "type": kind or "none", "country": params.get("country", "JP"), "email": params.get("email"),
            "metadata": self._metadata(params), "charges_enabled": False, "payouts_enabled": False,
            "details_submitted": False, "controller": params.get("controller"),
            "capabilities": {name: "inactive" for name, asked in capabilities.items()
                             if isinstance(asked, dict) and asked.get("requested") == "true"}})

    def _create_account_link(self, params: dict) -> dict:
        account_id = params.get("account")
        if not account_id:
            raise missing("account")
        if account_id not in self._objects or self._objects[account_id]["object"] != "account":
            raise StripeFailure(400, f"No such account: '{account_id}'", code="resource_missing", param="account")
        if params.get("type") not in {"account_onboarding", "account_update"}:
            raise invalid("type", "Invalid type: must be one of account_onboarding or account_update")
        for name in ("refresh_url", "return_url"):
            if not params.get(name):
                raise missing(name)
        self.account_links[account_id] = {"refresh_url": params["refresh_url"], "return_url": params["return_url"]}
        now = int(time.time())
        url = f"{self.pages_url}/onboard/{account_id}" if self.pages_url else \
            f"https://connect.stripe.com/setup/e/{account_id}/{next(self._serial):06d}"
        return {"object": "account_link", "created": now, "expires_at": now + LINK_LIFETIME, "url": url}

    def enable_account(self, account_id: str) -> dict:
        """The payee finished onboarding: the account can take transfers and pay out."""
        with self._lock:
            account = self._helper_object("account", account_id)
            previous = {"details_submitted": account["details_submitted"],
                        "payouts_enabled": account["payouts_enabled"],
                        "capabilities": dict(account["capabilities"])}
            account.update(details_submitted=True, payouts_enabled=True,
                           capabilities={**account["capabilities"], "transfers": "active"})
            self.event("account.updated", account, previous_attributes=previous)
            return copy.deepcopy(account)

    def _create_transfer(self, params: dict) -> dict:
        amount = self._integer(params, "amount", least=1)
        currency = self._currency(params)
        destination = params.get("destination")
        if not destination:
            raise missing("destination")
        account = self._objects.get(destination)
        if account is None or account["object"] != "account":
            raise StripeFailure(400, f"No such destination: '{destination}'", code="resource_missing",
                                param="destination")
        if account["capabilities"].get("transfers") != "active":
            raise StripeFailure(400, NO_TRANSFER_CAPABILITY, code="insufficient_capabilities_for_transfer",
                                param="destination", kept=True)
        if self.balance[currency] < amount:
            raise StripeFailure(400, INSUFFICIENT_FUNDS, code="balance_insufficient", kept=True)
        transfer_id = self._id("tr")
        transaction = self._balance_transaction(-amount, currency, source=transfer_id, kind="transfer")
        transfer = self._store("transfer", transfer_id, {
            "amount": amount, "amount_reversed": 0, "reversed": False, "currency": currency,
            "destination": destination, "destination_payment": self._id("py"),
            "transfer_group": params.get("transfer_group"), "description": params.get("description"),
            "metadata": self._metadata(params), "balance_transaction": transaction["id"], "source_transaction": None,
            "reversals": {"object": "list", "data": [], "has_more": False, "total_count": 0,
                          "url": f"/v1/transfers/{transfer_id}/reversals"}})
        self.event("transfer.created", transfer)
        return transfer

    def reverse_transfer(self, transfer_id: str, amount: int | None = None) -> dict:
        """(Part of) a transfer comes back from the connected account, as staff reverse it in the Dashboard."""
        with self._lock:
            transfer = self._helper_object("transfer", transfer_id)
            remaining = transfer["amount"] - transfer["amount_reversed"]
            amount = remaining if amount is None else amount
            if not 0 < amount <= remaining:
                raise ValueError(f"{amount} cannot be reversed: {remaining} remains")
            reversal_id = self._id("trr")
            transaction = self._balance_transaction(amount, transfer["currency"], source=reversal_id,
                                                    kind="transfer_refund")
            reversal = self._store("transfer_reversal", reversal_id, {
                "amount": amount, "currency": transfer["currency"], "transfer": transfer_id,
                "balance_transaction": transaction["id"], "metadata": {}})
            transfer["amount_reversed"] += amount
            transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
            reversals = transfer["reversals"]
            reversals["data"].insert(0, copy.deepcopy(reversal))
            reversals["total_count"] += 1
            self.event("transfer.reversed", transfer)
            return copy.deepcopy(reversal)


class FakeHTTPClient(stripe.HTTPClient):
    """The library's HTTP client, routed to a FakeStripe instead of a socket. A scripted time-out or lost
    connection is raised as the library's RequestsClient raises it in production: an APIConnectionError
    from requests' own exception."""

    name = "kakehashi-fake"

    def __init__(self, fake: FakeStripe):
        super().__init__()
        self.fake = fake

    def request(self, method, url, headers, post_data=None):
        parts = urlsplit(url)
        encoded = parts.query if method.lower() in {"get", "delete"} else post_data or ""
        if isinstance(encoded, bytes):
            encoded = encoded.decode()
        answer = self.fake.handle(method, parts.path, decode_form(encoded), headers or {})
        if answer.lost == "timeout":
            cause = requests.exceptions.ReadTimeout(f"HTTPSConnectionPool(host='{parts.hostname}'): Read timed out.")
            raise stripe.APIConnectionError(_network_message(cause), should_retry=True) from cause
        if answer.lost == "disconnected":
            cause = requests.exceptions.ConnectionError(f"HTTPSConnectionPool(host='{parts.hostname}'): "
                                                        "Max retries exceeded (Connection refused)")
            raise stripe.APIConnectionError(_network_message(cause), should_retry=True) from cause
        return json.dumps(answer.body), answer.status, CaseInsensitiveDict(answer.headers)

    def close(self):
        pass


def _network_message(cause: Exception) -> str:
    return ("Unexpected error communicating with Stripe.  If this problem persists,\nlet us know at "
            f"support@stripe.com.\n\n(Network error: {type(cause).__name__}: {cause})")


def stripe_gateway(fake: FakeStripe) -> StripeGateway:
    """The application's adapter, the real library inside, talking to `fake`."""
    return StripeGateway(fake.secret_key, webhook_secret=fake.webhook_secret, http_client=FakeHTTPClient(fake))
