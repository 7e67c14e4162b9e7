import time

import click
from flask import Flask

from app.extensions import db


def register_cli(app: Flask) -> None:
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
        from app.auth.services import create_staff as create
        from app.common.errors import DomainError
        from app.common.models import Institution

        try:
            create(email=email, name=name, password=password, is_admin=admin or institution == "none",
                   institution=None if institution == "none" else Institution(institution))
        except DomainError as error:
            raise click.ClickException(str(error.message)) from error
        db.session.commit()
        click.echo(f"Created {email}.")

    @app.cli.group("jobs")
    def jobs():
        """Background work: the e-mail outbox."""

    @jobs.command("run")
    @click.option("--loop", is_flag=True, help="Keep polling instead of stopping when the outbox is empty.")
    @click.option("--interval", default=2.0, show_default=True, help="Seconds between polls with --loop.")
    def run_jobs(loop, interval):
        """Send queued e-mail. Several workers may run at once on PostgreSQL."""
        from app.common.outbox import send_pending

        while True:
            sent = send_pending()
            if sent:
                click.echo(f"sent {sent} e-mail(s)")
            if not loop and not sent:
                break
            if loop and not sent:
                time.sleep(interval)
