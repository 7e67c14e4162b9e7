"""Browser tests: the real application served over HTTP, driven by the system Chromium.

- ``live_server``: the app (CSRF on, real forms) on a free port, in a thread, for one test. The
  app and its schema are built once per run (per xdist worker): on SQLite its database is a file
  of the worker, because an in-memory database cannot be shared with the server's threads; with
  TEST_DATABASE_URL it is the worker's PostgreSQL database. The server's requests commit for real:
  the tables are emptied after each test, and app.config restored.
- ``browser``: one headless Chromium for the session. Without /usr/bin/chromium the tests skip,
  unless KAKEHASHI_REQUIRE_BROWSER=1 (CI), where a missing browser fails the run.
- ``new_context()`` / ``context`` / ``page``: a fresh browser profile per call, English
  (en-US), 1280 px wide, 10 s timeouts, relative URLs resolved against the live server. When a
  test fails, every open page is saved as a screenshot in the test's tmp_path.
- axe-core checks every page these contexts visit, as the test leaves it (``tests/e2e/axe.py``):
  a serious or critical accessibility finding (WCAG 2.1 AA contrast, a control without a name, …)
  fails the test at its end, with the page, the rule and the elements.
- ``shot(page, name)``: a full-page screenshot in /tmp/shots/ for people to look at.

Every test in this folder is marked ``e2e`` (and ``slow``, so it is scheduled first): ``pytest -m "not e2e"``
leaves them out.
"""
import os
import shutil
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from app.extensions import db, limiter
from tests.conftest import build_app, empty_tables, release_shared_data, snapshot_config
from tests.e2e.axe import AxeWatch

E2E_DIR = Path(__file__).resolve().parent
SHOTS_DIR = Path("/tmp/shots")
# Longer than axe.WAIT_S: a click that leaves a page waits for axe-core's report on it, which on a
# loaded two-core machine (CI runs two workers beside Chromium) can take several seconds.
TIMEOUT_MS = 30_000
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so fixtures can tell whether it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _chromium_path() -> str | None:
    if os.path.exists("/usr/bin/chromium"):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    executable = _chromium_path()
    if executable is None:
        reason = "browser tests need the system Chromium (/usr/bin/chromium or `chromium` on PATH)"
        if os.environ.get("KAKEHASHI_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}; KAKEHASHI_REQUIRE_BROWSER=1 forbids skipping them")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e")
    overrides = dict(WTF_CSRF_ENABLED=True, MAIL_FILE_DIR=str(folder / "mail"), UPLOAD_DIR=str(folder / "uploads"))
    if not os.environ.get("TEST_DATABASE_URL"):
        overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{folder}/e2e.sqlite3"
    app, ctx = build_app(**overrides)
    ctx.pop()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def live_server(live_app, tmp_path):
    app = live_app
    release_shared_data()  # the server commits: it must not wait for locks of the other tests' data
    saved = snapshot_config(app.config)
    app.config.update(MAIL_FILE_DIR=str(tmp_path / "mail"), UPLOAD_DIR=str(tmp_path / "uploads"))
    limiter.reset()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    # Links in e-mails sent outside a request (none in these journeys, but be safe) point here too.
    app.config["PUBLIC_BASE_URL"] = url
    try:
        yield SimpleNamespace(url=url, app=app, mail_dir=Path(app.config["MAIL_FILE_DIR"]))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with app.app_context():
            empty_tables()
        app.config.clear()
        app.config.update(saved)


@pytest.fixture
def new_context(browser, live_server, request, tmp_path):
    """new_context() -> a fresh browser context (no cookies) on the live server."""
    contexts = []
    axe = AxeWatch()

    def make(**options):
        options.setdefault("locale", "en-US")
        options.setdefault("base_url", live_server.url)
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        axe.watch(context)
        contexts.append(context)
        return context

    yield make
    failed = any(getattr(getattr(request.node, f"report_{when}", None), "failed", False)
                 for when in ("setup", "call"))
    for n, context in enumerate(contexts):
        if failed:
            for m, page in enumerate(context.pages):
                try:
                    path = tmp_path / f"failure-context{n}-page{m}.png"
                    page.screenshot(path=str(path), full_page=True)
                    print(f"screenshot of the failing page: {path} ({page.url})")
                except Exception as error:  # a crashed page must not hide the real failure
                    print(f"no screenshot for context {n} page {m}: {error}")
    findings = [] if failed else axe.finish(contexts)
    print(f"axe-core checked {axe.checked} page view(s)"
          + (f"; not in time: {', '.join(axe.unchecked)}" if axe.unchecked else ""))
    for context in contexts:
        context.close()
    if findings:
        pytest.fail(f"axe-core: {len(findings)} serious or critical finding(s) on the {axe.checked} page(s) "
                    "this test visited:\n" + "\n".join(findings), pytrace=False)


@pytest.fixture
def context(new_context):
    return new_context()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture(scope="session")
def shot():
    """shot(page, "home-ko") saves /tmp/shots/home-ko.png (full page)."""
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SHOTS_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
