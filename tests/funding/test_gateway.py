"""The Stripe adapter over the real `stripe` library: what each call sends, what Stripe's answers and
errors become, idempotent retries, pagination and webhook signatures. The library talks to the fake
Stripe in memory (FakeHTTPClient), and in the last tests over HTTP to the fake server."""
import hashlib
import hmac
import json
import threading
import time
from datetime import UTC, datetime

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app.funding.gateway import (
    PROBLEMS,
    BadSignature,
    CheckoutSession,
    ConnectedAccount,
    PaymentError,
    PaymentFee,
    StripeGateway,
    Transfer,
    sign_payload,
)
from tests.clock import stopped_clock
from tests.fakes.stripe_api import FakeHTTPClient, FakeStripe, stripe_gateway
from tests.fakes.stripe_server import FakeStripeServer

SUCCESS_URL = "https://kakehashi.test/funding/deposits/done?session={CHECKOUT_SESSION_ID}"
CANCEL_URL = "https://kakehashi.test/funding/awards/3"


@pytest.fixture
def fake():
    return FakeStripe()


@pytest.fixture
def gateway(fake):
    return stripe_gateway(fake)


@pytest.fixture
def customer(gateway):
    return gateway.ensure_customer(organization_id=7, name="Shonan Pharma K.K.", email="treasury@pharma.test")


@pytest.fixture
def payee_account(gateway, fake):
    """A Japanese payee's account, onboarded, and a platform balance of ¥5,000,000 to transfer from."""
    account_id = gateway.create_connected_account(payee_id=5, organization_id=9, email="finance@university.test")
    fake.enable_account(account_id)
    fake.top_up("JPY", 5_000_000)
    return account_id


def checkout(gateway, customer, *, deposit_id=12, amount=3_000_000, currency="JPY", locale="ja", **extra):
    return gateway.create_checkout_session(
        deposit_id=deposit_id, award_id=3, amount_minor=amount, currency=currency, description="Kakehashi award 3",
        customer_id=customer, success_url=SUCCESS_URL, cancel_url=CANCEL_URL, locale=locale, **extra)


def transfer(gateway, destination, *, tranche_id=42, amount=1_000_000, **extra):
    return gateway.create_transfer(tranche_id=tranche_id, award_id=3, amount_minor=amount, currency="JPY",
                                   destination=destination, **extra)


# -- customers and Checkout -----------------------------------------------------------------------------

def test_a_customer_is_made_once_per_organisation(gateway, fake):
    first = gateway.ensure_customer(organization_id=7, name="Shonan Pharma K.K.", email="treasury@pharma.test")
    again = gateway.ensure_customer(organization_id=7, name="Shonan Pharma K.K.", email="treasury@pharma.test")
    other = gateway.ensure_customer(organization_id=8, name="Kanagawa University", email=None)

    assert first == again != other
    sent = fake.requests_to("POST", "/v1/customers")
    assert [r.idempotency_key for r in sent] == ["organization-7-customer"] * 2 + ["organization-8-customer"]
    assert sent[0].params == {"name": "Shonan Pharma K.K.", "email": "treasury@pharma.test",
                              "metadata": {"organization_id": "7"}}
    assert sent[2].params == {"name": "Kanagawa University", "metadata": {"organization_id": "8"}}
    assert [c["id"] for c in fake.objects("customer")] == [first, other]


def test_a_yen_checkout_offers_cards_and_japanese_bank_transfer(gateway, fake, customer):
    session = checkout(gateway, customer)

    [sent] = fake.requests_to("POST", "/v1/checkout/sessions")
    assert sent.idempotency_key == "deposit-12-checkout"
    metadata = {"deposit_id": "12", "award_id": "3"}
    assert sent.params == {
        "mode": "payment",
        "customer": customer,
        "client_reference_id": "deposit-12",
        "line_items": [{"quantity": "1", "price_data": {
            "currency": "jpy", "unit_amount": "3000000", "product_data": {"name": "Kakehashi award 3"}}}],
        "payment_method_types": ["card", "customer_balance"],
        "payment_method_options": {"customer_balance": {
            "funding_type": "bank_transfer", "bank_transfer": {"type": "jp_bank_transfer"}}},
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata, "description": "Kakehashi award 3"},
        "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL,
        "locale": "ja",
    }
    assert session == CheckoutSession(id=session.id, url=f"https://checkout.stripe.com/c/pay/{session.id}")
    assert fake.get(session.id)["amount_total"] == 3_000_000


@pytest.mark.parametrize(("currency", "amount", "locale", "methods", "sent_locale"), [
    ("KRW", 45_000_000, "ko", ["card", "kr_card", "kakao_pay", "naver_pay"], "ko"),
    ("USD", 150_025, "en", ["card"], "en"),
    ("JPY", 50_000, "fr", ["card", "customer_balance"], "auto"),
])
def test_checkout_methods_amounts_and_locale_by_currency(gateway, fake, customer, currency, amount, locale, methods,
                                                         sent_locale):
    """Amounts go in our minor units unchanged: JPY and KRW are zero-decimal at Stripe too, USD in cents."""
    checkout(gateway, customer, currency=currency, amount=amount, locale=locale)

    [sent] = fake.requests_to("POST", "/v1/checkout/sessions")
    assert sent.params["payment_method_types"] == methods
    assert sent.params["line_items"][0]["price_data"]["currency"] == currency.lower()
    assert sent.params["line_items"][0]["price_data"]["unit_amount"] == str(amount)
    assert sent.params["locale"] == sent_locale
    assert ("payment_method_options" in sent.params) is (currency == "JPY")


def test_a_currency_without_checkout_methods_is_a_programming_error(gateway, customer):
    with pytest.raises(ValueError, match="EUR"):
        checkout(gateway, customer, currency="EUR")


def test_the_same_deposit_gets_the_same_session_and_another_key_a_new_one(gateway, fake, customer):
    first = checkout(gateway, customer)
    again = checkout(gateway, customer)
    assert again == first
    assert len(fake.objects("checkout.session")) == 1

    with pytest.raises(PaymentError) as changed:
        checkout(gateway, customer, amount=2_000_000)
    assert (changed.value.problem, changed.value.retryable) == ("invalid_request", False)
    assert "same parameters" in changed.value.detail

    renewed = checkout(gateway, customer, amount=2_000_000, key="deposit-12-checkout-2")
    assert renewed.id != first.id
    assert fake.requests_to("POST", "/v1/checkout/sessions")[-1].idempotency_key == "deposit-12-checkout-2"


def test_the_fee_of_a_card_payment(gateway, fake, customer):
    session = checkout(gateway, customer, amount=1_001)
    paid = fake.complete_checkout(session.id)
    charge = fake.get(fake.get(paid["payment_intent"])["latest_charge"])

    fee = gateway.payment_fee(paid["payment_intent"])

    # 3.6 % of ¥1,001 is ¥36.036: Stripe rounds down.
    assert fee == PaymentFee(fee=36, currency="JPY", balance_transaction=charge["balance_transaction"],
                             charge=charge["id"])
    [sent] = fake.requests_to("GET", f"/v1/payment_intents/{paid['payment_intent']}")
    assert sent.params == {"expand": ["latest_charge.balance_transaction"]}
    assert fake.balance["jpy"] == 1_001 - 36


def test_a_bank_transfer_has_no_fee_until_the_money_arrives(gateway, fake, customer):
    session = checkout(gateway, customer, amount=3_000_000)
    completed = fake.complete_checkout(session.id, async_bank_transfer=True)
    assert completed["payment_status"] == "unpaid"
    assert gateway.payment_fee(completed["payment_intent"]) is None

    fake.receive_bank_transfer(session.id)
    assert gateway.payment_fee(completed["payment_intent"]).fee == 45_000  # the fake's 1.5 %
    assert [e["type"] for e in fake.events if e["type"].startswith("checkout.")] == [
        "checkout.session.completed", "checkout.session.async_payment_succeeded"]


# -- Connect and transfers ------------------------------------------------------------------------------

def test_a_connected_account_for_a_japanese_payee(gateway, fake):
    account_id = gateway.create_connected_account(payee_id=5, organization_id=9, email="finance@university.test")

    [sent] = fake.requests_to("POST", "/v1/accounts")
    assert sent.idempotency_key == "payee-5-account"
    assert sent.params == {"country": "JP", "type": "express", "capabilities": {"transfers": {"requested": "true"}},
                           "metadata": {"organization_id": "9", "payee_id": "5"}, "email": "finance@university.test"}
    assert gateway.retrieve_account(account_id) == ConnectedAccount(account_id, payouts_enabled=False,
                                                                    details_submitted=False)
    assert fake.requests_to("GET", f"/v1/accounts/{account_id}")

    fake.enable_account(account_id)
    assert gateway.retrieve_account(account_id) == ConnectedAccount(account_id, payouts_enabled=True,
                                                                    details_submitted=True)


def test_an_account_link_for_onboarding(gateway, fake):
    account_id = gateway.create_connected_account(payee_id=5, organization_id=9, email=None)

    url = gateway.account_link(account_id=account_id, refresh_url="https://kakehashi.test/funding/payee/refresh",
                               return_url="https://kakehashi.test/funding/payee")

    assert url.startswith(f"https://connect.stripe.com/setup/e/{account_id}/")
    [sent] = fake.requests_to("POST", "/v1/account_links")
    assert sent.params == {"account": account_id, "refresh_url": "https://kakehashi.test/funding/payee/refresh",
                           "return_url": "https://kakehashi.test/funding/payee", "type": "account_onboarding"}
    assert "email" not in fake.requests_to("POST", "/v1/accounts")[0].params


def test_a_transfer_of_a_tranche(gateway, fake, payee_account):
    made = transfer(gateway, payee_account)

    assert made == Transfer(id=made.id, amount=1_000_000, currency="JPY", destination=payee_account,
                            amount_reversed=0)
    [sent] = fake.requests_to("POST", "/v1/transfers")
    assert sent.idempotency_key == "tranche-42-transfer"
    assert sent.params == {"amount": "1000000", "currency": "jpy", "destination": payee_account,
                           "transfer_group": "award-3", "metadata": {"tranche_id": "42", "award_id": "3"}}
    assert fake.balance["jpy"] == 4_000_000
    assert [e["data"]["object"]["id"] for e in fake.events_of("transfer.created")] == [made.id]


def test_a_repeated_transfer_request_makes_one_transfer(gateway, fake, payee_account):
    first = transfer(gateway, payee_account)
    again = transfer(gateway, payee_account)

    assert again == first
    assert len(fake.objects("transfer")) == 1
    assert fake.balance["jpy"] == 4_000_000
    assert [r.idempotency_key for r in fake.requests_to("POST", "/v1/transfers")] == ["tranche-42-transfer"] * 2


def test_a_retry_after_a_lost_answer_finds_the_transfer_stripe_made(gateway, fake, payee_account):
    fake.time_out_next("POST", "/v1/transfers", processed=True)
    with pytest.raises(PaymentError) as lost:
        transfer(gateway, payee_account)
    assert (lost.value.problem, lost.value.retryable) == ("timeout", True)
    [made] = fake.objects("transfer")

    assert transfer(gateway, payee_account).id == made["id"]
    assert len(fake.objects("transfer")) == 1


def test_a_retry_after_a_request_that_never_arrived_makes_the_transfer(gateway, fake, payee_account):
    fake.time_out_next("POST", "/v1/transfers", processed=False)
    with pytest.raises(PaymentError):
        transfer(gateway, payee_account)
    assert fake.objects("transfer") == []

    assert transfer(gateway, payee_account).amount == 1_000_000
    assert len(fake.objects("transfer")) == 1


def test_stripe_keeps_a_refusal_under_its_key_for_a_day(gateway, fake, payee_account):
    """Stripe replays an answer, a refusal too, for the same key: a refused transfer made nothing, so its
    next attempt may take a new key; the old key works again once Stripe has pruned it."""
    with pytest.raises(PaymentError) as refused:
        transfer(gateway, payee_account, amount=6_000_000)
    assert (refused.value.problem, refused.value.retryable) == ("insufficient_balance", True)
    assert "insufficient funds" in refused.value.detail

    fake.top_up("JPY", 2_000_000)
    with pytest.raises(PaymentError) as replayed:
        transfer(gateway, payee_account, amount=6_000_000)
    assert replayed.value.problem == "insufficient_balance"
    assert fake.objects("transfer") == []

    assert transfer(gateway, payee_account, amount=6_000_000, key="tranche-42-transfer-2").amount == 6_000_000
    fake.forget_idempotency_keys()
    fake.top_up("JPY", 6_000_000)
    assert transfer(gateway, payee_account, amount=6_000_000).id != fake.objects("transfer")[0]["id"]


def test_a_transfer_to_an_account_not_onboarded_is_refused(gateway, fake):
    account_id = gateway.create_connected_account(payee_id=5, organization_id=9, email=None)
    fake.top_up("JPY", 5_000_000)

    with pytest.raises(PaymentError) as refused:
        transfer(gateway, account_id)

    assert (refused.value.problem, refused.value.retryable) == ("account_not_enabled", True)
    assert "capabilities" in refused.value.detail
    with pytest.raises(PaymentError) as unknown:
        transfer(gateway, "acct_unknown", tranche_id=43)
    assert unknown.value.problem == "account_not_enabled"


def test_wrong_keys(fake):
    gateway = StripeGateway("sk_test_wrong", http_client=FakeHTTPClient(fake))
    with pytest.raises(PaymentError) as refused:
        gateway.retrieve_account("acct_x")
    assert (refused.value.problem, refused.value.retryable) == ("authentication", False)


@pytest.mark.parametrize(("status", "error_type", "code", "problem", "retryable"), [
    (402, "card_error", "card_declined", "declined", False),
    (429, "invalid_request_error", "rate_limit", "rate_limited", True),
    (401, "invalid_request_error", None, "authentication", False),
    (403, "invalid_request_error", None, "authentication", False),
    (500, "api_error", None, "api_error", True),
    (503, "api_error", None, "api_error", True),
    (400, "invalid_request_error", "balance_insufficient", "insufficient_balance", True),
    (400, "invalid_request_error", "account_invalid", "account_not_enabled", True),
    (400, "invalid_request_error", "transfers_not_allowed", "account_not_enabled", True),
    (400, "invalid_request_error", "parameter_invalid_integer", "invalid_request", False),
    (404, "invalid_request_error", "resource_missing", "invalid_request", False),
    (400, "idempotency_error", None, "invalid_request", False),
])
def test_stripe_errors_become_problems(gateway, fake, payee_account, status, error_type, code, problem, retryable):
    fake.fail_next("POST", "/v1/transfers", status=status, error_type=error_type, code=code,
                   message="What Stripe said.")

    with pytest.raises(PaymentError) as failed:
        transfer(gateway, payee_account)

    assert (failed.value.problem, failed.value.detail, failed.value.retryable) == (problem, "What Stripe said.",
                                                                                   retryable)
    assert fake.objects("transfer") == []
    assert len(fake.requests_to("POST", "/v1/transfers")) == 1  # the library does not retry on its own


def test_staff_read_each_problem_in_words(app):
    assert str(PaymentError("timeout", "Read timed out.").label) == "Stripe did not answer in time."
    assert len({str(label) for label in PROBLEMS.values()}) == len(PROBLEMS)
    assert str(PaymentError("something new").label) == "Stripe had an error."


CALLS = {
    "ensure_customer": ("POST", lambda g: g.ensure_customer(organization_id=7, name="Shonan Pharma", email=None)),
    "create_checkout_session": ("POST", lambda g: checkout(g, "cus_x")),
    "payment_fee": ("GET", lambda g: g.payment_fee("pi_x")),
    "create_transfer": ("POST", lambda g: transfer(g, "acct_x")),
    "create_connected_account": ("POST", lambda g: g.create_connected_account(payee_id=5, organization_id=9,
                                                                               email=None)),
    "account_link": ("POST", lambda g: g.account_link(account_id="acct_x", refresh_url="https://kakehashi.test/r",
                                                      return_url="https://kakehashi.test/p")),
    "retrieve_account": ("GET", lambda g: g.retrieve_account("acct_x")),
    "transfers": ("GET", lambda g: list(g.transfers())),
    "payment_intents": ("GET", lambda g: list(g.payment_intents())),
    "balance_transactions": ("GET", lambda g: list(g.balance_transactions())),
}


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize(("trouble", "problem"), [("disconnect_next", "unreachable"), ("time_out_next", "timeout")])
def test_every_call_reports_network_trouble(gateway, fake, call, trouble, problem):
    method, make_call = CALLS[call]
    getattr(fake, trouble)(method, "/v1/")
    with pytest.raises(PaymentError) as failed:
        make_call(gateway)
    assert (failed.value.problem, failed.value.retryable) == (problem, True)
    assert "Unexpected error communicating with Stripe" in failed.value.detail
    assert len(fake.requests) == 1


# -- what happens at Stripe outside our requests ------------------------------------------------------------

def test_reversals_and_refunds_move_the_balance_and_are_announced(gateway, fake, customer, payee_account):
    session = checkout(gateway, customer, amount=100_000)
    payment_intent = fake.complete_checkout(session.id)["payment_intent"]
    made = transfer(gateway, payee_account)

    fake.reverse_transfer(made.id, 400_000)
    fake.reverse_transfer(made.id)
    fake.refund(payment_intent, 30_000)

    assert [(e["data"]["object"]["amount_reversed"], e["data"]["object"]["reversed"])
            for e in fake.events_of("transfer.reversed")] == [(400_000, False), (1_000_000, True)]
    [refunded] = fake.events_of("charge.refunded")
    assert (refunded["data"]["object"]["payment_intent"], refunded["data"]["object"]["amount_refunded"],
            refunded["data"]["object"]["refunded"]) == (payment_intent, 30_000, False)
    transactions = list(gateway.balance_transactions())
    assert sorted((t["type"], t["net"]) for t in transactions) == [
        ("charge", 96_400), ("refund", -30_000), ("topup", 5_000_000), ("transfer", -1_000_000),
        ("transfer_refund", 400_000), ("transfer_refund", 600_000)]
    assert sum(t["net"] for t in transactions) == fake.balance["jpy"] == 5_066_400
    with pytest.raises(ValueError):
        fake.reverse_transfer(made.id, 1)


def test_a_session_that_expires_and_a_bank_transfer_that_never_comes(gateway, fake, customer):
    abandoned = checkout(gateway, customer, deposit_id=1)
    fake.expire_checkout(abandoned.id)
    with pytest.raises(ValueError):
        fake.complete_checkout(abandoned.id)

    unpaid = checkout(gateway, customer, deposit_id=2)
    payment_intent = fake.complete_checkout(unpaid.id, async_bank_transfer=True)["payment_intent"]
    fake.fail_bank_transfer(unpaid.id)

    assert [(e["type"], e["data"]["object"]["id"]) for e in fake.events] == [
        ("checkout.session.expired", abandoned.id), ("checkout.session.completed", unpaid.id),
        ("checkout.session.async_payment_failed", unpaid.id)]
    assert fake.get(payment_intent)["status"] == "canceled"
    assert gateway.payment_fee(payment_intent) is None
    assert fake.balance["jpy"] == 0


# -- the lists reconciliation reads -----------------------------------------------------------------------

def test_transfers_are_read_page_after_page(gateway, fake, payee_account):
    fake.top_up("JPY", 1_000_000)
    made = [transfer(gateway, payee_account, tranche_id=tranche_id, amount=1_000).id for tranche_id in range(230)]

    listed = list(gateway.transfers())

    assert [t["id"] for t in listed] == made[::-1]  # newest first
    assert type(listed[0]) is dict and type(listed[0]["metadata"]) is dict and type(listed[0]["reversals"]) is dict
    assert listed[-1]["metadata"] == {"tranche_id": "0", "award_id": "3"}
    pages = fake.requests_to("GET", "/v1/transfers")
    assert [p.params for p in pages] == [{"limit": "100"}, {"limit": "100", "starting_after": made[130]},
                                         {"limit": "100", "starting_after": made[30]}]


def test_payment_intents_and_balance_transactions_are_read_page_after_page(gateway, fake, customer):
    for deposit_id in range(105):
        fake.complete_checkout(checkout(gateway, customer, deposit_id=deposit_id, amount=10_000).id)

    intents = list(gateway.payment_intents())
    transactions = list(gateway.balance_transactions())

    assert [i["id"] for i in intents] == [i["id"] for i in fake.objects("payment_intent")][::-1]
    assert {i["metadata"]["deposit_id"] for i in intents} == {str(n) for n in range(105)}
    assert [t["id"] for t in transactions] == [t["id"] for t in fake.objects("balance_transaction")][::-1]
    assert {(t["type"], t["amount"], t["fee"], t["net"]) for t in transactions} == {("charge", 10_000, 360, 9_640)}
    assert [len(fake.requests_to("GET", path)) for path in ("/v1/payment_intents", "/v1/balance_transactions")] \
        == [2, 2]


def test_a_list_from_a_moment_on(gateway, fake):
    with stopped_clock(datetime(2026, 11, 1, tzinfo=UTC)):
        account_id = gateway.create_connected_account(payee_id=5, organization_id=9, email=None)
        fake.enable_account(account_id)
        fake.top_up("JPY", 1_000)
        transfer(gateway, account_id, tranche_id=1, amount=1_000)
    with stopped_clock(datetime(2026, 12, 1, tzinfo=UTC)):
        fake.top_up("JPY", 2_000)
        later = transfer(gateway, account_id, tranche_id=2, amount=1_000)
    since = int(datetime(2026, 11, 15, tzinfo=UTC).timestamp())

    assert [t["id"] for t in gateway.transfers(created_gte=since)] == [later.id]
    assert [(t["type"], t["amount"]) for t in gateway.balance_transactions(created_gte=since)] == [
        ("transfer", -1_000), ("topup", 2_000)]
    assert list(gateway.payment_intents(created_gte=since)) == []
    assert fake.requests_to("GET", "/v1/transfers")[0].params == {"limit": "100", "created": {"gte": str(since)}}


def test_a_page_that_fails_midway(gateway, fake, payee_account):
    fake.top_up("JPY", 1_000_000)
    for tranche_id in range(101):
        transfer(gateway, payee_account, tranche_id=tranche_id, amount=1_000)
    listed = gateway.transfers()
    first_page = [next(listed) for _ in range(100)]
    fake.fail_next("GET", "/v1/transfers", status=500, error_type="api_error", message="Try again later.")

    with pytest.raises(PaymentError) as failed:
        next(listed)

    assert len(first_page) == 100
    assert (failed.value.problem, failed.value.detail) == ("api_error", "Try again later.")


# -- webhooks ---------------------------------------------------------------------------------------------

def test_a_signed_event_is_verified(gateway, fake, payee_account):
    made = transfer(gateway, payee_account)
    [event] = fake.events_of("transfer.created")
    body, signature = fake.sign(event)

    verified = gateway.verify_event(body, signature)

    assert verified == event
    assert verified["data"]["object"]["id"] == made.id
    assert verified["request"]["idempotency_key"] == "tranche-42-transfer"


def test_sign_payload_is_stripes_scheme():
    body = b'{"id": "evt_1", "type": "transfer.created"}'
    header = sign_payload(body, "whsec_x", timestamp=1_780_000_000)
    expected = hmac.new(b"whsec_x", b"1780000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1780000000,v1={expected}"


def _event_body() -> bytes:
    return json.dumps({"id": "evt_1", "object": "event", "type": "account.updated",
                       "data": {"object": {"id": "acct_1"}}}).encode()


@pytest.mark.parametrize(("body", "signature"), [
    (_event_body(), lambda body: sign_payload(body, "whsec_other")),
    (_event_body(), lambda body: sign_payload(body, "whsec_fake", int(time.time()) - 301)),
    (_event_body(), lambda body: ""),
    (_event_body(), lambda body: "t=nonsense"),
    (_event_body(), lambda body: sign_payload(body.replace(b"acct_1", b"acct_2"), "whsec_fake")),
    (b"this is not JSON", lambda body: sign_payload(body, "whsec_fake")),
    (b'["an", "array"]', lambda body: sign_payload(body, "whsec_fake")),
    (b'{"no": "id"}', lambda body: sign_payload(body, "whsec_fake")),
    (b"\xff\xfe", lambda body: "t=1,v1=00"),
], ids=["other secret", "stale", "missing header", "garbled header", "body changed", "not JSON", "not an object",
        "not an event", "not UTF-8"])
def test_a_webhook_that_does_not_verify(gateway, body, signature):
    with pytest.raises(BadSignature):
        gateway.verify_event(body, signature(body))


def test_a_recent_timestamp_verifies_and_no_secret_verifies_nothing(fake):
    body = _event_body()
    recent = sign_payload(body, "whsec_fake", int(time.time()) - 290)
    assert stripe_gateway(fake).verify_event(body, recent)["id"] == "evt_1"
    with pytest.raises(BadSignature):
        StripeGateway("sk_test_fake", http_client=FakeHTTPClient(fake)).verify_event(body, recent)


# -- the fake server, over HTTP -----------------------------------------------------------------------------

@pytest.fixture
def webhook_receiver():
    """A tiny web server on 127.0.0.1 standing where the app's webhook would: it records each POST."""
    received = []

    def receive(environ, start_response):
        request = Request(environ)
        received.append((request.get_data(), dict(request.headers)))
        return Response("ok")(environ, start_response)

    server = make_server("127.0.0.1", 0, receive, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/webhooks/stripe", received
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def stripe_server(webhook_receiver):
    server = FakeStripeServer(webhook_receiver[0], "whsec_journey").start()
    yield server
    server.stop()


@pytest.fixture
def browser():
    session = requests.Session()
    session.trust_env = False  # no proxy: everything here is on 127.0.0.1
    yield session
    session.close()


def http_gateway(server: FakeStripeServer, *, timeout: float = 5) -> StripeGateway:
    return StripeGateway(server.fake.secret_key, webhook_secret="whsec_journey", api_base=server.url, timeout=timeout)


def test_the_fake_server_answers_the_library_and_its_checkout_page_pays(stripe_server, webhook_receiver, browser):
    received = webhook_receiver[1]
    gateway = http_gateway(stripe_server)
    session = checkout(gateway, gateway.ensure_customer(organization_id=7, name="Shonan Pharma K.K.", email=None))
    assert session.url == f"{stripe_server.url}/pay/{session.id}"
    assert [r.path for r in stripe_server.fake.requests] == ["/v1/customers", "/v1/checkout/sessions"]
    page = browser.get(session.url)
    assert page.status_code == 200
    assert "3,000,000 JPY" in page.text and "Pay by bank transfer" in page.text

    paid = browser.post(session.url, data={"method": "card"}, allow_redirects=False)

    assert paid.status_code == 303
    assert paid.headers["Location"] == SUCCESS_URL.replace("{CHECKOUT_SESSION_ID}", session.id)
    [(body, headers)] = received
    event = gateway.verify_event(body, headers["Stripe-Signature"])
    assert event["type"] == "checkout.session.completed"
    assert (event["data"]["object"]["id"], event["data"]["object"]["payment_status"]) == (session.id, "paid")
    assert gateway.payment_fee(event["data"]["object"]["payment_intent"]).fee == 108_000
    assert browser.get(session.url).status_code == 410


def test_the_fake_server_takes_bank_transfers_onboards_and_announces_transfers(stripe_server, webhook_receiver,
                                                                                browser):
    received = webhook_receiver[1]
    gateway = http_gateway(stripe_server)
    session = checkout(gateway, gateway.ensure_customer(organization_id=7, name="Shonan Pharma K.K.", email=None))
    assert browser.post(session.url, data={"method": "bank_transfer"}, allow_redirects=False).status_code == 303
    account_id = gateway.create_connected_account(payee_id=5, organization_id=9, email=None)
    link = gateway.account_link(account_id=account_id, refresh_url="https://kakehashi.test/funding/payee/refresh",
                                return_url="https://kakehashi.test/funding/payee")
    assert link == f"{stripe_server.url}/onboard/{account_id}"
    assert "Finish onboarding" in browser.get(link).text
    finished = browser.post(link, allow_redirects=False)
    assert (finished.status_code, finished.headers["Location"]) == (303, "https://kakehashi.test/funding/payee")

    made = transfer(gateway, account_id)
    stripe_server.wait_for_deliveries()

    events = [gateway.verify_event(body, headers["Stripe-Signature"]) for body, headers in received]
    assert [(e["type"], e["data"]["object"]["id"]) for e in events] == [
        ("checkout.session.completed", session.id), ("checkout.session.async_payment_succeeded", session.id),
        ("account.updated", account_id), ("transfer.created", made.id)]
    assert [e["data"]["object"].get("payment_status") for e in events[:2]] == ["unpaid", "paid"]
    assert [d.status for d in stripe_server.deliveries] == [200] * 4


def test_over_http_a_slow_stripe_times_out_and_a_stopped_one_is_unreachable(stripe_server):
    gateway = http_gateway(stripe_server, timeout=0.5)
    stripe_server.stall_seconds = 1.5
    stripe_server.fake.time_out_next("GET", "/v1/accounts/")
    with pytest.raises(PaymentError) as slow:
        gateway.retrieve_account("acct_x")
    assert slow.value.problem == "timeout"
    with pytest.raises(PaymentError) as missing:
        gateway.retrieve_account("acct_x")
    assert missing.value.problem == "invalid_request"

    stripe_server.stop()
    with pytest.raises(PaymentError) as stopped:
        gateway.retrieve_account("acct_x")
    assert stopped.value.problem == "unreachable"
