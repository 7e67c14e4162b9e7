"""The demo proposals: every state, reviews to answer, decisions to sign, each visible to the right
people, dated like a story — and made only by the services, so the models' own rules hold."""
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.auth.services.accounts import find_user_by_email
from app.challenges.models import Challenge, ChallengeState
from app.common.models import AuditEvent, DecisionState, Institution, JointDecision, OutboxEmail
from app.common.outbox import queue_email
from app.common.time import as_utc, utcnow
from app.demo import seed
from app.demo.calls import DEMO_CHALLENGES
from app.demo.proposals import DEMO_PROPOSALS, Revise
from app.demo.reviews import Decision, Review
from app.extensions import db
from app.proposals.models import (
    Proposal,
    ProposalAnswer,
    ProposalAttachment,
    ProposalMilestone,
    ProposalState,
    visible_proposals_clause,
)
from app.proposals.timeline import status_timeline
from app.review.models import Review as ReviewRow
from app.review.models import ReviewScore
from app.review.services import DECISION_ACTIONS

DEMO_PEOPLE = ("ipark@demo.test", "mss@demo.test", "company@demo.test", "university@demo.test",
               "venture@demo.test", "venture2@demo.test", "admin@demo.test")


@pytest.fixture
def seeded(app, demo):
    return list(db.session.scalars(select(Proposal).order_by(Proposal.id)))


@pytest.fixture
def people(seeded):
    return {email.split("@")[0]: find_user_by_email(email) for email in DEMO_PEOPLE}


def row_counts() -> dict:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Proposal, ProposalAnswer, ProposalMilestone, ProposalAttachment, ReviewRow, ReviewScore,
                          JointDecision, AuditEvent, OutboxEmail)}


def proposal_decisions(proposal=None) -> list[JointDecision]:
    query = select(JointDecision).where(JointDecision.subject_type == Proposal.__tablename__)
    if proposal is not None:
        query = query.where(JointDecision.subject_id == proposal.id)
    return list(db.session.scalars(query.order_by(JointDecision.id)))


# The stories as written -------------------------------------------------------------------------

def test_every_story_is_told_in_order_to_a_demo_call():
    titles = {spec.title: spec for spec in DEMO_CHALLENGES}
    for spec in DEMO_PROPOSALS:
        call = titles[spec.challenge]
        assert call.state not in {ChallengeState.draft, ChallengeState.pending_review}, spec.title
        moments = [spec.started_days_ago]
        for step in spec.story:
            moments.append(step.days_ago)
            if isinstance(step, Review) and step.reviewed_days_ago is not None:
                assert step.days_ago > step.reviewed_days_ago and len(step.scores) == 5, spec.title
            if isinstance(step, Decision):
                assert [signature.days_ago for signature in step.signatures] == sorted(
                    (signature.days_ago for signature in step.signatures), reverse=True), spec.title
                assert all(signature.days_ago <= step.days_ago for signature in step.signatures), spec.title
        assert moments == sorted(moments, reverse=True), spec.title
        assert spec.started_days_ago < call.posted_days_ago - 6, "started after the call was published"


# What the seeding made --------------------------------------------------------------------------

def test_every_state_occurs_and_selections_follow_the_deadline(seeded):
    assert {proposal.state for proposal in seeded} == set(ProposalState)
    assert len(seeded) == len(DEMO_PROPOSALS)
    for proposal in seeded:
        assert proposal.organization.kind == "venture" and proposal.created_by.organization == proposal.organization
        if proposal.is_selected:
            assert proposal.challenge.state in {ChallengeState.closed, ChallengeState.awarded}
            assert not proposal.needs_company_choice or proposal.company_has_chosen
    # Both demo ventures have work in every stage: something to edit, to follow, and a result.
    for email in ("venture@demo.test", "venture2@demo.test"):
        own = {p.state for p in seeded if p.organization_id == find_user_by_email(email).organization_id}
        assert ProposalState.draft in own and ProposalState.submitted in own and ProposalState.selected in own


def test_submitted_proposals_are_complete_and_drafts_are_not_yet(seeded, app):
    for proposal in seeded:
        if proposal.submitted_at is None:
            assert proposal.is_draft
            continue
        assert proposal.missing_basics() == [] and proposal.missing_required_answers() == [], proposal.title
        assert proposal.team and proposal.trl and proposal.budget_minor and proposal.currency, proposal.title
    assert any(p.is_draft and p.missing_required_answers() for p in seeded), "a draft still being written"
    attachments = db.session.scalars(select(ProposalAttachment)).all()
    assert len({attachment.proposal_id for attachment in attachments}) >= 3
    for attachment in attachments:
        stored = Path(app.config["UPLOAD_DIR"]) / attachment.storage_key  # the demo's store: the disk
        assert stored.read_bytes().startswith(b"%PDF-") and stored.stat().st_size == attachment.size


def test_the_timestamps_tell_one_story(seeded):
    now = utcnow()
    for proposal in seeded:
        title, challenge = proposal.title, proposal.challenge
        created, updated = as_utc(proposal.created_at), as_utc(proposal.updated_at)
        assert as_utc(challenge.published_at) < created <= updated < now, title
        revised = proposal.revision_note is not None
        if proposal.submitted_at:
            submitted = as_utc(proposal.submitted_at)
            assert created < submitted < now, title
            if not revised:  # a revision is resubmitted after the deadline; a first submission never
                assert submitted < as_utc(challenge.deadline), title
        if proposal.shortlisted_at:
            assert as_utc(proposal.submitted_at) < as_utc(proposal.shortlisted_at) < now, title
        if proposal.decided_at:
            assert as_utc(challenge.deadline) < as_utc(proposal.decided_at) < now, title
            if proposal.shortlisted_at:
                assert as_utc(proposal.shortlisted_at) < as_utc(proposal.decided_at), title
        if proposal.company_chosen_at:
            assert as_utc(proposal.shortlisted_at) < as_utc(proposal.company_chosen_at) < now, title
        if proposal.withdrawn_at:
            assert as_utc(proposal.submitted_at) < as_utc(proposal.withdrawn_at) < now, title
        for attachment in proposal.attachments:
            assert created < as_utc(attachment.created_at) < now, title
        for review in db.session.scalars(select(ReviewRow).where(ReviewRow.proposal_id == proposal.id)):
            moments = [as_utc(m) for m in (review.assigned_at, review.no_conflict_at, review.submitted_at) if m]
            assert created < moments[0] and moments == sorted(moments) and moments[-1] < now, title
        for decision in proposal_decisions(proposal):
            requested = as_utc(decision.created_at)
            assert created < requested, title
            for moment in (decision.ipark_signed_at, decision.mss_signed_at, decision.rejected_at):
                if moment:
                    assert requested < as_utc(moment) <= as_utc(decision.decided_at or now), title


def test_every_history_tells_the_story_of_its_proposals_timestamps(seeded):
    """The History a venture reads (from the audit log) dates each step as the proposal's own columns
    do: nothing before the proposal was started, nothing after now, each step when it happened."""
    now = utcnow()
    for proposal in seeded:
        title, entries = proposal.title, status_timeline(proposal)
        moments = [as_utc(entry.at) for entry in entries]
        assert moments == sorted(moments), title
        assert moments[0] == as_utc(proposal.created_at) and moments[-1] < now, title
        reached = {entry.state: as_utc(entry.at) for entry in entries}  # the latest entry into each state
        expected = {ProposalState.submitted: proposal.submitted_at, ProposalState.shortlisted: proposal.shortlisted_at,
                    ProposalState.withdrawn: proposal.withdrawn_at}
        if proposal.state in {ProposalState.selected, ProposalState.declined}:
            expected[proposal.state] = proposal.decided_at
        for state, moment in expected.items():
            if moment is not None:
                assert reached[state] == as_utc(moment), (title, state)
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == Proposal.__tablename__,
                                                             AuditEvent.subject_id == proposal.id)
                                    .order_by(AuditEvent.id)).all()
        dated = [as_utc(event.created_at) for event in events]
        assert dated == sorted(dated) and as_utc(proposal.created_at) <= dated[0] and dated[-1] < now, title


def test_decisions_wait_for_mss_were_taken_and_were_rejected(seeded, people):
    decisions = proposal_decisions()
    assert {decision.state for decision in decisions} == set(DecisionState)

    [pending] = [decision for decision in decisions if decision.state == DecisionState.pending]
    assert pending.is_signed_by(Institution.ipark) and not pending.is_signed_by(Institution.mss)
    assert pending.can_sign(people["mss"]) and not pending.can_sign(people["ipark"])
    waiting = pending.subject
    assert pending.action == DECISION_ACTIONS[ProposalState.selected]
    assert waiting.is_shortlisted and waiting.company_has_chosen and waiting.challenge.state == ChallengeState.closed

    [rejected] = [decision for decision in decisions if decision.state == DecisionState.rejected]
    assert rejected.rejection_reason and rejected.rejected_by.institution == Institution.mss
    assert rejected.requested_by.institution == Institution.ipark and rejected.subject.awaits_revision

    effects = {DECISION_ACTIONS[target]: target for target in DECISION_ACTIONS}
    for decision in decisions:
        if decision.state == DecisionState.approved:
            proposal = decision.subject
            assert decision.ipark_signed_by_id != decision.mss_signed_by_id
            target = effects[decision.action]
            reached = {ProposalState.shortlisted: proposal.was_shortlisted,
                       ProposalState.selected: proposal.is_selected,
                       ProposalState.declined: proposal.state == ProposalState.declined,
                       ProposalState.revision_requested: proposal.revision_note is not None}[target]
            assert reached, (proposal.title, decision.action)
            if target in {ProposalState.declined, ProposalState.revision_requested}:
                assert decision.note, "the venture reads why"


def test_each_staff_member_has_a_review_to_answer(seeded, people):
    reviews = db.session.scalars(select(ReviewRow)).all()
    for who in ("ipark", "mss"):
        waiting = [review for review in reviews
                   if review.reviewer_id == people[who].id and review.awaits_conflict_answer]
        assert len(waiting) == 1, who
        assert waiting[0].can_answer_conflict(people[who]) and waiting[0].proposal.is_under_consideration
    for review in reviews:
        if review.is_submitted:
            assert review.weighted_mean() is not None and review.recommendation and review.comment
            assert review.weighted_score == review.weighted_mean()  # stored by save_review, as the ranking reads it
            assert review.proposal.may_review(review.reviewer) or not review.proposal.is_under_consideration
    assert any(review.reviewer == people["company"] and review.is_submitted for review in reviews)


def test_who_sees_which_proposal(seeded, people):
    def visible(user):
        return set(db.session.scalars(select(Proposal).where(visible_proposals_clause(user))))

    company = people["company"]
    own_calls = [p for p in seeded if p.challenge.organization_id == company.organization_id]
    expected = {p for p in own_calls if p.was_shortlisted and p.state != ProposalState.withdrawn}
    assert visible(company) == {p for p in seeded if p.can_view(company)} == expected
    assert {p.state for p in expected} == {ProposalState.shortlisted, ProposalState.selected, ProposalState.declined}
    assert {p for p in own_calls if p.is_shortlisted or p.is_selected} <= expected
    assert visible(people["university"]) == {p for p in seeded if p.can_view(people["university"])}

    for venture in ("venture", "venture2"):
        user = people[venture]
        own = {p for p in seeded if p.organization_id == user.organization_id}
        assert visible(user) == {p for p in seeded if p.can_view(user)} == own
    for staff in ("ipark", "mss"):
        assert visible(people[staff]) == {p for p in seeded if p.can_view(people[staff])} == \
            {p for p in seeded if not p.is_draft}
    assert visible(people["admin"]) == {p for p in seeded if p.can_view(people["admin"])}


def test_a_second_run_creates_nothing(seeded, app):
    before = row_counts()
    files = sorted(Path(app.config["UPLOAD_DIR"]).iterdir())
    seed()
    db.session.commit()
    assert row_counts() == before
    assert sorted(Path(app.config["UPLOAD_DIR"]).iterdir()) == files
    assert before["OutboxEmail"] == 0, "the backdated story is history, not news to mail"


# The e-mails the story sent (rendered, then discarded by the seeding) ---------------------------

@pytest.mark.parametrize("locale", ["en", "ja", "ko"])
def test_the_venture_mails_show_the_reason_only_when_given(seeded, people, locale):
    proposal = next(p for p in seeded if p.state == ProposalState.declined)
    venture = proposal.created_by
    url = f"http://127.0.0.1:5000/proposals/{proposal.id}"
    context = dict(proposal=proposal, challenge=proposal.challenge, url=url, locale=locale)
    templates = {"proposal_declined": "reason", "proposal_revision_requested": "reason",
                 "proposal_shortlisted": "note", "proposal_selected": "note"}
    for template, name in templates.items():
        given = queue_email(venture, template, **context, **{name: "Words from the institutions."})
        blank = queue_email(venture, template, **context, **{name: None})
        assert "Words from the institutions." in given.body_text and proposal.title in given.body_text, template
        assert given.body_text.replace("Words from the institutions.", "") != blank.body_text, template
        assert "None" not in blank.body_text and url in blank.body_text, template
        assert proposal.title in given.subject, template
    for resubmitted in (False, True):
        mail = queue_email(venture, "proposal_submitted", resubmitted=resubmitted, **context)
        assert proposal.title in mail.subject and url in mail.body_text
    db.session.rollback()


def test_a_blind_call_names_no_venture_to_the_company_or_the_reviewers(seeded, people):
    proposal = next(p for p in seeded if p.is_shortlisted)
    organization = proposal.organization
    context = dict(proposal=proposal, challenge=proposal.challenge, url="http://127.0.0.1:5000/proposals/1")
    for blind in (False, True):
        proposal.challenge.blind_review = blind
        for person, template in ((people["company"], "proposal_shortlisted_company"),
                                 (people["mss"], "review_assigned")):
            mail = queue_email(person, template, **context)
            named = any(name in mail.body_text + mail.subject
                        for name in (organization.name_latin, organization.name_native))
            assert named is not blind, (template, blind)
            assert proposal.title in mail.body_text
    db.session.rollback()


def test_the_revised_proposal_was_resubmitted_after_its_revision(seeded):
    revised = next(spec for spec in DEMO_PROPOSALS if any(isinstance(step, Revise) for step in spec.story))
    proposal = next(p for p in seeded if p.title == revised.title)
    assert proposal.revision_note and proposal.state == ProposalState.selected
    assert as_utc(proposal.submitted_at) > as_utc(proposal.challenge.deadline)
    assert len(proposal.attachments) == 1  # the letter of intent sent with the revision
    challenge = db.session.get(Challenge, proposal.challenge_id)
    assert challenge.state == ChallengeState.closed
