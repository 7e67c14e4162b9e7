import os

from flask import Flask, g, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from config import CONFIGS, INSTANCE_DIR


def create_app(config_name: str | None = None, **overrides) -> Flask:
    config_class = CONFIGS[config_name or os.environ.get("KAKEHASHI_ENV", "development")]
    app = Flask(__name__, instance_path=str(INSTANCE_DIR), instance_relative_config=False)
    from app.common.converters import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter  # every <int:…> id a key can hold, else 404
    app.config.from_object(config_class)
    app.config.update(overrides)
    config_class.finalize(app.config)

    from app import models  # noqa: F401  (every table, for migrations)
    from app.extensions import babel, csrf, db, limiter, login_manager, mail, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    from app.common import uploads

    uploads.init_app(app)

    from app.common.i18n import remember_requested_language, select_locale, select_timezone

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    _init_login(app, login_manager)

    from app.auth import bp as auth_bp
    from app.challenges import bp as challenges_bp
    from app.common import bp as common_bp
    from app.common import routes as _common_routes  # noqa: F401
    from app.funding import bp as funding_bp
    from app.funding import webhooks_bp
    from app.proposals import bp as proposals_bp
    from app.review import bp as review_bp
    from app.staff import bp as staff_bp

    app.register_blueprint(common_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(challenges_bp)
    app.register_blueprint(proposals_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(funding_bp)
    app.register_blueprint(webhooks_bp)

    from app.common.security import HealthCheck, security_headers

    app.after_request(security_headers(app))
    app.after_request(remember_requested_language)
    app.wsgi_app = HealthCheck(app.wsgi_app, hsts=app.config.get("HSTS", False))
    if proxies := app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client's address (rate limits, audit) and https, as the proxies in front saw them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    _init_templates(app)
    _init_errors(app)
    _connect_reactions()

    from app.cli import register_cli

    register_cli(app)
    return app


def _connect_reactions():
    """What a higher domain does when a lower one signals (app.common.signals), and the joint
    decisions it registers (app.common.signoff): connected here, never at import time, so the
    layers stay one-way (docs/architecture.md). Process-wide and idempotent: building the app
    again (the tests build many) connects nothing twice."""
    from app.auth import reactions as auth_reactions
    from app.funding import reactions as funding_reactions
    from app.proposals import reactions as proposals_reactions
    from app.review import reactions as review_reactions

    for domain in (auth_reactions, proposals_reactions, review_reactions, funding_reactions):
        domain.connect()


def _init_login(app, login_manager):
    from app.auth.models import AnonymousUser
    from app.auth.services.sessions import load_login_session

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.anonymous_user = AnonymousUser
    login_manager.user_loader(load_login_session)


def _init_templates(app):
    from flask_babel import format_number, get_locale

    from app.common.forms import LANGUAGE_NAMES
    from app.common.i18n import format_day, format_moment, format_money, format_utc
    from app.common.markdown import render_markdown
    from app.common.names import language_name, org_name, text_language

    app.jinja_env.filters.update(moment=format_moment, day=format_day, money=format_money,
                                 markdown=render_markdown, utc=format_utc, format_number=format_number,
                                 language_name=language_name, org_name=org_name, text_language=text_language)
    from app.challenges.models import Program, programs_for
    from app.common.i18n import current_zone_name, format_countdown
    from app.common.models import OutboxEmail
    from app.common.taxonomy import Field, country_name

    app.jinja_env.globals.update(
        LANGUAGE_NAMES=LANGUAGE_NAMES, get_locale=get_locale, current_zone_name=current_zone_name,
        country_name=country_name, Field=Field, Program=Program,
        format_countdown=format_countdown, programs_for=programs_for,
        outbox_can_manage=OutboxEmail.can_manage)
    app.jinja_env.add_extension("jinja2.ext.do")
    # The templates' _ and ngettext (Flask-Babel installed its own): each constant string looked up
    # once per process and language (app.common.catalog).
    from flask_babel import get_translations

    from app.common.catalog import template_gettext, translate, translate_plural

    app.jinja_env.install_gettext_callables(
        gettext=translate, ngettext=translate_plural, newstyle=True,
        pgettext=lambda context, message: get_translations().upgettext(context, message),
        npgettext=lambda context, singular, plural, number: get_translations().unpgettext(
            context, singular, plural, number))
    # _ and gettext straight to the catalog, without the extension's alias and wrapper (a page has
    # dozens of labels): the same answers (tests/common/test_catalog.py).
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext)


ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    403: (_l("Not allowed"), _l("You do not have permission to do this.")),
    404: (_l("Page not found"), _l("This page does not exist, or you cannot see it.")),
    405: (_l("Not allowed"), _l("This page cannot be used this way.")),
    413: (_l("File too large"), _l("The upload is larger than the limit of 20 MB.")),
    429: (_l("Too many attempts"), _l("Please wait a few minutes before trying again.")),
    500: (_l("Something went wrong"), _l("An unexpected error happened. It has been logged; please try again later.")),
    503: (_l("Briefly unavailable"),
          _l("The service is briefly unavailable. Please try again in a minute; if you were sending a form, "
             "send it again then.")),
}


def _init_errors(app):
    from sqlalchemy.exc import IntegrityError

    from app.common.locking import TransactionCollision
    from app.common.uploads import StorageUnavailable
    from app.common.views import answer_collision

    # Two requests changing the same thing at once: 409 and its current state, never a 500.
    app.register_error_handler(IntegrityError, answer_collision)
    app.register_error_handler(TransactionCollision, answer_collision)

    @app.errorhandler(StorageUnavailable)
    def storage_unavailable(error):
        """The file store is out of reach: nothing of the request is kept (the row of an upload is
        added only after its file is stored), and the person is told to try again in a moment."""
        from app.common.database import RETRY_AFTER_SECONDS
        from app.extensions import db

        db.session.rollback()
        response = make_response(render_template("errors/error.html", code=503, title=ERROR_TEXTS[503][0],
                                                 text=error.message), 503)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    def render_error(code, message=None):
        title, text = ERROR_TEXTS[code]
        return render_template("errors/error.html", code=code, title=title, text=message or text), code

    for code in ERROR_TEXTS.keys() - {500, 503}:
        app.register_error_handler(code, lambda error, code=code: render_error(code))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400, _l("The form has expired or was sent from elsewhere. Please reload the page and try again."))

    def render_without_database(code):
        """The page of a failure: its language from ?lang, the cookie or the browser, never from
        the profile, and no navbar, since the database may be down or its session unusable."""
        from app.common.database import RETRY_AFTER_SECONDS
        from app.extensions import db

        g.avoid_database = True  # read by the locale and time-zone selectors
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001  (a dead connection must not hide the error page)
            app.logger.warning("rollback after a failed request failed too", exc_info=True)
        title, text = ERROR_TEXTS[code]
        # Straight from Jinja: render_template would run Flask-Login's context processor, which
        # loads current_user from the database.
        page = app.jinja_env.get_template("errors/plain.html").render(code=code, title=title, text=text,
                                                                      request=request)
        response = make_response(page, code)
        if code == 503:
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(500)
    def server_error(error):
        """Every unhandled exception ends here (already logged); a database out of reach is a 503:
        the request may succeed in a moment, and the pool reconnects by itself (pool_pre_ping)."""
        from app.common.database import database_unreachable

        unreachable = database_unreachable(getattr(error, "original_exception", None))
        return render_without_database(503 if unreachable else 500)

    app.register_error_handler(503, lambda error: render_without_database(503))

    @app.before_request
    def _reject_nul_bytes():
        """A NUL in a query or form value makes PostgreSQL raise; it is never a real input."""
        values = [*request.args.listvalues(), *(request.form.listvalues() if request.method == "POST" else [])]
        if any("\x00" in value for repeated in values for value in repeated):
            return render_error(400)
