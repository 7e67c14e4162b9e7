import time

import click
from flask import Flask

from app.extensions import db


def register_cli(app: Flask) -> None:
    from app.funding.cli import register_funding_cli

    register_funding_cli(app)

    @app.cli.command("seed-demo")
    def seed_demo():
        """Load the demo organisations and accounts (safe to run again)."""
        from app.demo import seed

        created = seed()
        db.session.commit()
        click.echo(f"Demo data ready ({created} new accounts). Password for every account: kakehashi-demo")

    @app.cli.command("create-staff")
    @click.argument("email")
    @click.option("--name", required=True)
    @click.option("--institution", type=click.Choice(["ipark", "mss", "none"]), required=True,
                  help="'none' makes a site administrator outside both institutions.")
    @click.option("--admin", is_flag=True, help="Also give administrator rights.")
    @click.password_option()
    def create_staff(email, name, institution, admin, password):
        """Create an institution staff account (or an administrator)."""
        from app.common.errors import DomainError
        from app.common.models import Institution
        from app.staff.services import create_staff as create

        try:
            create(email=email, name=name, password=password, is_admin=admin or institution == "none",
                   institution=None if institution == "none" else Institution(institution))
        except DomainError as error:
            raise click.ClickException(str(error.message)) from error
        db.session.commit()
        click.echo(f"Created {email}.")

    @app.cli.command("reindex-search")
    @click.option("--chunk", default=200, show_default=True, help="Challenges per transaction.")
    def reindex_search(chunk):
        """Rebuild the search terms of every challenge (after the term list or the tokenizer changed)."""
        from sqlalchemy import select

        from app.challenges.models import Challenge
        from app.challenges.search import reindex_challenges

        ids = db.session.scalars(select(Challenge.id).order_by(Challenge.id)).all()
        rows = 0
        with click.progressbar(length=len(ids), label="Indexing") as bar:
            for start in range(0, len(ids), chunk):
                part = ids[start:start + chunk]
                rows += reindex_challenges(part)
                db.session.commit()
                db.session.expunge_all()
                bar.update(len(part))
        click.echo(f"Indexed {len(ids)} challenges ({rows} search terms).")

    @app.cli.group("jobs")
    def jobs():
        """Background work: challenges closing at their deadline, the e-mail outbox."""

    @jobs.command("run")
    @click.option("--loop", is_flag=True, help="Keep polling instead of stopping when the outbox is empty.")
    @click.option("--interval", default=2.0, show_default=True, help="Seconds between polls with --loop.")
    def run_jobs(loop, interval):
        """Close challenges whose deadline has passed, then send the e-mail that is due.
        Several workers may run at once on PostgreSQL. Without --loop, exits with status 1 when
        messages were due and none could be sent (the mail server is away: they wait for a later run)."""
        from app.challenges.services import close_expired_challenges
        from app.common.database import RETRY_AFTER_SECONDS, database_unreachable
        from app.common.outbox import OutboxRun, send_due

        total = OutboxRun()
        while True:
            try:
                if closed := close_expired_challenges():
                    click.echo(f"closed {closed} challenge(s) at their deadline")
                db.session.commit()
                run = send_due()
            except Exception as error:
                if not (loop and database_unreachable(error)):
                    raise
                # A long-running worker outlives a database restart; the pool reconnects by itself.
                db.session.rollback()
                click.echo(f"the database cannot be reached; trying again in {RETRY_AFTER_SECONDS} s", err=True)
                time.sleep(max(interval, RETRY_AFTER_SECONDS))
                continue
            total.tried, total.sent, total.failed = (total.tried + run.tried, total.sent + run.sent,
                                                     total.failed + run.failed)
            if run.sent:
                click.echo(f"sent {run.sent} e-mail(s)")
            if run.tried > run.sent:
                click.echo(f"{run.tried - run.sent} e-mail(s) could not be sent ({run.failed} given up, "
                           f"the others will be tried again later)", err=True)
            if not loop and not run.sent:
                break
            if loop and not run.sent:
                time.sleep(interval)
        if total.tried and not total.sent:
            raise click.exceptions.Exit(1)

    @app.cli.command("bench-data")
    @click.option("--challenges", default=10_000, show_default=True, help="Challenges to add (every state).")
    @click.option("--proposals", default=20_000, show_default=True, help="Proposals to add.")
    @click.option("--seed", type=int, help="Seed of the generator, for the same text twice.")
    @click.option("--if-empty", is_flag=True, help="Do nothing if the database already holds challenges.")
    @click.option("--manifest", "manifest_path", type=click.Path(dir_okay=False, writable=True),
                  help="Write the accounts, calls and row counts for the load benchmark to this JSON file.")
    def bench_data(challenges, proposals, seed, if_empty, manifest_path):
        """Add generated organisations, people, challenges, proposals, reviews, decisions and audit rows for
        measuring (never in production).

        Each run adds a new batch with its own accounts (password kakehashi-bench)."""
        import json

        from sqlalchemy import func, select

        from app.challenges.models import Challenge
        from bench.data import generate, manifest

        def write_manifest():
            if manifest_path:
                with open(manifest_path, "w", encoding="utf-8") as file:
                    json.dump(manifest(), file, indent=2, ensure_ascii=False)
                click.echo(f"Manifest written to {manifest_path}.")

        if if_empty and (existing := db.session.scalar(select(func.count()).select_from(Challenge))):
            click.echo(f"The database already holds {existing} challenges: nothing added.")
            write_manifest()
            return
        started = time.perf_counter()
        with click.progressbar(length=challenges + proposals, label="Generating bench data") as bar:
            try:
                summary = generate(challenges=challenges, proposals=proposals, seed=seed, advance=bar.update)
            except ValueError as error:
                raise click.ClickException(str(error)) from error
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # statistics for the new rows now, as autovacuum would soon
            with db.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
                connection.commit()
        click.echo(f"Batch {summary.batch}: {summary.challenges} challenges ({summary.translations} translated, "
                   f"{summary.search_terms} search terms) from {summary.posters} posters, {summary.proposals} "
                   f"proposals from {summary.ventures} ventures, {summary.reviews} reviews by {summary.staff} staff "
                   f"and the posters, {summary.decisions} joint decisions, {summary.questions} questions, "
                   f"{summary.audit_events} audit events in {time.perf_counter() - started:.1f} s.")
        write_manifest()
