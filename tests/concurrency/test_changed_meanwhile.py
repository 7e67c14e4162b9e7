"""A collision with another request at flush or commit (a constraint the other one's change now
breaks, a deadlock, a serialization failure) is the page again, as it is now, with "This changed
meanwhile" and status 409 — never a 500 — and nothing of the refused request is kept. Simulated
here by a service that raises what PostgreSQL would; the real collisions are in test_races.py."""
import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from app.common.locking import TransactionCollision, is_conflict
from app.common.models import AuditEvent
from app.extensions import db
from app.proposals import services as proposals
from app.proposals.models import Proposal, ProposalState

MESSAGE = "This changed meanwhile. Here is its current state."


class PgError(Exception):
    def __init__(self, sqlstate):
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


def unique_violation():
    return IntegrityError("UPDATE proposals …", {}, PgError("23505"))


def deadlock():
    return TransactionCollision("UPDATE proposals …", {}, PgError("40P01"))


def serialization_failure():
    return TransactionCollision("UPDATE proposals …", {}, PgError("40001"))


COLLISIONS = [unique_violation, deadlock, serialization_failure]


def failing_after_a_change(error_factory):
    """A service that changes the proposal (so the test sees it is rolled back), then collides."""
    def service(proposal, **_):
        proposal.title = "Half-done change"
        db.session.add(AuditEvent(action="proposal.half_done", subject_type="proposals", subject_id=proposal.id))
        db.session.flush()
        raise error_factory()

    return service


@pytest.mark.parametrize("collision", COLLISIONS)
def test_a_collision_in_a_workflow_view_shows_the_current_state_with_409(client, login, users, make_proposal,
                                                                           monkeypatch, collision):
    proposal = make_proposal(ProposalState.submitted, title="Before")
    monkeypatch.setattr(proposals, "withdraw_proposal", failing_after_a_change(collision))
    login(users["venture_owner"])

    response = client.post(f"/proposals/{proposal.id}/withdraw")

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert MESSAGE in page
    assert "Before" in page  # the proposal's page, as it is now
    db.session.expire_all()
    assert (db.session.get(Proposal, proposal.id).title, db.session.get(Proposal, proposal.id).state) == (
        "Before", ProposalState.submitted)
    assert db.session.query(AuditEvent).filter_by(action="proposal.half_done").count() == 0


@pytest.mark.parametrize("collision", COLLISIONS)
def test_a_collision_in_a_hand_written_view_shows_the_form_again_with_409(client, login, users, make_proposal,
                                                                           monkeypatch, collision):
    """The application-wide handler: a view that commits by itself (the proposal's edit form)."""
    proposal = make_proposal(ProposalState.draft, title="Before")
    monkeypatch.setattr(proposals, "update_proposal", failing_after_a_change(collision))
    login(users["venture_owner"])

    response = client.post(f"/proposals/{proposal.id}/edit", data={
        "title": "After", "summary": "We screen binders.", "approach": "Active learning.", "team": "Two.",
        "trl": "4", "budget": "50000000", "currency": "KRW", "save": "y"})

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert MESSAGE in page
    assert 'name="title"' in page  # the edit form, as it is now
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).title == "Before"


def test_a_collision_without_a_page_to_show_answers_the_409_page(client, login, users, make_proposal, monkeypatch):
    proposal = make_proposal(ProposalState.submitted)
    monkeypatch.setattr(proposals, "withdraw_proposal", failing_after_a_change(deadlock))
    login(users["venture_owner"])

    from app.proposals import routes

    monkeypatch.setattr(routes, "_back", lambda proposal, anchor=None: routes.redirect("https://elsewhere.example/"))
    response = client.post(f"/proposals/{proposal.id}/withdraw")

    assert response.status_code == 409
    assert MESSAGE in response.get_data(as_text=True)


def test_a_lost_database_is_not_taken_for_a_collision():
    lost = OperationalError("SELECT 1", {}, PgError("08006"))
    assert not is_conflict(lost)
    assert is_conflict(unique_violation()) and is_conflict(deadlock()) and is_conflict(serialization_failure())


@pytest.mark.postgresql_only
def test_postgresql_deadlocks_are_raised_as_collisions(app):
    """The engine names a deadlock a TransactionCollision (still an OperationalError), so the 409
    handler answers it and the 503 of a lost database does not."""
    from sqlalchemy import text

    with pytest.raises(TransactionCollision) as raised:
        db.session.execute(text("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40P01'; END $$"))
    db.session.rollback()
    assert isinstance(raised.value, OperationalError) and is_conflict(raised.value)
