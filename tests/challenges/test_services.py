"""Every change to a challenge through its services: which transitions each one makes, from which
states and by whom; what it stores, audits and e-mails; and what it refuses, leaving nothing changed."""
import io
import re
from collections import namedtuple
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from jinja2 import StrictUndefined
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.auth.models import VerificationState
from app.challenges import services
from app.challenges.models import (
    CHALLENGE_TRANSITIONS,
    DEFAULT_RUBRIC,
    Challenge,
    ChallengeAttachment,
    ChallengeSearchTerm,
    ChallengeState,
    ClarificationQuestion,
    NdaAcceptance,
    Program,
)
from app.common import uploads
from app.common.errors import DomainError, InvalidTransition, PermissionDenied
from app.common.i18n import force_timezone, format_moment
from app.common.models import AuditEvent, OutboxEmail
from app.common.outbox import SUBJECT_PREFIX, queue_email
from app.common.time import as_utc, utcnow
from app.extensions import db
from app.proposals.models import Proposal, ProposalState
from tests.clock import stopped_clock
from tests.conftest import stored_keys

DRAFT, PENDING, OPEN, CLOSED, AWARDED, CANCELLED = (
    ChallengeState.draft, ChallengeState.pending_review, ChallengeState.open, ChallengeState.closed,
    ChallengeState.awarded, ChallengeState.cancelled)
SECOND = timedelta(seconds=1)
STAMPS = ("state", "submitted_at", "published_at", "closed_at", "awarded_at", "cancelled_at", "review_note",
          "updated_at", "title", "deadline")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"

Mail = namedtuple("Mail", "template to context")


# Helpers and fixtures ---------------------------------------------------------------------------

@pytest.fixture
def clock():
    """The whole app's clock, stopped at a whole second; `clock.set(moment)` moves it."""
    with stopped_clock(utcnow().replace(microsecond=0)) as clock:
        yield clock


@pytest.fixture
def mails(monkeypatch):
    """Every e-mail the services queue, as (template, address, context); each is still rendered for real."""
    sent = []

    def recording(user, template, **context):
        sent.append(Mail(template, user.email, context))
        return queue_email(user, template, **context)

    monkeypatch.setattr(services, "queue_email", recording)
    return sent


@pytest.fixture
def people(users, make_user):
    return dict(users, other_company=make_user("company"))


def sent_to(mails, template):
    return {mail.to for mail in mails if mail.template == template}


def emails(*users):
    return {user.email for user in users}


def audit_rows(challenge):
    return db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "challenges", AuditEvent.subject_id == challenge.id).order_by(AuditEvent.id)).all()


def outbox_count():
    return db.session.scalar(select(func.count()).select_from(OutboxEmail))


def stamps(challenge):
    return tuple(getattr(challenge, name) for name in STAMPS)


def assert_unchanged(challenge, before):
    assert stamps(challenge) == before
    assert audit_rows(challenge) == []
    assert outbox_count() == 0


def translated(msgid, locale="en", **variables):
    with force_locale(locale):
        return gettext(msgid, **variables)


def start_proposal(challenge, user, state=ProposalState.draft):
    proposal = Proposal(challenge_id=challenge.id, organization_id=user.organization_id, created_by_id=user.id,
                        state=state, submitted_at=None if state in {ProposalState.draft, ProposalState.withdrawn}
                        else utcnow(), withdrawn_at=utcnow() if state == ProposalState.withdrawn else None)
    db.session.add(proposal)
    db.session.flush()
    return proposal


def new_call(**overrides):
    attributes = dict(title="Antibody design with machine learning", summary="Find binders for a hard target.",
                      description="We look for a partner in **AI drug discovery**.",
                      confidential="The target is KRAS G12D.", language="en",
                      deadline=utcnow() + timedelta(days=30), fields=["ai_drug_discovery"])
    return attributes | overrides


def pdf_upload(content=PDF, filename="plan.pdf"):
    return FileStorage(stream=io.BytesIO(content), filename=filename, content_type="application/pdf")


# The state machine, service by service and state by state ----------------------------------------

TRANSITIONS_BY_SERVICE = [
    # service, actor, the states it moves from, target, the timestamp it sets
    ("submit_challenge", "company_member", {DRAFT}, PENDING, "submitted_at"),
    ("publish_challenge", "ipark_staff", {PENDING}, OPEN, "published_at"),
    ("request_changes", "mss_staff", {PENDING}, DRAFT, None),
    ("close_challenge", None, {OPEN}, CLOSED, "closed_at"),
    ("cancel_challenge", "company_owner", {DRAFT, PENDING, OPEN, CLOSED}, CANCELLED, "cancelled_at"),
    ("award_challenge", "mss_staff", {CLOSED, OPEN}, AWARDED, "awarded_at"),  # from open once past its deadline
]
ARGUMENTS = {"request_changes": {"note": "  Add the budget.  "}, "cancel_challenge": {"reason": "Project stopped."}}
AFTER_DEADLINE = {"close_challenge", "award_challenge"}  # the others run on calls still before it
REFUSAL = {"close_challenge": InvalidTransition}  # the others ask a permission predicate first


def test_the_transition_table_is_the_designed_state_machine():
    assert CHALLENGE_TRANSITIONS == {
        DRAFT: {PENDING, CANCELLED}, PENDING: {OPEN, DRAFT, CANCELLED}, OPEN: {CLOSED, CANCELLED},
        CLOSED: {AWARDED, CANCELLED}, AWARDED: set(), CANCELLED: set()}


@pytest.mark.parametrize("state", list(ChallengeState))
@pytest.mark.parametrize(("service", "actor", "sources", "target", "stamp"), TRANSITIONS_BY_SERVICE,
                         ids=[case[0] for case in TRANSITIONS_BY_SERVICE])
def test_every_service_in_every_state(make_challenge, users, clock, service, actor, sources, target, stamp,
                                      state):
    challenge = make_challenge(state, deadline=clock.now - timedelta(minutes=1) if service in AFTER_DEADLINE
                               else None)
    actor = users[actor] if actor else None
    run = partial(getattr(services, service), challenge, actor=actor, **ARGUMENTS.get(service, {}))
    if state not in sources:
        before = stamps(challenge)
        with pytest.raises(REFUSAL.get(service, PermissionDenied)):
            run()
        assert_unchanged(challenge, before)
        return

    run()
    assert challenge.state == target
    if stamp:
        assert as_utc(getattr(challenge, stamp)) == clock.now
    path = [(OPEN, CLOSED), (CLOSED, AWARDED)] if (state, target) == (OPEN, AWARDED) else [(state, target)]
    rows = audit_rows(challenge)
    assert [(row.action, row.from_state, row.to_state, row.actor_id) for row in rows] == [
        (f"challenge.{to}", str(source), str(to), getattr(actor, "id", None)) for source, to in path]
    db.session.commit()  # the database's own checks agree with the state and its timestamps


WRONG_ACTORS = [
    ("submit_challenge", DRAFT, ["venture_owner", "other_company", "ipark_staff", "admin"]),
    ("publish_challenge", PENDING, ["company_owner", "company_member", "venture_owner", "admin"]),
    ("request_changes", PENDING, ["company_owner", "venture_owner", "admin"]),
    ("cancel_challenge", OPEN, ["venture_owner", "other_venture", "other_company"]),
    ("award_challenge", CLOSED, ["company_owner", "company_member", "venture_owner", "admin"]),
]
RIGHT_ACTORS = [
    ("submit_challenge", DRAFT, ["company_owner", "company_member"]),
    ("publish_challenge", PENDING, ["ipark_staff", "mss_staff"]),
    ("request_changes", PENDING, ["ipark_staff", "mss_staff"]),
    ("cancel_challenge", OPEN, ["company_owner", "company_member", "ipark_staff", "mss_staff"]),
    ("award_challenge", CLOSED, ["ipark_staff", "mss_staff"]),
]


@pytest.mark.parametrize(("service", "state", "actor"), [
    (service, state, actor) for service, state, actors in WRONG_ACTORS for actor in actors])
def test_the_wrong_actor_is_refused(make_challenge, people, service, state, actor):
    challenge = make_challenge(state)
    before = stamps(challenge)
    with pytest.raises(PermissionDenied):
        getattr(services, service)(challenge, actor=people[actor], **ARGUMENTS.get(service, {}))
    assert_unchanged(challenge, before)


@pytest.mark.parametrize(("service", "state", "actor"), [
    (service, state, actor) for service, state, actors in RIGHT_ACTORS for actor in actors])
def test_the_right_actor_is_allowed(make_challenge, people, service, state, actor):
    challenge = make_challenge(state)
    getattr(services, service)(challenge, actor=people[actor], **ARGUMENTS.get(service, {}))
    assert challenge.state != state
    assert audit_rows(challenge)[-1].actor_id == people[actor].id


# Creating ---------------------------------------------------------------------------------------

POSTERS = {  # DESIGN.md, the programme table
    Program.open_innovation: {"company", "university", "research_institute"},
    Program.joint_rnd: {"company", "university", "research_institute"},
    Program.startup_support: {"ipark", "mss"},
}


@pytest.mark.parametrize("program", list(Program))
@pytest.mark.parametrize("kind", ["company", "university", "research_institute", "venture", "ipark", "mss"])
def test_create_challenge_by_organisation_kind_and_programme(make_user, kind, program):
    actor = make_user(institution=kind) if kind in {"ipark", "mss"} else make_user(kind)
    if kind not in POSTERS[program]:
        with pytest.raises(PermissionDenied):
            services.create_challenge(actor=actor, program=program, **new_call())
        assert db.session.scalar(select(func.count()).select_from(Challenge)) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
        return
    challenge = services.create_challenge(actor=actor, program=program, **new_call())
    assert (challenge.state, challenge.program, challenge.organization_id, challenge.created_by_id) == (
        DRAFT, program, actor.organization_id, actor.id)
    assert challenge.submitted_at is challenge.published_at is None
    [row] = audit_rows(challenge)
    assert (row.action, row.actor_id, row.from_state, row.to_state, row.details) == (
        "challenge.created", actor.id, None, "draft", {"program": program.value})
    db.session.commit()


def test_an_administrator_is_not_an_institution_and_cannot_post_a_startup_support_call(users):
    """Startup-support calls are posted by iPark or MSS; the administrators' secretariat is neither."""
    with pytest.raises(PermissionDenied):
        services.create_challenge(actor=users["admin"], program=Program.startup_support, **new_call())


@pytest.mark.parametrize("language", ["en", "ja", "ko"])
def test_a_new_challenge_gets_the_default_rubric_and_nda_in_its_language(users, language):
    challenge = services.create_challenge(actor=users["company_owner"], program=Program.joint_rnd,
                                          **new_call(language=language))
    with force_locale(language):
        rubric = [(str(name), weight) for name, weight in DEFAULT_RUBRIC]
    assert [(c.position, c.name, c.weight) for c in challenge.criteria] == [
        (n, name, weight) for n, (name, weight) in enumerate(rubric, start=1)]
    [nda] = challenge.nda_versions
    assert nda.number == 1
    assert nda.body == services.default_nda_text(Program.joint_rnd, language)
    heading = {"en": "Confidentiality agreement", "ja": "秘密保持契約", "ko": "비밀유지계약"}[language]
    assert heading in nda.body and "{{" not in nda.body and services.NDA_EDITION in nda.body


def test_a_new_challenge_keeps_the_given_rubric_questions_and_nda(users):
    challenge = services.create_challenge(
        actor=users["company_owner"], program=Program.open_innovation, nda_text="Our own terms.",
        criteria=[{"name": "Accuracy", "weight": 70}, {"name": "Speed", "weight": 30}],
        questions=[{"text": "Which data did you train on?", "max_length": 500}, {"text": "Team?", "required": False}],
        **new_call())
    assert [(c.position, c.name, c.weight) for c in challenge.criteria] == [(1, "Accuracy", 70), (2, "Speed", 30)]
    assert [(q.position, q.text, q.required, q.max_length) for q in challenge.questions] == [
        (1, "Which data did you train on?", True, 500), (2, "Team?", False, 2000)]
    assert [(v.number, v.body) for v in challenge.nda_versions] == [(1, "Our own terms.")]


def test_a_new_challenge_is_searchable_by_its_public_text_only(users):
    challenge = services.create_challenge(actor=users["company_owner"], program=Program.open_innovation,
                                          **new_call(title="抗体設計 with machine learning"))
    terms = dict(db.session.execute(select(ChallengeSearchTerm.term, ChallengeSearchTerm.weight)
                                    .where(ChallengeSearchTerm.challenge_id == challenge.id)).all())
    assert {"抗体", "体設", "設計", "machine", "binders", "partner"} <= set(terms)
    assert terms["machine"] == 4  # the title counts most
    assert "kras" not in terms  # the confidential part never reaches search


@pytest.mark.parametrize(("offset", "accepted"), [(-timedelta(days=1), False), (timedelta(0), False),
                                                  (SECOND, True)])
def test_a_new_challenges_deadline_must_be_in_the_future(users, clock, offset, accepted):
    create = partial(services.create_challenge, actor=users["company_owner"], program=Program.open_innovation,
                     **new_call(deadline=clock.now + offset))
    if accepted:
        assert as_utc(create().deadline) == clock.now + SECOND
        return
    with pytest.raises(services.DeadlineInPast):
        create()
    assert db.session.scalar(select(func.count()).select_from(Challenge)) == 0


# Editing ----------------------------------------------------------------------------------------

def test_a_draft_takes_every_change(make_challenge, users, mails, clock):
    challenge = make_challenge("draft")
    changed = services.update_challenge(
        challenge, actor=users["company_member"], title="Protein binders by deep learning",
        summary="New summary.", description="New description.", confidential="New secret.", language="ja",
        trl=4, budget_minor=5_000_000, currency="JPY", deadline=clock.now + timedelta(days=3),
        fields=["cell_gene_therapy"], funding_sources=["company_award"], blind_review=True,
        questions=[{"text": "Your team?", "required": True, "max_length": 500}],
        criteria=[{"name": "Fit", "weight": 60}, {"name": "Team", "weight": 40}], nda_text=" New terms. ")
    assert set(changed) == {"title", "summary", "description", "confidential", "language", "trl", "budget_minor",
                            "currency", "deadline", "fields", "funding_sources", "blind_review", "questions",
                            "criteria", "nda"}
    assert (challenge.title, challenge.trl, challenge.budget_minor, challenge.fields) == (
        "Protein binders by deep learning", 4, 5_000_000, ["cell_gene_therapy"])
    assert as_utc(challenge.deadline) == clock.now + timedelta(days=3)  # a draft may also move it earlier
    assert [(q.text, q.max_length) for q in challenge.questions] == [("Your team?", 500)]
    assert [(c.name, c.weight) for c in challenge.criteria] == [("Fit", 60), ("Team", 40)]
    assert [(v.number, v.body) for v in challenge.nda_versions] == [(1, "New terms.")]  # nobody agreed yet
    assert as_utc(challenge.updated_at) == clock.now
    [row] = audit_rows(challenge)
    assert (row.action, row.actor_id, set(row.details["changed"])) == (
        "challenge.updated", users["company_member"].id, set(changed))
    terms = set(db.session.scalars(select(ChallengeSearchTerm.term)
                                   .where(ChallengeSearchTerm.challenge_id == challenge.id)))
    assert {"protein", "deep"} <= terms and "machine" not in terms
    assert mails == []  # nobody follows a draft
    db.session.commit()


@pytest.mark.parametrize(("change", "value"), [
    ("program", Program.startup_support),  # only iPark and MSS post those
    ("program", Program.joint_rnd),  # the programme is chosen once, at creation
    ("organization_id", 999), ("created_by_id", 999), ("state", ChallengeState.open),
])
def test_a_draft_keeps_its_programme_owner_and_state(make_challenge, users, change, value):
    challenge = make_challenge("draft")
    before = getattr(challenge, change)
    with pytest.raises(DomainError):
        services.update_challenge(challenge, actor=users["company_owner"], **{change: value})
    assert getattr(challenge, change) == before


@pytest.mark.parametrize(("offset", "accepted"), [(timedelta(0), False), (SECOND, True)])
def test_a_drafts_new_deadline_must_be_in_the_future(make_challenge, users, clock, offset, accepted):
    challenge = make_challenge("draft")
    update = partial(services.update_challenge, challenge, actor=users["company_owner"],
                     deadline=clock.now + offset)
    if accepted:
        assert update() == ["deadline"]
        return
    before = stamps(challenge)
    with pytest.raises(services.DeadlineInPast):
        update()
    assert_unchanged(challenge, before)


@pytest.mark.parametrize("changes", [
    {"trl": 5}, {"fields": ["diagnostics"]}, {"language": "ja"},
    {"budget_minor": 100, "currency": "USD"}, {"blind_review": True}, {"funding_sources": ["mss_rnd"]},
    {"questions": [{"text": "New question?"}]}, {"criteria": [{"name": "Only this", "weight": 100}]},
], ids=lambda changes: "+".join(changes))
def test_an_open_challenge_takes_no_change_beyond_corrections(make_challenge, users, mails, changes):
    challenge = make_challenge("open")
    before = stamps(challenge)
    with pytest.raises(DomainError):
        services.update_challenge(challenge, actor=users["company_owner"], title="Sneaked in", **changes)
    assert_unchanged(challenge, before)
    assert mails == []


def test_an_open_challenge_takes_corrections_to_its_text(make_challenge, users, mails):
    challenge = make_challenge("open")
    changed = services.update_challenge(challenge, actor=users["company_owner"], title="Corrected title",
                                        summary="Corrected summary.", description="Corrected.",
                                        confidential="Corrected secret.")
    assert changed == ["title", "summary", "description", "confidential"]
    assert challenge.state == OPEN and challenge.title == "Corrected title"
    assert [row.details["changed"] for row in audit_rows(challenge)] == [changed]


@pytest.mark.parametrize(("offset", "outcome"), [
    (timedelta(days=7), ["deadline"]), (SECOND, ["deadline"]), (timedelta(0), []),
    (-SECOND, services.DeadlineShortened), (-timedelta(days=7), services.DeadlineShortened)])
def test_an_open_challenges_deadline_moves_later_never_earlier(make_challenge, users, mails, clock, offset, outcome):
    deadline = clock.now + timedelta(days=10)
    challenge = make_challenge("open", deadline=deadline)
    update = partial(services.update_challenge, challenge, actor=users["company_owner"], deadline=deadline + offset)
    if isinstance(outcome, list):
        assert update() == outcome
        assert as_utc(challenge.deadline) == deadline + offset
        assert len(audit_rows(challenge)) == len(outcome)
        return
    before = stamps(challenge)
    with pytest.raises(outcome):
        update()
    assert_unchanged(challenge, before)


@pytest.mark.parametrize(("before_deadline", "allowed"), [(SECOND, True), (timedelta(0), False)])
def test_an_open_challenge_is_editable_until_its_deadline(make_challenge, users, clock, before_deadline, allowed):
    deadline = clock.now + timedelta(days=1)
    challenge = make_challenge("open", deadline=deadline)
    clock.set(deadline - before_deadline)
    update = partial(services.update_challenge, challenge, actor=users["company_owner"],
                     deadline=deadline + timedelta(days=7))
    if allowed:
        assert update() == ["deadline"]
        return
    before = stamps(challenge)
    with pytest.raises(PermissionDenied):
        update()
    assert_unchanged(challenge, before)


@pytest.mark.parametrize(("state", "actor"), [
    (PENDING, "company_owner"), (CLOSED, "company_owner"), (AWARDED, "company_owner"), (CANCELLED, "company_owner"),
    (DRAFT, "venture_owner"), (DRAFT, "other_company"), (DRAFT, "ipark_staff"), (OPEN, "venture_owner"),
    (OPEN, "mss_staff")])
def test_only_the_poster_edits_and_only_a_draft_or_an_open_call(make_challenge, people, state, actor):
    challenge = make_challenge(state)
    before = stamps(challenge)
    with pytest.raises(PermissionDenied):
        services.update_challenge(challenge, actor=people[actor], title="Changed")
    assert_unchanged(challenge, before)


def test_an_unchanged_save_changes_nothing(make_challenge, users, mails):
    challenge = make_challenge("open")
    before = stamps(challenge)
    assert services.update_challenge(challenge, actor=users["company_owner"], title=challenge.title,
                                     summary=challenge.summary, deadline=as_utc(challenge.deadline),
                                     nda_text=" Keep it secret.\n") == []
    assert_unchanged(challenge, before)
    assert mails == []


def test_a_new_nda_while_open_is_a_new_version_to_accept_again(make_challenge, users, mails):
    challenge = make_challenge("open")
    venture = users["venture_owner"]
    services.accept_nda(challenge, actor=venture, ip="203.0.113.5")
    assert challenge.can_view_confidential(venture)

    assert services.update_challenge(challenge, actor=users["company_owner"], nda_text="Stricter terms.") == ["nda"]
    assert [(v.number, v.body) for v in challenge.nda_versions] == [(1, "Keep it secret."), (2, "Stricter terms.")]
    assert challenge.current_nda.number == 2
    assert not challenge.has_accepted_nda(venture) and not challenge.can_view_confidential(venture)
    [mail] = [m for m in mails if m.template == "challenge_updated"]
    assert (mail.to, mail.context["nda_changed"], mail.context["deadline_extended"]) == (venture.email, True, False)

    services.accept_nda(challenge, actor=venture, ip="203.0.113.5")
    assert challenge.can_view_confidential(venture)
    assert sorted(db.session.scalars(select(NdaAcceptance.nda_version_id).where(
        NdaAcceptance.user_id == venture.id))) == [v.id for v in challenge.nda_versions]
    db.session.commit()


def test_corrections_reach_those_following_the_call_in_their_own_language(
        make_challenge, make_organization, make_user, users, mails, clock):
    challenge = make_challenge("open")
    accepted = make_user("venture", locale="ko")
    services.accept_nda(challenge, actor=accepted, ip=None)
    drafting_org = make_organization("venture")
    drafting = [make_user(organization=drafting_org, locale="ja"), make_user(organization=drafting_org, locale="en")]
    start_proposal(challenge, drafting[0])
    withdrawn = make_user("venture")
    start_proposal(challenge, withdrawn, ProposalState.withdrawn)
    mails.clear()

    new_deadline = as_utc(challenge.deadline) + timedelta(days=14)
    services.update_challenge(challenge, actor=users["company_owner"], title="Corrected title", deadline=new_deadline)

    followers = [accepted, *drafting]
    assert [m.template for m in mails] == ["challenge_updated"] * 3
    assert sent_to(mails, "challenge_updated") == emails(*followers)  # not the poster, nor other ventures
    assert all(m.context["deadline_extended"] and not m.context["nda_changed"] for m in mails)
    for user in followers:
        row = db.session.scalar(select(OutboxEmail).where(OutboxEmail.recipient == user.email))
        assert row.locale == user.locale
        assert row.subject == SUBJECT_PREFIX + translated("Deadline extended: %(title)s", user.locale,
                                                          title="Corrected title")
        assert row.body_text.startswith(translated("Hello %(name)s,", user.locale, name=user.name))
        assert f"/challenges/{challenge.id}" in row.body_text


# Review and publication ---------------------------------------------------------------------------

def test_submitting_tells_every_staff_member(make_challenge, make_user, users, mails, clock):
    make_user(institution="mss", active=False)
    challenge = make_challenge("draft")
    services.submit_challenge(challenge, actor=users["company_owner"])
    assert sent_to(mails, "challenge_submitted") == emails(users["ipark_staff"], users["ipark_staff2"],
                                                           users["mss_staff"])
    assert {m.template for m in mails} == {"challenge_submitted"}


def test_staff_submitting_their_own_call_are_not_told_about_it(make_challenge, users, mails):
    challenge = make_challenge("draft", program=Program.startup_support, poster=users["ipark_staff"])
    services.submit_challenge(challenge, actor=users["ipark_staff"])
    assert sent_to(mails, "challenge_submitted") == emails(users["ipark_staff2"], users["mss_staff"])


@pytest.mark.parametrize("service", ["submit_challenge", "publish_challenge"])
def test_a_call_whose_deadline_passed_is_not_submitted_nor_published(make_challenge, users, clock, service):
    state, actor = (DRAFT, "company_owner") if service == "submit_challenge" else (PENDING, "ipark_staff")
    challenge = make_challenge(state, deadline=clock.now)
    before = stamps(challenge)
    with pytest.raises(services.DeadlineInPast):
        getattr(services, service)(challenge, actor=users[actor])
    assert_unchanged(challenge, before)


@pytest.mark.parametrize(("reviewer", "allowed"), [
    ("ipark_staff", False),  # the author: never a call they wrote themselves
    ("ipark_staff2", True),  # a colleague of the author (Challenge.can_review_publication)
    ("mss_staff", True),
])
@pytest.mark.parametrize("service", ["publish_challenge", "request_changes"])
def test_staff_never_review_a_startup_support_call_they_wrote(make_challenge, users, service, reviewer, allowed):
    challenge = make_challenge("pending_review", program=Program.startup_support, poster=users["ipark_staff"])
    review = partial(getattr(services, service), challenge, actor=users[reviewer], **ARGUMENTS.get(service, {}))
    if allowed:
        review()
        assert challenge.state in {OPEN, DRAFT}
        return
    before = stamps(challenge)
    with pytest.raises(PermissionDenied):
        review()
    assert_unchanged(challenge, before)


def test_publishing_tells_the_poster_and_verified_ventures_working_in_its_fields(
        make_challenge, make_organization, make_user, users, mails, clock):
    matching = make_organization("venture", fields=["ai_drug_discovery", "diagnostics"])
    also_matching = make_organization("venture", fields=["bioinformatics"])
    told = [make_user(organization=matching), make_user(organization=matching, role="member"),
            make_user(organization=also_matching, locale="ko")]
    not_told = [
        make_user(organization=matching, verified=False),  # e-mail address not confirmed
        make_user(organization=matching, active=False),
        make_user(organization=make_organization("venture", state=VerificationState.pending,
                                                 fields=["ai_drug_discovery"])),
        make_user(organization=make_organization("venture", state=VerificationState.rejected,
                                                 fields=["ai_drug_discovery"])),
        make_user(organization=make_organization("venture", fields=["medical_devices"])),
        make_user(organization=make_organization("company", fields=["ai_drug_discovery"])),
    ]
    challenge = make_challenge("pending_review", fields=("ai_drug_discovery", "bioinformatics"))
    challenge.review_note = "An earlier note."

    services.publish_challenge(challenge, actor=users["ipark_staff"])

    assert challenge.review_note is None
    assert sent_to(mails, "challenge_published") == emails(users["company_owner"], users["company_member"])
    assert sent_to(mails, "challenge_matching") == emails(*told)
    assert not emails(*not_told) & {m.to for m in mails}
    assert len(mails) == 5  # one e-mail each
    db.session.commit()


def test_requesting_changes_needs_a_note_and_sends_it_to_the_poster(make_challenge, users, mails):
    challenge = make_challenge("pending_review")
    before = stamps(challenge)
    with pytest.raises(DomainError):
        services.request_changes(challenge, actor=users["ipark_staff"], note="   ")
    assert_unchanged(challenge, before)

    services.request_changes(challenge, actor=users["ipark_staff"], note="  Please state the budget.  ")
    assert (challenge.state, challenge.review_note) == (DRAFT, "Please state the budget.")
    [row] = audit_rows(challenge)
    assert row.details == {"note": "Please state the budget."}
    assert sent_to(mails, "challenge_changes_requested") == emails(users["company_owner"], users["company_member"])
    assert {m.context["note"] for m in mails} == {"Please state the budget."}
    assert all("Please state the budget." in row.body_text for row in db.session.scalars(select(OutboxEmail)))

    services.submit_challenge(challenge, actor=users["company_owner"])  # the poster can try again
    assert challenge.state == PENDING


# Closing ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("before_deadline", "closes"), [(SECOND, False), (timedelta(0), True), (-SECOND, True)])
def test_a_challenge_closes_at_its_deadline_to_the_second(make_challenge, users, mails, clock, before_deadline, closes):
    deadline = clock.now + timedelta(hours=1)
    challenge = make_challenge("open", deadline=deadline)
    clock.set(deadline - before_deadline)
    if not closes:
        before = stamps(challenge)
        with pytest.raises(DomainError):
            services.close_challenge(challenge)
        assert_unchanged(challenge, before)
        return
    services.close_challenge(challenge)
    assert (challenge.state, as_utc(challenge.closed_at)) == (CLOSED, deadline - before_deadline)
    assert sent_to(mails, "challenge_closed") == emails(users["company_owner"], users["company_member"])


def test_closing_expired_challenges_closes_only_open_ones_past_their_deadline(make_challenge, mails, clock):
    past_due = make_challenge("open", deadline=clock.now - SECOND)
    due_now = make_challenge("open", deadline=clock.now)
    not_yet = make_challenge("open", deadline=clock.now + SECOND)
    draft = make_challenge("draft", deadline=clock.now - timedelta(days=1))
    pending = make_challenge("pending_review", deadline=clock.now - timedelta(days=1))
    closed = make_challenge("closed")

    assert services.close_expired_challenges() == 2
    assert [c.state for c in (past_due, due_now, not_yet, draft, pending, closed)] == [
        CLOSED, CLOSED, OPEN, DRAFT, PENDING, CLOSED]
    assert [(r.actor_id, r.from_state, r.to_state) for r in audit_rows(past_due) + audit_rows(due_now)] == [
        (None, "open", "closed")] * 2
    assert services.close_expired_challenges() == 0
    assert len(sent_to(mails, "challenge_closed")) == 2 and len(mails) == 4  # owner and member, each call once
    db.session.commit()


def test_closing_expired_challenges_as_of_a_given_moment(make_challenge):
    """`now=` is the job's moment: what it selects as expired, it closes, rather than failing on it."""
    deadline = utcnow().replace(microsecond=0) + timedelta(hours=1)
    challenge = make_challenge("open", deadline=deadline)
    assert services.close_expired_challenges(now=deadline) == 1
    assert (challenge.state, as_utc(challenge.closed_at)) == (CLOSED, deadline)


# Cancelling -------------------------------------------------------------------------------------

@pytest.mark.parametrize("reason", ["", "   "])
def test_cancelling_needs_a_reason(make_challenge, users, reason):
    challenge = make_challenge("open")
    before = stamps(challenge)
    with pytest.raises(DomainError):
        services.cancel_challenge(challenge, actor=users["company_owner"], reason=reason)
    assert_unchanged(challenge, before)


def test_cancelling_an_unpublished_call_tells_only_the_poster(make_challenge, users, mails):
    challenge = make_challenge("pending_review")
    # Rows that cannot arise before publication, planted to show the audience is chosen by publication.
    db.session.add(NdaAcceptance(nda_version=challenge.current_nda, challenge_id=challenge.id,
                                 user=users["other_venture"]))
    start_proposal(challenge, users["venture_owner"])

    services.cancel_challenge(challenge, actor=users["ipark_staff"], reason="  Duplicate of another call.  ")

    assert sent_to(mails, "challenge_cancelled") == emails(users["company_owner"], users["company_member"])
    assert {m.context["reason"] for m in mails} == {"Duplicate of another call."}
    assert audit_rows(challenge)[-1].details == {"reason": "Duplicate of another call."}


def test_cancelling_a_published_call_tells_its_followers_but_not_the_actor(make_challenge, make_user, users, mails):
    challenge = make_challenge("open")
    services.accept_nda(challenge, actor=users["other_venture"], ip=None)
    start_proposal(challenge, users["venture_owner"])
    bystander = make_user("venture")

    services.cancel_challenge(challenge, actor=users["company_owner"], reason="Project stopped.")

    assert sent_to(mails, "challenge_cancelled") == emails(
        users["company_member"], users["other_venture"], users["venture_owner"], users["venture_member"])
    assert bystander.email not in sent_to(mails, "challenge_cancelled")
    assert all("Project stopped." in row.body_text for row in db.session.scalars(select(OutboxEmail)))
    db.session.commit()


# Awarding ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("before_deadline", "allowed"), [(SECOND, False), (timedelta(0), True)])
def test_an_open_call_is_awarded_only_once_its_deadline_passed_and_closes_first(
        make_challenge, users, mails, clock, before_deadline, allowed):
    deadline = clock.now + timedelta(hours=1)
    challenge = make_challenge("open", deadline=deadline)
    services.accept_nda(challenge, actor=users["venture_owner"], ip=None)
    mails.clear()
    clock.set(deadline - before_deadline)
    if not allowed:
        with pytest.raises(PermissionDenied):
            services.award_challenge(challenge, actor=users["ipark_staff"])
        assert challenge.state == OPEN and len(audit_rows(challenge)) == 1  # the NDA acceptance only
        return
    services.award_challenge(challenge, actor=users["ipark_staff"])
    assert (challenge.state, as_utc(challenge.closed_at), as_utc(challenge.awarded_at)) == (AWARDED, deadline, deadline)
    assert [(r.action, r.from_state, r.to_state) for r in audit_rows(challenge)[1:]] == [
        ("challenge.closed", "open", "closed"), ("challenge.awarded", "closed", "awarded")]
    assert sent_to(mails, "challenge_awarded") == emails(users["company_owner"], users["company_member"],
                                                         users["venture_owner"])
    db.session.commit()


# The NDA ----------------------------------------------------------------------------------------

def test_accepting_the_nda_records_who_which_version_when_and_where(make_challenge, users, clock):
    challenge = make_challenge("open")
    venture = users["venture_member"]
    acceptance = services.accept_nda(challenge, actor=venture, ip="198.51.100.7")
    assert (acceptance.user_id, acceptance.nda_version.number, acceptance.challenge_id, acceptance.ip) == (
        venture.id, 1, challenge.id, "198.51.100.7")
    assert as_utc(acceptance.accepted_at) == clock.now
    [row] = audit_rows(challenge)
    assert (row.action, row.actor_id, row.details) == (
        "challenge.nda_accepted", venture.id, {"nda_version": 1, "language": "en"})
    assert challenge.can_view_confidential(venture)
    assert not challenge.can_view_confidential(users["other_venture"])  # one person, not the whole field
    db.session.commit()


@pytest.mark.parametrize("case", ["company", "staff", "unverified_venture", "rejected_venture", "at_deadline",
                                  "twice", "draft", "pending_review", "closed", "cancelled"])
def test_accepting_the_nda_is_refused(make_challenge, make_organization, make_user, users, clock, case):
    deadline = clock.now + timedelta(days=1)
    state = case if case in {"draft", "pending_review", "closed", "cancelled"} else "open"
    challenge = make_challenge(state, deadline=deadline if state != "closed" else None)
    actor = {
        "company": users["company_member"], "staff": users["mss_staff"],
        "unverified_venture": make_user(organization=make_organization("venture", state=VerificationState.pending)),
        "rejected_venture": make_user(organization=make_organization("venture", state=VerificationState.rejected)),
    }.get(case, users["venture_owner"])
    if case == "twice":
        services.accept_nda(challenge, actor=actor, ip=None)
    if case == "at_deadline":
        clock.set(deadline)
    count = db.session.scalar(select(func.count()).select_from(NdaAcceptance))
    with pytest.raises(PermissionDenied):
        services.accept_nda(challenge, actor=actor, ip="198.51.100.7")
    assert db.session.scalar(select(func.count()).select_from(NdaAcceptance)) == count


# Clarification questions ------------------------------------------------------------------------

def test_a_question_is_private_until_answered(make_challenge, users, mails, clock):
    challenge = make_challenge("open")
    asker = users["venture_member"]
    question = services.ask_question(challenge, actor=asker, body="  Is GPU time provided?  ")
    assert (question.body, question.asked_by_id, question.is_answered) == ("Is GPU time provided?", asker.id, False)
    assert as_utc(question.asked_at) == clock.now
    assert audit_rows(challenge)[-1].details == {"question_id": question.id}
    assert sent_to(mails, "question_asked") == emails(users["company_owner"], users["company_member"])
    assert all(m.context["question"] is question for m in mails)
    for name, sees in [("venture_member", True), ("company_member", True), ("ipark_staff", True),
                       ("venture_owner", False), ("other_venture", False)]:
        assert question.can_view(users[name]) is sees, name

    services.answer_question(question, actor=users["company_member"], answer="  Yes, 1,000 GPU hours.  ")
    assert (question.answer, question.answered_by_id, as_utc(question.answered_at)) == (
        "Yes, 1,000 GPU hours.", users["company_member"].id, clock.now)
    assert question.can_view(users["other_venture"])
    db.session.commit()


@pytest.mark.parametrize("case", ["company", "staff", "unverified_venture", "at_deadline", "draft", "closed"])
def test_asking_a_question_is_refused(make_challenge, make_organization, make_user, users, clock, case):
    deadline = clock.now + timedelta(days=1)
    state = case if case in {"draft", "closed"} else "open"
    challenge = make_challenge(state, deadline=deadline if state != "closed" else None)
    actor = {"company": users["company_member"], "staff": users["ipark_staff"],
             "unverified_venture": make_user(organization=make_organization("venture",
                                                                            state=VerificationState.pending)),
             }.get(case, users["venture_owner"])
    if case == "at_deadline":
        clock.set(deadline)
    with pytest.raises(PermissionDenied):
        services.ask_question(challenge, actor=actor, body="Anything?")
    assert db.session.scalar(select(func.count()).select_from(ClarificationQuestion)) == 0
    assert outbox_count() == 0


def test_an_answer_reaches_followers_and_the_asker_without_naming_the_asker(
        make_challenge, make_organization, make_user, users, mails):
    challenge = make_challenge("open")
    asker = make_user(organization=make_organization("venture", name_latin="Seoul Binders Inc."),
                      name="Kim Minji")
    question = services.ask_question(challenge, actor=asker, body="May we use public data only?")
    accepted = users["other_venture"]
    services.accept_nda(challenge, actor=accepted, ip=None)
    start_proposal(challenge, users["venture_owner"])
    bystander = make_user("venture")
    mails.clear()

    services.answer_question(question, actor=users["company_owner"], answer="Yes, public data is fine.")

    told = emails(accepted, users["venture_owner"], users["venture_member"], asker)
    assert sent_to(mails, "question_answered") == told and len(mails) == len(told)
    assert bystander.email not in told
    rows = db.session.scalars(select(OutboxEmail).where(OutboxEmail.recipient.in_(told))).all()
    assert len(rows) == len(told)
    for row in rows:
        assert "May we use public data only?" in row.body_text and "Yes, public data is fine." in row.body_text
        greeting, text = row.body_text.split("\n", 1)  # the asker's own copy greets them by name, nothing more
        assert "Kim Minji" not in text + row.subject
        assert "Kim Minji" not in greeting or row.recipient == asker.email
        assert "Seoul Binders" not in row.body_text + row.subject


def test_a_question_is_answered_once_and_only_by_the_poster(make_challenge, users, mails):
    challenge = make_challenge("open")
    question = services.ask_question(challenge, actor=users["venture_owner"], body="Which assay?")
    for name in ("venture_owner", "other_venture", "ipark_staff", "admin"):
        with pytest.raises(PermissionDenied):
            services.answer_question(question, actor=users[name], answer="Mine.")
    assert not question.is_answered

    services.answer_question(question, actor=users["company_owner"], answer="A binding assay.")
    answered = len(mails)
    with pytest.raises(services.QuestionAlreadyAnswered):
        services.answer_question(question, actor=users["company_member"], answer="Another answer.")
    assert (question.answer, question.answered_by_id) == ("A binding assay.", users["company_owner"].id)
    assert len(mails) == answered
    assert [r.action for r in audit_rows(challenge)].count("challenge.question_answered") == 1


def test_questions_are_still_answered_after_the_deadline(make_challenge, users, clock):
    deadline = clock.now + timedelta(days=1)
    challenge = make_challenge("open", deadline=deadline)
    question = services.ask_question(challenge, actor=users["venture_owner"], body="Which assay?")
    clock.set(deadline + timedelta(days=1))
    services.close_challenge(challenge)
    services.answer_question(question, actor=users["company_owner"], answer="A binding assay.")
    assert question.is_answered


# Attachments ------------------------------------------------------------------------------------

@pytest.mark.parametrize("state", ["draft", "open"])
def test_a_pdf_is_stored_under_a_random_key(store, make_challenge, users, state):
    challenge = make_challenge(state)
    attachment = services.add_attachment(challenge, actor=users["company_member"],
                                         upload=pdf_upload(filename="../Project plan.pdf"), confidential=True)
    assert stored_keys(store) == [attachment.storage_key] and uploads.read(attachment.storage_key) == PDF
    assert (attachment.filename, attachment.size, attachment.confidential, attachment.uploaded_by_id) == (
        "Project plan.pdf", len(PDF), True, users["company_member"].id)
    assert len(attachment.sha256) == 64 and attachment.storage_key not in attachment.filename
    [row] = audit_rows(challenge)
    assert (row.action, row.details) == ("challenge.attachment_added", {
        "attachment_id": attachment.id, "filename": "Project plan.pdf", "confidential": True})
    assert challenge.attachments == [attachment]
    db.session.commit()


@pytest.mark.parametrize(("content", "filename"), [
    (b"MZ\x90\x00 not a pdf", "plan.pdf"), (b"", "plan.pdf"), (b" %PDF-1.4", "plan.pdf"), (PDF, "")])
def test_anything_but_a_pdf_is_refused_and_nothing_is_stored(store, make_challenge, users, content, filename):
    challenge = make_challenge("draft")
    with pytest.raises(uploads.InvalidUpload):
        services.add_attachment(challenge, actor=users["company_owner"], upload=pdf_upload(content, filename),
                                confidential=False)
    assert db.session.scalar(select(func.count()).select_from(ChallengeAttachment)) == 0
    assert audit_rows(challenge) == []
    assert stored_keys(store) == []


@pytest.mark.parametrize(("state", "actor"), [
    ("draft", "venture_owner"), ("draft", "other_company"), ("draft", "ipark_staff"), ("open", "venture_owner"),
    ("pending_review", "company_owner"), ("closed", "company_owner"), ("cancelled", "company_owner")])
def test_only_the_poster_manages_attachments_of_an_editable_call(store, make_challenge, people, state, actor):
    challenge = make_challenge(state)
    with pytest.raises(PermissionDenied):
        services.add_attachment(challenge, actor=people[actor], upload=pdf_upload(), confidential=False)
    assert stored_keys(store) == []
    assert audit_rows(challenge) == []


def test_removing_an_attachment(store, make_challenge, users):
    challenge = make_challenge("open")
    attachment = services.add_attachment(challenge, actor=users["company_owner"], upload=pdf_upload(),
                                         confidential=False)
    db.session.commit()
    for name in ("venture_owner", "ipark_staff"):
        with pytest.raises(PermissionDenied):
            services.remove_attachment(attachment, actor=users[name])
    assert challenge.attachments == [attachment]

    key = services.remove_attachment(attachment, actor=users["company_member"])
    assert key == attachment.storage_key
    assert challenge.attachments == []
    assert db.session.scalar(select(func.count()).select_from(ChallengeAttachment)) == 0
    row = audit_rows(challenge)[-1]
    assert (row.action, row.actor_id, row.details) == (
        "challenge.attachment_removed", users["company_member"].id,
        {"attachment_id": attachment.id, "filename": "plan.pdf"})
    db.session.commit()
    assert stored_keys(store) == [key]  # the caller discards it once committed


def test_attachments_of_a_call_past_its_deadline_are_frozen(make_challenge, users, clock):
    deadline = clock.now + timedelta(days=1)
    challenge = make_challenge("open", deadline=deadline)
    attachment = services.add_attachment(challenge, actor=users["company_owner"], upload=pdf_upload(),
                                         confidential=False)
    clock.set(deadline)
    with pytest.raises(PermissionDenied):
        services.add_attachment(challenge, actor=users["company_owner"], upload=pdf_upload(), confidential=False)
    with pytest.raises(PermissionDenied):
        services.remove_attachment(attachment, actor=users["company_owner"])


# The e-mails ------------------------------------------------------------------------------------

QUESTION = ClarificationQuestion(body="Is GPU time provided?", answer="Yes, 1,000 GPU hours.")
EMAILS = {  # template: (its own context, what the body must show)
    "challenge_submitted": ({}, []),
    "challenge_published": ({}, []),
    "challenge_matching": ({}, ["Find new binders with machine learning."]),
    "challenge_changes_requested": ({"note": "Please state the budget."}, ["Please state the budget."]),
    "challenge_updated": ({"deadline_extended": True, "nda_changed": True}, []),
    "challenge_closed": ({}, []),
    "challenge_cancelled": ({"reason": "The project was stopped."}, ["The project was stopped."]),
    "challenge_awarded": ({}, []),
    "question_asked": ({"question": QUESTION}, ["Is GPU time provided?"]),
    "question_answered": ({"question": QUESTION}, ["Is GPU time provided?", "Yes, 1,000 GPU hours."]),
}


def test_every_template_the_services_queue_is_checked_here():
    source = Path(services.__file__).read_text()
    assert set(re.findall(r'"((?:challenge|question)_[a-z_]+)", challenge', source)) == set(EMAILS)


@pytest.mark.parametrize("locale", ["en", "ja", "ko"])
@pytest.mark.parametrize("template", sorted(EMAILS))
def test_every_email_renders_in_every_language(app, make_challenge, make_user, monkeypatch, template, locale):
    monkeypatch.setattr(app.jinja_env, "undefined", StrictUndefined)  # a misspelt variable fails here
    challenge = make_challenge("open", title="Binders & beyond <2026>")
    recipient = make_user(locale=locale, name="Sato Hanako")
    context, shown = EMAILS[template]
    url = f"http://127.0.0.1:5000/challenges/{challenge.id}"
    row = queue_email(recipient, template, challenge=challenge, url=url, **context)

    assert row.locale == locale and row.subject.strip() and "\n" not in row.subject
    assert "Binders & beyond <2026>" in row.subject + row.body_text  # plain text: nothing is escaped
    assert row.body_text.startswith(translated("Hello %(name)s,", locale, name="Sato Hanako"))
    assert url in row.body_text.split()
    assert translated("Kakehashi — Japan–Korea open innovation, by iPark Institute and the Ministry of SMEs "
                      "and Startups.", locale) in row.body_text
    for text in shown:
        assert text in row.body_text
    assert "None" not in row.body_text and "\n\n\n" not in row.body_text


def test_the_matching_email_shows_programme_and_deadline(app, make_challenge, make_user):
    challenge = make_challenge("open", program=Program.joint_rnd)
    recipient = make_user(locale="en", timezone="UTC")
    row = queue_email(recipient, "challenge_matching", challenge=challenge, url="http://x.test/c")
    assert str(Program.joint_rnd.label) in row.body_text
    with force_locale("en"), force_timezone("UTC"):
        assert f"Deadline: {format_moment(challenge.deadline)}" in row.body_text
    assert challenge.organization.display_name in row.body_text


@pytest.mark.parametrize(("deadline_extended", "nda_changed"), [(False, False), (True, False), (False, True),
                                                                (True, True)])
def test_the_update_email_says_what_changed(app, make_challenge, make_user, deadline_extended, nda_changed):
    challenge = make_challenge("open")
    row = queue_email(make_user(locale="en"), "challenge_updated", challenge=challenge, url="http://x.test/c",
                      deadline_extended=deadline_extended, nda_changed=nda_changed)
    assert ("The deadline was extended to" in row.body_text) is deadline_extended
    assert ("accept the new version" in row.body_text) is nda_changed
    assert "corrected" in row.body_text


def test_a_deadline_is_shown_in_each_recipients_zone(app, make_challenge, make_user):
    """One worker renders e-mails to many people: the zone of the first must not stick to the next."""
    challenge = make_challenge("open")
    deadline = as_utc(challenge.deadline)
    for locale, zone in [("en", "UTC"), ("ko", "Asia/Seoul"), ("ja", "Asia/Tokyo")]:
        row = queue_email(make_user(locale=locale, timezone=zone), "challenge_matching", challenge=challenge,
                          url="http://x.test/c")
        with force_locale(locale), force_timezone(zone):
            assert format_moment(deadline) in row.body_text, locale
