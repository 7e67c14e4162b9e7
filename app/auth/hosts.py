"""Requests for a host outside TRUSTED_HOSTS get a plain 400 page, before anything else runs.

Flask refuses to build URLs for such a request (it has no URL adapter), so the usual error page
would crash on its first link. The refusal runs before every other before-request hook (CSRF,
rate limits…), and the page's links are built as paths on PUBLIC_BASE_URL, never on the forged
host.
"""
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from flask.globals import request_ctx
from werkzeug.exceptions import SecurityError
from werkzeug.routing import MapAdapter


def public_url_adapter() -> MapAdapter:
    public = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    return current_app.url_map.bind(public.netloc, script_name=public.path or "/", url_scheme=public.scheme)


def refuse_untrusted_host():
    if isinstance(request.routing_exception, SecurityError):
        request_ctx.url_adapter = public_url_adapter()
        abort(400)


def install(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_untrusted_host)
