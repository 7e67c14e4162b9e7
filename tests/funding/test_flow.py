"""The money's way through the services and the ledger, with the manual backend."""
from datetime import date

import pytest

from app.common.errors import InvalidTransition
from app.common.money import Currency
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
