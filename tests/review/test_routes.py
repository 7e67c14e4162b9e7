"""Review pages: the wiring (login, 404/403, forms, redirects). The rules themselves are tested on
the models and services."""
import csv
import io

import pytest
from flask import g, render_template
from sqlalchemy import func, select

from app.challenges.models import RubricCriterion
from app.common.models import DecisionState, JointDecision
from app.common.time import utcnow
from app.extensions import db
from app.proposals.conflicts import Conflict
from app.proposals.models import Proposal, ProposalState
from app.review import services
from app.review.models import Recommendation, Review, ReviewScore
from app.review.panel import review_panel


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def challenge(make_challenge):
    """An open call with a two-line rubric: Science (weight 2) and Team (weight 1)."""
    challenge = make_challenge("open", title="KRAS binders")
    challenge.criteria = [RubricCriterion(position=1, name="Science", weight=2),
                          RubricCriterion(position=2, name="Team", weight=1)]
    db.session.commit()
    return challenge


@pytest.fixture
def proposal(make_proposal, challenge):
    return make_proposal("submitted", challenge=challenge, title="Graph binders")


def assign(proposal, reviewer, by):
    review = Review(proposal_id=proposal.id, reviewer_id=reviewer.id, assigned_by_id=by.id)
    db.session.add(review)
    db.session.commit()
    return review


def submitted_review(proposal, reviewer, by, science=4, team=2, recommendation=Recommendation.support,
                     comment="Solid."):
    review = assign(proposal, reviewer, by)
    science_id, team_id = (criterion.id for criterion in proposal.challenge.criteria)
    review.no_conflict_at = review.submitted_at = utcnow()
    review.recommendation, review.comment = recommendation, comment
    review.scores = [ReviewScore(criterion_id=science_id, score=science, comment="Novel."),
                     ReviewScore(criterion_id=team_id, score=team, comment="Small team.")]
    review.weighted_score = review.weighted_mean()  # as save_review stores it
    db.session.commit()
    return review


def scores_form(challenge, science="4", team="3", **extra):
    science_id, team_id = (criterion.id for criterion in challenge.criteria)
    form = {f"score_{science_id}": science, f"remark_{science_id}": "Good idea.",
            f"score_{team_id}": team, f"remark_{team_id}": "Thin team.", "comment": "Overall fine.",
            "recommendation": "support"}
    form.update(extra)
    return {key: value for key, value in form.items() if value is not None}


def other_proposals(make_user, make_proposal, challenge, n, state="submitted"):
    return [make_proposal(state, challenge=challenge, creator=make_user("venture"), title=f"Other {i}")
            for i in range(n)]


# Wiring ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/review/", "/review/1", "/review/challenges/1", "/review/conflicts",
                                  "/review/challenges/1/reviews.csv"])
def test_pages_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.location.startswith("/auth/login")


def test_unknown_objects_are_not_found(client, users, login):
    login(users["ipark_staff"])
    for path in ["/review/424242", "/review/challenges/424242", "/review/challenges/424242/reviews.csv"]:
        assert client.get(path).status_code == 404
    for path in ["/review/424242/conflict", "/review/424242/unassign", "/review/proposals/424242/reviewers",
                 "/review/proposals/424242/decisions", "/review/challenges/424242/decisions",
                 "/review/conflicts/424242/delete"]:
        assert client.post(path).status_code == 404


# My reviews --------------------------------------------------------------------------------------------

def test_my_reviews_is_empty_for_a_venture(client, users, login):
    login(users["venture_owner"])
    page = client.get("/review/")
    assert page.status_code == 200
    assert "No one has asked you to review" in text(page)
    assert "/review/conflicts" not in text(page)


def test_my_reviews_lists_work_waiting_first(client, users, login, make_user, make_proposal, challenge, proposal):
    staff, lead = users["ipark_staff"], users["mss_staff"]
    done = other_proposals(make_user, make_proposal, challenge, 1)[0]
    submitted_review(done, staff, lead)
    assign(proposal, staff, lead)
    login(staff)
    page = text(client.get("/review/"))
    assert page.index("Graph binders") < page.index("Other 0")  # awaiting action first
    assert "Answer the conflict question" in page and "KRAS binders" in page
    assert "/review/conflicts" in page
    assert f"/review/challenges/{challenge.id}" in page  # the challenges with proposals to review


def test_my_reviews_hides_proposals_after_a_conflict(client, users, login, proposal):
    staff = users["ipark_staff"]
    review = assign(proposal, staff, users["mss_staff"])
    review.conflict_declared_at = utcnow()
    db.session.add(Conflict(user_id=staff.id, organization_id=proposal.organization_id))
    db.session.commit()
    login(staff)
    page = text(client.get("/review/"))
    assert "Graph binders" not in page and "KRAS binders" not in page  # nothing of it, not even a row


def test_blind_review_hides_the_venture_in_my_reviews(client, users, login, proposal, challenge):
    challenge.blind_review = True
    db.session.commit()
    assign(proposal, users["ipark_staff"], users["mss_staff"])
    login(users["ipark_staff"])
    page = text(client.get("/review/"))
    assert "Graph binders" in page and proposal.organization.name_latin not in page


def test_my_reviews_queries_do_not_grow_with_the_reviews(client, users, login, make_user, make_proposal,
                                                         challenge, count_queries):
    staff = users["ipark_staff"]
    login(staff)

    def listed(n):
        for proposal in other_proposals(make_user, make_proposal, challenge, n):
            submitted_review(proposal, staff, users["mss_staff"])
        with count_queries() as queries:
            assert client.get("/review/").status_code == 200
        return len(queries)

    assert listed(2) == listed(6)


def test_my_reviews_queries_do_not_grow_with_the_calls_to_review(client, users, login, make_user, make_proposal,
                                                                 make_challenge, count_queries):
    """The calls with proposals to review: the calls, then their counts, whatever their number; the page
    loads neither the calls' fields, funding sources and posters nor the reviews' scores."""
    login(users["ipark_staff"])

    def listed(n):
        for _ in range(n):
            call = make_challenge("open")
            call.criteria = [RubricCriterion(position=1, name="Science", weight=2),
                             RubricCriterion(position=2, name="Team", weight=1)]
            submitted_review(make_proposal("submitted", challenge=call, creator=make_user("venture")),
                             users["ipark_staff"], users["mss_staff"])
        with count_queries() as queries:
            page = text(client.get("/review/"))
        return page, queries

    page, few = listed(2)
    assert page.count("1 proposal under consideration") == 2
    page, many = listed(5)
    assert page.count("1 proposal under consideration") == 7
    assert len(many) == len(few)
    loaded = " ".join(many)
    for table in ("challenge_fields", "challenge_funding_sources", "review_scores", "proposal_answers"):
        assert f"FROM {table}" not in loaded, table


# One review: conflict question, scores, others' reviews ----------------------------------------------

def test_someone_elses_unsubmitted_review_is_not_found(client, users, login, proposal):
    review = assign(proposal, users["ipark_staff"], users["mss_staff"])
    for name in ["ipark_staff2", "mss_staff", "company_owner", "venture_owner"]:
        login(users[name])
        assert client.get(f"/review/{review.id}").status_code == 404, name
        client.post("/auth/logout")


def test_conflict_question_comes_first(client, users, login, proposal):
    review = assign(proposal, users["ipark_staff"], users["mss_staff"])
    login(users["ipark_staff"])
    page = text(client.get(f"/review/{review.id}"))
    assert "Do you have a conflict of interest" in page
    assert "Submit review" not in page and "active learning" not in page  # nothing of the content yet
    assert client.post(f"/review/{review.id}", data={}).status_code == 403  # no scores before the answer

    response = client.post(f"/review/{review.id}/conflict", data={"answer": "maybe"})
    assert response.location == f"/review/{review.id}"
    assert db.session.get(Review, review.id).awaits_conflict_answer

    response = client.post(f"/review/{review.id}/conflict", data={"answer": "none"})
    assert response.location == f"/review/{review.id}"
    page = text(client.get(f"/review/{review.id}"))
    assert "Do you have a conflict" not in page and "Submit review" in page and "Science" in page
    assert client.post(f"/review/{review.id}/conflict", data={"answer": "none"}).status_code == 403  # once


def test_declaring_a_conflict_hides_the_proposal(client, users, login, proposal):
    staff = users["ipark_staff"]
    review = assign(proposal, staff, users["mss_staff"])
    login(staff)
    response = client.post(f"/review/{review.id}/conflict", data={"answer": "conflict", "reason": "I advise them."})
    assert response.location == "/review/"
    conflict = db.session.scalar(select(Conflict).where(Conflict.user_id == staff.id))
    assert conflict.organization_id == proposal.organization_id and conflict.reason == "I advise them."
    assert client.get(f"/review/{review.id}").status_code == 404


def test_other_user_cannot_answer_the_conflict_question(client, users, login, proposal):
    review = assign(proposal, users["ipark_staff"], users["mss_staff"])
    login(users["mss_staff"])
    assert client.post(f"/review/{review.id}/conflict", data={"answer": "none"}).status_code == 404


@pytest.fixture
def scoring(client, users, login, proposal):
    """users["ipark_staff"] signed in, with a review of `proposal` past the conflict question."""
    review = assign(proposal, users["ipark_staff"], users["mss_staff"])
    review.no_conflict_at = utcnow()
    db.session.commit()
    login(users["ipark_staff"])
    return review


def test_save_keeps_work_without_submitting(client, scoring, challenge):
    form = scores_form(challenge, team=None, recommendation=None, save="Save")
    response = client.post(f"/review/{scoring.id}", data=form)
    assert response.location == f"/review/{scoring.id}"
    review = db.session.get(Review, scoring.id)
    assert not review.is_submitted and review.comment == "Overall fine."
    assert [(score.score, score.comment) for score in review.scores] == [(4, "Good idea.")]
    page = text(client.get(f"/review/{scoring.id}"))
    assert "Good idea." in page and "shown once you have submitted yours" in page


def test_submitting_an_incomplete_review_explains_and_changes_nothing(client, scoring, challenge):
    response = client.post(f"/review/{scoring.id}", data=scores_form(challenge, team=None, submit="Submit review"))
    assert response.status_code == 200
    assert "Score every criterion" in text(response)
    review = db.session.get(Review, scoring.id)
    assert not review.is_submitted and review.scores == []


def test_submitting_shows_the_other_reviews(client, users, scoring, proposal, challenge):
    submitted_review(proposal, users["mss_staff"], users["ipark_staff"], science=5, team=5,
                     comment="Best in the round.")
    assert "Best in the round." not in text(client.get(f"/review/{scoring.id}"))  # hidden until mine is in
    response = client.post(f"/review/{scoring.id}", data=scores_form(challenge, submit="Submit review"),
                           follow_redirects=True)
    page = text(response)
    assert "Your review is submitted" in page
    assert "Best in the round." in page and "5.00" in page  # the other review with its weighted score
    review = db.session.get(Review, scoring.id)
    assert review.is_submitted and review.recommendation == Recommendation.support
    assert round(review.weighted_mean(), 2) == round((4 * 2 + 3) / 3, 2)


@pytest.mark.parametrize("bad", [
    {"score": "9"}, {"score": "abc"}, {"recommendation": "adore"}, {"comment": "x" * 20001},
])
def test_bad_review_input_is_refused_without_error(client, scoring, challenge, bad):
    science_id = challenge.criteria[0].id
    form = scores_form(challenge, submit="Submit review")
    if "score" in bad:
        form[f"score_{science_id}"] = bad["score"]
    else:
        form.update(bad)
    response = client.post(f"/review/{scoring.id}", data=form)
    assert response.status_code == 200
    assert not db.session.get(Review, scoring.id).is_submitted


def test_staff_read_a_submitted_review_but_not_edit_it(client, users, login, proposal):
    review = submitted_review(proposal, users["mss_staff"], users["ipark_staff"], comment="Convincing data.")
    login(users["ipark_staff2"])
    page = client.get(f"/review/{review.id}")
    assert page.status_code == 200 and "Convincing data." in text(page) and "Submit review" not in text(page)
    assert client.post(f"/review/{review.id}", data={"comment": "mine now"}).status_code == 403


# Reviewers and decisions on a proposal ----------------------------------------------------------------

def test_staff_assign_and_unassign_a_reviewer(client, users, login, proposal):
    login(users["ipark_staff"])
    response = client.post(f"/review/proposals/{proposal.id}/reviewers",
                           data={"reviewer_id": users["mss_staff"].id})
    assert response.location == f"/proposals/{proposal.id}"
    review = db.session.scalar(select(Review).where(Review.proposal_id == proposal.id))
    assert review.reviewer_id == users["mss_staff"].id
    # The same person again, a company member (not shortlisted yet) and nonsense are refused.
    for value in [users["mss_staff"].id, users["company_owner"].id, "abc", ""]:
        response = client.post(f"/review/proposals/{proposal.id}/reviewers", data={"reviewer_id": value})
        assert response.status_code == 302
        assert db.session.scalar(select(func.count()).select_from(Review)) == 1

    review_id = review.id
    response = client.post(f"/review/{review_id}/unassign")
    assert response.location == f"/proposals/{proposal.id}"
    assert db.session.get(Review, review_id) is None


def test_only_staff_assign_reviewers(client, users, login, make_proposal, challenge):
    shortlisted = make_proposal("shortlisted", challenge=challenge)
    login(users["company_owner"])
    assert client.post(f"/review/proposals/{shortlisted.id}/reviewers",
                       data={"reviewer_id": users["company_member"].id}).status_code == 403
    review = assign(shortlisted, users["company_member"], users["ipark_staff"])
    assert client.post(f"/review/{review.id}/unassign").status_code == 403


def test_a_submitted_review_cannot_be_unassigned(client, users, login, proposal):
    review = submitted_review(proposal, users["mss_staff"], users["ipark_staff"])
    login(users["ipark_staff"])
    assert client.post(f"/review/{review.id}/unassign").status_code == 403


def test_request_decision_without_the_required_note(client, users, login, proposal):
    login(users["ipark_staff"])
    response = client.post(f"/review/proposals/{proposal.id}/decisions", data={"target": "declined", "note": " "})
    assert response.location == f"/proposals/{proposal.id}"
    assert "Please give the venture a reason." in text(client.get("/review/"))  # the flashed message
    assert db.session.scalar(select(func.count()).select_from(JointDecision)) == 0


def test_request_decision_opens_a_joint_decision(client, users, login, proposal):
    login(users["ipark_staff"])
    response = client.post(f"/review/proposals/{proposal.id}/decisions",
                           data={"target": "shortlisted", "note": "Strong science."})
    assert response.location == f"/proposals/{proposal.id}"
    decision = db.session.scalar(select(JointDecision))
    assert (decision.action, decision.note, decision.state) == ("proposal.shortlist", "Strong science.",
                                                                DecisionState.pending)
    client.post(f"/review/proposals/{proposal.id}/decisions", data={"target": "shortlisted"})
    assert "already waiting for signatures" in text(client.get("/review/"))
    assert client.post(f"/review/proposals/{proposal.id}/decisions", data={"target": "withdrawn"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(JointDecision)) == 1


def test_request_decision_is_for_staff(client, users, login, make_proposal, challenge):
    shortlisted = make_proposal("shortlisted", challenge=challenge)
    login(users["company_owner"])
    assert client.post(f"/review/proposals/{shortlisted.id}/decisions",
                       data={"target": "selected"}).status_code == 403
    client.post("/auth/logout")
    login(users["other_venture"])
    assert client.post(f"/review/proposals/{shortlisted.id}/decisions",
                       data={"target": "selected"}).status_code == 404


# The review panel of the proposal page -----------------------------------------------------------------

def render_panel(app, proposal, user) -> str | None:
    panel = review_panel(proposal, user)
    if panel is None:
        return None
    with app.test_request_context(f"/proposals/{proposal.id}"):
        g._login_user = user
        return render_template("review/_panel.html", panel=panel)


def test_panel_is_for_staff_and_reviewers(app, users, make_proposal, challenge, proposal):
    for name in ["venture_owner", "other_venture", "company_owner", "admin"]:
        assert review_panel(proposal, users[name]) is None, name
    shortlisted = make_proposal("shortlisted", challenge=challenge, creator=users["other_venture"])
    assert review_panel(shortlisted, users["company_owner"]) is None
    assign(shortlisted, users["company_owner"], users["ipark_staff"])
    html = render_panel(app, shortlisted, users["company_owner"])
    review_id = db.session.scalar(select(Review.id).where(Review.proposal_id == shortlisted.id))
    assert f"/review/{review_id}" in html and "Assign reviewer" not in html


def test_panel_shows_reviewers_and_decision_buttons_to_staff(app, users, proposal):
    submitted_review(proposal, users["mss_staff"], users["ipark_staff"], comment="Well argued.")
    html = render_panel(app, proposal, users["ipark_staff"])
    assert users["mss_staff"].name in html and "Submitted" in html
    assert "Well argued." in html  # staff who did not review read the reviews
    assert f"/review/proposals/{proposal.id}/reviewers" in html and users["ipark_staff2"].name in html
    assert f"/review/proposals/{proposal.id}/decisions" in html and 'value="shortlisted"' in html
    assert 'value="selected"' not in html  # not from submitted


def test_panel_signs_a_pending_decision_and_comes_back(app, client, users, login, proposal):
    decision = services.request_proposal_decision(proposal, ProposalState.shortlisted, actor=users["mss_staff"])
    db.session.commit()
    html = render_panel(app, proposal, users["ipark_staff"])
    assert f"/staff/decisions/{decision.id}/sign" in html and f'value="/proposals/{proposal.id}#review-panel"' in html
    assert 'name="target"' not in html  # no second decision while one is open

    login(users["ipark_staff"])
    page = text(client.get(f"/proposals/{proposal.id}"))
    assert 'id="review-panel"' in page and f"/staff/decisions/{decision.id}/sign" in page
    response = client.post(f"/staff/decisions/{decision.id}/sign", data={"next": f"/proposals/{proposal.id}"})
    assert response.location == f"/proposals/{proposal.id}"
    page = text(client.get(response.location))
    assert "The decision now waits for the other institution." in page
    assert f"/staff/decisions/{decision.id}/sign" not in page  # iPark has signed
    client.post("/auth/logout")

    login(users["mss_staff"])
    response = client.post(f"/staff/decisions/{decision.id}/sign", data={"next": f"/proposals/{proposal.id}"},
                           follow_redirects=True)
    assert "Both institutions have signed" in text(response)
    assert db.session.get(Proposal, proposal.id).state == ProposalState.shortlisted


def test_proposal_page_shows_the_panel_only_to_those_concerned(client, users, login, proposal):
    login(users["ipark_staff"])
    assert "Assign reviewer" in text(client.get(f"/proposals/{proposal.id}"))
    client.post("/auth/logout")
    login(users["venture_owner"])
    page = client.get(f"/proposals/{proposal.id}")
    assert page.status_code == 200 and 'id="review-panel"' not in text(page)


# One challenge's proposals -----------------------------------------------------------------------------

def test_challenge_page_is_not_found_for_ventures(client, users, login, challenge, proposal):
    login(users["venture_owner"])
    assert client.get(f"/review/challenges/{challenge.id}").status_code == 404
    assert client.get(f"/review/challenges/{challenge.id}/reviews.csv").status_code == 404
    assert client.post(f"/review/challenges/{challenge.id}/decisions",
                       data={"proposal_ids": [proposal.id], "target": "shortlisted"}).status_code == 404


def test_staff_see_the_ranking(client, users, login, make_user, make_proposal, challenge, proposal):
    weak, unreviewed = other_proposals(make_user, make_proposal, challenge, 2)
    submitted_review(proposal, users["mss_staff"], users["ipark_staff"], science=5, team=5)
    submitted_review(proposal, users["ipark_staff2"], users["ipark_staff"], science=3, team=3)
    submitted_review(weak, users["mss_staff"], users["ipark_staff"], science=2, team=1)
    make_proposal("draft", challenge=challenge, creator=make_user("venture"), title="Secret draft")
    login(users["ipark_staff"])
    page = text(client.get(f"/review/challenges/{challenge.id}"))
    assert page.index("Graph binders") < page.index("Other 0") < page.index("Other 1")
    assert "4.00" in page and "2.00" in page  # mean score and spread of the best one
    assert "Secret draft" not in page
    assert f"/proposals/{proposal.id}" in page and proposal.organization.name_latin in page
    assert f"/review/challenges/{challenge.id}/reviews.csv" in page
    ascending = text(client.get(f"/review/challenges/{challenge.id}?sort=score&dir=asc"))
    assert ascending.index("Other 0") < ascending.index("Graph binders")
    by_title = text(client.get(f"/review/challenges/{challenge.id}?sort=title"))
    assert by_title.index("Graph binders") < by_title.index("Other 0") < by_title.index("Other 1")
    assert unreviewed.title in by_title


def test_ranking_filters_by_state_and_survives_bad_arguments(client, users, login, make_user, make_proposal,
                                                             challenge, proposal):
    make_proposal("shortlisted", challenge=challenge, creator=make_user("venture"), title="On the list")
    login(users["ipark_staff"])
    page = text(client.get(f"/review/challenges/{challenge.id}?state=shortlisted"))
    assert "On the list" in page and "Graph binders" not in page
    for query in ["sort=bogus&dir=sideways", "state=draft", "state=nonsense", "page=abc", "page=-4", "page=999"]:
        response = client.get(f"/review/challenges/{challenge.id}?{query}")
        assert response.status_code == 200, query
    fallback = text(client.get(f"/review/challenges/{challenge.id}?sort=bogus"))
    assert "Graph binders" in fallback and "On the list" in fallback


def test_ranking_paginates_with_the_challenge_in_the_links(client, users, login, make_user, make_proposal,
                                                           challenge):
    other_proposals(make_user, make_proposal, challenge, 27)
    login(users["ipark_staff"])
    page = text(client.get(f"/review/challenges/{challenge.id}?sort=title"))
    assert f"/review/challenges/{challenge.id}?sort=title&amp;page=2" in page
    assert client.get(f"/review/challenges/{challenge.id}?sort=title&page=2").status_code == 200


def test_blind_review_hides_the_venture_in_the_ranking(client, users, login, challenge, proposal):
    challenge.blind_review = True
    db.session.commit()
    login(users["ipark_staff"])
    page = text(client.get(f"/review/challenges/{challenge.id}"))
    assert "Graph binders" in page and proposal.organization.name_latin not in page


def test_ranking_queries_do_not_grow_with_the_proposals(client, users, login, make_user, make_proposal,
                                                        challenge, count_queries):
    login(users["ipark_staff"])

    def listed(n):
        for proposal in other_proposals(make_user, make_proposal, challenge, n):
            submitted_review(proposal, users["mss_staff"], users["ipark_staff"])
            services.request_proposal_decision(proposal, ProposalState.shortlisted, actor=users["mss_staff"])
        db.session.commit()
        path = f"/review/challenges/{challenge.id}"  # the test's own session reloads the call: not counted
        with count_queries() as queries:
            assert client.get(path).status_code == 200
        return queries

    few, many = listed(2), listed(6)
    assert len(many) == len(few)
    loaded = " ".join(many)  # what the ranking does not show
    for table in ("proposal_answers", "review_scores", "challenge_fields", "challenge_funding_sources",
                  "organization_fields WHERE organization_fields.organization_id IN (?, ?"):
        assert f"FROM {table}" not in loaded, table


def test_company_sees_its_shortlist_and_chooses(client, users, login, make_user, make_proposal, challenge,
                                                proposal, count_queries):
    chosen = make_proposal("shortlisted", challenge=challenge, creator=make_user("venture"), title="Picked one",
                           company_chosen_at=utcnow(), company_chosen_by_id=users["company_owner"].id)
    open_choice = make_proposal("shortlisted", challenge=challenge, creator=make_user("venture"), title="Maybe one")
    login(users["company_owner"])
    with count_queries() as few:
        page = text(client.get(f"/review/challenges/{challenge.id}"))
    assert "Picked one" in page and "Maybe one" in page and "Graph binders" not in page  # not shortlisted
    assert f"/proposals/{open_choice.id}/choose" in page and f"/proposals/{chosen.id}/unchoose" in page
    assert "both institutions" in page
    assert "reviews.csv" not in page and "Score" not in page
    other_proposals(make_user, make_proposal, challenge, 4, state="shortlisted")
    with count_queries() as many:
        client.get(f"/review/challenges/{challenge.id}")
    assert len(many) == len(few)
    assert client.get(f"/review/challenges/{challenge.id}/reviews.csv").status_code == 403
    assert client.post(f"/review/challenges/{challenge.id}/decisions",
                       data={"proposal_ids": [chosen.id], "target": "selected"}).status_code == 403


def test_company_without_a_shortlist_sees_an_explanation(client, users, login, challenge, proposal):
    login(users["company_owner"])
    page = client.get(f"/review/challenges/{challenge.id}")
    assert page.status_code == 200 and "No proposal has been shortlisted" in text(page)


def test_reviews_export_as_csv(client, users, login, proposal, challenge):
    submitted_review(proposal, users["mss_staff"], users["ipark_staff"], comment="=HYPERLINK(\"x\")")
    login(users["ipark_staff"])
    response = client.get(f"/review/challenges/{challenge.id}/reviews.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(text(response).lstrip("\ufeff"))))
    assert rows[0][:3] == ["proposal_id", "title", "venture"] and "Science (×2)" in rows[0]
    assert rows[1][1] == "Graph binders" and rows[1][5] == "3.33"
    assert rows[1][7].startswith("'=")  # no formulas from reviewers' text
    assert len(rows) == 2


# Bulk decisions --------------------------------------------------------------------------------------

def test_bulk_decisions_propose_each_and_report_the_failures(client, users, login, make_user, make_proposal,
                                                             challenge, proposal):
    second, already = other_proposals(make_user, make_proposal, challenge, 2)
    services.request_proposal_decision(already, ProposalState.declined, actor=users["mss_staff"], note="No fit.")
    elsewhere = make_proposal("submitted", creator=make_user("venture"), title="Another call")
    db.session.commit()
    login(users["ipark_staff"])
    back = f"/review/challenges/{challenge.id}?sort=title"
    response = client.post(f"/review/challenges/{challenge.id}/decisions", data={
        "proposal_ids": [proposal.id, second.id, already.id, elsewhere.id], "target": "shortlisted",
        "note": "Top of the ranking.", "next": back})
    assert response.location == back
    page = text(client.get(back))
    assert "2 decisions proposed" in page
    assert "2 could not be proposed" in page and "already waiting for signatures" in page
    shortlists = db.session.scalars(select(JointDecision).where(JointDecision.action == "proposal.shortlist")).all()
    assert sorted(decision.subject_id for decision in shortlists) == sorted([proposal.id, second.id])
    assert {decision.note for decision in shortlists} == {"Top of the ranking."}


def test_bulk_decline_needs_a_note_for_each(client, users, login, challenge, proposal):
    login(users["ipark_staff"])
    response = client.post(f"/review/challenges/{challenge.id}/decisions",
                           data={"proposal_ids": [proposal.id], "target": "declined"}, follow_redirects=True)
    assert "1 could not be proposed" in text(response) and "Please give the venture a reason." in text(response)
    assert db.session.scalar(select(func.count()).select_from(JointDecision)) == 0


@pytest.mark.parametrize("form", [
    {}, {"target": "shortlisted"}, {"proposal_ids": ["abc"], "target": "shortlisted"},
    {"proposal_ids": ["1"], "target": "withdrawn"},
    {"proposal_ids": ["999999"], "target": "shortlisted", "next": "//evil"},
])
def test_bulk_decisions_bad_input(client, users, login, challenge, proposal, form):
    login(users["ipark_staff"])
    response = client.post(f"/review/challenges/{challenge.id}/decisions", data=form)
    assert response.status_code == 302 and response.location.startswith(f"/review/challenges/{challenge.id}")
    assert db.session.scalar(select(func.count()).select_from(JointDecision)) == 0


# Conflicts declared ahead ------------------------------------------------------------------------------

def test_declare_conflicts(client, users, login, make_organization):
    venture = make_organization("venture", name_latin="Seoul Cells")
    db.session.commit()
    login(users["mss_staff"])
    page = text(client.get("/review/conflicts"))
    assert "You have not declared any conflict." in page and "Seoul Cells" in page

    response = client.post("/review/conflicts", data={"organization_id": venture.id, "reason": "Former employer"})
    assert response.location == "/review/conflicts"
    response = client.post("/review/conflicts", data={"email": users["other_venture"].email.upper()})
    assert response.location == "/review/conflicts"
    page = text(client.get("/review/conflicts"))
    assert "Former employer" in page and users["other_venture"].email in page
    assert users["other_venture"].name not in page  # an address is shown as given, never its account
    conflicts = db.session.scalars(select(Conflict).where(Conflict.user_id == users["mss_staff"].id)).all()
    assert len(conflicts) == 2

    again = client.post("/review/conflicts", data={"organization_id": venture.id}, follow_redirects=True)
    assert "already declared" in text(again)
    again = client.post("/review/conflicts", data={"email": users["other_venture"].email}, follow_redirects=True)
    assert "already declared" in text(again)
    assert db.session.scalar(select(func.count()).select_from(Conflict)) == 2


@pytest.mark.parametrize(("form", "message"), [
    ({}, "Choose a venture or give an e-mail address"),
    ({"organization_id": "VENTURE", "email": "someone@example.test"}, "not both"),
    ({"email": "not an address"}, "Invalid email"),
    ({"organization_id": "999999"}, "Not a valid choice"),
    ({"organization_id": "abc"}, ""),
])
def test_conflict_form_bad_input(client, users, login, make_organization, form, message):
    venture = make_organization("venture")
    db.session.commit()
    if form.get("organization_id") == "VENTURE":
        form["organization_id"] = venture.id
    login(users["company_owner"])
    response = client.post("/review/conflicts", data=form)
    assert response.status_code == 200 and message in text(response)
    assert db.session.scalar(select(func.count()).select_from(Conflict)) == 0


def test_conflicts_are_personal(client, users, login, make_organization):
    conflict = Conflict(user_id=users["ipark_staff"].id, organization_id=make_organization("venture").id)
    db.session.add(conflict)
    db.session.commit()
    login(users["mss_staff"])
    assert "Seoul" not in text(client.get("/review/conflicts"))
    assert db.session.get(Conflict, conflict.id) is not None
    client.post("/auth/logout")
    login(users["venture_owner"])
    assert client.get("/review/conflicts").status_code == 403



def test_ranking_hides_scores_from_a_reviewer_until_their_review_is_in(client, users, login, proposal, challenge):
    submitted_review(proposal, users["mss_staff"], users["ipark_staff"], science=5, team=2)
    assign(proposal, users["ipark_staff2"], users["ipark_staff"])
    login(users["ipark_staff2"])
    page = text(client.get(f"/review/challenges/{challenge.id}"))
    assert "Graph binders" in page and "4.00" not in page and "after your review" in page
    client.post("/auth/logout")
    login(users["ipark_staff"])
    assert "4.00" in text(client.get(f"/review/challenges/{challenge.id}"))
