"""Headers on every response, and a health check that touches neither database nor session."""
import json


def content_security_policy(form_targets: tuple[str, ...] = ()) -> str:
    """The policy of every page. ``form_targets``: origins a form of the page may lead to besides this
    site (a form whose answer redirects to Stripe's hosted page: browsers check form-action on redirects)."""
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        " ".join(["form-action 'self'", *form_targets]),
        "frame-ancestors 'none'",
    ])


CONTENT_SECURITY_POLICY = content_security_policy()


HSTS_HEADER = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")


def header_list(hsts: bool) -> list[tuple[str, str]]:
    """The security headers of every response, /healthz included: one list, so they never drift apart."""
    headers = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    return [*headers, HSTS_HEADER] if hsts else headers


def security_headers(app):
    headers = header_list(bool(app.config.get("HSTS")))

    def add_headers(response):
        for name, value in headers:
            response.headers.setdefault(name, value)
        return response

    return add_headers


class HealthCheck:
    """Answers /healthz before Flask sees the request: no session, no database, no login."""

    def __init__(self, wsgi_app, hsts: bool):
        self.wsgi_app = wsgi_app
        self.headers = header_list(hsts)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != "/healthz":
            return self.wsgi_app(environ, start_response)
        body = json.dumps({"status": "ok"}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                                  ("Cache-Control", "no-store"), *self.headers])
        return [body]
