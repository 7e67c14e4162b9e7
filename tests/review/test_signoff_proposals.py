"""The joint sign-off on decisions about proposals: staff propose one, one iPark and one MSS
signature make it take effect; either institution may stop it with a reason; nobody conflicted
takes part; the venture hears once, when it is decided. On PostgreSQL, signatures arriving at the
same moment are taken one after the other."""
import threading
import time

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.challenges.models import Program
from app.common import signoff
from app.common.errors import DomainError, PermissionDenied
from app.common.models import AuditEvent, DecisionState, JointDecision, OutboxEmail
from app.common.time import utcnow
from app.extensions import db
from app.proposals import services as proposals
from app.proposals.models import Proposal, ProposalState
from app.review import services

DRAFT, SUBMITTED, REVISION, SHORTLISTED, SELECTED, DECLINED, WITHDRAWN = (
    ProposalState.draft, ProposalState.submitted, ProposalState.revision_requested, ProposalState.shortlisted,
    ProposalState.selected, ProposalState.declined, ProposalState.withdrawn)
REASON = "The budget does not match the plan."
STAMPS = ("state", "shortlisted_at", "decided_at", "revision_note", "decision_reason")

# Every decision staff may propose: (from, to), and the venture's e-mail once both have signed.
DECISIONS = [
    (SUBMITTED, SHORTLISTED, "proposal_shortlisted"),
    (SUBMITTED, DECLINED, "proposal_declined"),
    (SUBMITTED, REVISION, "proposal_revision_requested"),
    (SHORTLISTED, SELECTED, "proposal_selected"),
    (SHORTLISTED, DECLINED, "proposal_declined"),
]


# Helpers and fixtures ---------------------------------------------------------------------------

@pytest.fixture
def venture(users):
    """The proposing venture's members, in two languages."""
    users["venture_member"].locale = "ja"
    db.session.commit()
    return [users["venture_owner"], users["venture_member"]]


def a_proposal(make_proposal, state, users, *, chosen=True, **options):
    """A proposal the company has chosen already (when shortlisted), so that only the rule under test stops it."""
    extra = {"company_chosen_at": utcnow(), "company_chosen_by_id": users["company_owner"].id} \
        if chosen and state == SHORTLISTED else {}
    return make_proposal(state, **extra, **options)


def mails_to(people):
    """{address: [(locale, subject, body)]} of the outbox, for these people."""
    addresses = {person.email for person in people}
    found: dict[str, list] = {address: [] for address in addresses}
    for row in db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)):
        if row.recipient in addresses:
            found[row.recipient].append((row.locale, row.subject, row.body_text))
    return found


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def decision_audit(decision):
    return [(event.action, event.actor_id) for event in db.session.scalars(
        select(AuditEvent).where(AuditEvent.subject_type == "joint_decisions", AuditEvent.subject_id == decision.id)
        .order_by(AuditEvent.id))]


def proposal_audit(proposal):
    return [event.action for event in db.session.scalars(
        select(AuditEvent).where(AuditEvent.subject_type == "proposals", AuditEvent.subject_id == proposal.id)
        .order_by(AuditEvent.id))]


def stamps(proposal):
    return tuple(getattr(proposal, name) for name in STAMPS)


def note_for(target):
    return REASON if target in services.NEEDS_REASON else None


# Requesting -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "target", "template"), DECISIONS)
def test_a_request_changes_nothing_yet(make_proposal, users, venture, source, target, template):
    proposal = a_proposal(make_proposal, source, users)
    before = stamps(proposal)
    decision = services.request_proposal_decision(proposal, target, actor=users["mss_staff"],
                                                  note=note_for(target))
    db.session.commit()
    assert (decision.state, decision.action, decision.subject) == (
        DecisionState.pending, services.DECISION_ACTIONS[target], proposal)
    assert decision.note == note_for(target)
    assert stamps(proposal) == before
    assert decision_audit(decision) == [("decision.requested", users["mss_staff"].id)]
    assert count(OutboxEmail) == 0
    assert services.pending_decisions([proposal]) == {proposal.id: decision}


@pytest.mark.parametrize(("source", "target", "template"), DECISIONS)
@pytest.mark.parametrize("order", [("ipark_staff", "mss_staff"), ("mss_staff", "ipark_staff")])
def test_both_institutions_signing_decide(make_proposal, users, venture, source, target, template, order):
    proposal = a_proposal(make_proposal, source, users)
    note = note_for(target) or "Strong science."
    decision = services.request_proposal_decision(proposal, target, actor=users["ipark_staff"], note=note)
    first, second = (users[name] for name in order)

    signoff.sign_decision(decision, actor=first)
    db.session.commit()
    assert (decision.state, proposal.state) == (DecisionState.pending, source)  # one institution alone: nothing
    assert count(OutboxEmail) == 0

    signoff.sign_decision(decision, actor=second)
    db.session.commit()
    assert decision.state == DecisionState.approved
    assert proposal.state == target
    assert decision_audit(decision) == [("decision.requested", users["ipark_staff"].id),
                                        ("decision.signed", first.id), ("decision.signed", second.id),
                                        ("decision.approved", second.id)]
    [effect] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == f"proposal.{target}")).all()
    assert (effect.actor_id, effect.from_state, effect.to_state, effect.details) == (
        second.id, source, target, {"decision_id": decision.id})

    # Each of the venture's members: exactly one e-mail, in their language, with the reason.
    received = mails_to(venture)
    assert {address: [locale for locale, _, _ in rows] for address, rows in received.items()} == {
        users["venture_owner"].email: ["en"], users["venture_member"].email: ["ja"]}
    if target in services.NEEDS_REASON:
        assert all(REASON in body for rows in received.values() for _, _, body in rows)
    assert services.pending_decisions([proposal]) == {}


def test_shortlisting_also_tells_the_company(make_proposal, users, venture):
    proposal = make_proposal(SUBMITTED)
    decision = services.request_proposal_decision(proposal, SHORTLISTED, actor=users["ipark_staff"])
    signoff.sign_decision(decision, actor=users["ipark_staff"])
    signoff.sign_decision(decision, actor=users["mss_staff"])
    db.session.commit()
    company = [users["company_owner"], users["company_member"]]
    assert {address: len(rows) for address, rows in mails_to(company).items()} == {
        person.email: 1 for person in company}
    assert proposal.can_view(users["company_member"])


@pytest.mark.parametrize("target", [DECLINED, REVISION])
@pytest.mark.parametrize("note", [None, "", "   \n "])
def test_a_decline_or_a_revision_needs_a_reason(make_proposal, users, target, note):
    proposal = make_proposal(SUBMITTED)
    with pytest.raises(services.ReasonRequired):
        services.request_proposal_decision(proposal, target, actor=users["ipark_staff"], note=note)
    assert count(JointDecision) == 0


def test_a_shortlisting_needs_no_reason(make_proposal, users):
    decision = services.request_proposal_decision(make_proposal(SUBMITTED), SHORTLISTED, actor=users["ipark_staff"],
                                                  note="   ")
    assert decision.note is None


def test_one_pending_decision_per_proposal(make_proposal, users):
    proposal = make_proposal(SUBMITTED)
    first = services.request_proposal_decision(proposal, SHORTLISTED, actor=users["ipark_staff"])
    db.session.commit()
    for target in (SHORTLISTED, DECLINED, REVISION):  # not even a different one
        with pytest.raises(signoff.DecisionAlreadyOpen):
            services.request_proposal_decision(proposal, target, actor=users["mss_staff"], note=REASON)
    assert count(JointDecision) == 1

    signoff.reject_decision(first, actor=users["mss_staff"], reason="Too early.")
    db.session.commit()
    again = services.request_proposal_decision(proposal, DECLINED, actor=users["mss_staff"], note=REASON)
    assert again.state == DecisionState.pending and again.id != first.id


@pytest.mark.parametrize("person", ["venture_owner", "other_venture", "company_owner", "company_member", "admin"])
def test_only_staff_request_decisions(make_proposal, users, person):
    proposal = a_proposal(make_proposal, SHORTLISTED, users)
    for target in (SELECTED, DECLINED):
        with pytest.raises(PermissionDenied):
            services.request_proposal_decision(proposal, target, actor=users[person], note=REASON)
    assert count(JointDecision) == 0


@pytest.mark.parametrize(("source", "target"), [
    (DRAFT, SHORTLISTED),  # staff do not see drafts
    (SUBMITTED, SELECTED),  # not shortlisted yet
    (REVISION, SUBMITTED),  # resubmitting is the venture's act
    (REVISION, SHORTLISTED),
    (SHORTLISTED, SHORTLISTED),
    (SHORTLISTED, REVISION),
    (SUBMITTED, WITHDRAWN),  # so is withdrawing
    (SELECTED, DECLINED),
    (DECLINED, SHORTLISTED),
    (WITHDRAWN, DECLINED),
])
def test_a_decision_the_workflow_does_not_allow_is_refused(make_proposal, users, source, target):
    proposal = a_proposal(make_proposal, source, users)
    with pytest.raises(PermissionDenied):
        services.request_proposal_decision(proposal, target, actor=users["ipark_staff"], note=REASON)
    assert count(JointDecision) == 0


# Who signs --------------------------------------------------------------------------------------

def test_one_institution_alone_never_decides(make_proposal, users):
    proposal = make_proposal(SUBMITTED)
    decision = services.request_proposal_decision(proposal, SHORTLISTED, actor=users["ipark_staff"])
    signoff.sign_decision(decision, actor=users["ipark_staff"])
    db.session.commit()
    with pytest.raises(PermissionDenied):
        signoff.sign_decision(decision, actor=users["ipark_staff2"])
    with pytest.raises(PermissionDenied):
        signoff.sign_decision(decision, actor=users["ipark_staff"])  # nor the same person twice
    db.session.commit()
    assert (decision.state, decision.mss_signed_at, proposal.state) == (DecisionState.pending, None, SUBMITTED)
    assert [action for action, _ in decision_audit(decision)] == ["decision.requested", "decision.signed"]
    assert count(OutboxEmail) == 0


@pytest.mark.parametrize("conflict", ["organisation", "person"])
def test_a_conflicted_staff_member_neither_requests_nor_signs_nor_rejects(make_proposal, make_user, users,
                                                                          conflict):
    proposal = make_proposal(SUBMITTED)
    conflicted = users["mss_staff"]
    services.declare_conflict(actor=conflicted, organization=proposal.organization if conflict == "organisation"
                              else None, email=users["venture_member"].email if conflict == "person" else None)
    with pytest.raises(PermissionDenied):
        services.request_proposal_decision(proposal, SHORTLISTED, actor=conflicted)
    decision = services.request_proposal_decision(proposal, SHORTLISTED, actor=users["ipark_staff"])
    signoff.sign_decision(decision, actor=users["ipark_staff"])
    db.session.commit()

    assert (decision.can_sign(conflicted), decision.can_reject(conflicted)) == (False, False)
    with pytest.raises(PermissionDenied):
        signoff.sign_decision(decision, actor=conflicted)
    with pytest.raises(PermissionDenied):
        signoff.reject_decision(decision, actor=conflicted, reason="I would rather not.")
    assert (decision.state, decision.mss_signed_at, decision.rejected_at, proposal.state) == (
        DecisionState.pending, None, None, SUBMITTED)

    colleague = make_user(institution="mss", role="member")  # another MSS member, free of conflict
    signoff.sign_decision(decision, actor=colleague)
    assert (decision.state, proposal.state) == (DecisionState.approved, SHORTLISTED)


@pytest.mark.parametrize("person", ["venture_owner", "company_owner", "admin"])
def test_only_institution_staff_sign(make_proposal, users, person):
    proposal = make_proposal(SUBMITTED)
    decision = services.request_proposal_decision(proposal, SHORTLISTED, actor=users["ipark_staff"])
    for act in (lambda: signoff.sign_decision(decision, actor=users[person]),
                lambda: signoff.reject_decision(decision, actor=users[person], reason="No.")):
        with pytest.raises(PermissionDenied):
            act()
    assert (decision.state, proposal.state) == (DecisionState.pending, SUBMITTED)


# Rejecting --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "target", "template"), DECISIONS)
@pytest.mark.parametrize(("rejecter", "signed_by"), [("ipark_staff", None), ("mss_staff", None),
                                                     ("mss_staff", "ipark_staff"), ("ipark_staff2", "ipark_staff")])
def test_either_institution_rejects_with_a_reason(make_proposal, users, venture, source, target, template, rejecter,
                                                  signed_by):
    proposal = a_proposal(make_proposal, source, users)
    before = stamps(proposal)
    decision = services.request_proposal_decision(proposal, target, actor=users["ipark_staff"], note=note_for(target))
    if signed_by:
        signoff.sign_decision(decision, actor=users[signed_by])
    with pytest.raises(signoff.RejectionNeedsReason):
        signoff.reject_decision(decision, actor=users[rejecter], reason="  ")
    signoff.reject_decision(decision, actor=users[rejecter], reason="Not convinced by the data.")
    db.session.commit()
    assert (decision.state, decision.rejected_by_id, decision.rejection_reason) == (
        DecisionState.rejected, users[rejecter].id, "Not convinced by the data.")
    assert stamps(proposal) == before
    assert proposal_audit(proposal) == []
    assert count(OutboxEmail) == 0  # the venture hears of decisions taken, not of those stopped
    with pytest.raises(signoff.DecisionNotPending):
        signoff.sign_decision(decision, actor=users["mss_staff" if rejecter != "mss_staff" else "ipark_staff"])
    assert proposal.state == source


# Selection and the company's choice ---------------------------------------------------------------

@pytest.mark.parametrize("program", [Program.open_innovation, Program.joint_rnd])
def test_selection_in_a_company_call_needs_the_companys_choice(make_challenge, make_proposal, users, venture,
                                                               program):
    proposal = make_proposal(SHORTLISTED, challenge=make_challenge("open", program=program))
    with pytest.raises(proposals.CompanyChoiceMissing):
        services.request_proposal_decision(proposal, SELECTED, actor=users["ipark_staff"])
    assert count(JointDecision) == 0

    proposals.choose_proposal(proposal, actor=users["company_member"])
    decision = services.request_proposal_decision(proposal, SELECTED, actor=users["ipark_staff"])
    signoff.sign_decision(decision, actor=users["mss_staff"])
    signoff.sign_decision(decision, actor=users["ipark_staff"])
    db.session.commit()
    assert (proposal.state, proposal.decided_at is not None) == (SELECTED, True)
    assert proposal_audit(proposal) == ["proposal.chosen_by_company", "proposal.selected"]
    assert {address: len(rows) for address, rows in mails_to(venture).items()} == {
        person.email: 1 for person in venture}


def test_selection_in_a_startup_support_call_needs_no_company(make_challenge, make_proposal, users, venture):
    challenge = make_challenge("open", program=Program.startup_support, poster=users["ipark_staff"])
    proposal = make_proposal(SHORTLISTED, challenge=challenge)
    decision = services.request_proposal_decision(proposal, SELECTED, actor=users["mss_staff"])
    signoff.sign_decision(decision, actor=users["mss_staff"])
    signoff.sign_decision(decision, actor=users["ipark_staff2"])
    db.session.commit()
    assert proposal.state == SELECTED
    assert {address: len(rows) for address, rows in mails_to(venture).items()} == {
        person.email: 1 for person in venture}


def test_a_selection_signed_after_the_company_withdrew_its_choice_is_refused(make_proposal, users):
    """The company cannot withdraw its choice while the selection is open; should the row say otherwise,
    the effect still refuses to select, and the whole signature is undone."""
    proposal = a_proposal(make_proposal, SHORTLISTED, users)
    decision = services.request_proposal_decision(proposal, SELECTED, actor=users["ipark_staff"])
    signoff.sign_decision(decision, actor=users["ipark_staff"])
    db.session.commit()
    proposal.company_chosen_at = proposal.company_chosen_by_id = None
    db.session.commit()
    with pytest.raises(proposals.CompanyChoiceMissing):
        signoff.sign_decision(decision, actor=users["mss_staff"])
    db.session.rollback()
    assert (decision.state, proposal.state) == (DecisionState.pending, SHORTLISTED)


# Simultaneous signatures (PostgreSQL) ------------------------------------------------------------

def sign_at_once(app, decision_id: int, signer_ids: list[int], *, linger: float = 0.3) -> dict[int, str]:
    """Each signer in its own thread, app context and database session; all wait at a barrier and then
    sign. `linger` holds each signer between reading the decision and writing the signature, so that
    without a row lock both would read the same unsigned decision."""
    barrier = threading.Barrier(len(signer_ids))
    outcome: dict[int, str] = {}

    def sign(signer_id):
        with app.app_context():
            try:
                decision = db.session.get(JointDecision, decision_id)
                signer = db.session.get(User, signer_id)
                signer.institution  # noqa: B018  (load it before the race, not inside it)
                barrier.wait(timeout=10)
                signoff.sign_decision(decision, actor=signer)
                db.session.commit()
                outcome[signer_id] = "signed"
            except DomainError as error:
                db.session.rollback()
                outcome[signer_id] = type(error).__name__
            except Exception as error:  # an IntegrityError would mean the lock did not serialise
                db.session.rollback()
                outcome[signer_id] = repr(error)

    can_sign = JointDecision.can_sign

    def slow_can_sign(self, user):
        time.sleep(linger)
        return can_sign(self, user)

    JointDecision.can_sign = slow_can_sign
    try:
        threads = [threading.Thread(target=sign, args=(signer_id,)) for signer_id in signer_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        JointDecision.can_sign = can_sign
    db.session.expire_all()
    return outcome


@pytest.mark.postgresql_only
@pytest.mark.commits
def test_two_institutions_signing_at_the_same_moment_decide_once(app, make_proposal, users, venture):
    proposal = make_proposal(SUBMITTED)
    decision = services.request_proposal_decision(proposal, SHORTLISTED, actor=users["ipark_staff"])
    db.session.commit()
    ipark, mss = users["ipark_staff"].id, users["mss_staff"].id

    outcome = sign_at_once(app, decision.id, [ipark, mss])

    assert outcome == {ipark: "signed", mss: "signed"}
    assert count(JointDecision, JointDecision.state == DecisionState.approved) == 1
    assert (decision.state, decision.ipark_signed_by_id, decision.mss_signed_by_id) == (
        DecisionState.approved, ipark, mss)
    assert proposal.state == SHORTLISTED
    assert proposal_audit(proposal) == ["proposal.shortlisted"]
    assert [action for action, _ in decision_audit(decision)].count("decision.approved") == 1
    assert {address: len(rows) for address, rows in mails_to(venture).items()} == {
        person.email: 1 for person in venture}


@pytest.mark.postgresql_only
@pytest.mark.commits
def test_two_ipark_signatures_at_the_same_moment_one_is_refused(app, make_proposal, users):
    proposal = make_proposal(SUBMITTED)
    decision = services.request_proposal_decision(proposal, SHORTLISTED, actor=users["ipark_staff"])
    db.session.commit()
    first, second = users["ipark_staff"].id, users["ipark_staff2"].id

    outcome = sign_at_once(app, decision.id, [first, second])

    assert sorted(outcome.values()) == ["PermissionDenied", "signed"]
    signer = next(signer_id for signer_id, result in outcome.items() if result == "signed")
    assert (decision.state, decision.ipark_signed_by_id, decision.mss_signed_at) == (
        DecisionState.pending, signer, None)
    assert [action for action, _ in decision_audit(decision)] == ["decision.requested", "decision.signed"]
    assert proposal.state == SUBMITTED
    assert count(OutboxEmail) == 0


@pytest.mark.postgresql_only
@pytest.mark.commits
def test_a_signature_and_a_rejection_at_the_same_moment(app, make_proposal, users):
    """Whichever comes second finds the decision taken or half-signed, never both effects."""
    proposal = make_proposal(SUBMITTED)
    decision = services.request_proposal_decision(proposal, SHORTLISTED, actor=users["ipark_staff"])
    signoff.sign_decision(decision, actor=users["ipark_staff"])
    db.session.commit()
    barrier = threading.Barrier(2)
    outcome = {}
    # Ids read here: the test's session must not be touched from the threads.
    decision_id, actor_ids = decision.id, {name: users[name].id for name in ("mss_staff", "ipark_staff2")}

    def act(name, call):
        with app.app_context():
            try:
                fresh = db.session.get(JointDecision, decision_id)
                actor = db.session.get(User, actor_ids[name])
                actor.institution  # noqa: B018
                barrier.wait(timeout=10)
                call(fresh, actor)
                db.session.commit()
                outcome[name] = "done"
            except DomainError as error:
                db.session.rollback()
                outcome[name] = type(error).__name__
            except Exception as error:  # an IntegrityError would mean the lock did not serialise
                db.session.rollback()
                outcome[name] = repr(error)

    threads = [threading.Thread(target=act, args=("mss_staff", lambda d, a: signoff.sign_decision(d, actor=a))),
               threading.Thread(target=act, args=("ipark_staff2", lambda d, a: signoff.reject_decision(
                   d, actor=a, reason="Wait for the audit.")))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    db.session.expire_all()

    assert sorted(outcome.values()) == ["DecisionNotPending", "done"]
    if decision.state == DecisionState.approved:
        assert proposal.state == SHORTLISTED and outcome["mss_staff"] == "done"
    else:
        assert decision.state == DecisionState.rejected and proposal.state == SUBMITTED
    assert count(Proposal, Proposal.state == SHORTLISTED) == (decision.state == DecisionState.approved)
