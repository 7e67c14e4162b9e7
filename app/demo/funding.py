"""The demo's funding (docs/funding.md): awards on the demo's selected proposals in every source, the
ventures' payees, the company's deposit, evidence, joint sign-offs and payouts.

Like the proposals' stories, each step runs through the service a person would use and is then
dated back by the story's clock (app.demo.clock); the ledger's transactions, append-only like the
audit log, are dated as they are written. The demo runs on the manual backend (no Stripe keys): the
company pays in by a bank transfer staff record, Hanbit is paid by remittance and MSS disburses its
own money. A Stripe Connect payee cannot be made without Stripe, so no tranche here is paid by
Stripe transfer.

- Hanbit's atlas for Sakura (selected three weeks ago): Sakura's award, paid in by bank transfer,
  its first tranche remitted in won, the second's evidence waiting for MSS's signature, the third
  planned; Sakura's follow-on award, signed and waiting for Sakura's deposit; MSS's commercialisation
  funding, one tranche disbursed and one due.
- Saeam's cartilage study (selected four days ago): iPark's 90 days of wet-lab bench; MSS's
  commercialisation funding, rejected by iPark because part of it is R&D; MSS R&D funding, proposed.
- Payees: Hanbit's Korean bank account, confirmed before its first payout; Saeam's, changed today,
  so that payouts to it wait for PAYEE_CHANGE_HOLD.

`seed_funding` skips an award (or a venture's payees) already there.
"""
from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO

from sqlalchemy import delete, func, select
from werkzeug.datastructures import FileStorage

from app.common import signoff, uploads
from app.common.models import OutboxEmail
from app.common.money import Currency
from app.demo.clock import DemoClock
from app.demo.pdf import one_page_pdf
from app.demo.people import person
from app.demo.proposals import HANBIT, IMMUNO_HANBIT, REGENERATIVE_POC, SAEAM, Attachment
from app.demo.reviews import IPARK, MSS, Rejection, Signature
from app.extensions import db
from app.funding import services
from app.funding.models import Award, AwardSource, Payee, PayeeKind, Tranche
from app.proposals.models import Proposal, ProposalState

# The shape of a story ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BankAccount:
    holder: str
    bank: str
    number: str
    swift: str


@dataclass(frozen=True)
class DemoPayee:
    """A bank account the venture's owner registered, then confirmed from the e-mail."""

    account: BankAccount
    registered_days_ago: float
    confirmed_days_ago: float


@dataclass(frozen=True)
class InKind:
    what: str
    where: str
    days: int
    starts_in_days: int
    ends_in_days: int


@dataclass(frozen=True)
class BankReceipt:
    """Staff record the company's bank transfer of what the award still needs."""

    days_ago: float
    by: str
    reference: str


@dataclass(frozen=True)
class Evidence:
    tranche: int  # the tranche's position
    days_ago: float
    report: str
    attachment: Attachment


@dataclass(frozen=True)
class Release:
    """Both institutions sign the release of a tranche whose evidence was submitted (fewer: waiting)."""

    tranche: int
    signatures: tuple[Signature, ...]


@dataclass(frozen=True)
class Export:
    """Staff download the bank's instruction for the remittances due."""

    tranches: tuple[int, ...]
    days_ago: float
    by: str


@dataclass(frozen=True)
class Remittance:
    """Staff record what the bank confirmed of a remittance."""

    tranche: int
    days_ago: float
    by: str
    sent_minor: int
    sent_currency: Currency
    rate: str
    fee_minor: int
    received_minor: int
    reference: str
    value_days_ago: int


@dataclass(frozen=True)
class Disbursement:
    """MSS staff record the disbursement MSS made of a tranche."""

    tranche: int
    days_ago: float
    by: str
    reference: str
    value_days_ago: int


@dataclass(frozen=True)
class DemoAward:
    proposal: str  # the selected proposal's title
    source: AwardSource
    proposed_by: str
    days_ago: float
    amount_minor: int = 0
    currency: Currency | None = None
    tranches: tuple[tuple[str, int, int], ...] = ()  # title, amount, due in days from today
    in_kind: InKind | None = None
    note: str | None = None
    signatures: tuple[Signature, ...] = ()  # fewer than two: still waiting
    rejection: Rejection | None = None
    story: tuple = ()  # BankReceipt, Evidence, Release, Export, Remittance, Disbursement: oldest first


# The payees -------------------------------------------------------------------------------------

DEMO_PAYEES = {
    HANBIT: (DemoPayee(BankAccount("Hanbit AI Discovery Inc.", "Shinhan Bank", "110482719305", "SHBKKRSE"),
                       registered_days_ago=20.3, confirmed_days_ago=20.2),),
    SAEAM: (DemoPayee(BankAccount("Saeam Cell Therapeutics Co., Ltd.", "Industrial Bank of Korea",
                                  "01234567801011", "IBKOKRSE"),
                      registered_days_ago=3.9, confirmed_days_ago=3.8),
            # Confirmed as the seeding runs: the hold the confirmation sets ends PAYEE_CHANGE_HOLD from now.
            DemoPayee(BankAccount("Saeam Cell Therapeutics Co., Ltd.", "KB Kookmin Bank", "43760101284913",
                                  "CZNBKRSE"),
                      registered_days_ago=0.4, confirmed_days_ago=0)),
}

# The awards -------------------------------------------------------------------------------------

ATLAS_AWARD = DemoAward(
    proposal=IMMUNO_HANBIT.title, source=AwardSource.company_award, proposed_by=IPARK, days_ago=20.8,
    amount_minor=10_000_000, currency=Currency.JPY,
    tranches=(("Integrated atlas of the 86 biopsies with public data", 3_000_000, -7),
              ("Communication graphs and the responder model; first ranked list", 4_000_000, 21),
              ("Final top-20 list with evidence and validation proposals", 3_000_000, 80)),
    note="Sakura Pharmaceutical's award for the call, in three milestones as proposed.",
    signatures=(Signature(IPARK, 20.7), Signature(MSS, 19.6)),
    story=(
        BankReceipt(16.3, by=IPARK, reference="MUFG-FJS-0418-7731"),
        Evidence(1, 13.4, report="The atlas integrates the 86 biopsies with 1.3 million public cells; cell types are "
                                 "annotated against the reference atlas and were checked with Sakura's translational "
                                 "team on the review call.",
                 attachment=Attachment("Hanbit_atlas_milestone_1.pdf", (
                     "Hanbit AI Discovery Inc. - milestone 1 report to Sakura Pharmaceutical",
                     "Integrated single-cell and spatial atlas",
                     "",
                     "86 biopsies + 1.3 million public cells, harmonised",
                     "Cell types annotated with the reference atlas; 41 cell states",
                     "Reviewed with Sakura's translational research team",
                 ))),
        Release(1, signatures=(Signature(IPARK, 12.5), Signature(MSS, 11.8))),
        Export((1,), 11.0, by=IPARK),
        Remittance(1, 8.2, by=IPARK, sent_minor=27_960_000, sent_currency=Currency.KRW, rate="9.32",
                   fee_minor=36_000, received_minor=27_945_000, reference="MUFG-REM-552031", value_days_ago=9),
        Evidence(2, 1.3, report="The communication graphs of responders and non-responders, the responder model "
                                "(AUC 0.81 in leave-one-cohort-out validation) and a first ranked list of 35 targets.",
                 attachment=Attachment("Hanbit_atlas_milestone_2.pdf", (
                     "Hanbit AI Discovery Inc. - milestone 2 report to Sakura Pharmaceutical",
                     "Communication graphs and responder model",
                     "",
                     "Responder model: AUC 0.81 (leave-one-cohort-out)",
                     "First ranked list: 35 targets for discussion",
                 ))),
        Release(2, signatures=(Signature(IPARK, 0.6),)),  # 이지우 (MSS) has not signed yet
    ),
)

VALIDATION_AWARD = DemoAward(
    proposal=IMMUNO_HANBIT.title, source=AwardSource.company_award, proposed_by=IPARK, days_ago=6.6,
    amount_minor=5_000_000, currency=Currency.JPY,
    tranches=(("Co-culture validation design for the top five targets", 2_000_000, 60),
              ("Co-culture results and go/no-go report", 3_000_000, 140)),
    note="Sakura asked to fund the co-culture validation of the top targets as a second award.",
    signatures=(Signature(IPARK, 6.5), Signature(MSS, 5.8)),  # waiting for Sakura's deposit
)

ATLAS_COMMERCIALIZATION = DemoAward(
    proposal=IMMUNO_HANBIT.title, source=AwardSource.mss_commercialization, proposed_by=MSS, days_ago=19.0,
    amount_minor=60_000_000, currency=Currency.KRW,
    tranches=(("Japanese market entry plan and pricing study", 24_000_000, -10),
              ("Signed pilot contract with a Japanese pharmaceutical company", 36_000_000, 30)),
    signatures=(Signature(MSS, 18.9), Signature(IPARK, 18.1)),
    story=(
        Evidence(1, 15.2, report="Market entry plan for Japan: target customers, pricing per target-discovery "
                                 "project, and the partnership with Shonan iPark for on-site work.",
                 attachment=Attachment("Hanbit_Japan_entry_plan.pdf", (
                     "Hanbit AI Discovery Inc. - Japanese market entry plan",
                     "",
                     "Target customers: 12 mid-sized pharmaceutical companies",
                     "Pricing: per target-discovery project, with a success fee",
                 ))),
        Release(1, signatures=(Signature(MSS, 14.3), Signature(IPARK, 13.9))),
        Disbursement(1, 10.4, by=MSS, reference="MSS-CM-2026-0412", value_days_ago=11),
        Evidence(2, 4.1, report="The pilot contract with Sakura Pharmaceutical for the co-culture validation, signed "
                                "by both parties.",
                 attachment=Attachment("Hanbit_Sakura_pilot_contract.pdf", (
                     "Pilot contract: Sakura Pharmaceutical Co., Ltd. and Hanbit AI Discovery Inc.",
                     "Co-culture validation of the top five targets",
                     "Signed by both parties",
                 ))),
        Release(2, signatures=(Signature(IPARK, 3.3), Signature(MSS, 2.6))),  # MSS disburses next
    ),
)

CARTILAGE_BENCH = DemoAward(
    proposal=REGENERATIVE_POC.title, source=AwardSource.ipark_in_kind, proposed_by=IPARK, days_ago=3.6,
    in_kind=InKind(what="Wet-lab bench with shared cell-culture equipment",
                   where="Shonan iPark, Fujisawa: shared BSL-2 laboratory", days=90,
                   starts_in_days=14, ends_in_days=194),
    note="For the technology transfer to the CPC and the trial batches.",
    signatures=(Signature(IPARK, 3.5), Signature(MSS, 2.8)),
)

CARTILAGE_COMMERCIALIZATION = DemoAward(
    proposal=REGENERATIVE_POC.title, source=AwardSource.mss_commercialization, proposed_by=MSS, days_ago=3.4,
    amount_minor=200_000_000, currency=Currency.KRW,
    tranches=(("Japanese partner hospital confirmed; joint research plan", 50_000_000, 50),
              ("Technology transfer to a Japanese CPC; three trial batches", 100_000_000, 110),
              ("Application to the Certified Committee for Regenerative Medicine", 50_000_000, 170)),
    signatures=(Signature(MSS, 3.3),),
    rejection=Rejection(IPARK, 2.7, reason="The technology transfer to the CPC is R&D: please propose it as MSS R&D "
                                           "funding, and the commercialisation funding once the partner hospital is "
                                           "confirmed."),
)

CARTILAGE_RND = DemoAward(
    proposal=REGENERATIVE_POC.title, source=AwardSource.mss_rnd, proposed_by=MSS, days_ago=0.8,
    amount_minor=120_000_000, currency=Currency.KRW,
    tranches=(("Technology transfer to the CPC at Shonan iPark", 70_000_000, 60),
              ("Three trial batches released by the CPC's quality unit", 50_000_000, 120)),
    note="As iPark asked: the technology transfer and the trial batches, as R&D.",
)

DEMO_AWARDS = (ATLAS_AWARD, VALIDATION_AWARD, ATLAS_COMMERCIALIZATION,
               CARTILAGE_BENCH, CARTILAGE_COMMERCIALIZATION, CARTILAGE_RND)


# Playing the stories ----------------------------------------------------------------------------

def seed_funding() -> int:
    """Play the payees and awards not there yet (on a selected demo proposal); returns how many awards."""
    last_email_before = db.session.scalar(select(func.max(OutboxEmail.id))) or 0
    clock = DemoClock()
    for owner, payees in DEMO_PAYEES.items():
        _play_payees(owner, payees, clock)
    created = 0
    for spec in DEMO_AWARDS:
        proposal = db.session.scalar(select(Proposal).where(Proposal.title == spec.proposal))
        if proposal is None or proposal.state != ProposalState.selected or _played(proposal, spec):
            continue
        _play(proposal, spec, clock)
        created += 1
    # As for the calls (app.demo.seed_challenges): the story's mail is history, not news to send.
    db.session.execute(delete(OutboxEmail).where(OutboxEmail.id > last_email_before))
    db.session.flush()
    return created


def _played(proposal: Proposal, spec: DemoAward) -> bool:
    return db.session.scalar(select(Award.id).where(
        Award.proposal_id == proposal.id, Award.source == spec.source,
        Award.amount_minor == spec.amount_minor)) is not None


def _play_payees(owner_email: str, payees: tuple[DemoPayee, ...], clock: DemoClock) -> None:
    owner = person(owner_email)
    if db.session.scalar(select(Payee.id).where(Payee.organization_id == owner.organization_id)) is not None:
        return
    for spec in payees:
        details = dict(account_holder=spec.account.holder, bank_name=spec.account.bank, bank_country="KR",
                       account_number=spec.account.number, swift=spec.account.swift)
        with clock.dating(spec.registered_days_ago) as registered:
            payee, token = services.register_payee(actor=owner, kind=PayeeKind.bank_account, details=details)
        clock.happened(registered, payee)
        with clock.dating(spec.confirmed_days_ago) as confirmed:
            services.confirm_payee(token, actor=owner, now=confirmed)
        clock.happened(confirmed, *db.session.scalars(select(Payee).where(
            Payee.organization_id == owner.organization_id)))


def _play(proposal: Proposal, spec: DemoAward, clock: DemoClock) -> Award:
    today = clock.now.date()
    in_kind = None if spec.in_kind is None else {
        "what": spec.in_kind.what, "where": spec.in_kind.where, "days": spec.in_kind.days,
        "from": today + timedelta(days=spec.in_kind.starts_in_days),
        "until": today + timedelta(days=spec.in_kind.ends_in_days)}
    with clock.dating(spec.days_ago) as proposed:
        award = services.propose_award(
            proposal, actor=person(spec.proposed_by), source=spec.source, currency=spec.currency,
            amount_minor=spec.amount_minor, in_kind=in_kind, note=spec.note,
            tranches=[(title, amount, today + timedelta(days=due)) for title, amount, due in spec.tranches])
    clock.happened(proposed, award, *award.tranches, signoff.pending_decision(award))
    _sign(award, spec.signatures, spec.rejection, clock)
    for step in spec.story:
        _STEPS[type(step)](award, step, clock)
    return award


def _sign(subject, signatures: tuple[Signature, ...], rejection: Rejection | None, clock: DemoClock) -> None:
    """The signatures on the decision waiting on an award or a tranche; the last one makes it take effect."""
    decision = signoff.pending_decision(subject)
    award = subject if isinstance(subject, Award) else subject.award
    for signature in signatures:
        with clock.dating(signature.days_ago) as signed:
            signoff.sign_decision(decision, actor=person(signature.staff))
        clock.happened(signed, decision, award, *award.tranches)
    if rejection:
        with clock.dating(rejection.days_ago) as rejected:
            signoff.reject_decision(decision, actor=person(rejection.staff), reason=rejection.reason)
        clock.happened(rejected, decision, award)


def _tranche(award: Award, position: int) -> Tranche:
    return next(tranche for tranche in award.tranches if tranche.position == position)


def _bank_receipt(award: Award, step: BankReceipt, clock: DemoClock) -> None:
    with clock.dating(step.days_ago) as received:
        deposit = services.record_bank_receipt(award, actor=person(step.by), reference=step.reference,
                                               amount_minor=services.outstanding_deposit(award))
    clock.happened(received, deposit, award)


def _evidence(award: Award, step: Evidence, clock: DemoClock) -> None:
    tranche = _tranche(award, step.tranche)
    upload = FileStorage(stream=BytesIO(one_page_pdf(step.attachment.lines)), filename=step.attachment.filename,
                         content_type="application/pdf")
    with clock.dating(step.days_ago) as submitted:
        services.submit_evidence(tranche, actor=award.proposal.created_by, report=step.report,
                                 files=[uploads.store_pdf(upload)])
    clock.happened(submitted, tranche, *tranche.evidence_files, signoff.pending_decision(tranche))


def _release(award: Award, step: Release, clock: DemoClock) -> None:
    _sign(_tranche(award, step.tranche), step.signatures, None, clock)


def _export(award: Award, step: Export, clock: DemoClock) -> None:
    with clock.dating(step.days_ago) as exported:
        export = services.export_remittances([_tranche(award, position) for position in step.tranches],
                                             actor=person(step.by))
    clock.happened(exported, export)


def _remittance(award: Award, step: Remittance, clock: DemoClock) -> None:
    tranche = _tranche(award, step.tranche)
    with clock.dating(step.days_ago) as confirmed:
        payout = services.confirm_remittance(
            tranche, actor=person(step.by), sent_minor=step.sent_minor, sent_currency=step.sent_currency,
            received_minor=step.received_minor, received_currency=step.sent_currency, rate=step.rate,
            fee_minor=step.fee_minor, reference=step.reference, value_date=_days_ago(clock, step.value_days_ago))
    clock.happened(confirmed, payout, tranche, award)


def _disbursement(award: Award, step: Disbursement, clock: DemoClock) -> None:
    tranche = _tranche(award, step.tranche)
    with clock.dating(step.days_ago) as recorded:
        payout = services.record_mss_disbursement(
            tranche, actor=person(step.by), amount_minor=tranche.amount_minor, reference=step.reference,
            value_date=_days_ago(clock, step.value_days_ago))
    clock.happened(recorded, payout, tranche, award)


def _days_ago(clock: DemoClock, days: int) -> date:
    return clock.now.date() - timedelta(days=days)


_STEPS = {BankReceipt: _bank_receipt, Evidence: _evidence, Release: _release, Export: _export,
          Remittance: _remittance, Disbursement: _disbursement}
