"""The one way to write a view: load or 404, check or 403, validate, call one service, commit,
redirect; a collision with another request answers 409 with the page as it is now."""
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import DBAPIError

from app.common.errors import DomainError, PermissionDenied
from app.common.locking import ChangedMeanwhile, is_conflict
from app.extensions import db


def visible_or_404(model, ident: int, *, visible=None, options=()):
    """The ``model`` row with id ``ident``, if the current user may know it exists: ``visible(row)``,
    by default the model's ``can_view``. Otherwise 404, the answer for a row that does not exist.
    ``options`` load what the page shows with it (selectinload(…), …)."""
    row = db.session.get(model, ident, options=options)
    if row is None or not (visible(row) if visible is not None else row.can_view(current_user)):
        abort(404)
    return row


def url_for_each(endpoint: str, argument: str) -> Callable[[int], str]:
    """``url_for(endpoint, argument=id)`` for the ids of a page: built once, each id put in its place
    (a URL costs the routing map a build; a page of decisions has three per row)."""
    marker = 987654321
    head, tail = url_for(endpoint, **{argument: marker}).rsplit(str(marker), 1)

    def url(value: int) -> str:
        if type(value) is not int:
            raise TypeError(f"{argument} is an id, not {value!r}")
        return f"{head}{value}{tail}"

    return url


def require(allowed: bool) -> None:
    """403 unless the predicate the view asked allows it."""
    if not allowed:
        abort(403)


def flash_form_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "danger")


def flash_refusal(error: DomainError) -> None:
    flash(error.message, "danger")


@dataclass(frozen=True)
class Outcome:
    """What one service call came to: its result, committed, or a refusal, rolled back."""

    result: Any = None
    refusal: DomainError | None = None

    @property
    def done(self) -> bool:
        return self.refusal is None


def attempt(action, *, back=None, refused=flash_refusal, denied_is_403: bool = True) -> Outcome:
    """``action()``, the one service call of a view, then commit. A refusal of the domain
    (DomainError) keeps nothing and is passed to ``refused`` (by default, flashed); a PermissionDenied
    (the predicate said yes, the service no: the state moved meanwhile) answers 403, unless
    ``denied_is_403`` is false, where it is a refusal like the others. A collision with another
    request at flush or commit (a constraint, a deadlock) answers the page of ``back`` (a redirect)
    as it is now, with status 409; without ``back``, the application's handler answers it."""
    try:
        result = action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if denied_is_403 and isinstance(error, PermissionDenied):
            abort(403)
        if refused is not None:
            refused(error)
        return Outcome(refusal=error)
    except DBAPIError as error:
        if back is None or not is_conflict(error):
            raise
        log_collision(error)
        abort(changed_meanwhile(back.location))
    return Outcome(result)


def run_service(action, message, *, back, form=None, invalid=None, done=None,
                denied_is_403: bool = True):
    """The shape of a view that changes something, once the view has loaded its subject (or 404)
    and checked who may try (or 403): the form (if any) must validate, else its errors are flashed
    (or the one message ``invalid``); then ``action()``, the one service call (see ``attempt``).
    Success flashes ``message`` (or ``message(result)``, when it depends on what the service did)
    and answers ``done`` (by default ``back``); a refusal flashes its reason and answers ``back``."""
    if form is not None and not form.validate_on_submit():
        if invalid is None:
            flash_form_errors(form)
        else:
            flash(invalid, "danger")
        return back
    outcome = attempt(action, back=back, denied_is_403=denied_is_403)
    if not outcome.done:
        return back
    flash(message(outcome.result) if callable(message) else message, "success")
    return done if done is not None else back


@dataclass
class BulkOutcome:
    """What a bulk action came to: the subjects it was applied to, and one reason for each other."""

    done: list = field(default_factory=list)
    refused: list = field(default_factory=list)


def bulk_apply(ids, subjects, apply, *, name, visible=None, refuse=None) -> BulkOutcome:
    """``apply(subject)``, one service, to each of ``ids`` in turn, then commit.

    ``subjects``: the rows found for those ids (loaded by the caller, with what it preloads). An id
    with no row, or one the user may not see (``visible``, by default ``can_view``), is "not found";
    ``refuse(subject)`` may give a reason not to try. Each call runs in its own savepoint, so a
    refusal (``name(subject)``: its reason) undoes that call only and spoils none of the others.
    The ids are taken in increasing order: everyone acting in bulk locks in one order, so two
    people sending the same ids in opposite orders never deadlock."""
    found = {subject.id: subject for subject in subjects}
    outcome = BulkOutcome()
    for ident in sorted(set(ids)):
        subject = found.get(ident)
        if subject is None or not (visible(subject) if visible is not None else subject.can_view(current_user)):
            outcome.refused.append(_("#%(id)d: not found", id=ident))
            continue
        if refuse is not None and (reason := refuse(subject)) is not None:
            outcome.refused.append(reason)
            continue
        try:
            with db.session.begin_nested():
                apply(subject)
        except DomainError as error:
            outcome.refused.append(f"{name(subject)}: {error.message}")
        else:
            outcome.done.append(subject)
    db.session.commit()
    return outcome


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


def per_user(*_) -> str:
    """The rate-limit key of a signed-in person's own allowance (the network address otherwise)."""
    return f"user-{current_user.get_id() or request.remote_addr}"


MACHINE_DRAFTS_PER_HOUR = "30 per hour"  # each machine draft spends the DeepL quota
