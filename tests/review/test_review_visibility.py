"""Who reads the institutions' reviews and scores: one rule (app.review.models.can_view_reviews, through
Review.can_view) on the proposal page, the review page, the ranking and the CSV."""
import pytest

from app.challenges.models import RubricCriterion
from app.common.time import utcnow
from app.extensions import db
from app.review.models import Recommendation, Review, ReviewScore, can_view_reviews
from app.review.panel import review_panel
from app.review.ranking import export_csv


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def shortlisted(make_challenge, make_proposal):
    challenge = make_challenge("open")
    challenge.criteria = [RubricCriterion(position=1, name="Science", weight=1)]
    db.session.commit()
    return make_proposal("shortlisted", challenge=challenge)


def submitted(proposal, reviewer, score, comment):
    review = Review(proposal_id=proposal.id, reviewer_id=reviewer.id, assigned_by_id=reviewer.id,
                    no_conflict_at=utcnow(), submitted_at=utcnow(), recommendation=Recommendation.support,
                    comment=comment)
    review.scores = [ReviewScore(criterion_id=proposal.challenge.criteria[0].id, score=score)]
    db.session.add(review)
    db.session.commit()
    return review


def test_a_company_reviewer_never_reads_the_institutions_reviews(client, login, users, shortlisted):
    staff_review = submitted(shortlisted, users["ipark_staff"], 2, "Institution verdict: thin data.")
    own = submitted(shortlisted, users["company_owner"], 5, "Company view: great.")
    company = users["company_owner"]
    assert not can_view_reviews(shortlisted, company)
    assert own.can_view(company) and not staff_review.can_view(company)
    assert review_panel(shortlisted, company)["submitted_reviews"] == []
    assert can_view_reviews(shortlisted, users["mss_staff"]) and staff_review.can_view(users["mss_staff"])
    login(company)
    own_page = client.get(f"/review/{own.id}")
    assert own_page.status_code == 200 and "Company view" in text(own_page)
    assert "Institution verdict" not in text(own_page)
    proposal_page = client.get(f"/proposals/{shortlisted.id}")
    assert proposal_page.status_code == 200 and shortlisted.title in text(proposal_page)
    assert "Institution verdict" not in text(proposal_page)
    assert client.get(f"/review/{staff_review.id}").status_code == 404
    csv_text = export_csv(shortlisted.challenge, company)
    assert shortlisted.title in csv_text and "Institution verdict" not in csv_text
    assert "Institution verdict" in export_csv(shortlisted.challenge, users["mss_staff"])  # the rule, not an empty file


def test_submitting_tells_a_company_reviewer_nothing_about_other_reviews(client, login, users, shortlisted):
    review = Review(proposal_id=shortlisted.id, reviewer_id=users["company_owner"].id,
                    assigned_by_id=users["ipark_staff"].id, no_conflict_at=utcnow())
    db.session.add(review)
    db.session.commit()
    criterion = shortlisted.challenge.criteria[0]
    login(users["company_owner"])
    response = client.post(f"/review/{review.id}", data={f"score_{criterion.id}": "4", "recommendation": "support",
                                                          "submit": "y"}, follow_redirects=True)
    assert "Your review is submitted." in text(response)
    assert "You can now read the other reviews" not in text(response)
