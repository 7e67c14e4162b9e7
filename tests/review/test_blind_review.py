"""Conflict declarations are no oracle (docs/blind-review.md): nothing a reviewer can do with them
reveals who wrote a blind proposal, or whether an e-mail address has an account."""
import pytest
from sqlalchemy import select

from app.common.errors import PermissionDenied
from app.common.models import AuditEvent
from app.extensions import db
from app.proposals.conflicts import Conflict
from app.proposals.models import Proposal, visible_proposals_clause
from app.review import services


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def blind_call(make_challenge):
    return make_challenge("open", blind_review=True, title="A blind call")


def visible_ids(user) -> set[int]:
    return set(db.session.scalars(select(Proposal.id).where(visible_proposals_clause(user))))


def conflicts_of(user) -> list[Conflict]:
    return list(db.session.scalars(select(Conflict).where(Conflict.user_id == user.id)))


# No declare-and-withdraw loop -------------------------------------------------------------------------

@pytest.mark.parametrize(("person", "allowed"), [
    ("ipark_staff", False),  # the declarer
    ("mss_staff", True),
    ("ipark_staff2", True),
    ("company_owner", False),
    ("venture_owner", False),
    ("anonymous", False),
])
def test_only_other_staff_withdraw_a_conflict(users, anonymous, person, allowed):
    conflict = Conflict(user_id=users["ipark_staff"].id, organization_id=users["venture_owner"].organization_id)
    db.session.add(conflict)
    db.session.commit()
    user = anonymous if person == "anonymous" else users[person]
    assert conflict.can_withdraw(user) is allowed


def test_a_declarer_cannot_undo_a_conflict_to_watch_a_proposal_come_back(client, login, users, make_proposal,
                                                                           blind_call):
    proposal = make_proposal("submitted", challenge=blind_call)
    staff = users["ipark_staff"]
    login(staff)
    assert client.get(f"/proposals/{proposal.id}").status_code == 200
    client.post("/review/conflicts", data={"organization_id": str(proposal.organization_id), "email": ""})
    assert client.get(f"/proposals/{proposal.id}").status_code == 404
    [conflict] = conflicts_of(staff)
    page = text(client.get("/review/conflicts"))
    assert f"/review/conflicts/{conflict.id}/delete" not in page and "/withdraw" not in page
    assert client.post(f"/review/conflicts/{conflict.id}/delete").status_code in (404, 405)
    assert client.post(f"/review/conflicts/{conflict.id}/withdraw", data={"reason": "mistake"}).status_code == 403
    db.session.expire_all()
    assert conflicts_of(staff) == [conflict] and not conflict.is_withdrawn
    assert client.get(f"/proposals/{proposal.id}").status_code == 404


# Declared on the proposal: the venture is never named ------------------------------------------------

def test_declaring_on_a_blind_proposal_never_names_its_team(client, login, users, make_proposal, blind_call):
    proposal = make_proposal("submitted", challenge=blind_call, title="Blind binders")
    venture = proposal.organization
    staff = users["ipark_staff"]
    login(staff)
    page = text(client.get(f"/proposals/{proposal.id}"))
    assert f'action="/review/proposals/{proposal.id}/conflict"' in page
    response = client.post(f"/review/proposals/{proposal.id}/conflict", data={"reason": "I advise them."},
                           follow_redirects=True)
    assert response.status_code == 200
    page = text(response)
    assert "Your conflict is recorded" in page
    declared = page.split('<h2 class="h5">Declare a conflict')[0]  # the form lists every venture
    assert "The team of a proposal to “A blind call”" in declared
    assert venture.name_latin not in declared and venture.display_name not in declared
    assert client.get(f"/proposals/{proposal.id}").status_code == 404
    [conflict] = conflicts_of(staff)
    assert (conflict.proposal_id, conflict.organization_id, conflict.identity_hidden) == (
        proposal.id, venture.id, True)
    # The audit log, which staff read, does not name the venture either.
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.subject_type == "review_conflicts",
                                                       AuditEvent.subject_id == conflict.id))
    assert event.action == "conflict.declared" and "organization_id" not in event.details
    # Declaring twice is refused, not a 500.
    assert client.post(f"/review/proposals/{proposal.id}/conflict").status_code == 404


def test_a_conflict_on_a_blind_proposal_covers_the_teams_blind_proposals_only(users, make_challenge,
                                                                            make_proposal, blind_call):
    """Hiding the team's named proposals too would show the declarer which venture they declared against."""
    staff = users["mss_staff"]
    declared_on = make_proposal("submitted", challenge=blind_call)
    other_blind = make_proposal("submitted", challenge=make_challenge("open", blind_review=True))
    named = make_proposal("submitted", challenge=make_challenge("open"))
    stranger = make_proposal("submitted", challenge=blind_call, creator=users["other_venture"])
    services.declare_proposal_conflict(declared_on, actor=staff)
    db.session.commit()
    assert [p.can_view(staff) for p in (declared_on, other_blind, named, stranger)] == [False, False, True, True]
    assert visible_ids(staff) & {declared_on.id, other_blind.id, named.id, stranger.id} == {named.id, stranger.id}
    assert not declared_on.may_review(staff) and not other_blind.may_review(staff)
    assert declared_on.can_view(users["ipark_staff"])  # nobody else's view changes


def test_a_conflict_on_a_named_proposal_covers_the_whole_team(users, make_challenge, make_proposal):
    staff = users["mss_staff"]
    declared_on = make_proposal("submitted", challenge=make_challenge("open"))
    blind = make_proposal("submitted", challenge=make_challenge("open", blind_review=True))
    services.declare_proposal_conflict(declared_on, actor=staff)
    db.session.commit()
    assert not declared_on.can_view(staff) and not blind.can_view(staff)
    assert visible_ids(staff) & {declared_on.id, blind.id} == set()
    [conflict] = conflicts_of(staff)
    assert conflict.identity_hidden is False


def test_only_reviewers_who_see_a_proposal_declare_on_it(users, make_proposal, blind_call):
    proposal = make_proposal("submitted", challenge=blind_call)
    for person in ("venture_owner", "other_venture", "company_owner"):  # a company sees it once shortlisted
        assert not proposal.can_declare_conflict(users[person])
        with pytest.raises(PermissionDenied):
            services.declare_proposal_conflict(proposal, actor=users[person])
    assert proposal.can_declare_conflict(users["ipark_staff"])
    assert conflicts_of(users["company_owner"]) == []


# By e-mail address: no account oracle ----------------------------------------------------------------

def test_declaring_by_address_says_the_same_whether_or_not_anyone_uses_it(client, login, users, make_user,
                                                                         make_proposal):
    proposal = make_proposal("submitted")
    staff = users["ipark_staff"]
    person = users["venture_member"]
    login(staff)
    known = client.post("/review/conflicts", data={"organization_id": "", "email": person.email.upper()},
                        follow_redirects=True)
    unknown = client.post("/review/conflicts", data={"organization_id": "", "email": "Nobody.Yet@Example.test"},
                          follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    for page in (text(known), text(unknown)):
        assert "Your conflict is recorded" in page and "No one uses Kakehashi" not in page
        assert person.name not in page  # the page never names the account behind an address
    assert {conflict.email for conflict in conflicts_of(staff)} == {person.email, "nobody.yet@example.test"}
    assert not proposal.can_view(staff)
    # The address nobody used applies as soon as someone does.
    newcomer = make_user("venture", email="nobody.yet@example.test")
    later = make_proposal("submitted", creator=newcomer)
    assert not later.can_view(staff) and later.id not in visible_ids(staff)


# Staff lift a conflict, with a reason, audited ------------------------------------------------------

def test_staff_withdraw_a_conflict_with_a_reason(client, login, users, make_proposal):
    proposal = make_proposal("shortlisted")
    declarer = users["company_owner"]
    conflict = services.declare_conflict(actor=declarer, organization=proposal.organization)
    db.session.commit()
    assert not proposal.can_view(declarer)
    login(users["mss_staff"])
    assert "/review/conflicts/all" in text(client.get("/review/"))
    page = text(client.get("/review/conflicts/all"))
    assert f"/review/conflicts/{conflict.id}/withdraw" in page
    assert client.post(f"/review/conflicts/{conflict.id}/withdraw", data={"reason": "  "}).status_code == 302
    db.session.expire_all()
    assert not conflict.is_withdrawn  # no reason, no withdrawal
    client.post(f"/review/conflicts/{conflict.id}/withdraw", data={"reason": "Declared the wrong venture."})
    db.session.expire_all()
    assert conflict.is_withdrawn and conflict.withdrawal_reason == "Declared the wrong venture."
    assert conflict.withdrawn_by_id == users["mss_staff"].id
    assert proposal.can_view(declarer)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "conflict.withdrawn"))
    assert event.subject_id == conflict.id and event.details["reason"] == "Declared the wrong venture."
    # It can be declared again afterwards.
    services.declare_conflict(actor=declarer, organization=proposal.organization)
    db.session.commit()
    assert not proposal.can_view(declarer)


def test_the_staff_list_never_names_the_venture_behind_a_proposal(client, login, users, make_proposal, blind_call):
    proposal = make_proposal("submitted", challenge=blind_call)
    services.declare_proposal_conflict(proposal, actor=users["ipark_staff"])
    db.session.commit()
    login(users["mss_staff"])
    page = text(client.get("/review/conflicts/all"))
    assert f"/proposals/{proposal.id}" in page and proposal.organization.name_latin not in page


@pytest.mark.parametrize("person", ["company_owner", "venture_owner"])
def test_only_staff_oversee_conflicts(client, login, users, person):
    conflict = services.declare_conflict(actor=users["ipark_staff"], email="someone@example.test")
    db.session.commit()
    login(users[person])
    assert client.get("/review/conflicts/all").status_code == 403
    assert client.post(f"/review/conflicts/{conflict.id}/withdraw", data={"reason": "x"}).status_code == 404
    db.session.expire_all()
    assert not conflict.is_withdrawn


def test_naming_the_venture_after_declaring_on_its_blind_proposal_gives_nothing_away(client, login, users,
                                                                                   make_proposal, blind_call):
    """“You have already declared this conflict” would tell the declarer whose proposal it was."""
    proposal = make_proposal("submitted", challenge=blind_call)
    staff = users["ipark_staff"]
    services.declare_proposal_conflict(proposal, actor=staff)
    db.session.commit()
    login(staff)
    response = client.post("/review/conflicts", data={"organization_id": str(proposal.organization_id)},
                           follow_redirects=True)
    assert "Your conflict is recorded" in text(response) and "already declared" not in text(response)
    assert len(conflicts_of(staff)) == 2
