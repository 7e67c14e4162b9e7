"""The bench data (bench/data.py): every state, rows the database accepts, accounts that sign in, and
the manifest the load benchmark reads."""
import json

import pytest
from sqlalchemy import CheckConstraint, func, select, text

from app.auth.models import User
from app.challenges.models import PUBLISHED_STATES, Challenge, ChallengeSearchTerm, ChallengeState
from app.challenges.search import find_challenges, search_term_rows
from app.common.models import AuditEvent, DecisionState, JointDecision
from app.extensions import db
from app.proposals.conflicts import Conflict
from app.proposals.models import Proposal, ProposalState
from app.proposals.translations import ProposalTranslation
from app.review.models import Review, ReviewScore
from bench.data import BENCH_PASSWORD, generate, manifest
from tests.conftest import shared_fixture


@shared_fixture
def bench_batch():
    """One small batch, as other tests and helpers make it."""
    return generate(challenges=40, proposals=1200, seed=5).__dict__


def count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def test_a_small_batch_has_calls_and_proposals_in_every_state(bench_batch):
    assert set(db.session.scalars(select(Challenge.state).distinct())) == set(ChallengeState)
    assert set(db.session.scalars(select(Proposal.state).distinct())) == set(ProposalState)
    assert count(Challenge) == 40 and count(Proposal) == 1200
    # A cancelled call may have been published first; proposals answer only calls that were.
    unpublished = select(Challenge.id).where(Challenge.published_at.is_(None))
    assert count(Proposal, Proposal.challenge_id.in_(unpublished)) == 0
    assert count(Challenge, Challenge.state == ChallengeState.cancelled, Challenge.published_at.is_not(None)) > 0


@pytest.mark.parametrize(("call_state", "possible"), [
    (ChallengeState.open, {ProposalState.draft, ProposalState.submitted, ProposalState.revision_requested,
                           ProposalState.declined, ProposalState.withdrawn}),
    (ChallengeState.cancelled, {ProposalState.draft, ProposalState.submitted, ProposalState.withdrawn}),
    (ChallengeState.awarded, set(ProposalState) - {ProposalState.submitted, ProposalState.revision_requested}),
])
def test_proposals_are_in_states_that_fit_their_call(bench_batch, call_state, possible):
    states = set(db.session.scalars(select(Proposal.state).join(Proposal.challenge)
                                    .where(Challenge.state == call_state).distinct()))
    assert states and states <= possible


def test_reviews_are_assigned_begun_submitted_or_met_with_a_conflict(bench_batch):
    assigned = count(Review, Review.no_conflict_at.is_(None), Review.conflict_declared_at.is_(None))
    begun = count(Review, Review.no_conflict_at.is_not(None), Review.submitted_at.is_(None))
    submitted = count(Review, Review.submitted_at.is_not(None))
    conflicts = count(Review, Review.conflict_declared_at.is_not(None))
    assert min(assigned, begun, submitted, conflicts) > 0
    assert submitted > assigned > conflicts  # most reviews are done; a few met a conflict
    # A submitted review has a score for every criterion of its call's rubric.
    criteria = db.session.scalar(select(func.count()).select_from(ReviewScore).join(Review)
                                 .where(Review.submitted_at.is_not(None)))
    assert criteria == 5 * submitted
    # Each conflict met in a review is declared on the proposal, as the service does; a few ahead of any.
    assert count(Conflict, Conflict.proposal_id.is_not(None)) == conflicts
    assert count(Conflict, Conflict.proposal_id.is_(None), Conflict.withdrawn_at.is_(None)) == 2
    assert count(Conflict, Conflict.withdrawn_at.is_not(None)) == 1


def test_joint_decisions_are_in_every_state_and_stage_of_signing(bench_batch):
    decisions = db.session.scalars(select(JointDecision)).all()
    stages = {(d.state, d.ipark_signed_at is not None, d.mss_signed_at is not None) for d in decisions}
    assert {(DecisionState.pending, False, False), (DecisionState.pending, True, False),
            (DecisionState.pending, False, True), (DecisionState.approved, True, True),
            (DecisionState.rejected, False, False)} <= stages
    reasons = {d.rejection_reason for d in decisions if d.state == DecisionState.rejected}
    assert len(reasons) == 2  # refused by an institution, and lapsed when the venture withdrew
    # Every proposal decided jointly has the approved decision that put it there.
    for state, action in [(ProposalState.shortlisted, "proposal.shortlist"),
                          (ProposalState.selected, "proposal.select"), (ProposalState.declined, "proposal.decline"),
                          (ProposalState.revision_requested, "proposal.request_revision")]:
        decided = select(Proposal.id).where(Proposal.state == state)
        approved = select(JointDecision.subject_id).where(JointDecision.action == action,
                                                          JointDecision.state == DecisionState.approved)
        assert count(Proposal, Proposal.id.in_(decided), Proposal.id.not_in(approved)) == 0, state


def test_audit_rows_follow_each_proposal_and_review_as_the_services_write_them(bench_batch):
    assert count(AuditEvent, AuditEvent.action == "proposal.started") == 1200
    submitted = count(Proposal, Proposal.submitted_at.is_not(None))
    assert count(AuditEvent, AuditEvent.action == "proposal.submitted") == submitted
    assert count(AuditEvent, AuditEvent.action == "review.assigned") == count(Review)
    assert count(AuditEvent, AuditEvent.action == "review.submitted") == count(Review, Review.submitted_at.is_not(None))
    approved = count(JointDecision, JointDecision.state == DecisionState.approved)
    assert count(AuditEvent, AuditEvent.action == "decision.approved") == approved
    assert count(AuditEvent, AuditEvent.action == "decision.signed") == approved * 2 + count(
        JointDecision, JointDecision.state == DecisionState.pending,
        (JointDecision.ipark_signed_at.is_not(None)) | (JointDecision.mss_signed_at.is_not(None)))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "review.submitted").limit(1))
    assert len(event.details["scores"]) == 5 and event.details["recommendation"]


def test_calls_and_some_proposals_have_translations(bench_batch):
    challenges = db.session.scalars(select(Challenge)).all()
    translated = [challenge for challenge in challenges if challenge.translations]
    assert 0 < len(translated) < len(challenges)
    assert all(t.language != c.language for c in translated for t in c.translations)
    translations = db.session.scalars(select(ProposalTranslation)).all()
    assert 0 < len(translations) < 1200 // 4
    for translation in translations[:20]:
        proposal = db.session.get(Proposal, translation.proposal_id)
        assert translation.language != proposal.language
        assert not proposal.translation_outdated(translation)
    for challenge in challenges[:8] + translated[:4]:  # indexed as the application indexes them
        stored = db.session.execute(select(ChallengeSearchTerm.term, ChallengeSearchTerm.language,
                                           ChallengeSearchTerm.weight)
                                    .where(ChallengeSearchTerm.challenge_id == challenge.id)).all()
        assert sorted(stored) == sorted((r["term"], r["language"], r["weight"])
                                        for r in search_term_rows(challenge.id, challenge))


def test_every_row_satisfies_the_check_constraints(bench_batch):
    """What the database checked on insert, asked again constraint by constraint (also the enums')."""
    dialect = db.session.get_bind().dialect
    broken = {}
    for table in db.metadata.sorted_tables:
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint):
                condition = str(constraint.sqltext.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
                rows = db.session.scalar(text(f"SELECT count(*) FROM {table.name} WHERE NOT ({condition})"))
                if rows:
                    broken[f"{table.name}: {constraint.name or condition}"] = rows
    assert broken == {}
    assert count(Challenge) and count(JointDecision)  # the rows are there to check


def test_the_manifest_names_accounts_that_sign_in_through_the_form(app, bench_batch):
    data = manifest()
    assert data["password"] == BENCH_PASSWORD and data["totp"] == {}
    assert set(data["accounts"]) == {"venture", "company", "staff", "mss"}
    for role, email in data["accounts"].items():
        client = app.test_client()
        response = client.post("/auth/login", data={"email": email, "password": data["password"]})
        assert response.status_code == 302 and response.headers["Location"] == "/", role
        assert client.get("/proposals/mine" if role == "venture" else "/review/").status_code == 200, role
    venture = db.session.scalar(select(User).where(User.email == data["accounts"]["venture"]))
    states = db.session.scalars(select(Proposal.state).where(Proposal.organization_id == venture.organization_id))
    states = list(states)
    assert 10 <= len(states) <= 30 and len(set(states)) >= 3
    staff = db.session.scalar(select(User).where(User.email == data["accounts"]["staff"]))
    assert staff.institution == "ipark" and count(Review, Review.reviewer_id == staff.id) > 0
    assert db.session.scalar(select(User).where(User.email == data["accounts"]["mss"])).institution == "mss"


def test_the_largest_call_has_the_most_proposals_and_its_ranking_opens(app, bench_batch):
    data = manifest()
    assert data["counts"]["proposals"] == 1200 and data["counts"]["challenges"] == 40
    assert data["counts"]["audit_events"] == count(AuditEvent)  # before the sign-ins below add theirs
    largest = data["challenges"]["largest"]
    per_call = db.session.execute(select(Proposal.challenge_id, func.count()).group_by(Proposal.challenge_id)).all()
    assert dict(per_call)[largest] == max(number for _, number in per_call)
    company = db.session.scalar(select(User).where(User.email == data["accounts"]["company"]))
    assert company.organization_id == db.session.get(Challenge, largest).organization_id
    for role in ("company", "staff", "mss"):
        client = app.test_client()
        client.post("/auth/login", data={"email": data["accounts"][role], "password": BENCH_PASSWORD})
        assert client.get(f"/review/challenges/{largest}").status_code == 200, role
    page = db.session.get(Challenge, data["challenges"]["page"])
    assert page.state == ChallengeState.open and page.translations and page.is_accepting()


def test_proposals_per_call_are_skewed_towards_one_large_call(app):
    batch = generate(challenges=60, proposals=3000, seed=11)
    numbers = sorted(db.session.scalars(select(func.count()).select_from(Proposal).group_by(Proposal.challenge_id)),
                     reverse=True)
    assert sum(numbers) == batch.proposals == 3000
    assert numbers[0] >= 1.2 * numbers[1]  # one call stands out, as the 1,625 did
    assert numbers[len(numbers) // 2] < numbers[0] / 4  # most have far fewer


def test_generate_adds_cleanly_twice_and_answers_existing_calls_alone(app):
    first = generate(challenges=8, proposals=150, seed=3)
    second = generate(challenges=8, proposals=150, seed=3)
    assert first.batch != second.batch
    assert (count(Challenge), count(Proposal)) == (16, 300)
    assert count(User) == len(set(db.session.scalars(select(User.email))))
    answers_only = generate(challenges=0, proposals=20, seed=4)
    assert answers_only.proposals == 20 and count(Challenge) == 16
    assert count(Proposal, Proposal.challenge_id.in_(
        select(Challenge.id).where(Challenge.published_at.is_(None)))) == 0


def test_the_command_adds_a_batch_and_writes_the_manifest_also_when_it_adds_nothing(app, anonymous, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "manifest.json"
    first = runner.invoke(args=["bench-data", "--challenges", "12", "--proposals", "200", "--seed", "7",
                                "--manifest", str(path)])
    assert first.exit_code == 0, first.output
    written = json.loads(path.read_text())
    assert written["counts"]["proposals"] == 200 and written["accounts"]["staff"]
    assert {c.state for c in db.session.scalars(select(Challenge))} > PUBLISHED_STATES
    for word in ("抗体", "항체", "antibod"):
        assert find_challenges(user=anonymous, q=word, status="all").total > 0
    for secret in ("社外秘", "대외비", "programme code"):  # words of the confidential part only
        assert find_challenges(user=anonymous, q=secret, status="all").total == 0
    path.unlink()
    untouched = runner.invoke(args=["bench-data", "--challenges", "5", "--if-empty", "--manifest", str(path)])
    assert untouched.exit_code == 0 and "nothing added" in untouched.output
    assert count(Challenge) == 12
    assert json.loads(path.read_text()) == written
