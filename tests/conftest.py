"""Fixtures for every test: the app on its database, a client, a login helper, factories.

One app and one schema per run (per pytest-xdist worker), and each test inside a transaction rolled
back at its end (docs/performance.md, "The test suite"):

- The schema is built once: SQLite in memory by default (create_all); with TEST_DATABASE_URL, in
  the PostgreSQL database it names (``<name>_gw0``, ``<name>_gw1``… for xdist's workers, created if
  missing) by the real migrations. Between two tests it holds the two institutions and nothing else.
- ``app`` runs the test on one connection, in a transaction rolled back at the end. Every session of
  the test (its own, each request's, a CLI command's) is bound to that connection and starts with a
  SAVEPOINT (join_transaction_mode="create_savepoint"), so a commit only releases a savepoint.
- A test that needs real commits on several connections (threads, a second worker) is marked
  ``@pytest.mark.commits`` (the ``race`` fixture implies it): it commits for real and the tables are
  emptied after it. ``build_app(**config)`` makes an app of its own that commits the same way.
- Data that consecutive tests of a module only read (``users``, ``demo``: see SHARED) is built once,
  inside the transaction; each test then runs in a savepoint of its own, rolled back at its end, so
  every test sees that data as it was built.
- Each test has its own app context (so its own ``g``), MAIL_FILE_DIR and UPLOAD_DIR under its
  tmp_path, a reset rate limiter, and app.config restored after it. A test that changes the app
  itself (adds a route) is marked ``@pytest.mark.fresh_app``: it gets an app of its own, bound to the
  same connection.
"""
import copy
import itertools
import os
import re
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from inspect import signature
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import current_app
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session
from sqlalchemy import create_engine, event, inspect, select, text
from sqlalchemy.engine import Connection, Transaction, make_url
from sqlalchemy.orm import InstanceState
from sqlalchemy.pool import NullPool

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


def is_postgresql(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


# The worker's database ------------------------------------------------------------------------------

def worker_database_url(url: str) -> str:
    """Under pytest-xdist each worker has a PostgreSQL database of its own: test -> test_gw0."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url.startswith("postgresql") or not worker:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


def pytest_configure(config):
    if url := os.environ.get("TEST_DATABASE_URL"):
        # Every create_app("testing") of this process, the tests' own included, uses the worker's database.
        os.environ["TEST_DATABASE_URL"] = TestConfig.SQLALCHEMY_DATABASE_URI = worker_database_url(url)


def create_database_if_missing(url: str) -> None:
    parsed = make_url(url)
    engine = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            if connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": parsed.database}) is None:
                connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        engine.dispose()


def _prepare_postgresql_schema(app) -> None:
    """Drop everything, then build the schema the way production does: with the migrations."""
    global _schema_ready
    if _schema_ready:
        return
    from flask_migrate import upgrade

    create_database_if_missing(app.config["SQLALCHEMY_DATABASE_URI"])
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(revision="heads")  # several branches may be open while work is in progress
    _schema_ready = True


def _begin_explicitly(engine) -> None:
    """SQLAlchemy's recipe for SAVEPOINT on pysqlite: the driver's own transaction handling off, a
    BEGIN of ours where SQLAlchemy begins. Without it pysqlite begins no transaction before a
    SAVEPOINT, and releasing the first savepoint would commit. Tests only (production keeps pysqlite's
    behaviour): count_queries leaves these BEGINs out."""
    @event.listens_for(engine, "connect")
    def connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def begin(connection):
        connection.exec_driver_sql("BEGIN")


def empty_tables() -> None:
    """After real commits: every table emptied and the institutions back, as between any two tests."""
    db.session.remove()
    with db.engine.begin() as connection:
        names = [connection.dialect.identifier_preparer.format_table(table) for table in db.metadata.sorted_tables]
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        else:  # SQLite cannot truncate, and its append-only triggers refuse a DELETE: set them aside meanwhile
            triggers = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
            for trigger in triggers:
                connection.execute(text(f'DROP TRIGGER "{trigger.name}"'))
            for name in reversed(names):
                connection.execute(text(f"DELETE FROM {name}"))
            if inspect(connection).has_table("sqlite_sequence"):
                connection.execute(text("DELETE FROM sqlite_sequence"))
            for trigger in triggers:
                connection.exec_driver_sql(trigger.sql)
    ensure_institutions()
    db.session.commit()
    db.session.remove()


# Sessions bound to the test's connection -----------------------------------------------------------

_bound: dict = {}  # app -> the connection every session of that app uses during the test
_test_savepoints: set[str] = set()  # savepoints that exist only because a session joined the test


class BoundSession(Session):
    """Flask-SQLAlchemy's session (which picks an engine per table's bind key), except that while its
    app runs a test every session of that app uses the test's connection."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and _bound:
            connection = _bound.get(current_app._get_current_object())
            if connection is not None:
                return connection
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


# The session factory, not a session: each request and app context makes its own session.
db.session.session_factory.class_ = BoundSession
db.session.session_factory.configure(join_transaction_mode="create_savepoint")


@event.listens_for(BoundSession, "after_begin")
def _remember_the_joining_savepoint(session, transaction, connection):
    if transaction.parent is None and connection.in_nested_transaction() and connection in _bound.values():
        _test_savepoints.add(connection.get_nested_transaction()._savepoint)


_SAVEPOINT_STATEMENT = re.compile(r"(?:SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT) (\w+)")


def only_for_the_test(statement: str) -> bool:
    """A statement that production would not send: the BEGIN of the SQLite recipe (drivers begin
    silently), or a session's own savepoint on the test's connection (in production, its transaction)."""
    if statement == "BEGIN":
        return True
    match = _SAVEPOINT_STATEMENT.fullmatch(statement)
    return match is not None and match.group(1) in _test_savepoints


# Data built once for consecutive tests ---------------------------------------------------------------

@dataclass
class Shared:
    name: str
    module: str | None  # None: for every module (defined here)
    builder: Callable
    needs: tuple[str, ...]


SHARED: dict[tuple[str | None, str], Shared] = {}
FACTORIES = ("make_organization", "make_user", "make_challenge", "make_proposal", "anonymous")


def shared_fixture(builder):
    """A fixture whose data its tests only read (people, a role x state matrix, the demo): built once,
    inside the transaction, for the consecutive tests of a module that use it; each of them runs in a
    savepoint of its own and gets the same rows again, loaded in its own session.

    The builder takes what it needs by name, as a fixture would: make_organization, make_user,
    make_challenge, make_proposal, anonymous, and shared fixtures defined before it. It returns rows,
    or dicts, lists and tuples of them (other values are kept as they are)."""
    module = None if builder.__module__ == __name__ else builder.__module__
    needs = tuple(signature(builder).parameters)
    for need in needs:
        if need not in FACTORIES and _find_shared(module, need) is None:
            raise TypeError(f"shared fixture {builder.__name__}: {need!r} is neither a factory "
                            f"({', '.join(FACTORIES)}) nor a shared fixture defined before it")
    SHARED[(module, builder.__name__)] = Shared(builder.__name__, module, builder, needs)

    @pytest.fixture(name=builder.__name__)
    def fixture(app, request):
        test = _database.current if _database is not None else None
        key = (module, builder.__name__)
        if test is not None and key in test.payloads:
            return _reload(test.payloads[key])
        return _build_shared(request.module.__name__, builder.__name__, {})  # a test that commits: built for it

    fixture.__doc__ = builder.__doc__
    return fixture


def _find_shared(module: str | None, name: str) -> Shared | None:
    return SHARED.get((module, name)) or SHARED.get((None, name))


def _shared_closure(module: str, names) -> list[Shared]:
    """The shared fixtures these names ask for, with what they need, in an order that builds each after its needs."""
    found: list[Shared] = []

    def add(name):
        shared = _find_shared(module, name)
        if shared is None or shared in found:
            return
        for need in shared.needs:
            add({"make_challenge": "users", "make_proposal": "users"}.get(need, need))
        found.append(shared)

    for name in names:
        add(name)
    return found


def _build_shared(module: str, name: str, built: dict):
    """Build one shared fixture (and what it needs, unless already in `built`), in the current session."""
    shared = _find_shared(module, name)
    key = (shared.module, shared.name)
    if key not in built:
        built[key] = shared.builder(**{need: _factory(module, need, built) for need in shared.needs})
    return built[key]


def _factory(module: str, need: str, built: dict):
    if need == "make_organization":
        return new_organization
    if need == "make_user":
        return new_user
    if need == "make_challenge":
        return challenge_factory(_build_shared(module, "users", built))
    if need == "make_proposal":
        people = _build_shared(module, "users", built)
        return proposal_factory(people, challenge_factory(people))
    if need == "anonymous":
        from app.auth.models import AnonymousUser

        return AnonymousUser()
    return _build_shared(module, need, built)


@dataclass(frozen=True)
class _Row:
    model: type
    identity: tuple


def _detach(value):
    """Rows become their identities: what a later test's session loads again."""
    if isinstance(value, dict):
        return {key: _detach(item) for key, item in value.items()}
    if type(value) in (list, tuple):
        return type(value)(_detach(item) for item in value)
    state = inspect(value, raiseerr=False)
    if isinstance(state, InstanceState):
        return _Row(state.mapper.class_, state.identity)
    return value


def _reload(value):
    """The rows again, in the test's session: one query per model (eager relationships batched too)."""
    wanted: dict[type, set] = {}

    def collect(item):
        if isinstance(item, dict):
            item = item.values()
        if type(item) in (list, tuple) or isinstance(item, type({}.values())):
            for each in item:
                collect(each)
        elif isinstance(item, _Row):
            wanted.setdefault(item.model, set()).add(item.identity)

    collect(value)
    loaded = {}
    for model, identities in wanted.items():
        (key,) = inspect(model).primary_key
        for row in db.session.scalars(select(model).where(key.in_([identity[0] for identity in identities]))):
            loaded[(model, (getattr(row, key.key),))] = row

    def rebuild(item):
        if isinstance(item, dict):
            return {key: rebuild(each) for key, each in item.items()}
        if type(item) in (list, tuple):
            return type(item)(rebuild(each) for each in item)
        if isinstance(item, _Row):
            assert (item.model, item.identity) in loaded, f"shared row {item} is gone"
            return loaded[(item.model, item.identity)]
        return item

    return rebuild(value)


@dataclass
class TestTransaction:
    connection: Connection
    transaction: Transaction
    owns_connection: bool
    payloads: dict = field(default_factory=dict)
    uploads: Path | None = None


class Database:
    """The worker's schema, and the connection that the shared data of the current tests lives on."""

    def __init__(self, app, folder: Path):
        self.app, self.folder = app, folder
        self.key = None
        self.connection: Connection | None = None
        self.transaction: Transaction | None = None
        self.payloads: dict = {}
        self.uploads: Path | None = None
        self.current: TestTransaction | None = None
        self._builds = itertools.count(1)

    def begin(self, request) -> TestTransaction:
        module = request.module.__name__
        wanted = _shared_closure(module, request.fixturenames)
        key = (module, frozenset((shared.module, shared.name) for shared in wanted)) if wanted else None
        if key != self.key:
            self.release()
            if key is not None:
                self._build(key, module, wanted)
        if self.connection is not None:
            test = TestTransaction(self.connection, self.connection.begin_nested(), False, self.payloads,
                                   self.uploads)
        else:
            with self.app.app_context():
                connection = db.engine.connect()
            test = TestTransaction(connection, connection.begin(), True)
        self.current = test
        return test

    def end(self, test: TestTransaction) -> None:
        self.current = None
        if test.owns_connection:
            try:
                _still_in_transaction(test.connection)
            finally:
                test.transaction.rollback()
                test.connection.close()
                _test_savepoints.clear()
        elif test.transaction.is_active:
            test.transaction.rollback()

    def _build(self, key, module: str, wanted: list[Shared]) -> None:
        with self.app.app_context():
            self.connection = db.engine.connect()
        self.transaction = self.connection.begin()
        self.key = key
        self.uploads = self.folder / f"shared-{next(self._builds)}"
        saved = dict(self.app.config)
        self.app.config.update(UPLOAD_DIR=str(self.uploads / "uploads"), MAIL_FILE_DIR=str(self.uploads / "mail"))
        _bound[self.app] = self.connection
        try:
            with self.app.app_context():
                built = {}
                for shared in wanted:
                    _build_shared(module, shared.name, built)
                db.session.commit()
                self.payloads = {built_key: _detach(value) for built_key, value in built.items()}
        except BaseException:
            del _bound[self.app]
            self.release()
            raise
        else:
            del _bound[self.app]
        finally:
            self.app.config.clear()
            self.app.config.update(saved)

    def release(self) -> None:
        """Roll back the shared data: before tests that do not read it, and before real commits."""
        if self.connection is None:
            return
        connection, self.connection, self.key, self.payloads = self.connection, None, None, {}
        try:
            _still_in_transaction(connection)
        finally:
            self.transaction.rollback()
            connection.close()
            _test_savepoints.clear()


def _still_in_transaction(connection: Connection) -> None:
    """On SQLite every connection of the pool is the one in-memory database: a test that closed a
    connection of its own (pool reset: ROLLBACK) would have ended the test's transaction under it."""
    dbapi_connection = connection.connection.dbapi_connection
    if getattr(dbapi_connection, "in_transaction", True) is False:
        pytest.fail("the test's transaction ended under it (a second connection to the in-memory "
                    "database?): what it wrote after that may stay for the next tests")


_database: Database | None = None


def release_shared_data() -> None:
    """Before a test commits on connections of its own (PostgreSQL would make it wait for our locks)."""
    if _database is not None:
        _database.release()


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """The app and schema of this run (this worker): built once."""
    global _database
    folder = tmp_path_factory.mktemp("app")
    app = create_app("testing", MAIL_FILE_DIR=str(folder / "mail"), UPLOAD_DIR=str(folder / "uploads"))
    app.test_client_class = RequestIsolatingClient
    with app.app_context():
        if is_postgresql(app):
            _prepare_postgresql_schema(app)
        else:
            _begin_explicitly(db.engine)
            db.create_all()
        ensure_institutions()
        db.session.commit()
    _database = Database(app, folder)
    yield _database
    _database.release()
    _database = None
    with app.app_context():
        db.engine.dispose()


class RequestIsolatingClient(FlaskClient):
    """Each request gets its own app context, as in production: its own `g` (Flask-Login caches
    the user there) and its own database session. The test's session is expired afterwards so
    it reads what the request wrote."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


def snapshot_config(config) -> dict:
    try:
        return copy.deepcopy(dict(config))
    except Exception:  # noqa: BLE001  (a value that cannot be copied is restored as it was)
        return dict(config)


def _commits(request) -> bool:
    return request.node.get_closest_marker("commits") is not None or "race" in request.fixturenames


@pytest.fixture
def app(request, database, tmp_path):
    """The app, in an app context of the test's own, on a transaction rolled back at the end (or, for
    a test marked `commits`, committing for real, and the tables emptied afterwards)."""
    commits = _commits(request)
    fresh = request.node.get_closest_marker("fresh_app") is not None
    if commits and fresh:
        raise pytest.UsageError("a fresh_app test runs in the test's transaction: it cannot be marked commits")
    if fresh:
        app = create_app("testing")
        app.test_client_class = RequestIsolatingClient
    else:
        app = database.app
    saved = snapshot_config(app.config)
    saved_store = app.extensions["kakehashi.uploads"]  # a test may put another store in place (s3_storage)
    app.config.update(MAIL_FILE_DIR=str(tmp_path / "mail"), UPLOAD_DIR=str(tmp_path / "uploads"))
    limiter.reset()
    if commits:
        database.release()
        test = None
    else:
        test = database.begin(request)
        if test.uploads is not None and (test.uploads / "uploads").exists():
            shutil.copytree(test.uploads / "uploads", tmp_path / "uploads", dirs_exist_ok=True)
        _bound[app] = test.connection
    ctx = app.app_context()
    ctx.push()
    try:
        yield app
    finally:
        try:
            ctx.pop()
        finally:
            if commits:
                with app.app_context():
                    empty_tables()
            else:
                del _bound[app]
                database.end(test)
            app.config.clear()
            app.config.update(saved)
            app.extensions["kakehashi.uploads"] = saved_store


def build_app(**overrides):
    """An app of its own, for configuration the shared app does not take at run time (a mail server,
    another database, CSRF on): it commits for real, and teardown_app empties its tables (or drops
    its in-memory database). Returns the app and its pushed app context."""
    release_shared_data()
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
        empty_tables()
    else:
        db.session.remove()
        db.drop_all()
    db.engine.dispose()
    ctx.pop()


@pytest.fixture
def client(app):
    return app.test_client()


def new_organization(kind="venture", *, state=VerificationState.verified, country=None, fields=(), **attributes):
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


def new_user(kind="venture", *, role="owner", institution=None, admin=False, organization=None,
             email=None, verified=True, locale="en", active=True, **attributes):
    if organization is None:
        if institution is not None:
            organization = ensure_institutions()[Institution(institution)]
        elif admin:
            organization = ensure_secretariat()
        else:
            organization = new_organization(kind)
    n = next(_serial)
    user = User(
        email=(email or f"user{n}@example.test").lower(), name=attributes.pop("name", f"User {n}"),
        password_hash=_PASSWORD_HASH, organization=organization, role=MemberRole(role), is_admin=admin,
        locale=locale, email_verified_at=utcnow() if verified else None, active=active, **attributes)
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def make_organization(app):
    """make_organization("company", state=VerificationState.pending, fields=[...], **columns)."""
    return new_organization


@pytest.fixture
def make_user(app, make_organization):
    """make_user("venture"), make_user("company", role="member"), make_user(institution="ipark"),
    make_user(admin=True); or make_user(organization=org) to join an existing one."""
    return new_user


@shared_fixture
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


@shared_fixture
def demo():
    """The demo data (app.demo.seed)."""
    from app.demo import seed

    seed()
    db.session.commit()
    return True


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
    """with count_queries() as queries: ...; len(queries) — SQL statements sent to the database, as
    production would send them (without the test transaction's own BEGIN and savepoints)."""

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
            statements[:] = [statement for statement in statements if not only_for_the_test(statement)]

    return counting


@pytest.fixture
def record_plans(app):
    """with record_plans() as plans: client.get(…) — then plans.rows_read("proposals"),
    plans.assert_reads_at_most(…), plans.assert_no_seq_scan(…), print(plans.summary()). PostgreSQL
    only: records the statements the block sends (as count_queries does, with their parameters), then
    runs EXPLAIN (ANALYZE, FORMAT JSON) on each SELECT in the test's transaction (tests/plans.py)."""
    from tests.plans import Plans

    if not is_postgresql(app):
        raise pytest.UsageError("record_plans reads PostgreSQL's plans: mark the test postgresql_only")

    @contextmanager
    def recording():
        sent = []

        def before(conn, cursor, statement, parameters, context, executemany):
            sent.append((statement, parameters))

        plans = Plans([])
        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield plans
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        plans.statements[:] = [(statement, parameters) for statement, parameters in sent
                               if not only_for_the_test(statement)]
        plans.explain(_bound[app])

    return recording


@pytest.fixture
def fake_stripe(app):
    """The Stripe path with no network: the app's gateway is the real adapter and library over
    tests/fakes/stripe_api.py; the fixture is the fake (its requests, its objects, its events)."""
    from app.funding import payments
    from tests.fakes.stripe_api import FakeStripe, stripe_gateway

    fake = FakeStripe()
    payments.use_gateway(app, stripe_gateway(fake))
    yield fake
    payments.use_gateway(app, None)


@pytest.fixture
def fake_deepl(app):
    """A fake DeepL API on 127.0.0.1 (tests/fakes/deepl_server.py), and the app set to use it through
    the library's server URL: machine drafts are available, and nothing goes to the network."""
    from app.common import machine_translation
    from tests.fakes.deepl_server import FakeDeepL

    server = FakeDeepL().start()
    app.config.update(DEEPL_AUTH_KEY=server.auth_key, DEEPL_SERVER_URL=server.url, DEEPL_TIMEOUT=2,
                      DEEPL_MAX_RETRIES=0)
    machine_translation.forget_glossaries()
    try:
        yield server
    finally:
        server.stop()
        machine_translation.forget_glossaries()


# Uploads on both stores ---------------------------------------------------------------------------

S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                  "AWS_SESSION_TOKEN": "", "AWS_DEFAULT_REGION": "us-east-1"}


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def moto_s3():
    """moto's S3 in server mode on a free port of 127.0.0.1, started once per run (per xdist worker):
    the app talks to it over HTTP with boto3, as to any S3-compatible store. Yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in S3_CREDENTIALS.items():  # boto3's usual chain finds them, as in production
            patch.setenv(name, value)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.stop()


@pytest.fixture(scope="session")
def s3_client(moto_s3):
    """One boto3 client for the run, made as the app makes its own (slow to make, thread-safe)."""
    from app.common.uploads import S3Storage

    config = dict(S3_BUCKET="unused", S3_ENDPOINT_URL=moto_s3, S3_REGION="us-east-1", S3_TIMEOUT=5,
                  S3_ADDRESSING_STYLE="path")
    return S3Storage.from_config(config).client


@pytest.fixture
def s3_storage(app, s3_client):
    """The app's uploads go to a bucket of this test's own on moto's S3 for the test."""
    from app.common import uploads

    bucket = f"kakehashi-test-{os.environ.get('PYTEST_XDIST_WORKER', 'gw')}-{next(_serial)}"
    s3_client.create_bucket(Bucket=bucket)
    chosen = uploads.S3Storage(s3_client, bucket)
    previous = uploads.use_storage(app, chosen)
    try:
        yield chosen
    finally:
        uploads.use_storage(app, previous)


@pytest.fixture(params=["disk", "s3"])
def store(request, app):
    """The tests that take it run twice: with uploads on the local disk, then on moto's S3."""
    from app.common import uploads

    if request.param == "s3":
        return request.getfixturevalue("s3_storage")
    return uploads.storage()


def stored_keys(store) -> list[str]:
    """Every key in the store, sorted: what a test expects to find there, and nothing else."""
    from app.common.uploads import DiskStorage

    if isinstance(store, DiskStorage):
        folder = Path(current_app.config["UPLOAD_DIR"])
        return sorted(path.name for path in folder.iterdir()) if folder.exists() else []
    listed = store.client.list_objects_v2(Bucket=store.bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


@pytest.hookimpl(trylast=True)  # after tests/e2e/conftest.py has marked its tests
def pytest_collection_modifyitems(config, items):
    # The long modules first, so that parallel workers (make test: --dist loadfile) end together.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
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
    return challenge_factory(users)


def challenge_factory(users):
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
        challenge.nda_versions = [NdaVersion(number=1, language=challenge.language, body="Keep it secret.")]
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
    return proposal_factory(users, make_challenge)


def proposal_factory(users, make_challenge):
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
