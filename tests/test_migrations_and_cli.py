"""The migrations build the schema the models describe; the CLI commands of the contract work."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, select

from app import create_app
from app.auth.models import Organization, User
from app.common.models import Institution, OutboxEmail
from app.demo import DEMO_PASSWORD
from app.extensions import db


def test_upgrade_on_an_empty_sqlite_file_matches_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={})
    with app.app_context():
        upgrade()
        engine = create_engine(url)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                   "render_as_batch": True})
            assert compare_metadata(context, db.metadata) == []
        institutions = db.session.scalars(select(Organization.institution).where(
            Organization.institution.is_not(None))).all()
        assert sorted(institutions) == [Institution.ipark, Institution.mss]
        engine.dispose()
        db.engine.dispose()


def test_seed_demo_is_idempotent_and_every_account_uses_the_demo_password(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    count = User.query.count()
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "0 new accounts" in second.output
    assert User.query.count() == count
    for email in ["admin@demo.test", "ipark@demo.test", "mss@demo.test", "company@demo.test",
                  "university@demo.test", "venture@demo.test", "venture2@demo.test"]:
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.check_password(DEMO_PASSWORD) and user.email_verified
    assert db.session.scalar(select(User).where(User.email == "ipark@demo.test")).institution == Institution.ipark
    assert db.session.scalar(select(User).where(User.email == "mss@demo.test")).institution == Institution.mss
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.test"))
    assert admin.is_admin and admin.institution is None


def test_create_staff_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-staff", "Officer@MSS.example", "--name", "Officer",
                                 "--institution", "mss", "--password", "a strong password"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "officer@mss.example"))
    assert user.institution == Institution.mss and not user.is_admin
    again = runner.invoke(args=["create-staff", "officer@mss.example", "--name", "Officer",
                                "--institution", "mss", "--password", "a strong password"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_jobs_run_sends_the_outbox_and_stops(app, make_user, tmp_path):
    from app.common.outbox import queue_email

    user = make_user()
    with app.test_request_context():
        queue_email(user, "password_changed")
        queue_email(user, "password_changed")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["jobs", "run"])
    assert result.exit_code == 0 and "sent 2 e-mail(s)" in result.output
    assert db.session.scalar(select(OutboxEmail).where(OutboxEmail.sent_at.is_(None))) is None
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 2


def test_jobs_run_closes_challenges_at_their_deadline_and_tells_the_poster(app, make_challenge, users):
    from datetime import timedelta

    from app.challenges.models import Challenge, ChallengeState
    from app.common.time import utcnow

    expired = make_challenge("open", deadline=utcnow() - timedelta(seconds=1))
    running = make_challenge("open", deadline=utcnow() + timedelta(hours=1))
    result = app.test_cli_runner().invoke(args=["jobs", "run"])
    assert result.exit_code == 0 and "closed 1 challenge(s)" in result.output, result.output
    assert db.session.get(Challenge, expired.id).state == ChallengeState.closed
    assert db.session.get(Challenge, running.id).state == ChallengeState.open
    poster_mail = db.session.scalars(select(OutboxEmail.recipient).where(OutboxEmail.sent_at.is_not(None))).all()
    assert users["company_owner"].email in poster_mail
    again = app.test_cli_runner().invoke(args=["jobs", "run"])
    assert "closed" not in again.output
