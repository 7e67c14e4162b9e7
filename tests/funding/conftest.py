"""Funding's fixtures: an award on a selected proposal, signed by both institutions, and a gateway over
the fake Stripe (tests/fakes/stripe_api.py) where a test needs Stripe."""
import pytest

from app.common import signoff
from app.common.money import Currency
from app.extensions import db
from app.funding import services
from app.funding.models import AwardSource, PayeeKind


@pytest.fixture
def selected(make_proposal):
    """A selected proposal by users["venture_owner"]'s venture to a call of users["company_owner"]'s company."""
    return make_proposal("selected")


@pytest.fixture
def propose(users, selected):
    """propose(source=..., amount=..., tranches=[...]) → the award, proposed by iPark staff."""
    def make(source=AwardSource.company_award, amount=3_000_000, tranches=None, currency=None, proposal=None,
             in_kind=None):
        currency = currency or (Currency.JPY if source == AwardSource.company_award else Currency.KRW)
        tranches = tranches if tranches is not None else [("Proof of concept", amount // 3, None),
                                                          ("Validation", amount - amount // 3, None)]
        return services.propose_award(proposal or selected, actor=users["ipark_staff"], source=source,
                                      currency=None if source == AwardSource.ipark_in_kind else currency,
                                      amount_minor=amount, tranches=tranches, in_kind=in_kind)
    return make


@pytest.fixture
def sign(users):
    """sign(subject): iPark and MSS both sign the decision waiting on it."""
    def both(subject):
        decision = signoff.pending_decision(subject)
        signoff.sign_decision(decision, actor=users["ipark_staff"])
        signoff.sign_decision(decision, actor=users["mss_staff"])
        db.session.flush()
        return decision
    return both


@pytest.fixture
def bank_payee(users):
    """The venture's Korean bank account, registered and confirmed (the first one: no hold)."""
    def make():
        payee, token = services.register_payee(actor=users["venture_owner"], kind=PayeeKind.bank_account, details={
            "account_holder": "Venture Co., Ltd.", "bank_name": "Shinhan Bank", "bank_country": "KR",
            "account_number": "110123456789", "swift": "SHBKKRSE"})
        return services.confirm_payee(token, actor=users["venture_owner"])
    return make
