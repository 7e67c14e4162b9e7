"""The money's way through the services and the ledger, with the manual backend."""
from datetime import date

import pytest

from app.common.errors import InvalidTransition
from app.common.money import Currency
from app.extensions import db
from app.funding import ledger, services
from app.funding.ledger import AccountKind
from app.funding.models import AwardSource, AwardState, TrancheState


def test_company_award_from_proposal_to_paid_remittance(users, propose, sign, bank_payee):
    award = propose(amount=3_000_000)
    assert award.state == AwardState.proposed
    sign(award)
    assert award.state == AwardState.approved
    services.record_bank_receipt(award, actor=users["ipark_staff"], amount_minor=3_000_000, reference="MUFG-1")
    assert award.state == AwardState.active
    assert ledger.balance(AccountKind.company_escrow, "JPY", award.id) == -3_000_000
    bank_payee()
    first = award.tranches[0]
    services.submit_evidence(first, actor=users["venture_owner"], report="Done.")
    sign(first)
    assert first.state == TrancheState.remittance_due
    services.confirm_remittance(first, actor=users["ipark_staff"], sent_minor=9_000_000, sent_currency=Currency.KRW,
                                received_minor=8_990_000, received_currency=Currency.KRW, rate="9.0",
                                fee_minor=2_500, reference="SWIFT-1", value_date=date(2026, 12, 1))
    assert first.state == TrancheState.paid
    figures = ledger.figures_for([award])[award.id]
    assert (figures.deposited, figures.committed, figures.paid, figures.due, figures.remaining) == \
        (3_000_000, 1_000_000, 1_000_000, 0, 2_000_000)
    assert figures.fx == {"JPY": -1_000_000, "KRW": 9_000_000}
    with pytest.raises(services.AlreadyRecorded):
        services.confirm_remittance(first, actor=users["mss_staff"], sent_minor=9_000_000, sent_currency=Currency.KRW,
                                    received_minor=8_990_000, received_currency=Currency.KRW, rate="9.0",
                                    fee_minor=2_500, reference="SWIFT-1", value_date=date(2026, 12, 1))


def test_mss_award_is_disbursed_by_mss(users, propose, sign):
    award = propose(source=AwardSource.mss_rnd, amount=50_000_000)
    sign(award)
    assert award.state == AwardState.active
    tranche = award.tranches[0]
    services.submit_evidence(tranche, actor=users["venture_owner"], report="Milestone reached")
    sign(tranche)
    assert tranche.state == TrancheState.remittance_due
    with pytest.raises(services.PermissionDenied):
        services.record_mss_disbursement(tranche, actor=users["ipark_staff"], amount_minor=tranche.amount_minor,
                                         reference="MSS-1", value_date=date(2026, 12, 1))
    services.record_mss_disbursement(tranche, actor=users["mss_staff"], amount_minor=tranche.amount_minor,
                                     reference="MSS-1", value_date=date(2026, 12, 1))
    assert tranche.state == TrancheState.paid


def test_in_kind_award_grants_days(users, propose, sign):
    award = propose(source=AwardSource.ipark_in_kind, amount=0, tranches=[],
                    in_kind={"what": "Wet lab bench", "where": "Shonan iPark B2", "days": 90})
    sign(award)
    assert award.state == AwardState.active
    assert ledger.figures_for([award])[award.id].in_kind_days == 90
    assert ledger.balance(AccountKind.ipark_in_kind, ledger.DAYS) == -90


def test_release_waits_for_the_deposit(users, propose, sign):
    award = propose()
    sign(award)
    tranche = award.tranches[0]
    with pytest.raises(InvalidTransition):
        services.submit_evidence(tranche, actor=users["venture_owner"], report="early")


def test_connect_payee_is_paid_by_one_transfer_with_the_tranche_key(users, propose, sign, fake_stripe):
    from app.funding.models import PayeeKind
    from app.funding.payments import gateway

    award = propose(amount=3_000_000)
    sign(award)
    fake_stripe.top_up("jpy", 10_000_000)
    services.record_bank_receipt(award, actor=users["ipark_staff"], amount_minor=3_000_000, reference="MUFG-2")
    payee, token = services.register_payee(actor=users["venture_owner"], kind=PayeeKind.stripe_connect, details={},
                                           gateway=gateway())
    services.confirm_payee(token, actor=users["venture_owner"])
    fake_stripe.enable_account(payee.stripe_account_id)
    services.sync_connected_account(payee.stripe_account_id, payouts_enabled=True, as_of=1)
    tranche = award.tranches[0]
    services.submit_evidence(tranche, actor=users["venture_owner"], report="PoC done")
    sign(tranche)
    assert tranche.state == TrancheState.paid
    [request] = fake_stripe.requests_to("POST", "/v1/transfers")
    assert request.idempotency_key == f"tranche-{tranche.id}-transfer"
    assert request.params["amount"] == str(tranche.amount_minor)
    assert request.params["destination"] == payee.stripe_account_id
    assert request.params["transfer_group"] == f"award-{award.id}"
    figures = ledger.figures_for([award])[award.id]
    assert (figures.paid, figures.due) == (tranche.amount_minor, 0)


def test_a_refused_transfer_waits_with_its_reason_and_the_retry_takes_a_new_key(users, propose, sign, fake_stripe):
    from app.funding.models import PayeeKind
    from app.funding.payments import gateway

    award = propose(amount=3_000_000)
    sign(award)
    services.record_bank_receipt(award, actor=users["ipark_staff"], amount_minor=3_000_000, reference="MUFG-3")
    payee, token = services.register_payee(actor=users["venture_owner"], kind=PayeeKind.stripe_connect, details={},
                                           gateway=gateway())
    services.confirm_payee(token, actor=users["venture_owner"])
    fake_stripe.enable_account(payee.stripe_account_id)
    services.sync_connected_account(payee.stripe_account_id, payouts_enabled=True, as_of=1)
    tranche = award.tranches[0]
    services.submit_evidence(tranche, actor=users["venture_owner"], report="PoC done")
    sign(tranche)  # the platform's Stripe balance is empty: the bank receipt is in the bank
    assert (tranche.state, tranche.payout_problem) == (TrancheState.payout_pending, "insufficient_balance")
    fake_stripe.top_up("jpy", 10_000_000)
    services.retry_payout(tranche, actor=users["mss_staff"])
    assert tranche.state == TrancheState.paid
    keys = [request.idempotency_key for request in fake_stripe.requests_to("POST", "/v1/transfers")]
    assert keys == [f"tranche-{tranche.id}-transfer", f"tranche-{tranche.id}-transfer-2"]


def test_the_pages_whose_forms_go_to_stripe_let_them_and_no_other(client_as, propose, sign, fake_stripe):
    """Paying in answers with a redirect to Stripe's hosted page; browsers check form-action on it."""
    award = propose(amount=3_000_000)
    sign(award)
    db.session.commit()
    company = client_as("company_owner")
    policy = company.get(f"/funding/awards/{award.id}").headers["Content-Security-Policy"]
    assert "form-action 'self' https://checkout.stripe.com https://connect.stripe.com" in policy
    assert "form-action 'self';" in company.get("/funding/").headers["Content-Security-Policy"]
