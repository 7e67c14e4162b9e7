"""Every change to a proposal through its services: which transitions each one makes, from which
states and by whom; what it stores, audits and e-mails; and what it refuses, leaving nothing changed."""
import io
import re
from collections import namedtuple
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.challenges.models import Program, ProposalQuestion
from app.common import signoff, uploads
from app.common.errors import InvalidTransition, PermissionDenied
from app.common.models import AuditEvent, DecisionState, JointDecision, OutboxEmail
from app.common.outbox import SUBJECT_PREFIX, queue_email
from app.common.time import as_utc, utcnow
from app.extensions import db
from app.proposals import services
from app.proposals.models import MAX_ATTACHMENTS, Proposal, ProposalAttachment, ProposalState, proposal_of
from app.review import services as review_services
from tests.conftest import stored_keys

DRAFT, SUBMITTED, REVISION, SHORTLISTED, SELECTED, DECLINED, WITHDRAWN = (
    ProposalState.draft, ProposalState.submitted, ProposalState.revision_requested, ProposalState.shortlisted,
    ProposalState.selected, ProposalState.declined, ProposalState.withdrawn)
SECOND = timedelta(seconds=1)
STAMPS = ("state", "submitted_at", "shortlisted_at", "decided_at", "withdrawn_at", "revision_note",
          "decision_reason", "updated_at", "title", "summary", "company_chosen_at", "company_chosen_by_id")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"

Mail = namedtuple("Mail", "template to context")


# Helpers and fixtures ---------------------------------------------------------------------------

@pytest.fixture
def mails(monkeypatch):
    """Every e-mail the proposal services queue, as (template, address, context); each is still
    rendered for real into the outbox."""
    sent = []

    def recording(user, template, **context):
        sent.append(Mail(template, user.email, context))
        return queue_email(user, template, **context)

    monkeypatch.setattr(services, "queue_email", recording)
    return sent


@pytest.fixture
def venture(users):
    """The proposing venture's two members, who read in different languages."""
    users["venture_member"].locale = "ko"
    db.session.commit()
    return [users["venture_owner"], users["venture_member"]]


def emails(*people):
    return {person.email for person in people}


def sent_to(mails, template):
    return {mail.to for mail in mails if mail.template == template}


def audit_rows(proposal, action=None):
    query = select(AuditEvent).where(AuditEvent.subject_type == "proposals", AuditEvent.subject_id == proposal.id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query.order_by(AuditEvent.id)).all()


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def stamps(proposal):
    return tuple(getattr(proposal, name) for name in STAMPS)


def assert_unchanged(proposal, before, audit_before=0, outbox_before=0):
    assert stamps(proposal) == before
    assert len(audit_rows(proposal)) == audit_before
    assert count(OutboxEmail) == outbox_before


def outbox_rows():
    return {(row.recipient, row.locale) for row in db.session.scalars(select(OutboxEmail))}


def pdf_upload(content=PDF, filename="plan.pdf"):
    return FileStorage(stream=io.BytesIO(content), filename=filename, content_type="application/pdf")




def questions(*specs):
    """ProposalQuestion rows from (required, max_length) pairs."""
    return [ProposalQuestion(position=n, text=f"Question {n}?", required=required, max_length=max_length)
            for n, (required, max_length) in enumerate(specs, 1)]


# Starting ---------------------------------------------------------------------------------------

def test_start_proposal_opens_a_draft(make_challenge, users):
    challenge, owner = make_challenge("open"), users["venture_owner"]
    proposal = services.start_proposal(challenge, actor=owner, title="  Graph networks for KRAS  ")
    db.session.commit()
    assert (proposal.state, proposal.title, proposal.organization_id, proposal.created_by_id) == (
        DRAFT, "Graph networks for KRAS", owner.organization_id, owner.id)
    assert proposal.submitted_at is None
    assert proposal_of(challenge, users["venture_member"]) == proposal
    [event] = audit_rows(proposal)
    assert (event.action, event.actor_id, event.to_state, event.details) == (
        "proposal.started", owner.id, "draft", {"challenge_id": challenge.id, "language": "en"})


def test_one_proposal_per_venture(make_challenge, users):
    challenge = make_challenge("open")
    services.start_proposal(challenge, actor=users["venture_owner"], title="First")
    with pytest.raises(services.ProposalExists):
        services.start_proposal(challenge, actor=users["venture_member"], title="Second")
    assert count(Proposal) == 1
    services.start_proposal(challenge, actor=users["other_venture"], title="Another venture")
    assert count(Proposal) == 2


@pytest.mark.parametrize(("offset", "error"), [(-1, None), (0, services.SubmissionClosed),
                                               (1, services.SubmissionClosed)])
def test_start_proposal_until_the_deadline(make_challenge, users, offset, error):
    deadline = utcnow().replace(microsecond=0) + timedelta(days=1)
    challenge = make_challenge("open", deadline=deadline)
    start = lambda: services.start_proposal(challenge, actor=users["venture_owner"], title="T",  # noqa: E731
                                            now=deadline + offset * SECOND)
    if error is None:
        assert start().state == DRAFT
    else:
        with pytest.raises(error):
            start()
        assert count(Proposal) == 0 and count(AuditEvent) == 0


@pytest.mark.parametrize("person", ["company_owner", "ipark_staff", "admin", "unverified_venture"])
def test_only_verified_ventures_start_proposals(make_challenge, make_organization, make_user, users, person):
    from app.auth.models import VerificationState

    user = (make_user(organization=make_organization("venture", state=VerificationState.pending))
            if person == "unverified_venture" else users[person])
    with pytest.raises(PermissionDenied):
        services.start_proposal(make_challenge("open"), actor=user, title="T")
    assert count(Proposal) == 0


@pytest.mark.parametrize("state", ["draft", "pending_review", "cancelled"])
def test_no_proposal_to_a_call_that_is_not_open(make_challenge, users, state):
    with pytest.raises(PermissionDenied):
        services.start_proposal(make_challenge(state), actor=users["venture_owner"], title="T")
    assert count(Proposal) == 0


# Editing ----------------------------------------------------------------------------------------

def test_a_draft_saves_without_its_required_answers(make_challenge, make_proposal, users):
    challenge = make_challenge("open", questions=questions((True, 100), (True, 100)))
    proposal = make_proposal(DRAFT, challenge=challenge, title="", summary="", approach="")
    first, second = challenge.questions
    changed = services.update_proposal(proposal, actor=users["venture_member"], changes={"title": "Half done"},
                                       answers={first.id: "  Only this one.  ", second.id: ""}, milestones=[])
    db.session.commit()
    assert changed == ["title", "answer:1"]
    assert (proposal.state, proposal.title, proposal.answer_to(first), proposal.answer_to(second)) == (
        DRAFT, "Half done", "Only this one.", "")
    assert [question.id for question in proposal.missing_required_answers()] == [second.id]


def test_each_update_of_a_submitted_proposal_is_audited_with_what_changed(make_challenge, make_proposal, users):
    challenge = make_challenge("open", questions=questions((True, 100)))
    [question] = challenge.questions
    proposal = make_proposal(SUBMITTED, challenge=challenge)
    member = users["venture_member"]
    milestones = [(date(2031, 3, 1), " Lead series "), (date(2031, 9, 1), "In vivo proof"), (date(2032, 1, 1), " ")]

    changed = services.update_proposal(proposal, actor=member, changes={"title": "New title", "trl": 4,
                                                                        "summary": proposal.summary},
                                       answers={question.id: "Because."}, milestones=milestones)
    assert changed == ["title", "trl", "answer:1", "milestones"]
    assert [(m.position, m.due_on, m.title) for m in proposal.milestones] == [
        (1, date(2031, 3, 1), "Lead series"), (2, date(2031, 9, 1), "In vivo proof")]
    again = services.update_proposal(proposal, actor=member, changes={"approach": "Another approach"},
                                     answers={question.id: "Because."}, milestones=milestones)
    assert again == ["approach"]
    nothing = services.update_proposal(proposal, actor=member, changes={"approach": "Another approach"},
                                       answers={question.id: "Because."}, milestones=milestones)
    assert nothing == []
    db.session.commit()

    events = audit_rows(proposal, "proposal.updated")
    assert [(event.actor_id, event.details) for event in events] == [
        (member.id, {"state": "submitted", "changed": ["title", "trl", "answer:1", "milestones"]}),
        (member.id, {"state": "submitted", "changed": ["approach"]}),
    ]
    assert proposal.state == SUBMITTED  # editing does not send it back


def test_an_answer_longer_than_its_limit_is_refused_and_nothing_changes(make_challenge, make_proposal, users):
    challenge = make_challenge("open", questions=questions((False, 50), (False, 10)))
    first, second = challenge.questions
    proposal = make_proposal(DRAFT, challenge=challenge)
    before = stamps(proposal)
    with pytest.raises(services.AnswerTooLong) as refused:
        services.update_proposal(proposal, actor=users["venture_owner"], changes={"title": "Changed"},
                                 answers={first.id: "fits", second.id: "x" * 11}, milestones=[])
    assert "2" in str(refused.value.message) and "10" in str(refused.value.message)
    assert_unchanged(proposal, before)
    assert proposal.answers == []

    services.update_proposal(proposal, actor=users["venture_owner"], changes={},
                             answers={second.id: "x" * 10}, milestones=[])  # exactly the limit is fine
    assert proposal.answer_to(second) == "x" * 10


@pytest.mark.parametrize(("state", "offset", "error"), [
    (DRAFT, -1, None),
    (DRAFT, 0, services.SubmissionClosed),
    (SUBMITTED, -1, None),
    (SUBMITTED, 0, services.SubmissionClosed),
    (SUBMITTED, 60, services.SubmissionClosed),
    (REVISION, 3600, None),  # sent back for revision: editable after the deadline
    (SHORTLISTED, -60, PermissionDenied),
    (SELECTED, -60, PermissionDenied),
    (DECLINED, -60, PermissionDenied),
    (WITHDRAWN, -60, PermissionDenied),
])
def test_update_until_the_deadline(make_challenge, make_proposal, users, state, offset, error):
    deadline = utcnow().replace(microsecond=0) + timedelta(days=1)
    proposal = make_proposal(state, challenge=make_challenge("open", deadline=deadline))
    before = stamps(proposal)
    update = lambda: services.update_proposal(  # noqa: E731
        proposal, actor=users["venture_owner"], changes={"title": "Late change"}, answers={}, milestones=[],
        now=deadline + offset * SECOND)
    if error is None:
        assert update() == ["title"]
    else:
        with pytest.raises(error):
            update()
        assert_unchanged(proposal, before)


@pytest.mark.parametrize("person", ["other_venture", "company_owner", "ipark_staff", "admin"])
def test_only_the_venture_edits(make_proposal, users, person):
    proposal = make_proposal(SUBMITTED)
    before = stamps(proposal)
    with pytest.raises(PermissionDenied):
        services.update_proposal(proposal, actor=users[person], changes={"title": "Mine now"}, answers={},
                                 milestones=[])
    assert_unchanged(proposal, before)


# Submitting -------------------------------------------------------------------------------------

def test_submit_sends_the_draft_and_tells_the_venture(make_challenge, make_proposal, users, venture, mails):
    deadline = utcnow().replace(microsecond=0) + timedelta(days=1)
    proposal = make_proposal(DRAFT, challenge=make_challenge("open", deadline=deadline))
    owner = users["venture_owner"]
    services.submit_proposal(proposal, actor=owner, now=deadline - SECOND)  # its last second
    db.session.commit()

    assert proposal.state == SUBMITTED
    assert as_utc(proposal.submitted_at) == deadline - SECOND
    [event] = audit_rows(proposal)
    assert (event.action, event.actor_id, event.from_state, event.to_state) == (
        "proposal.submitted", owner.id, "draft", "submitted")
    assert [(mail.template, mail.to, mail.context["resubmitted"]) for mail in mails] == [
        ("proposal_submitted", owner.email, False), ("proposal_submitted", users["venture_member"].email, False)]
    assert outbox_rows() == {(owner.email, "en"), (users["venture_member"].email, "ko")}
    assert all(mail.context["url"].endswith(f"/proposals/{proposal.id}") for mail in mails)


def test_an_inactive_member_is_not_written_to(make_proposal, make_user, users, mails):
    gone = make_user(organization=users["venture_owner"].organization, role="member", active=False)
    services.submit_proposal(make_proposal(DRAFT), actor=users["venture_owner"])
    assert gone.email not in sent_to(mails, "proposal_submitted")
    assert sent_to(mails, "proposal_submitted") == emails(users["venture_owner"], users["venture_member"])


@pytest.mark.parametrize("offset", [0, 1, 3600])
def test_submitting_after_the_deadline_changes_nothing(make_challenge, make_proposal, users, mails, offset):
    deadline = utcnow().replace(microsecond=0) + timedelta(days=1)
    proposal = make_proposal(DRAFT, challenge=make_challenge("open", deadline=deadline))
    before = stamps(proposal)
    with pytest.raises(services.SubmissionClosed):
        services.submit_proposal(proposal, actor=users["venture_owner"], now=deadline + offset * SECOND)
    assert_unchanged(proposal, before)
    assert proposal.submitted_at is None
    assert mails == []


def test_submitting_after_the_deadline_with_the_real_clock(make_challenge, make_proposal, users, mails):
    proposal = make_proposal(DRAFT, challenge=make_challenge("closed", deadline=utcnow() - SECOND))
    with pytest.raises(services.SubmissionClosed):
        services.submit_proposal(proposal, actor=users["venture_owner"])
    assert (proposal.state, proposal.submitted_at, audit_rows(proposal), mails) == (DRAFT, None, [], [])


@pytest.mark.parametrize(("blank", "missing"), [
    ({"title": ""}, ["Title"]),
    ({"summary": "  "}, ["Summary"]),
    ({"title": "", "approach": "\n"}, ["Title", "Approach"]),
    ({"answers": [1]}, ["answer to question 1"]),
    ({"answers": [1, 3]}, ["answer to question 1", "answer to question 3"]),
    ({"summary": "", "answers": [3]}, ["Summary", "answer to question 3"]),
])
def test_submission_needs_the_basics_and_the_required_answers(make_challenge, make_proposal, users, mails,
                                                              blank, missing):
    challenge = make_challenge("open", questions=questions((True, 100), (False, 100), (True, 100)))
    blank = dict(blank)
    unanswered = blank.pop("answers", [])
    proposal = make_proposal(DRAFT, challenge=challenge, **blank)
    services.update_proposal(proposal, actor=users["venture_owner"], changes={}, milestones=[], answers={
        question.id: "" if n in unanswered else "An answer." for n, question in enumerate(challenge.questions, 1)
        if question.required})
    before, audits = stamps(proposal), len(audit_rows(proposal))
    with pytest.raises(services.IncompleteProposal) as refused:
        services.submit_proposal(proposal, actor=users["venture_owner"])
    assert str(refused.value.message).endswith(": " + "; ".join(missing))
    assert_unchanged(proposal, before, audit_before=audits)
    assert mails == []


def test_the_optional_question_may_stay_blank(make_challenge, make_proposal, users):
    challenge = make_challenge("open", questions=questions((True, 100), (False, 100)))
    proposal = make_proposal(DRAFT, challenge=challenge)
    services.update_proposal(proposal, actor=users["venture_owner"], changes={}, milestones=[],
                             answers={challenge.questions[0].id: "Yes."})
    services.submit_proposal(proposal, actor=users["venture_owner"])
    assert proposal.state == SUBMITTED


def test_a_revised_proposal_is_resubmitted_after_the_deadline(make_challenge, make_proposal, users, mails):
    deadline = utcnow().replace(microsecond=0) - timedelta(days=1)
    proposal = make_proposal(REVISION, challenge=make_challenge("closed", deadline=deadline),
                             revision_note="Please add the IP position.")
    services.update_proposal(proposal, actor=users["venture_member"], changes={"approach": "With the IP."},
                             answers={}, milestones=[])
    services.submit_proposal(proposal, actor=users["venture_member"])
    db.session.commit()
    assert proposal.state == SUBMITTED
    assert as_utc(proposal.submitted_at) > deadline
    assert audit_rows(proposal, "proposal.submitted")[0].from_state == "revision_requested"
    assert {mail.context["resubmitted"] for mail in mails} == {True}


# Every transition, service by service -----------------------------------------------------------

# (from, to) pairs the services make; every other pair is refused. Nothing leads back to a draft.
ALLOWED = {
    (DRAFT, SUBMITTED), (DRAFT, WITHDRAWN),
    (SUBMITTED, SHORTLISTED), (SUBMITTED, DECLINED), (SUBMITTED, REVISION), (SUBMITTED, WITHDRAWN),
    (REVISION, SUBMITTED), (REVISION, WITHDRAWN),
    (SHORTLISTED, SELECTED), (SHORTLISTED, DECLINED), (SHORTLISTED, WITHDRAWN),
}
TARGETS = (SUBMITTED, WITHDRAWN, SHORTLISTED, DECLINED, REVISION, SELECTED)
EFFECTS = {SHORTLISTED: services.shortlist_proposal, DECLINED: services.decline_proposal,
           REVISION: services.request_revision, SELECTED: services.select_proposal}
# What each allowed move sets, and whom it tells.
SETS = {SUBMITTED: "submitted_at", WITHDRAWN: "withdrawn_at", SHORTLISTED: "shortlisted_at",
        DECLINED: "decided_at", REVISION: "revision_note", SELECTED: "decided_at"}
VENTURE_MAIL = {SUBMITTED: "proposal_submitted", WITHDRAWN: None, SHORTLISTED: "proposal_shortlisted",
                DECLINED: "proposal_declined", REVISION: "proposal_revision_requested", SELECTED: "proposal_selected"}


def move(proposal, target, users):
    """Call the service that leads to `target`: the venture's own, or a joint decision's effect."""
    if target == SUBMITTED:
        services.submit_proposal(proposal, actor=users["venture_owner"])
    elif target == WITHDRAWN:
        services.withdraw_proposal(proposal, actor=users["venture_owner"])
    else:
        decision = signoff.request_decision(proposal, review_services.DECISION_ACTIONS[target],
                                            actor=users["ipark_staff"], note="The reason, in the institutions' words.")
        EFFECTS[target](proposal, decision=decision, actor=users["mss_staff"])


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_allowed_transitions(make_proposal, users, venture, mails, source, target):
    proposal = make_proposal(source, company_chosen_at=utcnow(), company_chosen_by_id=users["company_owner"].id)
    move(proposal, target, users)
    db.session.commit()

    assert proposal.state == target
    assert getattr(proposal, SETS[target]) is not None
    [event] = [event for event in audit_rows(proposal) if event.action.startswith("proposal.")]
    assert (event.action, event.from_state, event.to_state) == (f"proposal.{target}", source, target)
    expected = {VENTURE_MAIL[target]} if VENTURE_MAIL[target] else set()
    if target == SHORTLISTED:  # the company may now read it
        expected.add("proposal_shortlisted_company")
        assert sent_to(mails, "proposal_shortlisted_company") == emails(users["company_owner"],
                                                                        users["company_member"])
    assert {mail.template for mail in mails} == expected
    if VENTURE_MAIL[target]:
        assert sent_to(mails, VENTURE_MAIL[target]) == emails(*venture)
        assert {(row.recipient, row.locale) for row in db.session.scalars(select(OutboxEmail))} >= {
            (users["venture_owner"].email, "en"), (users["venture_member"].email, "ko")}
    if target in {DECLINED, REVISION}:
        reason = "The reason, in the institutions' words."
        assert (proposal.decision_reason if target == DECLINED else proposal.revision_note) == reason
        assert [mail.context["reason"] for mail in mails] == [reason, reason]


@pytest.mark.parametrize(("source", "target"), sorted(
    (source, target) for source in ProposalState for target in TARGETS if (source, target) not in ALLOWED))
def test_refused_transitions_change_nothing(make_proposal, users, mails, source, target):
    proposal = make_proposal(source, company_chosen_at=utcnow(), company_chosen_by_id=users["company_owner"].id)
    if target in EFFECTS:  # the decision exists; its effect must still refuse the state
        decision = signoff.request_decision(proposal, review_services.DECISION_ACTIONS[target],
                                            actor=users["ipark_staff"], note="Reason")
        call = lambda: EFFECTS[target](proposal, decision=decision, actor=users["mss_staff"])  # noqa: E731
    else:
        call = lambda: move(proposal, target, users)  # noqa: E731
    before, outbox = stamps(proposal), count(OutboxEmail)
    error = PermissionDenied if target == WITHDRAWN else InvalidTransition
    with pytest.raises(error):
        call()
    assert_unchanged(proposal, before, outbox_before=outbox)
    assert mails == []


def test_selection_in_a_company_call_needs_the_company_choice(make_proposal, users, mails):
    proposal = make_proposal(SHORTLISTED)
    decision = signoff.request_decision(proposal, "proposal.select", actor=users["ipark_staff"])
    before = stamps(proposal)
    with pytest.raises(services.CompanyChoiceMissing):
        services.select_proposal(proposal, decision=decision, actor=users["mss_staff"])
    assert_unchanged(proposal, before)
    assert mails == []


def test_selection_in_a_startup_support_call_needs_no_company(make_challenge, make_proposal, users, mails):
    challenge = make_challenge("open", program=Program.startup_support, poster=users["ipark_staff"])
    proposal = make_proposal(SHORTLISTED, challenge=challenge)
    decision = signoff.request_decision(proposal, "proposal.select", actor=users["ipark_staff"])
    services.select_proposal(proposal, decision=decision, actor=users["mss_staff"])
    assert proposal.state == SELECTED


def test_shortlisting_in_a_startup_support_call_writes_to_the_venture_only(make_challenge, make_proposal, users,
                                                                            mails):
    """The institutions posted the call and took the decision themselves: no "your call" e-mail to them."""
    challenge = make_challenge("open", program=Program.startup_support, poster=users["ipark_staff"])
    proposal = make_proposal(SUBMITTED, challenge=challenge)
    decision = signoff.request_decision(proposal, "proposal.shortlist", actor=users["ipark_staff"])
    services.shortlist_proposal(proposal, decision=decision, actor=users["mss_staff"])
    assert {mail.template for mail in mails} == {"proposal_shortlisted"}
    assert sent_to(mails, "proposal_shortlisted") == emails(users["venture_owner"], users["venture_member"])


# Withdrawing ------------------------------------------------------------------------------------

@pytest.mark.parametrize("person", ["venture_member", "other_venture", "company_owner", "ipark_staff", "admin"])
def test_only_the_venture_withdraws(make_proposal, users, person):
    proposal = make_proposal(SUBMITTED)
    before = stamps(proposal)
    if person == "venture_member":
        services.withdraw_proposal(proposal, actor=users[person])
        assert proposal.state == WITHDRAWN
        return
    with pytest.raises(PermissionDenied):
        services.withdraw_proposal(proposal, actor=users[person])
    assert_unchanged(proposal, before)


@pytest.mark.parametrize("signed", [False, True])
def test_withdrawal_lapses_a_pending_decision(make_proposal, users, mails, signed):
    proposal = make_proposal(SUBMITTED)
    decision = review_services.request_proposal_decision(proposal, SHORTLISTED, actor=users["ipark_staff"])
    if signed:
        signoff.sign_decision(decision, actor=users["ipark_staff"])
    db.session.commit()
    member = users["venture_member"]
    services.withdraw_proposal(proposal, actor=member)
    db.session.commit()

    assert proposal.state == WITHDRAWN and proposal.withdrawn_at is not None
    assert decision.state == DecisionState.rejected
    assert (decision.rejected_by_id, decision.rejection_reason) == (member.id, "The venture withdrew the proposal.")
    assert [event.action for event in db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "joint_decisions", AuditEvent.subject_id == decision.id,
        AuditEvent.actor_id == member.id))] == ["decision.withdrawn"]
    with pytest.raises(signoff.DecisionNotPending):
        signoff.sign_decision(decision, actor=users["mss_staff"])
    assert proposal.state == WITHDRAWN
    assert review_services.pending_decisions([proposal]) == {}
    assert mails == []


def test_withdrawal_leaves_other_proposals_decisions_alone(make_challenge, make_proposal, users):
    challenge = make_challenge("open")
    mine = make_proposal(SUBMITTED, challenge=challenge)
    theirs = make_proposal(SUBMITTED, challenge=challenge, creator=users["other_venture"])
    other = review_services.request_proposal_decision(theirs, SHORTLISTED, actor=users["ipark_staff"])
    services.withdraw_proposal(mine, actor=users["venture_owner"])
    assert other.state == DecisionState.pending


# Attachments ------------------------------------------------------------------------------------

def test_add_attachment_stores_a_pdf_under_a_random_key(store, make_proposal, users):
    proposal = make_proposal(DRAFT)
    attachment = services.add_attachment(proposal, actor=users["venture_member"], upload=pdf_upload())
    db.session.commit()
    assert re.fullmatch(r"[0-9a-f]{40}", attachment.storage_key)
    assert stored_keys(store) == [attachment.storage_key]
    assert uploads.read(attachment.storage_key) == PDF
    assert (attachment.filename, attachment.size, attachment.uploaded_by_id) == (
        "plan.pdf", len(PDF), users["venture_member"].id)
    [event] = audit_rows(proposal, "proposal.attachment_added")
    assert event.details["filename"] == "plan.pdf" and event.details["sha256"] == attachment.sha256


@pytest.mark.parametrize("content", [b"MZ\x90\x00 a Windows program", b"", b"<html>%PDF-1.4</html>",
                                     b" %PDF-1.4 leading space"])
def test_a_file_that_is_not_a_pdf_is_refused_and_nothing_is_stored(store, make_proposal, users, content):
    proposal = make_proposal(DRAFT)
    before = stamps(proposal)
    with pytest.raises(uploads.InvalidUpload):
        services.add_attachment(proposal, actor=users["venture_owner"], upload=pdf_upload(content, "report.pdf"))
    assert stored_keys(store) == []
    assert count(ProposalAttachment) == 0
    assert_unchanged(proposal, before)


@pytest.mark.parametrize(("given", "kept"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\evil\\x.pdf", "x.pdf"),
    ("/tmp/absolute.pdf", "absolute.pdf"),
    ("..", "document.pdf"),
])
def test_a_path_in_the_file_name_is_harmless(app, tmp_path, make_proposal, users, given, kept):
    proposal = make_proposal(DRAFT)
    attachment = services.add_attachment(proposal, actor=users["venture_owner"], upload=pdf_upload(filename=given))
    db.session.commit()
    assert attachment.filename == kept
    upload_dir = Path(app.config["UPLOAD_DIR"]).resolve()
    assert stored_keys(uploads.storage()) == [attachment.storage_key]
    written = {path.resolve() for path in tmp_path.rglob("*") if path.is_file() and path.read_bytes() == PDF}
    assert written == {upload_dir / attachment.storage_key}
    assert not any((folder / given).exists() for folder in (upload_dir, Path.cwd()) if given != "..")


def test_at_most_max_attachments(store, make_proposal, users):
    proposal = make_proposal(DRAFT)
    for n in range(MAX_ATTACHMENTS):
        services.add_attachment(proposal, actor=users["venture_owner"], upload=pdf_upload(filename=f"{n}.pdf"))
    db.session.commit()
    with pytest.raises(services.TooManyAttachments):
        services.add_attachment(proposal, actor=users["venture_owner"], upload=pdf_upload(filename="one-more.pdf"))
    assert len(stored_keys(store)) == count(ProposalAttachment) == MAX_ATTACHMENTS

    key = services.remove_attachment(proposal.attachments[0], actor=users["venture_owner"])  # room again
    db.session.commit()
    uploads.discard(key)
    services.add_attachment(proposal, actor=users["venture_owner"], upload=pdf_upload(filename="one-more.pdf"))
    assert count(ProposalAttachment) == MAX_ATTACHMENTS


def test_remove_attachment(store, make_proposal, users):
    proposal = make_proposal(SUBMITTED)
    attachment = services.add_attachment(proposal, actor=users["venture_owner"], upload=pdf_upload())
    db.session.commit()
    attachment_id = attachment.id
    with pytest.raises(PermissionDenied):
        services.remove_attachment(attachment, actor=users["ipark_staff"])
    key = services.remove_attachment(attachment, actor=users["venture_member"])
    db.session.commit()
    assert key == attachment.storage_key
    assert db.session.get(ProposalAttachment, attachment_id) is None
    [event] = audit_rows(proposal, "proposal.attachment_removed")
    assert event.details == {"attachment_id": attachment_id, "filename": "plan.pdf"}
    assert stored_keys(store) == [key]  # the caller discards it once committed
    uploads.discard(key)
    assert stored_keys(store) == []


@pytest.mark.parametrize(("state", "closed", "error"), [
    (DRAFT, True, services.SubmissionClosed),
    (SUBMITTED, True, services.SubmissionClosed),
    (SHORTLISTED, False, PermissionDenied),
    (REVISION, True, None),
])
def test_attachments_follow_editing(store, make_challenge, make_proposal, users, state, closed, error):
    challenge = make_challenge("closed") if closed else make_challenge("open")
    proposal = make_proposal(state, challenge=challenge)
    if error is None:
        services.add_attachment(proposal, actor=users["venture_owner"], upload=pdf_upload())
        assert count(ProposalAttachment) == 1
        return
    with pytest.raises(error):
        services.add_attachment(proposal, actor=users["venture_owner"], upload=pdf_upload())
    assert stored_keys(store) == [] and count(ProposalAttachment) == 0


# The company's choice ---------------------------------------------------------------------------

def test_choose_and_unchoose(make_proposal, users):
    proposal = make_proposal(SHORTLISTED)
    member = users["company_member"]
    services.choose_proposal(proposal, actor=member)
    db.session.commit()
    assert (proposal.company_chosen_by_id, proposal.company_has_chosen) == (member.id, True)
    with pytest.raises(PermissionDenied):  # once is enough
        services.choose_proposal(proposal, actor=users["company_owner"])
    services.unchoose_proposal(proposal, actor=users["company_owner"])
    db.session.commit()
    assert (proposal.company_chosen_at, proposal.company_chosen_by_id) == (None, None)
    assert [event.action for event in audit_rows(proposal)] == [
        "proposal.chosen_by_company", "proposal.choice_withdrawn_by_company"]


@pytest.mark.parametrize(("state", "program", "person"), [
    (SUBMITTED, Program.open_innovation, "company_owner"),  # not shortlisted yet
    (SELECTED, Program.open_innovation, "company_owner"),
    (SHORTLISTED, Program.startup_support, "company_owner"),  # no company choice in the institutions' calls
    (SHORTLISTED, Program.open_innovation, "ipark_staff"),
    (SHORTLISTED, Program.open_innovation, "venture_owner"),
])
def test_choose_refused(make_challenge, make_proposal, users, state, program, person):
    proposal = make_proposal(state, challenge=make_challenge("open", program=program))
    before = stamps(proposal)
    with pytest.raises(PermissionDenied):
        services.choose_proposal(proposal, actor=users[person])
    assert_unchanged(proposal, before)


def test_the_choice_stays_while_the_institutions_sign_the_selection(make_proposal, users):
    proposal = make_proposal(SHORTLISTED)
    services.choose_proposal(proposal, actor=users["company_owner"])
    review_services.request_proposal_decision(proposal, SELECTED, actor=users["ipark_staff"])
    db.session.commit()
    before, audits = stamps(proposal), len(audit_rows(proposal))
    with pytest.raises(signoff.DecisionAlreadyOpen):
        services.unchoose_proposal(proposal, actor=users["company_owner"])
    assert_unchanged(proposal, before, audit_before=audits)
    assert count(JointDecision) == 1


def test_closing_the_call_tells_each_proposer_what_the_deadline_means_for_them(
        make_challenge, make_proposal, make_user, users):
    """Submitted: locked and under review. Draft: can no longer be sent. Withdrawn: nothing."""
    from app.challenges.services import close_challenge

    deadline = utcnow() + timedelta(hours=1)
    challenge = make_challenge("open", deadline=deadline)
    submitted = make_proposal("submitted", challenge=challenge)
    draft = make_proposal("draft", challenge=challenge, creator=users["other_venture"])
    withdrawn_by = make_user("venture")
    make_proposal("withdrawn", challenge=challenge, creator=withdrawn_by)
    close_challenge(challenge, now=deadline)
    mails = {(row.recipient, row.subject) for row in db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.subject.contains(challenge.title)))}
    locked = f"{SUBJECT_PREFIX}The call has closed; your proposal is under review: {challenge.title}"
    too_late = f"{SUBJECT_PREFIX}Your draft was not submitted in time: {challenge.title}"
    assert {(users["venture_owner"].email, locked), (users["venture_member"].email, locked),
            (users["other_venture"].email, too_late)} <= mails
    assert not any(recipient == withdrawn_by.email for recipient, _ in mails)
    assert (submitted.state, draft.state) == (ProposalState.submitted, ProposalState.draft)
