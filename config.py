"""Configuration from environment variables.

Development keeps everything under ``instance/``: the SQLite database, a SECRET_KEY generated
once, and outgoing mail as ``.eml`` files. Production refuses to start without a real secret.
"""
import json
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("KAKEHASHI_INSTANCE", BASE_DIR / "instance"))


def _instance_secret_key() -> str:
    """Generate the development key once, so sessions survive restarts of `make run`."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


def _json(name: str):
    value = os.environ.get(name, "").strip()
    return json.loads(value) if value else None


LOCAL_HOSTS = ("127.0.0.1", "localhost")


def _trusted_hosts(config: dict, *, local: bool) -> list[str]:
    """The Host header values the site answers: TRUSTED_HOSTS (comma separated) if set, else the
    host of PUBLIC_BASE_URL (plus the local addresses in development). Werkzeug answers any other
    Host with 400, so nothing built from a request can point to a forger's host."""
    if config.get("TRUSTED_HOSTS"):
        return list(config["TRUSTED_HOSTS"])
    if listed := os.environ.get("TRUSTED_HOSTS", "").strip():
        return [host.strip() for host in listed.split(",") if host.strip()]
    public_host = urlsplit(config.get("PUBLIC_BASE_URL") or "").hostname
    hosts = [public_host] if public_host else []
    if local:
        hosts += [host for host in LOCAL_HOSTS if host not in hosts]
    return hosts


def _check_uploads(config: dict) -> None:
    if config["UPLOAD_BACKEND"] not in ("disk", "s3"):
        raise RuntimeError(f"UPLOAD_BACKEND must be disk or s3, not {config['UPLOAD_BACKEND']!r}.")
    if config["UPLOAD_BACKEND"] == "s3" and not config.get("S3_BUCKET"):
        raise RuntimeError("UPLOAD_BACKEND=s3 needs S3_BUCKET (and S3_ENDPOINT_URL for a store other than AWS).")


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'kakehashi.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)
    HSTS = False

    LANGUAGES = ("en", "ja", "ko")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Kakehashi <no-reply@kakehashi.test>")
    # The sender takes no replies: every e-mail's signature gives this address to write to instead.
    MAIL_SECRETARIAT = os.environ.get("MAIL_SECRETARIAT", "secretariat@kakehashi.test")
    # Without an SMTP server the outbox worker writes each message to this folder as .eml.
    MAIL_FILE_DIR = os.environ.get("MAIL_FILE_DIR", str(INSTANCE_DIR / "mail"))
    # Uploaded PDFs, stored by random key (app/common/uploads.py): "disk" keeps them in UPLOAD_DIR (back
    # this folder up with the database); "s3" in the bucket S3_BUCKET of any S3-compatible store, which
    # several app servers can share (docs/deploy.md). Credentials come from boto3's usual chain:
    # AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile (AWS_PROFILE) or the machine's role.
    UPLOAD_BACKEND = os.environ.get("UPLOAD_BACKEND", "disk").strip().lower()
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    S3_BUCKET = os.environ.get("S3_BUCKET") or None
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL") or None  # None: AWS itself
    S3_REGION = os.environ.get("S3_REGION") or None
    S3_ADDRESSING_STYLE = os.environ.get("S3_ADDRESSING_STYLE", "auto")  # "path" for most MinIO set-ups
    S3_TIMEOUT = float(os.environ.get("S3_TIMEOUT", "10"))  # seconds to connect, and between bytes read

    # How many proxies in front of the app set X-Forwarded-For and X-Forwarded-Proto (docs/deploy.md):
    # their values are then trusted for the client's address (rate limits, audit) and the scheme.
    # 0 (the default) trusts none: without a proxy that overwrites them, anyone could forge them.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    # Seconds a worker keeps a page of the challenge listing (app.common.cache, at most 60; 0: off). A commit
    # in the same worker drops it at once; other workers and nodes show a change within this time.
    LISTING_CACHE_SECONDS = int(os.environ.get("LISTING_CACHE_SECONDS", "60"))

    STAFF_REQUIRE_2FA = _bool("STAFF_REQUIRE_2FA", False)
    EMAIL_TOKEN_MAX_AGE = int(timedelta(days=3).total_seconds())
    PASSWORD_RESET_MAX_AGE = int(timedelta(hours=1).total_seconds())
    INVITATION_DAYS = 14
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    # Where the stripe library sends its requests: Stripe itself unless set (the browser journey's fake).
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")

    # The partnership's account that companies pay their award into by bank transfer (the award page
    # shows it with the award's reference) and that remittances to ventures are sent from (the ordering
    # account of the bank instruction). FUNDING_BANK_ACCOUNT, as JSON with these keys, replaces the demo's.
    FUNDING_BANK_ACCOUNT = _json("FUNDING_BANK_ACCOUNT") or {
        "account_holder": "iPark Institute Co., Ltd. (Kakehashi escrow)",
        "account_holder_kana": "ｶ)ｱｲﾊﾟｰｸｲﾝｽﾃｨﾃｭｰﾄ",
        "bank_name": "MUFG Bank, Ltd.",
        "branch": "Fujisawa Branch (branch code 261)",
        "account_number": "0123456",
        "swift": "BOTKJPJT",
        "country": "JP",
    }

    # Machine drafts of translations (app/common/machine_translation.py): without a key, no button.
    # DEEPL_SERVER_URL None lets the library choose (the free API for keys ending ":fx").
    DEEPL_AUTH_KEY = os.environ.get("DEEPL_AUTH_KEY") or None
    DEEPL_SERVER_URL = os.environ.get("DEEPL_SERVER_URL") or None
    # A person waits for the draft: seconds per attempt, and retries after a 429 or 5xx answer.
    DEEPL_TIMEOUT = float(os.environ.get("DEEPL_TIMEOUT", "10"))
    DEEPL_MAX_RETRIES = int(os.environ.get("DEEPL_MAX_RETRIES", "1"))

    @classmethod
    def finalize(cls, config: dict) -> None:
        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = _instance_secret_key()
        config["TRUSTED_HOSTS"] = _trusted_hosts(config, local=True)
        _check_uploads(config)


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    ARGON2_PARAMETERS = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    RATELIMIT_STORAGE_URI = "memory://"
    UPLOAD_BACKEND = "disk"  # tests/conftest.py: the s3_storage fixture puts moto's S3 in its place
    TRUSTED_PROXIES = 0
    MAIL_SUPPRESS_SEND = True
    STAFF_REQUIRE_2FA = False
    SERVER_NAME = None
    LISTING_CACHE_SECONDS = 0  # each test reads the database; tests/challenges/test_list_cache.py turns it on
    # Never the developer's key: a test that wants DeepL starts tests/fakes/deepl_server.py.
    DEEPL_AUTH_KEY = None
    DEEPL_SERVER_URL = None
    # Never the developer's Stripe either: the manual backend, or the fake_stripe fixture's gateway.
    STRIPE_SECRET_KEY = None
    STRIPE_WEBHOOK_SECRET = None
    STRIPE_API_BASE = None

    @classmethod
    def finalize(cls, config: dict) -> None:
        config["TRUSTED_HOSTS"] = _trusted_hosts(config, local=True)  # the test client is "localhost"
        _check_uploads(config)
        if config["SQLALCHEMY_DATABASE_URI"] in ("sqlite://", "sqlite:///:memory:"):
            # One shared connection, so an in-memory database is the same for every session.
            from sqlalchemy.pool import StaticPool

            config["SQLALCHEMY_ENGINE_OPTIONS"] = {
                "poolclass": StaticPool,
                "connect_args": {"check_same_thread": False},
            }


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS = True
    STAFF_REQUIRE_2FA = _bool("STAFF_REQUIRE_2FA", True)
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def finalize(cls, config: dict) -> None:
        if not config.get("SECRET_KEY") or len(config["SECRET_KEY"]) < 32:
            raise RuntimeError("SECRET_KEY must be set (32 characters or more) in production.")
        if not os.environ.get("DATABASE_URL"):
            raise RuntimeError("DATABASE_URL must be set in production.")
        public = urlsplit(config.get("PUBLIC_BASE_URL") or "")
        if public.scheme != "https" or not public.hostname:
            raise RuntimeError("PUBLIC_BASE_URL must be set to the site's https:// address in production "
                               "(every link in mail is built from it).")
        config["TRUSTED_HOSTS"] = _trusted_hosts(config, local=False)
        _check_uploads(config)
        # Each process keeps its own memory:// counters: with N workers, N times the attempts.
        single_process = os.environ.get("WEB_CONCURRENCY", "").strip() == "1"
        if config["RATELIMIT_STORAGE_URI"].startswith("memory://") and not single_process:
            raise RuntimeError("RATELIMIT_STORAGE_URI must name a shared store (e.g. redis://host:6379/0) "
                               "in production, unless WEB_CONCURRENCY=1 says one process serves the site.")


CONFIGS = {"development": Config, "production": ProductionConfig, "testing": TestConfig}
