"""Fixtures for every test: an app on a clean database, a client, a login helper, factories.

SQLite in memory by default. With TEST_DATABASE_URL (PostgreSQL), the schema is built once per
run by the real migrations, and every test ends by truncating the tables.
"""
import itertools
import os

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from sqlalchemy import event, text

from app import create_app
from app.auth.models import MemberRole, Organization, OrganizationKind, User, VerificationState
from app.auth.services.institutions import ensure_institutions, ensure_secretariat
from app.common.models import Institution
from app.common.taxonomy import Field
from app.common.time import utcnow
from app.extensions import db, limiter
from config import TestConfig

PASSWORD = "correct horse battery"
# Same algorithm (argon2id) with the small costs of TestConfig: argon2 is slow on purpose.
_PASSWORD_HASH = PasswordHasher(**TestConfig.ARGON2_PARAMETERS).hash(PASSWORD)
_serial = itertools.count(1)
_schema_ready = False


def _prepare_postgresql_schema(app) -> None:
    """Drop everything, then build the schema the way production does: with the migrations."""
    global _schema_ready
    if _schema_ready:
        return
    from flask_migrate import upgrade

    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(revision="heads")  # several branches may be open while work is in progress
    _schema_ready = True


def _truncate_postgresql() -> None:
    tables = ", ".join(table.name for table in db.metadata.sorted_tables)
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def is_postgresql(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


class RequestIsolatingClient(FlaskClient):
    """Each request gets its own app context, as in production: its own `g` (Flask-Login caches
    the user there) and its own database session. The test's session is expired afterwards so
    it reads what the request wrote."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


def build_app(**overrides):
    app = create_app("testing", **overrides)
    app.test_client_class = RequestIsolatingClient
    ctx = app.app_context()
    ctx.push()
    if is_postgresql(app):
        _prepare_postgresql_schema(app)
    else:
        db.create_all()
    ensure_institutions()
    db.session.commit()
    limiter.reset()
    return app, ctx


def teardown_app(app, ctx) -> None:
    db.session.rollback()
    if is_postgresql(app):
        _truncate_postgresql()
    else:
        db.session.remove()
        db.drop_all()
    db.engine.dispose()
    ctx.pop()


@pytest.fixture
def app(tmp_path):
    app, ctx = build_app(MAIL_FILE_DIR=str(tmp_path / "mail"), UPLOAD_DIR=str(tmp_path / "uploads"))
    yield app
    teardown_app(app, ctx)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_organization(app):
    def make(kind="venture", *, state=VerificationState.verified, country=None, fields=(), **attributes):
        kind = OrganizationKind(kind)
        n = next(_serial)
        organization = Organization(
            kind=kind, country=country or ("KR" if kind == OrganizationKind.venture else "JP"),
            name_latin=attributes.pop("name_latin", f"{kind.value.title()} {n}"),
            verification_state=state, verified_at=utcnow() if state == VerificationState.verified else None,
            **attributes)
        organization.fields = [Field(f) for f in fields]
        db.session.add(organization)
        db.session.flush()
        return organization

    return make


@pytest.fixture
def make_user(app, make_organization):
    """make_user("venture"), make_user("company", role="member"), make_user(institution="ipark"),
    make_user(admin=True); or make_user(organization=org) to join an existing one."""

    def make(kind="venture", *, role="owner", institution=None, admin=False, organization=None,
             email=None, verified=True, locale="en", active=True, **attributes):
        if organization is None:
            if institution is not None:
                organization = ensure_institutions()[Institution(institution)]
            elif admin:
                organization = ensure_secretariat()
            else:
                organization = make_organization(kind)
        n = next(_serial)
        user = User(
            email=(email or f"user{n}@example.test").lower(), name=attributes.pop("name", f"User {n}"),
            password_hash=_PASSWORD_HASH, organization=organization, role=MemberRole(role), is_admin=admin,
            locale=locale, email_verified_at=utcnow() if verified else None, active=active, **attributes)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def users(make_user, make_organization):
    """One person of each kind the permission matrices talk about."""
    venture = make_organization("venture")
    company = make_organization("company")
    return {
        "anonymous": None,
        "venture_owner": make_user(organization=venture, role="owner"),
        "venture_member": make_user(organization=venture, role="member"),
        "other_venture": make_user("venture"),
        "company_owner": make_user(organization=company, role="owner"),
        "company_member": make_user(organization=company, role="member"),
        "ipark_staff": make_user(institution="ipark", role="member"),
        "ipark_staff2": make_user(institution="ipark", role="member"),
        "mss_staff": make_user(institution="mss", role="member"),
        "admin": make_user(admin=True),
    }


@pytest.fixture
def anonymous(app):
    from app.auth.models import AnonymousUser

    return AnonymousUser()


def who(users, anonymous, name):
    return anonymous if name == "anonymous" else users[name]


@pytest.fixture
def login(client):
    """login(user) signs the test client in through the real form."""

    def sign_in(user, password=PASSWORD, follow=False):
        response = client.post("/auth/login", data={"email": user.email, "password": password},
                               follow_redirects=follow)
        return response

    return sign_in


@pytest.fixture
def count_queries(app):
    """with count_queries() as queries: ...; len(queries) — SQL statements sent to the database."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements = []

        def before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


def pytest_collection_modifyitems(config, items):
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        return
    for item in items:
        if "postgresql_only" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set TEST_DATABASE_URL): "
                                                    "row locks do not exist on SQLite"))


@pytest.fixture
def make_challenge(app, users):
    """make_challenge(state="open"): a challenge by users["company_owner"]'s company, with the
    timestamps its state implies, NDA version 1, and its search terms. `poster=` another user;
    `deadline=` a UTC datetime (default: 30 days ahead; in the past for closed/awarded)."""
    from datetime import timedelta

    from app.challenges import search
    from app.challenges.models import Challenge, ChallengeState, NdaVersion, Program

    def make(state="open", *, program=Program.open_innovation, poster=None, deadline=None,
             fields=("ai_drug_discovery",), confidential="Confidential: the target is KRAS G12D.", **attributes):
        state = ChallengeState(state)
        poster = poster or users["company_owner"]
        now = utcnow()
        past = state in {ChallengeState.closed, ChallengeState.awarded}
        n = next(_serial)
        challenge = Challenge(
            program=Program(program), state=state, organization_id=poster.organization_id, created_by_id=poster.id,
            title=attributes.pop("title", f"Challenge {n}"),
            summary=attributes.pop("summary", "Find new binders with machine learning."),
            description=attributes.pop("description", "We look for a partner in **AI drug discovery**."),
            confidential=confidential, language=attributes.pop("language", "en"),
            deadline=deadline or (now + (timedelta(days=-1) if past else timedelta(days=30))),
            submitted_at=None if state == ChallengeState.draft else now - timedelta(days=3),
            published_at=now - timedelta(days=2) if state in {ChallengeState.open, ChallengeState.closed,
                                                              ChallengeState.awarded} else None,
            closed_at=now if past else None,
            awarded_at=now if state == ChallengeState.awarded else None,
            cancelled_at=now if state == ChallengeState.cancelled else None,
            **attributes)
        challenge.fields = fields
        challenge.nda_versions = [NdaVersion(number=1, body="Keep it secret.")]
        db.session.add(challenge)
        db.session.flush()
        search.index_challenge(challenge)
        db.session.commit()
        return challenge

    return make


@pytest.fixture
def make_proposal(app, users, make_challenge):
    """make_proposal(state="submitted"): a proposal by users["venture_owner"]'s venture to a new open
    challenge (or `challenge=`), with the timestamps its state implies. `creator=` another venture
    user; other keyword arguments set columns."""
    from app.proposals.models import Proposal, ProposalState

    def make(state="submitted", *, challenge=None, creator=None, **attributes):
        state = ProposalState(state)
        challenge = challenge or make_challenge("open")
        creator = creator or users["venture_owner"]
        now = utcnow()
        was_submitted = state not in {ProposalState.draft, ProposalState.withdrawn}
        proposal = Proposal(
            challenge=challenge, organization_id=creator.organization_id, created_by_id=creator.id, state=state,
            title=attributes.pop("title", f"Proposal {next(_serial)}"),
            summary=attributes.pop("summary", "We screen binders with graph neural networks."),
            approach=attributes.pop("approach", "An *active learning* loop over a 10^9 library."),
            team=attributes.pop("team", "Two chemists, three ML engineers."),
            submitted_at=attributes.pop("submitted_at", now if was_submitted else None),
            shortlisted_at=now if state in {ProposalState.shortlisted, ProposalState.selected} else None,
            decided_at=now if state in {ProposalState.selected, ProposalState.declined} else None,
            withdrawn_at=now if state == ProposalState.withdrawn else None,
            **attributes)
        db.session.add(proposal)
        db.session.commit()
        return proposal

    return make


class RaceResult:
    """What one contender of a race ended with: outcome "ok", "refused" (a DomainError, its class in
    `refusal`), or "error" with the exception in `error`; `value` is what the callable returned."""

    def __init__(self, outcome, value=None, refusal=None, error=None):
        self.outcome, self.value, self.refusal, self.error = outcome, value, refusal, error

    def __repr__(self):
        return f"RaceResult({self.outcome!r}, refusal={self.refusal!r}, error={self.error!r})"


@pytest.fixture
def race(app):
    """race(call, call, …, hold=0.3): run the callables at the same moment, each on its own thread,
    in its own app context and database session (its own connection), then commit each one.

    The callables take no arguments and load what they change by id (an object of the test's session
    must not cross threads). All start together at a barrier; each keeps its transaction open for
    `hold` seconds after its call before committing, so that without a row lock every contender
    reads the state from before the others' changes. Returns a RaceResult per callable, in order;
    the test's session is expired, so it reads what the contenders committed."""
    import threading
    import time

    from app.common.errors import DomainError

    def run(*calls, hold=0.3):
        barrier = threading.Barrier(len(calls))
        results = [None] * len(calls)

        def contend(index, call):
            with app.app_context():
                try:
                    barrier.wait(timeout=10)
                    value = call()
                    db.session.flush()
                    time.sleep(hold)
                    db.session.commit()
                    results[index] = RaceResult("ok", value)
                except DomainError as refusal:
                    db.session.rollback()
                    results[index] = RaceResult("refused", refusal=type(refusal).__name__)
                except Exception as error:  # an IntegrityError or a deadlock: what locking prevents
                    db.session.rollback()
                    results[index] = RaceResult("error", error=error)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=contend, args=(index, call)) for index, call in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        db.session.expire_all()
        return results

    return run
