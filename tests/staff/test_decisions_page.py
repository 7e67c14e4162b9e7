"""The decisions page: what it costs per row (statements, URLs built once per page) without changing what
it shows."""
import re

import pytest
from flask import url_for
from flask_babel import force_locale

from app.common import signoff
from app.extensions import db
from app.proposals.models import ProposalState
from app.review import services


def test_a_url_for_each_id_is_the_url_for_that_id(app):
    host = app.config.get("SERVER_NAME") or "localhost"
    with app.test_request_context("/", base_url=f"http://{host}/prefix"):
        sign_url = signoff.url_for_each("staff.sign_decision", "decision_id")
        for decision_id in (1, 42, 987654321, 10**12):
            assert sign_url(decision_id) == url_for("staff.sign_decision", decision_id=decision_id)
        assert sign_url(7).startswith("/prefix/staff/")


@pytest.mark.parametrize("value", ["7", "1/../admin", None, 1.5])
def test_a_url_for_each_id_takes_integers_only(app, value):
    with app.test_request_context("/"):
        with pytest.raises(TypeError):
            signoff.url_for_each("staff.sign_decision", "decision_id")(value)


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
