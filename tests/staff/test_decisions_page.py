"""The decisions page: what it costs per row (statements, URLs built once per page) without changing what
it shows."""
import re

import pytest
from flask import url_for
from flask_babel import force_locale

from app.common import signoff
from app.common.views import url_for_each
from app.extensions import db
from app.proposals.models import ProposalState
from app.review import services


def test_a_url_for_each_id_is_the_url_for_that_id(app):
    host = app.config.get("SERVER_NAME") or "localhost"
    with app.test_request_context("/", base_url=f"http://{host}/prefix"):
        sign_url = url_for_each("staff.sign_decision", "decision_id")
        for decision_id in (1, 42, 987654321, 10**12):
            assert sign_url(decision_id) == url_for("staff.sign_decision", decision_id=decision_id)
        assert sign_url(7).startswith("/prefix/staff/")


@pytest.mark.parametrize("value", ["7", "1/../admin", None, 1.5])
def test_a_url_for_each_id_takes_integers_only(app, value):
    with app.test_request_context("/"):
        with pytest.raises(TypeError):
            url_for_each("staff.sign_decision", "decision_id")(value)


def _decide(proposal, target, users):
    services.request_proposal_decision(proposal, target, actor=users["mss_staff"], note="Checked.")


def test_decisions_of_several_actions_on_proposals_check_the_conflicts_once(
        client, users, login, make_proposal, make_user, count_queries):
    """Each action on a proposal preloads the same thing (the reader's conflicts): one statement for the
    page's proposals, not one per action shown."""
    login(users["ipark_staff"])

    def statements():
        with count_queries() as queries:
            page = client.get("/staff/decisions").get_data(as_text=True)
        return page, len(queries)

    _decide(make_proposal("submitted", creator=make_user("venture"), title="One"), ProposalState.declined, users)
    db.session.commit()
    _, one_action = statements()
    _decide(make_proposal("submitted", creator=make_user("venture"), title="Two"), ProposalState.shortlisted, users)
    _decide(make_proposal("submitted", creator=make_user("venture"), title="Three"),
            ProposalState.revision_requested, users)
    db.session.commit()
    page, three_actions = statements()
    assert three_actions == one_action
    assert len(re.findall(r'action="/staff/decisions/\d+/sign"', page)) == 3
    assert len(re.findall(r'action="/staff/decisions/\d+/reject"', page)) == 3
    assert len(re.findall(r'href="/proposals/\d+"', page)) == 3


def test_an_actions_label_is_shown_as_before(client, users, login, make_organization):
    """Translated once per page: a plain label escaped, a lazy one (translated) as markup, as Jinja
    shows them."""
    from app.auth.models import Organization
    from app.review.services import ProposalDecision

    for name, label in (("test.plain_label", "R&D <approval>"), ("test.lazy_label", ProposalDecision.declined.label)):
        signoff.register_action(signoff.DecisionAction(name=name, model=Organization, label=label,
                                                       on_approved=lambda subject, **kw: None))
    try:
        signoff.request_decision(make_organization("venture"), "test.plain_label", actor=users["mss_staff"])
        signoff.request_decision(make_organization("venture"), "test.lazy_label", actor=users["mss_staff"])
        db.session.commit()
        login(users["ipark_staff"])
        page = client.get("/staff/decisions?lang=ja").get_data(as_text=True)
    finally:
        signoff._actions.pop("test.plain_label")
        signoff._actions.pop("test.lazy_label")
    assert '<h2 class="h6 mb-1">R&amp;D &lt;approval&gt;</h2>' in page
    with force_locale("ja"):
        declined = str(ProposalDecision.declined.label)
    assert declined != "Decline the proposal" and f'<h2 class="h6 mb-1">{declined}</h2>' in page


def test_a_page_of_decisions_reads_who_requested_and_signed_them_with_the_page(
        client, users, login, make_proposal, make_user, count_queries):
    """The page, its people (joined: they are the page's own rows) and its total: the total is counted
    only when the page is full or past the end (a page not full ends the list)."""
    from app.common.signoff import sign_decision

    login(users["ipark_staff"])
    for n in range(3):
        proposal = make_proposal("submitted", creator=make_user("venture"), title=f"Binder {n}")
        _decide(proposal, ProposalState.shortlisted, users)
    db.session.commit()
    signed = signoff.pending_decision(proposal)
    sign_decision(signed, actor=users["ipark_staff2"])
    db.session.commit()
    with count_queries() as queries:
        page = client.get("/staff/decisions").get_data(as_text=True)
    statements = " ".join(queries)
    assert "FROM users WHERE users.id IN" not in statements  # no selectin of the people
    assert not [query for query in queries if query.startswith("SELECT count(*)")]
    assert "3 results" in page and f"✔ {users['ipark_staff2'].name}" in page
    assert page.count(users["mss_staff"].name) >= 3
    with count_queries() as past_the_end:
        assert "3 results" in client.get("/staff/decisions?page=2").get_data(as_text=True)
    assert len([query for query in past_the_end if query.startswith("SELECT count(*)")]) == 1  # counted apart
