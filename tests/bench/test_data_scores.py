"""The bench data stores each submitted review's weighted mean as save_review does (it writes reviews
without the ORM), for new calls and for calls already in the database."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.review.models import Review
from bench.data import generate


def test_generated_reviews_store_the_weighted_mean_of_their_scores(app):
    generate(challenges=12, proposals=300, seed=7)
    generate(challenges=0, proposals=60, seed=8)  # reviews of the calls already there
    reviews = db.session.scalars(select(Review).options(selectinload(Review.scores))).all()
    submitted = [review for review in reviews if review.is_submitted]
    assert len(submitted) > 20 and any(review.scores and not review.is_submitted for review in reviews)
    assert [(review.id, review.weighted_score) for review in reviews] == [
        (review.id, review.weighted_mean() if review.is_submitted else None) for review in reviews]
    assert all(review.weighted_score is not None for review in submitted)
