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


# The pages' tests ---------------------------------------------------------------------------------------

@pytest.fixture
def people(users, make_user):
    """users, and a member of a company that pays none of the awards."""
    return {**users, "other_company": make_user("company")}


@pytest.fixture
def client_as(app, people):
    """client_as("company_owner"): a new client signed in through the form ("anonymous": not signed in)."""
    from tests.conftest import PASSWORD

    def signed_in(who):
        client = app.test_client()
        if who != "anonymous":
            response = client.post("/auth/login", data={"email": people[who].email, "password": PASSWORD})
            assert response.status_code == 302, who
        return client
    return signed_in


@pytest.fixture
def paid_in(users, propose, sign):
    """paid_in(): a company award of ¥3,000,000 in two milestones (¥1,000,000 and ¥2,000,000), signed and
    paid in by bank transfer: active."""
    def make(**kwargs):
        award = propose(amount=3_000_000, **kwargs)
        sign(award)
        services.record_bank_receipt(award, actor=users["ipark_staff"], amount_minor=3_000_000, reference="MUFG-77")
        db.session.commit()
        return award
    return make


@pytest.fixture
def remittance_due(users, paid_in, sign, bank_payee):
    """remittance_due(): the first milestone of a paid-in award, its evidence approved, to be remitted to the
    venture's Korean bank account."""
    def make():
        award = paid_in()
        bank_payee()
        tranche = award.tranches[0]
        services.submit_evidence(tranche, actor=users["venture_owner"], report="Hits confirmed in two assays.")
        sign(tranche)
        db.session.commit()
        return tranche
    return make


@pytest.fixture
def mss_due(users, propose, sign):
    """mss_due(): the first milestone (₩25,000,000) of an MSS R&D award, approved: MSS's disbursement is due."""
    def make():
        award = propose(source=AwardSource.mss_rnd, amount=50_000_000,
                        tranches=[("Prototype", 25_000_000, None), ("Clinical batch", 25_000_000, None)])
        sign(award)
        tranche = award.tranches[0]
        services.submit_evidence(tranche, actor=users["venture_owner"], report="Milestone reached.")
        sign(tranche)
        db.session.commit()
        return tranche
    return make
