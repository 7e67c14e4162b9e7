"""The shared shape of the workflow views: check, validate, call one service, commit, redirect."""
import io
from urllib.parse import urlsplit

from flask import abort, current_app, flash, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError

from app.common.errors import DomainError, PermissionDenied
from app.common.locking import ChangedMeanwhile, is_conflict
from app.extensions import db


def flash_form_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "danger")


def run_service(allowed: bool, action, message: str, *, back, form=None):
    """403 unless ``allowed``; then the form (if any), then ``action()`` — one service call. A
    domain refusal is shown as a message and nothing is kept; success is committed. Returns ``back``
    (a redirect response) either way; a collision with another request at flush or commit
    (a constraint, a deadlock) answers the page of ``back`` as it is now, with status 409."""
    if not allowed:
        abort(403)
    if form is not None and not form.validate_on_submit():
        flash_form_errors(form)
        return back
    try:
        action()
        db.session.commit()
    except PermissionDenied:  # the predicate said yes, the service no: the state moved meanwhile
        db.session.rollback()
        abort(403)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return back
    except DBAPIError as error:
        if not is_conflict(error):
            raise
        log_collision(error)
        return changed_meanwhile(back.location)
    flash(message, "success")
    return back


def changed_meanwhile(location: str | None = None):
    """Another request changed the subject between our reading and our commit: nothing of ours is
    kept, and the user sees the page at ``location`` (a page of this site) as it is now, with the
    message and status 409. Without such a page, the error page says the same."""
    db.session.rollback()
    message = ChangedMeanwhile.default_message
    response = _page_as_it_is_now(location, message) if location else None
    if response is None:
        response = current_app.make_response((render_template(
            "errors/error.html", code=409, title=_l("Changed meanwhile"), text=message), 409))
    response.status_code = 409
    return response


def _page_as_it_is_now(location: str, message: str):
    """The GET of ``location`` on this site, answered in place (same user, same language), with
    ``message`` flashed on it; None when it is elsewhere or does not answer with a page."""
    parts = urlsplit(location)
    if (parts.scheme or parts.netloc) and parts.netloc != request.host:
        return None
    path = parts.path or "/"
    root = request.script_root
    if root and path.startswith(root):
        path = path[len(root):] or "/"
    environ = {key: value for key, value in request.environ.items()
               if key not in {"CONTENT_TYPE", "werkzeug.request"}}
    environ.update({"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": parts.query,
                    "CONTENT_LENGTH": "0", "wsgi.input": io.BytesIO(b"")})
    try:
        with current_app.request_context(environ):
            flash(message, "warning")
            response = current_app.full_dispatch_request()
    except Exception:  # noqa: BLE001  (the plain 409 page instead)
        current_app.logger.warning("showing %s after a collision failed", location, exc_info=True)
        db.session.rollback()
        return None
    return response if response.status_code == 200 else None


def answer_collision(error):
    """The application's safety net for a collision no view caught (an IntegrityError, a deadlock
    or a serialization failure at flush or commit): 409 and the page the user came from, as it is
    now — never a 500."""
    log_collision(error)
    return changed_meanwhile(_page_of_this_request())


def log_collision(error) -> None:
    """Logged, because a constraint that our own code breaks also lands here and must be seen."""
    current_app.logger.warning("collision at commit, answered 409: %s", error, exc_info=error)


def _page_of_this_request() -> str | None:
    """Where to show the current state: this URL, if it is also a page (a form); else the page the
    form was sent from, if it is one of ours."""
    if request.method == "GET":
        return None  # the page itself failed: showing it again would fail again
    if request.url_rule is not None and "GET" in (request.url_rule.methods or ()):
        return request.full_path
    referrer = request.referrer
    if referrer and urlsplit(referrer).netloc == request.host:
        return referrer
    return None
