"""Steps of the money's way that the webhook, reconciliation, property and race tests share: a deposit
through Checkout, a Japanese payee on Stripe Connect, a signed webhook delivered to /webhooks/stripe,
and what the ledger holds (every transaction with its entries), to compare two histories."""
from collections import defaultdict

from sqlalchemy import func, select

from app.extensions import db
from app.funding import payments, services
from app.funding.ledger import LedgerAccount, LedgerEntry, LedgerTransaction
from app.funding.models import Award, Deposit, PayeeKind

SUCCESS_URL = "https://kakehashi.test/funding/awards/done"
CANCEL_URL = "https://kakehashi.test/funding/awards/cancelled"


def deliver(client, fake, event, **signing):
    """POST the event to the webhook as Stripe would: the body signed with the fake's secret."""
    body, header = fake.sign(event, **signing)
    return client.post("/webhooks/stripe", data=body, headers={"Stripe-Signature": header},
                       content_type="application/json")


def start_checkout(award: Award, payer) -> Deposit:
    return services.start_checkout(award, actor=payer, gateway=payments.gateway(), success_url=SUCCESS_URL,
                                   cancel_url=CANCEL_URL, locale="en")


def pay_by_card(client, fake, award: Award, payer) -> Deposit:
    """The company pays the rest of the award through Checkout, and Stripe's webhook says so."""
    deposit = start_checkout(award, payer)
    fake.complete_checkout(deposit.stripe_session_id)
    assert deliver(client, fake, fake.events[-1]).status_code == 200
    return deposit


def pay_by_bank_transfer(client, fake, award: Award, payer) -> Deposit:
    """The company pays through Checkout's Japanese bank transfer; both events are delivered."""
    deposit = start_checkout(award, payer)
    fake.complete_checkout(deposit.stripe_session_id, async_bank_transfer=True)
    fake.receive_bank_transfer(deposit.stripe_session_id)
    for event in fake.events[-2:]:
        assert deliver(client, fake, event).status_code == 200
    return deposit


def connect_payee(owner, fake):
    """The venture's Japanese payee: a Connect account, confirmed by e-mail and onboarded."""
    payee, token = services.register_payee(actor=owner, kind=PayeeKind.stripe_connect, details={},
                                           gateway=payments.gateway())
    services.confirm_payee(token, actor=owner)
    account = fake.enable_account(payee.stripe_account_id)
    services.sync_connected_account(account["id"], payouts_enabled=True, as_of=fake.events[-1]["created"])
    return payee


def ledger_rows(award_id: int | None = None) -> list[tuple]:
    """Every transaction (of the award) as (kind, key, external id, ((account kind, currency, amount), …)),
    in the order posted: two histories that moved the same money compare equal."""
    query = select(LedgerTransaction).order_by(LedgerTransaction.id)
    if award_id is not None:
        query = query.where(LedgerTransaction.award_id == award_id)
    return [(str(t.kind), t.key, t.external_id,
             tuple(sorted((str(e.account.kind), e.currency, e.amount_minor) for e in t.entries)))
            for t in db.session.scalars(query)]


def unbalanced_transactions() -> list[tuple]:
    """Transactions whose entries do not sum to zero in some currency (there should be none)."""
    return db.session.execute(
        select(LedgerEntry.transaction_id, LedgerEntry.currency, func.sum(LedgerEntry.amount_minor))
        .group_by(LedgerEntry.transaction_id, LedgerEntry.currency)
        .having(func.sum(LedgerEntry.amount_minor) != 0)).all()


def balances() -> dict[tuple, int]:
    """Every account's balance: (kind, currency, award id) → sum of its entries."""
    totals: dict[tuple, int] = defaultdict(int)
    rows = db.session.execute(select(LedgerAccount.kind, LedgerAccount.currency, LedgerAccount.award_id,
                                     func.sum(LedgerEntry.amount_minor)).join(LedgerEntry)
                              .group_by(LedgerAccount.kind, LedgerAccount.currency, LedgerAccount.award_id))
    for kind, currency, award_id, total in rows:
        totals[(str(kind), currency, award_id)] += int(total)
    return dict(totals)
