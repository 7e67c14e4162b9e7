"""The demo data keeps the promise of DESIGN.md: every programme in every language, every state."""
import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.auth.services.accounts import find_user_by_email
from app.challenges.models import (
    WRITTEN_LANGUAGES,
    Challenge,
    ChallengeAttachment,
    ChallengeState,
    ClarificationQuestion,
    NdaAcceptance,
    Program,
)
from app.challenges.search import find_challenges
from app.common.models import AuditEvent, OutboxEmail
from app.common.time import as_utc, utcnow
from app.demo import seed, seed_challenges
from app.demo.calls import DEMO_CHALLENGES
from app.extensions import db
from app.proposals.models import Proposal

DEMO_TITLES = {spec.title for spec in DEMO_CHALLENGES}


@pytest.fixture
def seeded(app, demo):
    return list(db.session.scalars(select(Challenge).order_by(Challenge.id)))


def row_counts() -> dict:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Challenge, Proposal, ChallengeAttachment, ClarificationQuestion, NdaAcceptance,
                          AuditEvent)}


def test_every_programme_is_shown_in_every_language(seeded):
    assert {(c.program, c.language) for c in seeded} == set(itertools.product(Program, WRITTEN_LANGUAGES))


def test_every_state_occurs(seeded):
    assert {c.state for c in seeded} == set(ChallengeState)


def test_a_second_run_creates_nothing(seeded):
    before = row_counts()
    assert before["Challenge"] == len(DEMO_CHALLENGES)
    seed()
    db.session.commit()
    assert row_counts() == before
    assert seed_challenges() == 0


def test_a_missing_demo_challenge_is_posted_again_alone(seeded):
    """Matching by title: someone who deleted one call gets it back, without duplicates of the rest."""
    gone = next(c for c in seeded if c.state == ChallengeState.draft and not c.review_note)
    db.session.delete(gone)
    db.session.commit()
    assert seed_challenges() == 1
    assert db.session.scalar(select(func.count()).select_from(Challenge)) == len(DEMO_CHALLENGES)


def test_searching_the_demo_finds_calls_in_each_script(seeded):
    """Each seed costs a couple of seconds, so one test walks the words rather than five."""
    venture = find_user_by_email("venture@demo.test")
    for word in ["創薬", "抗体", "항체", "신약", "antibody"]:
        page = find_challenges(user=venture, q=word, status="all")
        assert page.total >= 1, word
        assert {c.title for c in page.items} <= DEMO_TITLES


def test_each_call_is_complete_and_its_timestamps_tell_one_story(seeded):
    now = utcnow()
    for challenge in seeded:
        title = challenge.title
        assert challenge.summary and challenge.confidential, title
        assert challenge.description.count("\n\n") >= 2, title  # several paragraphs
        assert 1 <= len(challenge.questions) <= 3, title
        assert challenge.fields and challenge.funding_sources and challenge.trl, title
        assert challenge.budget_minor > 0 and challenge.currency, title
        deadline, created = as_utc(challenge.deadline), as_utc(challenge.created_at)
        assert created < now, title
        if challenge.submitted_at:
            assert created < as_utc(challenge.submitted_at) < now, title
        if challenge.published_at:
            assert as_utc(challenge.submitted_at) < as_utc(challenge.published_at) < deadline, title
        if challenge.state in {ChallengeState.closed, ChallengeState.awarded}:
            assert challenge.deadline_passed(now) and as_utc(challenge.closed_at) == deadline, title
        if challenge.state == ChallengeState.open:
            assert timedelta(weeks=2) <= deadline - now <= timedelta(weeks=8), title
        if challenge.state == ChallengeState.cancelled:
            assert challenge.was_published(), "a call cancelled after publication tells its followers why"


def test_each_calls_history_is_dated_like_its_story(seeded):
    """The audit log is append-only, so the demo dates its events as it writes them: a call's History
    starts when it was posted, runs in order, and dates each change of state as the call's columns do."""
    now = utcnow()
    for challenge in seeded:
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == Challenge.__tablename__,
                                                             AuditEvent.subject_id == challenge.id)
                                    .order_by(AuditEvent.id)).all()
        dated = [as_utc(event.created_at) for event in events]
        assert dated == sorted(dated) and dated[0] == as_utc(challenge.created_at) and dated[-1] < now, challenge.title
        entered = {event.to_state: as_utc(event.created_at) for event in events if event.to_state}
        for state, column in ((ChallengeState.pending_review, challenge.submitted_at),
                              (ChallengeState.open, challenge.published_at),
                              (ChallengeState.closed, challenge.closed_at),
                              (ChallengeState.awarded, challenge.awarded_at),
                              (ChallengeState.cancelled, challenge.cancelled_at)):
            if column is not None:
                assert entered[state] == as_utc(column), (challenge.title, state)


def test_changes_were_requested_by_the_other_institution(seeded):
    returned = next(c for c in seeded if c.state == ChallengeState.draft and c.review_note)
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.subject_type == "challenges", AuditEvent.subject_id == returned.id,
        AuditEvent.action == "challenge.draft"))
    reviewer = db.session.get(User, event.actor_id)
    assert reviewer.is_staff and reviewer.institution != returned.created_by.institution


def test_questions_and_the_nda_that_ventures_saw(seeded):
    venture, other = find_user_by_email("venture@demo.test"), find_user_by_email("venture2@demo.test")
    accepted = [c for c in seeded if c.has_accepted_nda(venture)]
    assert len(accepted) == 1 and accepted[0].language == "ja" and accepted[0].is_accepting()
    challenge = accepted[0]
    assert challenge.can_view_confidential(venture) and not challenge.can_view_confidential(other)

    answered, pending = (db.session.scalars(select(ClarificationQuestion).where(condition)).all()
                         for condition in (ClarificationQuestion.answered_at.is_not(None),
                                           ClarificationQuestion.answered_at.is_(None)))
    assert [(q.challenge, q.asked_by) for q in answered] == [(challenge, venture)]
    assert answered[0].answered_by_id == find_user_by_email("company@demo.test").id
    assert [q.asked_by for q in pending] == [other] and pending[0].challenge.is_accepting()


def test_one_open_call_has_a_public_and_a_confidential_pdf(seeded, app):
    attachments = db.session.scalars(select(ChallengeAttachment)).all()
    assert sorted(a.confidential for a in attachments) == [False, True]
    assert len({a.challenge_id for a in attachments}) == 1 and attachments[0].challenge.is_accepting()
    for attachment in attachments:
        stored = Path(app.config["UPLOAD_DIR"]) / attachment.storage_key  # the demo's store: the disk
        assert stored.read_bytes().startswith(b"%PDF-") and stored.stat().st_size == attachment.size


def test_my_challenges_have_proposals_to_count(seeded):
    """Open, closed and awarded calls have proposals (told in detail by tests/proposals/test_demo.py)."""
    proposals = db.session.scalars(select(Proposal)).all()
    by_state = {c.id: c.state for c in seeded}
    assert {by_state[p.challenge_id] for p in proposals} == {
        ChallengeState.open, ChallengeState.closed, ChallengeState.awarded}
    for proposal in proposals:
        assert proposal.organization.kind == "venture"


def test_seeding_sends_no_mail(seeded):
    """The history is backdated: mail about it would read as news and bury the demo's real mail."""
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0
