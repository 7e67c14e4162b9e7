"""`flask funding …`: the money's commands (docs/funding.md, "Reconciliation")."""
import json
from datetime import UTC

import click
from flask import Flask

from app.extensions import db


def register_funding_cli(app: Flask) -> None:
    @app.cli.group("funding")
    def funding():
        """Funding: the ledger against Stripe."""

    @funding.command("reconcile")
    @click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]),
                  help="Only payments and transfers from this day on (UTC). Default: the whole history.")
    def reconcile_command(since):
        """Compare the ledger with Stripe's payments, fees and transfers, print every mismatch and keep the
        run for the staff page (/funding/reconciliation). Exit status 1 when anything differs or Stripe
        could not be read to the end."""
        from app.funding import payments
        from app.funding.reconcile import mismatches_of, run_reconciliation

        gateway = payments.gateway()
        if gateway is None:
            raise click.ClickException("reconciliation with Stripe needs Stripe keys (STRIPE_SECRET_KEY); "
                                       "this installation uses the manual backend")
        run = run_reconciliation(gateway, since=since.replace(tzinfo=UTC) if since else None)
        db.session.commit()
        if run.error:
            click.echo(f"Stripe could not be read ({run.error}): {run.error_detail}", err=True)
            raise click.exceptions.Exit(1)
        for mismatch in db.session.scalars(mismatches_of(run)):
            click.echo(f"{mismatch.kind}\t{mismatch.subject}\t{mismatch.reference}\t"
                       f"{mismatch.field or ''}\tours={_compact(mismatch.ours)}\tstripe={_compact(mismatch.stripe)}")
        if run.mismatch_count:
            click.echo(f"{run.mismatch_count} mismatch(es) (run {run.id}).", err=True)
            raise click.exceptions.Exit(1)
        click.echo(f"The ledger and Stripe agree (run {run.id}).")


def _compact(record: dict | None) -> str:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
