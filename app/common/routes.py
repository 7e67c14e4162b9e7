from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user

from app.common import bp, signals
from app.common.i18n import remember_language
from app.extensions import db


def safe_next(target: str | None, fallback: str) -> str:
    """Only paths on this site: never an open redirect (``//host``; ``/\\host``, which browsers
    read as ``//host``; a scheme; control characters)."""
    target = (target or "").strip()
    if target:
        parts = urlsplit(target)
        if (not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//")
                and "\\" not in target and not any(ord(char) < 32 for char in target)):
            return target
    return fallback


def requested_next(fallback: str) -> str:
    """The ``next`` of the posted form or of the query string, if safe; otherwise ``fallback``."""
    return safe_next(request.form.get("next") or request.args.get("next"), fallback)


@bp.get("/")
def index():
    return render_template("common/index.html")


@bp.post("/language")
def set_language():
    """The switcher: remembered in a cookie, and in the profile of a signed-in user (auth keeps
    profiles: it hears signals.language_chosen)."""
    lang = request.form.get("lang")
    target = safe_next(request.form.get("next"), url_for("common.index"))
    response = redirect(target)
    if lang in current_app.config["LANGUAGES"]:
        remember_language(response, lang)
        if current_user.is_authenticated:
            signals.language_chosen.send(current_user._get_current_object(), locale=lang)
            db.session.commit()
    return response
