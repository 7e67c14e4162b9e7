"""Every migration can be undone: upgrade one revision at a time, downgrade one at a time back to an
empty database — each step back restores exactly the schema the previous revision built — then upgrade
again, and the schema is the one the models describe (what `make check-migrations` asks of `flask db
check`). On SQLite in a temporary file; on PostgreSQL in a database of the test's own, one per xdist
worker, created and dropped here."""
import os

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app import create_app
from app.extensions import db

ON_POSTGRESQL = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                   reason="needs PostgreSQL (set TEST_DATABASE_URL)")


def own_postgresql_database(url: str) -> str:
    """The run's database name plus the worker's and "_migrations": parallel runs never share it."""
    parsed = make_url(url)
    name = parsed.database
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and not name.endswith(f"_{worker}"):
        name = f"{name}_{worker}"
    return parsed.set(database=f"{name}_migrations").render_as_string(hide_password=False)


@pytest.fixture
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    url = own_postgresql_database(os.environ["TEST_DATABASE_URL"])
    name = make_url(url).database
    server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))  # left by an interrupted run
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _words(sql) -> str:
    return " ".join(str(sql).split())


def schema_of(engine) -> dict:
    """Tables with their columns, keys, indexes (partial ones with their condition) and checks; on
    PostgreSQL also the functions and triggers the migrations create. One query per aspect for all tables."""
    inspector = inspect(engine)
    aspects = {
        "columns": (inspector.get_multi_columns(), lambda column: (
            column["name"], str(column["type"]), column["nullable"], _words(column["default"]))),
        "primary key": (inspector.get_multi_pk_constraint(), lambda key: key["constrained_columns"]),
        "foreign keys": (inspector.get_multi_foreign_keys(), lambda key: (
            key["name"], key["constrained_columns"], key["referred_table"], key["referred_columns"])),
        "indexes": (inspector.get_multi_indexes(), lambda index: (
            index["name"], index["column_names"], index["unique"],
            sorted((option, _words(value)) for option, value in index["dialect_options"].items()))),
        "unique": (inspector.get_multi_unique_constraints(), lambda unique: (unique["name"], unique["column_names"])),
        "checks": (inspector.get_multi_check_constraints(), lambda check: (check["name"], _words(check["sqltext"]))),
    }
    schema = {}
    for aspect, (per_table, describe) in aspects.items():
        for (_, table), found in per_table.items():
            if table != "alembic_version":
                found = found if isinstance(found, list) else [found]  # a table has one primary key
                schema.setdefault(table, {})[aspect] = sorted(map(describe, found), key=repr)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            schema["(not a table)"] = {"functions and triggers": sorted(connection.execute(text(
                "SELECT routine_name FROM information_schema.routines WHERE routine_schema = 'public' "
                "UNION ALL SELECT trigger_name || ' ON ' || event_object_table FROM information_schema.triggers"
            )).scalars())}
    return schema


def differences(expected: dict, found: dict) -> dict:
    """Per table and aspect, what is missing and what is extra; {} when the two schemas agree."""
    changed = {}
    for table in expected.keys() | found.keys():
        if table not in expected or table not in found:
            changed[table] = "missing" if table in expected else "extra"
            continue
        for aspect, items in expected[table].items():
            if items != found[table][aspect]:
                changed.setdefault(table, {})[aspect] = {
                    "missing": [item for item in items if item not in found[table][aspect]],
                    "extra": [item for item in found[table][aspect] if item not in items]}
    return changed


@pytest.mark.parametrize("empty_database", ["sqlite", pytest.param("postgresql", marks=ON_POSTGRESQL)], indirect=True)
def test_every_downgrade_restores_the_previous_revision_and_upgrading_again_matches_the_models(empty_database):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database, SQLALCHEMY_ENGINE_OPTIONS={})
    with app.app_context():
        try:
            config = current_app.extensions["migrate"].migrate.get_config()
            oldest_first = [script.revision for script in reversed(list(
                ScriptDirectory.from_config(config).walk_revisions()))]
            built = {"base": schema_of(db.engine)}
            for revision in oldest_first:
                upgrade(revision=revision)
                built[revision] = schema_of(db.engine)
            for previous in reversed(["base", *oldest_first[:-1]]):
                downgrade(revision=previous)
                assert differences(built[previous], schema_of(db.engine)) == {}, f"downgrade to {previous}"
            assert inspect(db.engine).get_table_names() == ["alembic_version"]  # nothing left behind
            upgrade()
            command.check(config)  # raises AutogenerateDiffsDetected, naming each difference
        finally:
            db.session.remove()
            db.engine.dispose()


CONFLICTS_ON_PROPOSALS = [  # at b9c1conflict01: a venture's proposals to two calls of a company
    "INSERT INTO organizations (id, kind, country, name_latin, verification_state, created_at)"
    " VALUES (101, 'venture', 'KR', 'Venture', 'pending', :now), (102, 'company', 'JP', 'Company', 'pending', :now)",
    "INSERT INTO users (id, email, name, password_hash, organization_id, role, is_admin, active, timezone,"
    " password_changed_at, created_at) VALUES"
    " (101, 'founder@example.test', 'Founder', '-', 101, 'owner', :no, :yes, 'UTC', :now, :now),"
    " (102, 'first@example.test', 'First reviewer', '-', 102, 'member', :no, :yes, 'UTC', :now, :now),"
    " (103, 'second@example.test', 'Second reviewer', '-', 102, 'member', :no, :yes, 'UTC', :now, :now)",
    "INSERT INTO challenges (id, program, state, organization_id, created_by_id, title, summary, description,"
    " confidential, language, deadline, blind_review, created_at, updated_at)"
    " VALUES (101, 'open_innovation', 'draft', 102, 102, 'One', '', '', '', 'en', :now, :no, :now, :now),"
    " (102, 'open_innovation', 'draft', 102, 102, 'Two', '', '', '', 'en', :now, :no, :now, :now)",
    "INSERT INTO proposals (id, challenge_id, organization_id, created_by_id, state, title, summary, approach, team,"
    " created_at, updated_at) VALUES (101, 101, 101, 101, 'draft', 'One', '', '', '', :now, :now),"
    " (102, 102, 101, 101, 'draft', 'Two', '', '', '', :now, :now)",
    # The first reviewer declared a conflict on each proposal; the second on one, and with the team.
    "INSERT INTO review_conflicts (id, user_id, organization_id, proposal_id, identity_hidden, reason, created_at)"
    " VALUES (1, 102, 101, 101, :no, '', :now), (2, 102, 101, 102, :no, '', :now),"
    " (3, 103, 101, 101, :no, '', :now), (4, 103, 101, NULL, :no, '', :now)",
]


@pytest.mark.parametrize("empty_database", ["sqlite", pytest.param("postgresql", marks=ON_POSTGRESQL)], indirect=True)
def test_undoing_conflicts_on_proposals_keeps_one_conflict_per_reviewer_and_team(empty_database):
    """The older schema knows only conflicts with a whole team, one per reviewer and team: the team's own
    stays where there is one, else the oldest."""
    from app.common.time import utcnow

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database, SQLALCHEMY_ENGINE_OPTIONS={})
    with app.app_context():
        try:
            upgrade(revision="b9c1conflict01")
            with db.engine.begin() as connection:
                for statement in CONFLICTS_ON_PROPOSALS:
                    connection.execute(text(statement), {"now": utcnow(), "yes": True, "no": False})
            downgrade(revision="b9e1outbox0001")
            with db.engine.connect() as connection:
                kept = connection.execute(text(
                    "SELECT id, user_id, organization_id, person_id FROM review_conflicts ORDER BY id")).all()
            assert kept == [(1, 102, 101, None), (4, 103, 101, None)]
        finally:
            db.session.remove()
            db.engine.dispose()


PROPOSALS_TO_CALLS_IN_TWO_LANGUAGES = [  # at c1deeplconsent: a Japanese and a Korean call, a proposal to each
    "INSERT INTO organizations (id, kind, country, name_latin, verification_state, created_at)"
    " VALUES (101, 'venture', 'KR', 'Venture', 'pending', :now), (102, 'company', 'JP', 'Company', 'pending', :now)",
    "INSERT INTO users (id, email, name, password_hash, organization_id, role, is_admin, active, timezone,"
    " password_changed_at, created_at) VALUES"
    " (101, 'founder@example.test', 'Founder', '-', 101, 'owner', :no, :yes, 'UTC', :now, :now)",
    "INSERT INTO challenges (id, program, state, organization_id, created_by_id, title, summary, description,"
    " confidential, language, proposal_languages, deadline, blind_review, created_at, updated_at)"
    " VALUES (101, 'open_innovation', 'draft', 102, 101, 'One', '', '', '', 'ja', 'en,ja,ko', :now, :no, :now, :now),"
    " (102, 'open_innovation', 'draft', 102, 101, 'Two', '', '', '', 'ko', 'en,ja,ko', :now, :no, :now, :now)",
    "INSERT INTO proposals (id, challenge_id, organization_id, created_by_id, state, title, summary, approach, team,"
    " created_at, updated_at) VALUES (101, 101, 101, 101, 'draft', 'One', '', '', '', :now, :now),"
    " (102, 102, 101, 101, 'draft', 'Two', '', '', '', :now, :now)",
]


@pytest.mark.parametrize("empty_database", ["sqlite", pytest.param("postgresql", marks=ON_POSTGRESQL)], indirect=True)
def test_existing_proposals_take_their_calls_language(empty_database):
    from app.common.time import utcnow

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database, SQLALCHEMY_ENGINE_OPTIONS={})
    with app.app_context():
        try:
            upgrade(revision="c1deeplconsent")
            with db.engine.begin() as connection:
                for statement in PROPOSALS_TO_CALLS_IN_TWO_LANGUAGES:
                    connection.execute(text(statement), {"now": utcnow(), "yes": True, "no": False})
            upgrade(revision="c1a1proposallang")
            with db.engine.connect() as connection:
                languages = connection.execute(text("SELECT id, language FROM proposals ORDER BY id")).all()
            assert languages == [(101, "ja"), (102, "ko")]
            downgrade(revision="c1deeplconsent")
            with db.engine.connect() as connection:
                assert connection.execute(text("SELECT count(*) FROM proposals")).scalar() == 2
        finally:
            db.session.remove()
            db.engine.dispose()


PREVIOUS_TO_SEARCH_LANGUAGES = "c1a1proposallang"  # b9f2searchlang's down_revision


@pytest.mark.parametrize("empty_database", ["sqlite", pytest.param("postgresql", marks=ON_POSTGRESQL)], indirect=True)
def test_search_terms_take_their_calls_language_and_undoing_keeps_the_originals(empty_database):
    """b9f2searchlang: the rows so far are the original's, in the call's language; undone, the rows of
    translations go and the original's stay."""
    from app.common.time import utcnow

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database, SQLALCHEMY_ENGINE_OPTIONS={})
    with app.app_context():
        try:
            upgrade(revision="b9c1conflict01")  # rows written before translations existed
            with db.engine.begin() as connection:
                for statement in [*CONFLICTS_ON_PROPOSALS[:3], "UPDATE challenges SET language = 'ja' WHERE id = 102",
                                  "INSERT INTO challenge_search_terms (term, challenge_id, weight)"
                                  " VALUES ('one', 101, 4), ('抗体', 102, 4), ('two', 102, 1)"]:
                    connection.execute(text(statement), {"now": utcnow(), "yes": True, "no": False})
            upgrade(revision="b9f2searchlang")
            query = ("SELECT term, challenge_id, language, weight FROM challenge_search_terms"
                     " ORDER BY challenge_id, term")
            with db.engine.begin() as connection:
                assert connection.execute(text(query)).all() == [
                    ("one", 101, "en", 4), ("two", 102, "ja", 1), ("抗体", 102, "ja", 4)]
                connection.execute(text("INSERT INTO challenge_search_terms (term, challenge_id, language, weight)"
                                        " VALUES ('#antibody', 102, 'ko', 4), ('two', 102, 'en', 4)"))
            downgrade(revision=PREVIOUS_TO_SEARCH_LANGUAGES)
            with db.engine.connect() as connection:
                kept = connection.execute(text(
                    "SELECT term, challenge_id, weight FROM challenge_search_terms ORDER BY challenge_id, term")).all()
            assert kept == [("one", 101, 4), ("two", 102, 1), ("抗体", 102, 4)]
        finally:
            db.session.remove()
            db.engine.dispose()
