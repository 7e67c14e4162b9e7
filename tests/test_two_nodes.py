"""Two app servers, one site (docs/deploy.md): two gunicorn processes on different ports, configured
as production is, sharing one PostgreSQL database, one Redis database and one S3 endpoint (moto's
server). A file uploaded through one is downloaded through the other with the same sign-in, and failed
sign-ins are counted across both. The test plays the proxy: it sends the public Host and
X-Forwarded-For/Proto as nginx would (TRUSTED_PROXIES=1)."""
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.conftest import (
    PASSWORD,
    S3_CREDENTIALS,
    challenge_factory,
    free_port,
    new_organization,
    new_user,
    proposal_factory,
)

pytestmark = [pytest.mark.postgresql_only, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_HOST = "kakehashi.test"
REDIS_URL = "redis://127.0.0.1:6379/11"  # a database of its own, flushed before and after
PDF = b"%PDF-1.4\n% two nodes\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + secrets.token_bytes(2048)
LOGIN_LIMIT = 10  # app/auth/routes.py: failed sign-ins per address per 15 minutes


def _admin(url):
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)


@pytest.fixture
def shared_database():
    """A PostgreSQL database of this test's own (dropped after it); nodes() fills it."""
    url = make_url(os.environ["TEST_DATABASE_URL"])
    url = url.set(database=f"{url.database}_two_nodes").render_as_string(hide_password=False)
    name = make_url(url).database
    admin = _admin(url)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate_and_fill(url: str) -> dict:
    """The migrations, as a deploy runs them, then a venture's draft to an open call."""
    from flask_migrate import upgrade

    from app import create_app
    from app.auth.services.institutions import ensure_institutions
    from app.extensions import db

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={"poolclass": NullPool})
    with app.app_context():
        upgrade(revision="heads")
        ensure_institutions()
        venture = new_organization("venture")
        people = {"venture_owner": new_user(organization=venture),
                  "company_owner": new_user(organization=new_organization("company"))}
        proposal = proposal_factory(people, challenge_factory(people))("draft")
        filled = {"email": people["venture_owner"].email, "proposal_id": proposal.id}
        db.session.remove()
        db.engine.dispose()
    return filled


@pytest.fixture
def shared_redis():
    import redis

    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    yield REDIS_URL
    store.flushdb()
    store.close()


@pytest.fixture
def shared_bucket(s3_client):
    bucket = f"two-nodes-{secrets.token_hex(4)}"
    s3_client.create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture
def nodes(shared_database, shared_redis, shared_bucket, moto_s3, tmp_path):
    """Two gunicorn processes (gunicorn.conf.py, one worker each), as production runs them; each with
    an instance folder and an UPLOAD_DIR of its own, so that nothing is shared but the three stores."""
    secret_key = secrets.token_hex(32)
    started = []
    for name in ("a", "b"):
        port = free_port()
        folder = tmp_path / name
        env = {**os.environ, **S3_CREDENTIALS,
               "KAKEHASHI_ENV": "production", "SECRET_KEY": secret_key, "DATABASE_URL": shared_database,
               "PUBLIC_BASE_URL": f"https://{PUBLIC_HOST}", "RATELIMIT_STORAGE_URI": shared_redis,
               "UPLOAD_BACKEND": "s3", "S3_BUCKET": shared_bucket, "S3_ENDPOINT_URL": moto_s3,
               "S3_REGION": "us-east-1", "S3_ADDRESSING_STYLE": "path", "TRUSTED_PROXIES": "1",
               "KAKEHASHI_INSTANCE": str(folder), "UPLOAD_DIR": str(folder / "uploads"),
               "MAIL_FILE_DIR": str(folder / "mail"), "GUNICORN_BIND": f"127.0.0.1:{port}",
               "WEB_CONCURRENCY": "1"}
        for unset in ("TRUSTED_HOSTS", "MAIL_SERVER", "FLASK_APP"):
            env.pop(unset, None)
        log = (tmp_path / f"{name}.log").open("wb")
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append((process, port, tmp_path / f"{name}.log"))
    try:
        filled = migrate_and_fill(shared_database)  # while the nodes start: they need the database only later
        for process, port, log_path in started:
            _wait_until_up(process, port, log_path)
        yield {"urls": [f"http://127.0.0.1:{port}" for _process, port, _log in started], **filled}
    finally:
        for process, _port, _log in started:
            process.send_signal(signal.SIGTERM)
        for process, _port, _log in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(process, port: int, log_path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"node on port {port} exited:\n{log_path.read_text()[-3000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    pytest.fail(f"node on port {port} did not answer /healthz:\n{log_path.read_text()[-3000:]}")


class Browser:
    """One person's browser behind the proxy: its cookies go to whichever node the proxy picks. The
    session cookie is Secure, so it is carried by hand over the test's plain HTTP."""

    def __init__(self, client_ip: str):
        self.cookies: dict[str, str] = {}
        self.headers = {"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": client_ip}

    def request(self, method: str, node: str, path: str, **kwargs) -> requests.Response:
        headers = self.headers
        if method == "POST":  # over https Flask-WTF also checks that the form came from this site
            headers = {**headers, "Referer": f"https://{PUBLIC_HOST}{path}"}
        response = requests.request(method, node + path, headers=headers, cookies=self.cookies,
                                    allow_redirects=False, timeout=30, **kwargs)
        self.cookies.update(response.cookies.get_dict())
        return response

    def csrf_token(self, node: str, path: str) -> str:
        page = self.request("GET", node, path)
        assert page.status_code == 200, (path, page.status_code)
        return re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)

    def sign_in(self, node: str, email: str, password: str) -> requests.Response:
        token = self.csrf_token(node, "/auth/login")
        return self.request("POST", node, "/auth/login",
                            data={"csrf_token": token, "email": email, "password": password})


def test_two_nodes_share_files_sessions_and_sign_in_limits(nodes, s3_client, shared_bucket):
    node_a, node_b = nodes["urls"]
    email, proposal_id = nodes["email"], nodes["proposal_id"]

    venture = Browser("203.0.113.10")
    assert venture.sign_in(node_a, email, PASSWORD).status_code == 302
    token = venture.csrf_token(node_a, f"/proposals/{proposal_id}")
    uploaded = venture.request("POST", node_a, f"/proposals/{proposal_id}/attachments",
                               data={"csrf_token": token}, files={"file": ("plan.pdf", PDF, "application/pdf")})
    assert uploaded.status_code == 302, uploaded.text[:500]
    [stored] = s3_client.list_objects_v2(Bucket=shared_bucket)["Contents"]
    assert stored["Size"] == len(PDF)

    # Node B: the same sign-in (the session cookie from A), the same list of files, the same bytes.
    page = venture.request("GET", node_b, f"/proposals/{proposal_id}")
    assert page.status_code == 200 and "plan.pdf" in page.text
    [link] = re.findall(rf'href="(/proposals/{proposal_id}/attachments/\d+)"', page.text)
    download = venture.request("GET", node_b, link)
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"] == "attachment; filename=plan.pdf"
    assert download.headers["Cache-Control"] == "private, no-store"

    # Failed sign-ins for one address, counted in Redis: most on A, the last allowed one on B.
    attacker = Browser("198.51.100.20")
    for attempt in range(LOGIN_LIMIT):
        node = node_a if attempt < LOGIN_LIMIT - 1 else node_b
        refused = attacker.sign_in(node, email, "not the password")
        assert refused.status_code == 200 and "not correct" in refused.text, attempt
    for node in (node_a, node_b):
        blocked = attacker.sign_in(node, email, PASSWORD)  # even the right password, now
        assert blocked.status_code == 429 and "Too many attempts" in blocked.text
