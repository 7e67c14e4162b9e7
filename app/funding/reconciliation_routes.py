"""The reconciliation page: the last run's mismatches, our record beside Stripe's; staff run it again."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.auth.decorators import requires
from app.common.pagination import requested_page
from app.extensions import db
from app.funding import bp, payments, reconcile
from app.funding.gateway import PaymentError
from app.funding.models import ReconciliationRun

PER_PAGE = 25


@bp.get("/reconciliation")
@requires(ReconciliationRun.can_view)
def reconciliation():
    run = reconcile.last_run()
    page = db.paginate(reconcile.mismatches_of(run), page=requested_page(), per_page=PER_PAGE,
                       error_out=False) if run is not None else None
    return render_template("funding/reconciliation.html", run=run, page=page,
                           stripe_configured=payments.gateway() is not None,
                           problem=PaymentError(run.error).label if run is not None and run.error else None)


@bp.post("/reconciliation")
@requires(ReconciliationRun.can_view)
def run_reconciliation():
    gateway = payments.gateway()
    if gateway is None:
        flash(_("Reconciliation with Stripe needs Stripe keys: this installation uses the manual backend."),
              "danger")
        return redirect(url_for(".reconciliation"))
    run = reconcile.run_reconciliation(gateway, actor=current_user)
    db.session.commit()
    if run.error:
        flash(_("Stripe could not be read to the end: %(problem)s", problem=PaymentError(run.error).label), "danger")
    elif run.mismatch_count:
        flash(ngettext("The ledger and Stripe differ in %(num)d place.",
                       "The ledger and Stripe differ in %(num)d places.", run.mismatch_count), "warning")
    else:
        flash(_("The ledger and Stripe agree."), "success")
    return redirect(url_for(".reconciliation"))
