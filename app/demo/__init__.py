"""The demo: organisations and accounts of every role, calls in every programme, language and
state, and the proposals, reviews and joint decisions on them (DESIGN.md, "Contract the application
keeps"). Everything is played through the services a person would use, so the demo holds only what
the application itself could have produced; each step is then dated back (``clock``), so that the
marketplace reads as if it had been running for a few months. The stories:

- ``people``: the organisations and the accounts (password ``DEMO_PASSWORD``);
- ``calls``: the challenges and what happens to them; played here, each with its proposals;
- ``proposals``: the ventures' proposals to those calls, played while each call is open;
- ``reviews``: the reviews, joint decisions and companies' choices in a proposal's story;
- ``translations``: each call in the languages it was not written in, by its poster or the staff;
- ``funding``: the awards on the selected proposals, the ventures' payees, deposits and payouts;
- ``clock``: the one way every story dates its history; ``pdf``: the attachments.

`flask seed-demo` runs on every `make run`: whatever already exists is skipped.
"""
from datetime import datetime, timedelta
from io import BytesIO

from sqlalchemy import delete, func, select
from werkzeug.datastructures import FileStorage

from app.challenges.models import Challenge, ChallengeState
from app.challenges.services import (
    accept_nda,
    add_attachment,
    answer_question,
    ask_question,
    award_challenge,
    cancel_challenge,
    close_challenge,
    create_challenge,
    publish_challenge,
    request_changes,
    submit_challenge,
)
from app.common.models import OutboxEmail
from app.demo.calls import DEMO_CHALLENGES, DemoChallenge
from app.demo.clock import DemoClock, deadline_at
from app.demo.funding import seed_funding
from app.demo.pdf import one_page_pdf
from app.demo.people import DEMO_PASSWORD, person, seed_people
from app.demo.proposals import seed_proposals
from app.demo.translations import seed_translations, translate_call
from app.extensions import db

__all__ = ["DEMO_PASSWORD", "seed", "seed_challenges"]

AWARDING_STAFF = "ipark@demo.test"
DEMO_IP = "203.0.113.24"  # TEST-NET-3 (RFC 5737): an address that belongs to nobody


def seed() -> int:
    """Idempotent: existing accounts, organisations and calls are left as they are; returns how many
    accounts were created."""
    created = seed_people()
    seed_challenges()  # posted, reviewed and answered by the accounts above
    seed_translations()  # what a database seeded before the calls' translations were written lacks
    seed_funding()  # on the proposals selected above
    return created


def seed_challenges() -> int:
    """Post the demo calls that do not exist yet (matched by title); returns how many were posted."""
    titles = [spec.title for spec in DEMO_CHALLENGES]
    existing = set(db.session.scalars(select(Challenge.title).where(Challenge.title.in_(titles))))
    last_email_before = db.session.scalar(select(func.max(OutboxEmail.id))) or 0
    clock = DemoClock()
    created = 0
    for spec in DEMO_CHALLENGES:
        if spec.title not in existing:
            _play(spec, clock)
            created += 1
    # The services queue an e-mail for every step above (about a hundred for the whole set), as
    # if each had just happened. They did not: this is backdated history, and `make run` starts
    # the outbox worker right after seeding, which would bury the mail folder under them. The
    # mail a person triggers while trying the demo is what the folder should show.
    db.session.execute(delete(OutboxEmail).where(OutboxEmail.id > last_email_before))
    db.session.flush()
    return created


def _play(spec: DemoChallenge, clock: DemoClock) -> Challenge:
    """Posted, submitted three days later, published three days after that; then what followed."""
    poster = person(spec.poster)
    posted = clock.at(spec.posted_days_ago)
    # The services refuse a deadline in the past, as they should for any real poster. A call that
    # has already closed is therefore played forward: posted and published with a future
    # deadline, then its deadline is moved back to the day it closed, and it is closed the way
    # the `jobs run` worker closes an expired call.
    passed = spec.deadline_in_days <= 0
    with clock.dating(posted):
        challenge = create_challenge(
            actor=poster, program=spec.program, questions=spec.questions,
            title=spec.title, summary=spec.summary, description=spec.description,
            confidential=spec.confidential, language=spec.language, trl=spec.trl,
            budget_minor=spec.budget_minor, currency=spec.currency,
            deadline=deadline_at(14 if passed else spec.deadline_in_days),
            fields=list(spec.fields), funding_sources=list(spec.funding_sources), blind_review=spec.blind_review)
    clock.happened(posted, challenge)
    translate_call(challenge, spec, clock, before_day=3)  # the poster's own, before submitting
    if spec.state == ChallengeState.draft and not spec.review_note:
        return _flushed(challenge)
    with clock.dating(posted + timedelta(days=3)) as submitted:
        submit_challenge(challenge, actor=poster)
    clock.happened(submitted, challenge, touched=True)
    if spec.state == ChallengeState.pending_review:
        return _flushed(challenge)
    translate_call(challenge, spec, clock, before_day=6)  # the staff's, during publication review
    reviewer = person(spec.reviewer)
    if spec.state == ChallengeState.draft:
        with clock.dating(posted + timedelta(days=5)) as sent_back:
            request_changes(challenge, actor=reviewer, note=spec.review_note)
        clock.happened(sent_back, challenge, touched=True)
        return _flushed(challenge)
    with clock.dating(posted + timedelta(days=6)) as published:
        publish_challenge(challenge, actor=reviewer)
    clock.happened(published, challenge, touched=True)
    _follow(challenge, spec, poster, clock, _after_publication(spec, clock))
    if passed:
        challenge.deadline = deadline_at(spec.deadline_in_days)
        with clock.dating(challenge.deadline):
            close_challenge(challenge)
        clock.happened(challenge.deadline, challenge, touched=True)
    if spec.state == ChallengeState.awarded:
        with clock.dating(7):
            award_challenge(challenge, actor=person(AWARDING_STAFF))
        clock.happened(7, challenge, touched=True)
    if spec.state == ChallengeState.cancelled:
        with clock.dating(4):
            cancel_challenge(challenge, actor=poster, reason=spec.cancel_reason)
        clock.happened(4, challenge, touched=True)
    return _flushed(challenge)


def _flushed(challenge: Challenge) -> Challenge:
    db.session.flush()
    return challenge


def _after_publication(spec: DemoChallenge, clock: DemoClock):
    """A moment `days` after publication, but never later than an hour ago nor after the deadline."""
    published = clock.at(spec.posted_days_ago - 6)
    latest = min(clock.now, deadline_at(spec.deadline_in_days)) - timedelta(hours=1)

    def moment(days: float) -> datetime:
        return min(published + timedelta(days=days), latest)

    return moment


def _follow(challenge: Challenge, spec: DemoChallenge, poster, clock: DemoClock, after_publication) -> None:
    """What ventures and the poster did while the call was open, in the order they did it."""
    for document in spec.documents:
        with clock.dating(after_publication(0)) as added:
            attachment = add_attachment(
                challenge, actor=poster, confidential=document.confidential,
                upload=FileStorage(stream=BytesIO(one_page_pdf(document.lines)), filename=document.filename,
                                   content_type="application/pdf"))
        clock.happened(added, attachment)
    for email in spec.nda_accepted_by:
        with clock.dating(after_publication(1)) as accepted:
            acceptance = accept_nda(challenge, actor=person(email), ip=DEMO_IP)
        clock.happened(accepted, acceptance)
    for n, clarification in enumerate(spec.clarifications):
        with clock.dating(after_publication(2 + n)) as asked_at:
            asked = ask_question(challenge, actor=person(clarification.asker), body=clarification.question)
        clock.happened(asked_at, asked)
        if clarification.answer:
            with clock.dating(after_publication(3 + n)) as answered:
                answer_question(asked, actor=poster, answer=clarification.answer)
            clock.happened(answered, asked)
    # Proposals, their reviews and the joint decisions on them, while the call still takes proposals.
    seed_proposals(challenge)
    db.session.flush()
