"""Funding pages (thin views). Being written: the endpoints below are the ones services link to."""
from flask import abort
from flask_login import login_required

from app.funding import bp


@bp.get("/")
@login_required
def index():
    abort(404)


@bp.get("/awards/<int:award_id>")
@login_required
def award(award_id):
    abort(404)


@bp.get("/tranches/<int:tranche_id>")
@login_required
def tranche(tranche_id):
    abort(404)


@bp.get("/proposals/<int:proposal_id>/award")
@login_required
def new_award(proposal_id):
    abort(404)


@bp.get("/payee")
@login_required
def payee():
    abort(404)


@bp.get("/payee/confirm/<token>")
@login_required
def confirm_payee(token):
    abort(404)
