"""The application as a whole: headers, CSRF, error pages, health check, configuration."""
import re

import pytest

from app import create_app
from config import ProductionConfig
from tests.conftest import build_app, teardown_app

PAGES = ["/", "/auth/login", "/auth/register", "/auth/reset", "/no-such-page"]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_page(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # only in production


def test_pages_have_no_inline_script_or_style(client):
    html = client.get("/auth/register").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and "<style" not in html


def test_static_assets_are_served_locally(client):
    html = client.get("/").get_data(as_text=True)
    assert "cdn" not in html.lower()
    assert client.get("/static/vendor/bootstrap/bootstrap.min.css").status_code == 200
    assert client.get("/static/vendor/bootstrap/bootstrap.bundle.min.js").status_code == 200


def test_session_cookie_is_httponly_and_samesite(client, users, login):
    response = login(users["venture_owner"])
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_post_without_csrf_token_is_refused():
    app, ctx = build_app(WTF_CSRF_ENABLED=True)
    try:
        client = app.test_client()
        response = client.post("/auth/login", data={"email": "a@example.test", "password": "x"})
        assert response.status_code == 400
        response = client.post("/language", data={"lang": "ja"})
        assert response.status_code == 400
        assert "lang" not in response.headers.get("Set-Cookie", "")
    finally:
        teardown_app(app, ctx)


def test_post_with_csrf_token_is_accepted():
    app, ctx = build_app(WTF_CSRF_ENABLED=True)
    try:
        client = app.test_client()
        page = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post("/auth/login", data={"email": "a@example.test", "password": "x",
                                                    "csrf_token": token})
        assert response.status_code == 200
        assert "not correct" in response.get_data(as_text=True)
    finally:
        teardown_app(app, ctx)


@pytest.mark.parametrize(("lang", "title"), [("en", "Page not found"), ("ja", None), ("ko", None)])
def test_error_pages_in_three_languages(client, lang, title):
    from flask_babel import force_locale, gettext

    response = client.get(f"/missing?lang={lang}")
    assert response.status_code == 404
    with force_locale(lang):
        expected = gettext("Page not found")
    assert expected in response.get_data(as_text=True)
    if lang != "en":
        assert expected != "Page not found", "the catalog must translate error pages"


def test_request_too_large_gets_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 100
    response = client.post("/auth/login", data={"email": "x" * 500, "password": "y"})
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)


@pytest.mark.fresh_app
def test_unexpected_error_gets_500_page(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/explode-for-test")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/explode-for-test?lang=ko")
    assert response.status_code == 500
    assert "RuntimeError" not in response.get_data(as_text=True) and "boom" not in response.get_data(as_text=True)
    assert "<html" in response.get_data(as_text=True)


def test_nul_byte_in_form_is_bad_request(client):
    response = client.post("/auth/login", data={"email": "a\x00@example.test", "password": "x"})
    assert response.status_code == 400


def test_healthz_touches_neither_database_nor_session():
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/healthz", headers={"Cookie": "session=garbage"})
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert "Vary" not in response.headers


# What a production start needs besides a secret: its public address and shared rate limits.
PRODUCTION = dict(SECRET_KEY="x" * 40, PUBLIC_BASE_URL="https://kakehashi.example",
                  RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0")


@pytest.fixture
def production_env(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    for name in ("TRUSTED_HOSTS", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://x@localhost/x")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", **{**PRODUCTION, "SECRET_KEY": None})


def test_production_hardens_cookies_and_requires_two_factor(production_env):
    app = create_app("production", **PRODUCTION)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["STAFF_REQUIRE_2FA"] is True
    assert ProductionConfig.HSTS
    response = app.test_client().get("/healthz")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_development_secret_key_is_generated_once(tmp_path, monkeypatch):
    import config

    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app("development", SECRET_KEY=None).config["SECRET_KEY"]
    second = create_app("development", SECRET_KEY=None).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_pool_pings_connections():
    from config import Config

    assert Config.SQLALCHEMY_ENGINE_OPTIONS["pool_pre_ping"] is True


def test_passwords_are_hashed_with_argon2id_at_the_recommended_cost(app, make_user):
    from argon2 import extract_parameters

    from app.auth.models import password_hasher

    user = make_user()
    user.set_password("a password to hash")
    assert user.password_hash.startswith("$argon2id$")
    app.config["ARGON2_PARAMETERS"] = None  # production: the library's RFC 9106 defaults
    user.set_password("a password to hash")
    assert user.password_hash.startswith("$argon2id$")
    assert extract_parameters(user.password_hash) == password_hasher._parameters
    assert password_hasher._parameters.memory_cost >= 64 * 1024


# Host header and public address (issue 9) --------------------------------------------------------

@pytest.mark.parametrize("public_base_url", [None, "http://kakehashi.example", "https://", "kakehashi.example"])
def test_production_refuses_to_start_without_an_https_public_address(production_env, public_base_url):
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app("production", **{**PRODUCTION, "PUBLIC_BASE_URL": public_base_url})


def test_production_trusts_only_the_public_host(production_env):
    app = create_app("production", **PRODUCTION)
    assert app.config["TRUSTED_HOSTS"] == ["kakehashi.example"]
    client = app.test_client()
    assert client.get("/auth/login", base_url="https://kakehashi.example").status_code == 200
    for host in ("attacker.example", "localhost", "127.0.0.1", "kakehashi.example.attacker.example"):
        response = client.get("/auth/login", base_url=f"https://{host}")
        assert response.status_code == 400, host
        assert "<html" in response.get_data(as_text=True)
    assert client.get("/healthz", base_url="https://10.0.0.5").status_code == 200  # load balancers


def test_trusted_hosts_can_be_listed(production_env):
    production_env.setenv("TRUSTED_HOSTS", "kakehashi.example, www.kakehashi.example")
    app = create_app("production", **PRODUCTION)
    assert app.config["TRUSTED_HOSTS"] == ["kakehashi.example", "www.kakehashi.example"]
    assert app.test_client().get("/auth/login", base_url="https://www.kakehashi.example").status_code == 200


def test_development_also_trusts_the_local_addresses(monkeypatch):
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    app = create_app("testing", PUBLIC_BASE_URL="https://kakehashi.example")
    assert app.config["TRUSTED_HOSTS"] == ["kakehashi.example", "127.0.0.1", "localhost"]


def test_forged_host_is_a_bad_request_page(client):
    response = client.get("/auth/login", headers={"Host": "attacker.example"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<html" in html and "Bad request" in html and "attacker.example" not in html
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


# Login throttling shared between processes (issue 9) -----------------------------------------------

def test_production_refuses_in_memory_rate_limits_with_several_workers(production_env):
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        create_app("production", **{**PRODUCTION, "RATELIMIT_STORAGE_URI": "memory://"})
    production_env.setenv("WEB_CONCURRENCY", "4")
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        create_app("production", **{**PRODUCTION, "RATELIMIT_STORAGE_URI": "memory://"})


def test_production_accepts_in_memory_rate_limits_for_one_worker(production_env):
    production_env.setenv("WEB_CONCURRENCY", "1")
    app = create_app("production", **{**PRODUCTION, "RATELIMIT_STORAGE_URI": "memory://"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


SECURITY_HEADERS = ["Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options",
                    "Permissions-Policy", "Cross-Origin-Opener-Policy", "Strict-Transport-Security"]


@pytest.mark.parametrize("hsts", [False, True])
def test_healthz_carries_the_same_security_headers_as_every_page(hsts):
    app = create_app("testing", HSTS=hsts)
    client = app.test_client()
    page, health = client.get("/auth/login"), client.get("/healthz")
    assert health.status_code == 200
    for name in SECURITY_HEADERS:
        assert health.headers.get(name) == page.headers.get(name), name
    assert ("Strict-Transport-Security" in health.headers) is hsts


def test_forged_host_is_refused_before_csrf_and_other_checks():
    """The host check runs first: a CSRF failure (or any other early refusal) on a forged host
    would otherwise render its page without a URL adapter, a 500."""
    app, ctx = build_app(WTF_CSRF_ENABLED=True)
    try:
        client = app.test_client()
        for data in ({"email": "a@example.test", "password": "x"}, {"email": "a\x00", "password": "x"}):
            response = client.post("/auth/login", data=data, headers={"Host": "attacker.example"})
            assert response.status_code == 400
            assert "Bad request" in response.get_data(as_text=True)
    finally:
        teardown_app(app, ctx)


# Behind a proxy (docs/deploy.md) ----------------------------------------------------------------------

def _failed_login_ip(client, **headers) -> str:
    from sqlalchemy import select

    from app.common.models import AuditEvent
    from app.extensions import db

    client.post("/auth/login", data={"email": "nobody@example.test", "password": "x"}, headers=headers,
                environ_base={"REMOTE_ADDR": "10.0.0.2"})
    return db.session.scalar(select(AuditEvent.ip).where(AuditEvent.action == "user.login_failed")
                             .order_by(AuditEvent.id.desc()).limit(1))


def test_without_trusted_proxies_a_forwarded_address_is_ignored(client):
    assert _failed_login_ip(client, **{"X-Forwarded-For": "203.0.113.9"}) == "10.0.0.2"


def test_behind_a_trusted_proxy_the_client_address_and_scheme_are_the_proxys_word():
    from flask import request

    app, ctx = build_app(TRUSTED_PROXIES=1)
    app.add_url_rule("/scheme-seen", "scheme_seen", lambda: request.scheme)  # before its first request
    try:
        client = app.test_client()
        # The proxy appends the address it saw: whatever the client put before it is not believed.
        assert _failed_login_ip(client, **{"X-Forwarded-For": "198.51.100.1, 203.0.113.9"}) == "203.0.113.9"
        assert client.get("/scheme-seen", headers={"X-Forwarded-Proto": "https"}).get_data(as_text=True) == "https"
        assert client.get("/scheme-seen").get_data(as_text=True) == "http"
    finally:
        teardown_app(app, ctx)
