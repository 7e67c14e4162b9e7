"""When the database cannot be reached: the app's own pages, 503 with Retry-After, and recovery."""
import os
import socket
import threading

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from tests.conftest import build_app, teardown_app

DEAD_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/none"


@pytest.fixture
def dead_app():
    """An app whose database refuses every connection; nothing is created in it."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=DEAD_DATABASE)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: handlers, not tracebacks

    @app.get("/explode-for-test")
    def explode():
        raise RuntimeError("boom")

    return app


def signed_in_client(app):
    """A browser holding a sign-in session: the first look at current_user asks the database."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "a-login-session-key"
        session["_fresh"] = True
    return client


def page_language(response) -> str:
    html = response.get_data(as_text=True)
    start = html.index('<html lang="') + len('<html lang="')
    return html[start:html.index('"', start)]


@pytest.mark.parametrize(("query", "cookie", "accept", "lang"), [
    ("?lang=ja", None, None, "ja"),
    ("", "ko", "ja", "ko"),
    ("", None, "ja-JP,ja;q=0.9", "ja"),
    ("", None, None, "en"),
])
def test_an_unreachable_database_answers_503_in_the_readers_language(dead_app, query, cookie, accept, lang):
    client = signed_in_client(dead_app)
    if cookie:
        client.set_cookie("lang", cookie)
    response = client.get(f"/challenges/{query}", headers={"Accept-Language": accept} if accept else {})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert page_language(response) == lang
    html = response.get_data(as_text=True)
    assert lang != "en" or "briefly unavailable" in html
    assert "OperationalError" not in html and "127.0.0.1" not in html
    assert response.headers["Content-Security-Policy"]  # still one of our responses


def test_an_anonymous_page_that_needs_the_database_answers_503(dead_app):
    response = dead_app.test_client().get("/challenges/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"


def test_the_500_page_renders_without_the_database(dead_app):
    """The error handler must not load the signed-in user (locale, navbar): the database is gone."""
    connects = []
    with dead_app.app_context():
        event.listen(db.engine, "do_connect", lambda *args: connects.append(args))
    client = signed_in_client(dead_app)
    client.set_cookie("lang", "ko")
    response = client.get("/explode-for-test")
    assert response.status_code == 500
    assert page_language(response) == "ko"
    assert "boom" not in response.get_data(as_text=True)
    assert connects == []


def test_a_404_for_a_signed_in_user_renders_while_the_database_is_down(dead_app):
    response = signed_in_client(dead_app).get("/no-such-page?lang=ja")
    assert response.status_code in (404, 503)
    assert page_language(response) == "ja"
    assert "<html" in response.get_data(as_text=True)


@pytest.mark.fresh_app
def test_other_database_errors_are_not_called_unavailable(app):
    """Only a connection that cannot be made is a 503; a bad statement stays a 500."""
    from sqlalchemy import text

    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/bad-sql-for-test")
    def bad_sql():
        db.session.execute(text("SELECT * FROM no_such_table"))

    response = app.test_client().get("/bad-sql-for-test")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers


# Recovery ------------------------------------------------------------------------------------

class SwitchableProxy:
    """A TCP proxy to the test database that can be switched off (every connection cut, nothing
    listening) and on again on the same port: a database that goes away and comes back."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.listener = None
        self.sockets: list[socket.socket] = []

    def start(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen()
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def stop(self):
        if self.listener is None:
            return
        for sock in [self.listener, *self.sockets]:  # shutdown wakes a thread blocked in accept()
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self.sockets.clear()
        self.listener = None

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self.sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            try:
                target.shutdown(socket.SHUT_WR)
            except OSError:
                pass


@pytest.mark.postgresql_only
def test_requests_recover_by_themselves_when_the_database_returns():
    url = make_url(os.environ["TEST_DATABASE_URL"])
    proxy = SwitchableProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    app, ctx = build_app(SQLALCHEMY_DATABASE_URI=url.set(host="127.0.0.1", port=proxy.port)
                         .render_as_string(hide_password=False))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        client = app.test_client()
        assert client.get("/challenges/").status_code == 200

        proxy.stop()
        for _ in range(2):  # the pool's connections are dead, and no new one can be made
            response = client.get("/challenges/")
            assert response.status_code == 503
            assert response.headers["Retry-After"] == "30"

        proxy.start()
        assert client.get("/challenges/").status_code == 200
        assert client.get("/challenges/").status_code == 200
    finally:
        if proxy.listener is None:
            proxy.start()  # for the teardown's truncation
        teardown_app(app, ctx)
        proxy.stop()


def test_a_busy_sqlite_database_answers_503_not_500(tmp_path):
    """`make run` serves SQLite: fifty people at once can find the file locked by a writer for
    longer than the driver waits. That is "busy, try again", not a server error."""
    import sqlite3

    from sqlalchemy import text

    path = tmp_path / "busy.sqlite3"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}",
                     SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"timeout": 0.05}})
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.post("/write-for-test")
    def write():
        db.session.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
        db.session.execute(text("INSERT INTO t VALUES (1)"))
        db.session.commit()
        return "ok"

    client = app.test_client()
    assert client.post("/write-for-test").status_code == 200
    other = sqlite3.connect(path)
    other.execute("BEGIN EXCLUSIVE")
    try:
        response = client.post("/write-for-test")
    finally:
        other.rollback()
        other.close()
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert client.post("/write-for-test").status_code == 200  # and it passes by itself
    with app.app_context():
        db.engine.dispose()
