"""The shared shape of the workflow views: check, validate, call one service, commit, redirect."""
from flask import abort, flash

from app.common.errors import DomainError, PermissionDenied
from app.extensions import db


def flash_form_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "danger")


def run_service(allowed: bool, action, message: str, *, back, form=None):
    """403 unless ``allowed``; then the form (if any), then ``action()`` — one service call. A
    domain refusal is shown as a message and nothing is kept; success is committed. Returns ``back``
    (a redirect response) either way."""
    if not allowed:
        abort(403)
    if form is not None and not form.validate_on_submit():
        flash_form_errors(form)
        return back
    try:
        action()
    except PermissionDenied:  # the predicate said yes, the service no: the state moved meanwhile
        db.session.rollback()
        abort(403)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return back
    db.session.commit()
    flash(message, "success")
    return back
