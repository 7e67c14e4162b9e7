"""Headers on every response, and a health check that touches neither database nor session."""
import json

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def security_headers(app):
    hsts = app.config.get("HSTS")

    def add_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        return response

    return add_headers


class HealthCheck:
    """Answers /healthz before Flask sees the request: no session, no database, no login."""

    def __init__(self, wsgi_app, hsts: bool):
        self.wsgi_app = wsgi_app
        self.hsts = hsts

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != "/healthz":
            return self.wsgi_app(environ, start_response)
        body = json.dumps({"status": "ok"}).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                   ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"),
                   ("Content-Security-Policy", CONTENT_SECURITY_POLICY)]
        if self.hsts:
            headers.append(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"))
        start_response("200 OK", headers)
        return [body]
