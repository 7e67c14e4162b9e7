"""Load on the main pages through gunicorn with wrk, at 1,000 and 100,000 proposals (issue 12).

    make bench                                         # SQLite, instance/bench/kakehashi-<size>.sqlite3
    make bench BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/kakehashi_bench
                                                       # PostgreSQL: kakehashi_bench_1k, kakehashi_bench_100k

For each size: build the database once (`flask db upgrade`, `flask bench-data … --if-empty
--manifest`), start gunicorn (2 sync workers) with the production configuration, sign in as each
role through the real form, drive every page with wrk at concurrency 1 and 8, then, in this
process, count each page's SQL statements and time it with the test client. Prints a table per
size, the 100k ÷ 1k ratios and the budgets, and writes everything to
instance/bench/results-<database>-<timestamp>.json. The exit code is 0 when every page answered
2xx, budgets missed or not (it is a measurement); 1 when a page or a sign-in failed.

Environment: BENCH_DATABASE_URL (PostgreSQL), BENCH_SIZES ("1k", "1k,100k", or with numbers
"1k=40:1000,100k=2500:100000": challenges:proposals), BENCH_SECONDS (10), BENCH_WARMUP (1),
BENCH_REPEAT (30 in-process requests per page), BENCH_REDIS_URL (redis://127.0.0.1:6379/15,
flushed first: the bench's own sign-ins must not trip the sign-in limit run after run).
"""
import gc
import html
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "instance" / "bench"
VENV_BIN = Path(sys.executable).parent
LUA_SCRIPT = Path(__file__).resolve().parent / "wrk_report.lua"

# The presets, in one place (the generator's proportions: docs/performance.md, "The data").
SIZES = {"1k": (40, 1_000), "100k": (2_500, 100_000)}
SECRET_KEY = "bench-secret-key-" + "x" * 32  # the production config wants 32 characters or more
PUBLIC_BASE_URL = "https://127.0.0.1"  # behind a proxy that ends TLS, as in production
WORKERS = 2

# Budgets of issue 12 (2 cores, concurrency 8, 100,000 proposals).
P95_BUDGET_MS = 50
SHARE_BUDGET = 0.35
RATIO_BUDGET = 1.5
IN_PROCESS_LIST_BUDGET_MS = 5
FLOOR_PAGES = {"home", "healthz"}  # the references: measured, not held to the share budget
LIST_PAGES = {"list (anonymous)", "list (venture)"}


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    role: str | None  # the manifest's account that opens it; None: anonymous


def pages(manifest: dict) -> list[Page]:
    challenges = manifest["challenges"]
    return [
        Page("home", "/", None),
        Page("list (anonymous)", "/challenges/", None),
        Page("list (venture)", "/challenges/", "venture"),
        Page("search ja", "/challenges/?q=" + quote("抗体"), "venture"),
        Page("search ko", "/challenges/?q=" + quote("항체"), "venture"),
        Page("search en", "/challenges/?q=antibody", "venture"),
        Page("challenge", f"/challenges/{challenges['page']}", "venture"),
        Page("my proposals", "/proposals/mine", "venture"),
        Page("ranking (largest)", f"/review/challenges/{challenges['largest']}", "staff"),
        Page("review", "/review/", "staff"),
        Page("decisions", "/staff/decisions", "staff"),
        Page("healthz", "/healthz", None),
    ]


def parse_sizes(text: str | None) -> dict[str, tuple[int, int]]:
    """BENCH_SIZES: "1k,100k" picks presets; "name=challenges:proposals" sets the numbers."""
    if not text:
        return dict(SIZES)
    sizes = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, numbers = item.partition("=")
        if numbers:
            challenges, _, proposals = numbers.partition(":")
            sizes[name] = (int(challenges), int(proposals))
        elif name in SIZES:
            sizes[name] = SIZES[name]
        else:
            raise ValueError(f"unknown size {name!r}: give it as {name}=CHALLENGES:PROPOSALS")
    return sizes


# wrk -------------------------------------------------------------------------------------------------

class BenchError(Exception):
    """A page or a sign-in that failed: the run is worthless for it, and says so."""


@dataclass
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    non2xx: int
    first_non2xx: int
    socket_errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> bool:
        return self.non2xx > 0 or self.socket_errors > 0 or self.requests == 0

    @property
    def problem(self) -> str:
        if self.requests == 0:
            return "no request completed in the run"
        return f"{self.non2xx} non-2xx (first {self.first_non2xx}), {self.socket_errors} socket errors"

    def as_dict(self) -> dict:
        return {**asdict(self), "rps": round(self.rps, 1), "failed": self.failed}


def parse_wrk_report(output: str) -> LoadResult:
    """The line wrk_report.lua prints at the end of a run."""
    for line in output.splitlines():
        if line.startswith("WRK-REPORT "):
            report = json.loads(line.removeprefix("WRK-REPORT "))
            break
    else:
        raise BenchError("wrk printed no report:\n" + output)
    return LoadResult(
        requests=report["requests"], seconds=report["duration_us"] / 1e6,
        p50_ms=report["p50_us"] / 1000, p95_ms=report["p95_us"] / 1000, p99_ms=report["p99_us"] / 1000,
        max_ms=report["max_us"] / 1000, non2xx=report["non2xx"], first_non2xx=report["first_non2xx"],
        socket_errors=sum(report["socket_errors"].values()))


def run_wrk(url: str, *, connections: int, threads: int, seconds: float,
            headers: dict[str, str]) -> LoadResult:
    # wrk takes whole seconds
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
               "--timeout", "10s", "-s", str(LUA_SCRIPT)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    finished = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60)
    if finished.returncode != 0:
        message = (finished.stderr or finished.stdout).strip().splitlines()
        raise BenchError(f"wrk failed ({finished.returncode}): {message[0] if message else ''}")
    return parse_wrk_report(finished.stdout)


# Signing in through the form ---------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    location: str  # path and query of a redirect, "" otherwise
    text: str


CSRF_FIELD = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]*)"|'
                        r'<input[^>]*\bvalue="([^"]*)"[^>]*\bname="csrf_token"')


def csrf_token(page: str) -> str | None:
    match = CSRF_FIELD.search(page)
    return html.unescape(match.group(1) or match.group(2)) if match else None


def _local(location: str | None) -> str:
    if not location:
        return ""
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class HttpBrowser:
    """A browser without redirects or JavaScript, on the standard library: cookies kept, the
    headers a TLS-ending proxy adds (X-Forwarded-Proto), a Referer on forms as a browser sends."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None):
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers or {})
        # The session cookie is Secure: behind the proxy, this is the https side.
        self.cookies = CookieJar(DefaultCookiePolicy(secure_protocols=("https", "wss", "http")))

        class KeepRedirects(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), KeepRedirects)

    def _send(self, request: urllib.request.Request) -> Answer:
        try:
            with self.opener.open(request, timeout=30) as response:
                return Answer(response.status, "", response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as error:
            return Answer(error.code, _local(error.headers.get("Location")), error.read().decode("utf-8", "replace"))

    def get(self, path: str) -> Answer:
        return self._send(urllib.request.Request(self.base_url + path, headers=self.headers))

    def post(self, path: str, form: dict[str, str], referer: str) -> Answer:
        body = urllib.parse.urlencode(form).encode()
        # The origin the site sees: its Host header, and https when the proxy says so.
        scheme = "https" if self.headers.get("X-Forwarded-Proto") == "https" else "http"
        headers = {**self.headers, "Referer": f"{scheme}://{urlsplit(self.base_url).netloc}{referer}",
                   "Content-Type": "application/x-www-form-urlencoded"}
        return self._send(urllib.request.Request(self.base_url + path, data=body, headers=headers, method="POST"))

    def cookie_header(self) -> str:
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.cookies)


class ClientBrowser:
    """The same over Flask's test client, in this process (https, as behind the proxy)."""

    def __init__(self, client, base_url: str = PUBLIC_BASE_URL):
        self.client = client
        self.base_url = base_url

    def _answer(self, response) -> Answer:
        return Answer(response.status_code, _local(response.headers.get("Location")), response.get_data(as_text=True))

    def get(self, path: str) -> Answer:
        return self._answer(self.client.get(path, base_url=self.base_url))

    def post(self, path: str, form: dict[str, str], referer: str) -> Answer:
        return self._answer(self.client.post(path, data=form, base_url=self.base_url,
                                             headers={"Referer": self.base_url + referer}))


class LoginFailed(BenchError):
    pass


LOGIN_PATH = "/auth/login"
TWO_FACTOR_PATH = "/auth/two-factor"
PROFILE_PATH = "/auth/profile"


def _post_form(browser, path: str, fields: dict[str, str]) -> Answer:
    page = browser.get(path)
    if page.status != 200:
        raise LoginFailed(f"GET {path} answered {page.status} {page.location}")
    token = csrf_token(page.text)
    return browser.post(path, {**({"csrf_token": token} if token else {}), **fields}, referer=path)


def log_in(browser, email: str, password: str, totp_code=None) -> None:
    """Sign in through the form as a person would: the page, its CSRF token, the address and the
    password, then the six-digit code if the site asks for one (totp_code() gives it); then check
    that the profile page opens as that person. Raises LoginFailed."""
    answer = _post_form(browser, LOGIN_PATH, {"email": email, "password": password})
    if answer.status != 302:
        raise LoginFailed(f"{email}: the sign-in form answered {answer.status} (wrong password, CSRF or limit)")
    if urlsplit(answer.location).path == TWO_FACTOR_PATH:
        if totp_code is None:
            raise LoginFailed(f"{email}: the site asks for a two-factor code and the manifest gives no secret")
        answer = _post_form(browser, answer.location, {"code": totp_code()})
        if answer.status != 302:
            raise LoginFailed(f"{email}: the two-factor code was refused ({answer.status})")
    elif urlsplit(answer.location).path.startswith(TWO_FACTOR_PATH):
        raise LoginFailed(f"{email}: the site asks to enrol a second factor ({answer.location})")
    profile = browser.get(PROFILE_PATH)
    if profile.status != 200 or html.escape(email) not in profile.text:
        raise LoginFailed(f"{email}: signed in, yet the profile page answered {profile.status} {profile.location}")


def next_totp_code(secret: str, used_step: int | None, now: float | None = None) -> tuple[str, float]:
    """The code to send and the seconds to wait before sending it. The site takes each 30-second
    step once and accepts the current step or an adjacent one: the bench signs in twice per
    account (gunicorn, then the test client), so the second sign-in uses the next step."""
    import pyotp

    now = time.time() if now is None else now
    current = int(now // 30)
    step = current if used_step is None else max(used_step + 1, current)
    # Accepted once it is the current step or the next one: wait until step - 1 is the current.
    wait = (step - 1) * 30 - now + 0.5 if step > current + 1 else 0.0
    return pyotp.TOTP(secret).at(step * 30), wait


# Statements and in-process time ---------------------------------------------------------------------

@contextmanager
def count_statements(engine):
    """with count_statements(db.engine) as statements: …; len(statements)."""
    from sqlalchemy import event

    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# The table, the ratios and the budgets -------------------------------------------------------------

def size_rows(measured: list[dict]) -> list[dict]:
    """Each page's row with its throughput as a share of the home page's at c8, in the same run, and
    the budgets of one size: p95 at c8, the share, and (for the challenge list) in-process time."""
    home = next((row for row in measured if row["page"] == "home"), None)
    home_rps = home["c8"]["rps"] if home and home.get("c8") else 0
    rows = []
    for row in measured:
        c8 = row.get("c8") or {}
        share = c8.get("rps", 0) / home_rps if home_rps else None
        budgets = {"p95": "ok" if c8 and c8["p95_ms"] <= P95_BUDGET_MS else "MISS"}
        if row["page"] not in FLOOR_PAGES:
            budgets["share"] = "ok" if share is not None and share >= SHARE_BUDGET else "MISS"
        if row["page"] in LIST_PAGES:
            ms = row.get("in_process_median_ms")
            budgets["in_process"] = "ok" if ms is not None and ms <= IN_PROCESS_LIST_BUDGET_MS else "MISS"
        rows.append({**row, "share_of_home": None if share is None else round(share, 3), "budgets": budgets})
    return rows


def ratios(small: list[dict], large: list[dict]) -> list[dict]:
    """Per page, large ÷ small: p50 at c8 (the budget: ≤ 1.5), req/s at c8 (small ÷ large, so that
    above 1 is slower too), and whether the statements stayed the same."""
    by_page = {row["page"]: row for row in small}
    result = []
    for row in large:
        before = by_page.get(row["page"])
        if before is None or not before.get("c8") or not row.get("c8"):
            continue
        p50 = row["c8"]["p50_ms"] / before["c8"]["p50_ms"] if before["c8"]["p50_ms"] else None
        rps = before["c8"]["rps"] / row["c8"]["rps"] if row["c8"]["rps"] else None
        same_statements = row.get("statements") == before.get("statements")
        result.append({"page": row["page"], "p50_ratio": None if p50 is None else round(p50, 2),
                       "rps_ratio": None if rps is None else round(rps, 2),
                       "statements": [before.get("statements"), row.get("statements")],
                       "budgets": {"ratio": "ok" if p50 is not None and p50 <= RATIO_BUDGET else "MISS",
                                   "statements": "ok" if same_statements else "MISS"}})
    return result


def _cell(value, spec: str) -> str:
    return "–" if value is None else format(value, spec)


def format_size_table(title: str, rows: list[dict]) -> str:
    header = (f"{'page':<18} {'req/s c1':>9} {'req/s c8':>9} {'p50':>7} {'p95':>7} {'p99':>7} {'SQL':>4} "
              f"{'in-proc':>8} {'p95':>7} {'% home':>7}  budgets")
    lines = [title, header, "-" * len(header)]
    for row in rows:
        c1, c8 = row.get("c1") or {}, row.get("c8") or {}
        share = row.get("share_of_home")
        marks = " ".join(f"{name} {mark}" for name, mark in row["budgets"].items())
        if row.get("error"):
            marks = f"FAIL: {row['error']}"
        lines.append(
            f"{row['page']:<18} {_cell(c1.get('rps'), '9.1f')} {_cell(c8.get('rps'), '9.1f')} "
            f"{_cell(c8.get('p50_ms'), '7.1f')} {_cell(c8.get('p95_ms'), '7.1f')} {_cell(c8.get('p99_ms'), '7.1f')} "
            f"{_cell(row.get('statements'), '4d')} {_cell(row.get('in_process_median_ms'), '8.1f')} "
            f"{_cell(row.get('in_process_p95_ms'), '7.1f')} {_cell(None if share is None else share * 100, '6.0f')}%  "
            f"{marks}")
    lines.append("(latency in ms at concurrency 8; in-process: median and p95 ms of the test client in this process)")
    return "\n".join(lines)


def format_ratio_table(title: str, rows: list[dict]) -> str:
    header = f"{'page':<18} {'p50 ratio':>9} {'req/s ratio':>11} {'SQL':>9}  budgets"
    lines = [title, header, "-" * len(header)]
    for row in rows:
        marks = " ".join(f"{name} {mark}" for name, mark in row["budgets"].items())
        statements = "/".join(_cell(n, "d") for n in row["statements"])
        lines.append(f"{row['page']:<18} {_cell(row['p50_ratio'], '9.2f')} {_cell(row['rps_ratio'], '11.2f')} "
                     f"{statements:>9}  {marks}")
    return "\n".join(lines)


# The databases ---------------------------------------------------------------------------------------

@dataclass
class Target:
    """One bench database: its URL, where its manifest goes, and the stamp of a finished build."""
    size: str
    challenges: int
    proposals: int
    url: str
    manifest_path: Path
    stamp: Path | None = None  # SQLite only: the file exists once bench-data finished
    dialect: str = field(init=False)

    def __post_init__(self):
        self.dialect = "postgresql" if self.url.startswith("postgresql") else "sqlite"


def targets(sizes: dict[str, tuple[int, int]], bench_url: str | None) -> list[Target]:
    result = []
    for size, (challenges, proposals) in sizes.items():
        if bench_url:
            from sqlalchemy.engine import make_url

            base = make_url(bench_url)
            url = base.set(database=f"{base.database}_{size}").render_as_string(hide_password=False)
            result.append(Target(size, challenges, proposals, url, BENCH_DIR / f"manifest-postgresql-{size}.json"))
        else:
            path = BENCH_DIR / f"kakehashi-{size}.sqlite3"
            result.append(Target(size, challenges, proposals, f"sqlite:///{path}",
                                 BENCH_DIR / f"manifest-sqlite-{size}.json", stamp=path.with_suffix(".done")))
    return result


def _flask(target: Target, *arguments: str) -> None:
    env = {**os.environ, "DATABASE_URL": target.url}
    env.pop("KAKEHASHI_ENV", None)
    subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *arguments], cwd=ROOT, env=env, check=True)


def create_database_if_missing(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)).fetchone():
            connection.execute(f'CREATE DATABASE "{parsed.database}"')
            print(f"created database {parsed.database}")


def build(target: Target) -> dict:
    """The database of one size, built once and reused: migrated, filled, and its manifest."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    expected = f"{target.challenges}:{target.proposals}\n"
    if target.stamp is not None:
        database = Path(target.url.removeprefix("sqlite:///"))
        if not (target.stamp.exists() and target.stamp.read_text() == expected):
            database.unlink(missing_ok=True)  # half built, or for other numbers: start over
            target.stamp.unlink(missing_ok=True)
    else:
        create_database_if_missing(target.url)
    _flask(target, "db", "upgrade")
    _flask(target, "bench-data", "--challenges", str(target.challenges), "--proposals", str(target.proposals),
           "--seed", "1", "--if-empty", "--manifest", str(target.manifest_path))
    if target.stamp is not None:
        target.stamp.write_text(expected)
    else:
        vacuum_analyze(target.url)
    return json.loads(target.manifest_path.read_text())


def vacuum_analyze(url: str) -> None:
    """What autovacuum does soon after a bulk load: statistics, and the visibility map of index-only scans."""
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


def last_totp_step(url: str, email: str) -> int | None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        step = connection.execute(text("SELECT totp_last_counter FROM users WHERE email = :email"),
                                  {"email": email}).scalar()
    engine.dispose()
    return step


def code_for(url: str, email: str, secret: str):
    def code() -> str:
        value, wait = next_totp_code(secret, last_totp_step(url, email))
        if wait:
            print(f"  waiting {wait:.0f} s for the next two-factor step of {email}")
            time.sleep(wait)
        return value
    return code


# gunicorn ----------------------------------------------------------------------------------------------

def production_environment(url: str, redis_url: str) -> dict[str, str]:
    """What the production configuration needs (config.py, ProductionConfig.finalize)."""
    return {"KAKEHASHI_ENV": "production", "SECRET_KEY": SECRET_KEY, "DATABASE_URL": url,
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL, "TRUSTED_HOSTS": "127.0.0.1",
            "RATELIMIT_STORAGE_URI": redis_url, "WEB_CONCURRENCY": str(WORKERS),
            # The bench staff have no second factor (bench.data.manifest gives no TOTP secret): with the
            # production default they would be sent to enrol. The factor is checked at sign-in only, so
            # the measured pages cost the same either way.
            "STAFF_REQUIRE_2FA": "0",
            "MAIL_FILE_DIR": str(BENCH_DIR / "mail"), "UPLOAD_DIR": str(BENCH_DIR / "uploads")}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(url: str, redis_url: str):
    port = free_port()
    env = {**os.environ, **production_environment(url, redis_url)}
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"),  # as deployed (docs/deploy.md)
         "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base_url + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"gunicorn did not answer /healthz (exit code {process.poll()})")
            time.sleep(0.2)
        yield base_url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def busy_connections(port: int, table: str) -> int:
    """Connections to the server's port that a worker has yet to answer and close, read from
    /proc/net/tcp: established (01) or closed by the client only (08, CLOSE_WAIT)."""
    busy = 0
    for line in table.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 3 and int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] in {"01", "08"}:
            busy += 1
    return busy


def wait_until_idle(port: int, timeout: float = 120) -> None:
    """wrk stops at its deadline with requests still queued at the server: the next run would wait
    behind them (a run at concurrency 1 after one at 8 could complete nothing). Wait until the
    workers have answered every connection."""
    tables = [path for path in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")) if path.exists()]
    deadline = time.monotonic() + timeout
    while tables and time.monotonic() < deadline:
        if not sum(busy_connections(port, path.read_text()) for path in tables):
            return
        time.sleep(0.1)


# One size ---------------------------------------------------------------------------------------------

PROXY_HEADERS = {"X-Forwarded-Proto": "https"}  # gunicorn trusts it from 127.0.0.1 (forwarded_allow_ips)


def flush_rate_limits(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def measure_load(target: Target, manifest: dict, redis_url: str, seconds: float, warmup: float) -> dict[str, dict]:
    """wrk on every page through gunicorn: {page name: {"c1": …, "c8": …} or {"error": …}}."""
    results = {}
    with gunicorn(target.url, redis_url) as base_url:
        cookies = {}
        for role, email in manifest["accounts"].items():
            browser = HttpBrowser(base_url, PROXY_HEADERS)
            secret = manifest.get("totp", {}).get(role)
            log_in(browser, email, manifest["password"], code_for(target.url, email, secret) if secret else None)
            cookies[role] = browser.cookie_header()
            print(f"  signed in through the form as {role} ({email})")
        for page in pages(manifest):
            headers = dict(PROXY_HEADERS)
            if page.role:
                headers["Cookie"] = cookies[page.role]
            url = base_url + page.path
            port = urlsplit(base_url).port
            try:
                run_wrk(url, connections=8, threads=2, seconds=warmup, headers=headers)
                wait_until_idle(port)
                c1 = run_wrk(url, connections=1, threads=1, seconds=seconds, headers=headers)
                wait_until_idle(port)
                c8 = run_wrk(url, connections=8, threads=2, seconds=seconds, headers=headers)
                wait_until_idle(port)
            except BenchError as error:
                results[page.name] = {"error": str(error)}
                continue
            results[page.name] = {"c1": c1.as_dict(), "c8": c8.as_dict()}
            failed = [f"c{n}: {r.problem}" for n, r in ((1, c1), (8, c8)) if r.failed]
            if failed:
                results[page.name]["error"] = "; ".join(failed)
            print(f"  {page.name:<18} c1 {c1.rps:7.1f} req/s  c8 {c8.rps:7.1f} req/s  p95 {c8.p95_ms:6.1f} ms"
                  + (f"  FAIL {results[page.name]['error']}" if failed else ""))
    return results


def measure_in_process(target: Target, manifest: dict, redis_url: str, repeat: int) -> dict[str, dict]:
    """Statements and time per page in this process: the app as wsgi.py builds it, on the same
    database, signed in with the test client through the form."""
    from app import create_app
    from app.extensions import db

    saved = dict(os.environ)
    os.environ.update(production_environment(target.url, redis_url))  # read by ProductionConfig.finalize
    try:
        app = create_app("production", SQLALCHEMY_DATABASE_URI=target.url, RATELIMIT_STORAGE_URI=redis_url,
                         SECRET_KEY=SECRET_KEY, PUBLIC_BASE_URL=PUBLIC_BASE_URL, TRUSTED_HOSTS=["127.0.0.1"],
                         STAFF_REQUIRE_2FA=False)  # config.py read the environment when first imported
    finally:
        os.environ.clear()
        os.environ.update(saved)
    gc.collect()
    gc.freeze()  # as wsgi.py does
    browsers = {None: ClientBrowser(app.test_client())}
    for role, email in manifest["accounts"].items():
        browsers[role] = ClientBrowser(app.test_client())
        secret = manifest.get("totp", {}).get(role)
        log_in(browsers[role], email, manifest["password"], code_for(target.url, email, secret) if secret else None)
    results = {}
    with app.app_context():
        engine = db.engine
    for page in pages(manifest):
        browser = browsers[page.role]
        for _ in range(3):
            browser.get(page.path)
        with count_statements(engine) as statements:
            answer = browser.get(page.path)
        if answer.status != 200:
            results[page.name] = {"error": f"in-process: {answer.status} {answer.location}"}
            continue
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            answer = browser.get(page.path)
            timings.append((time.perf_counter() - started) * 1000)
            if answer.status != 200:
                results[page.name] = {"error": f"in-process: {answer.status} {answer.location}"}
                break
        else:
            results[page.name] = {"statements": len(statements),
                                  "in_process_median_ms": round(statistics.median(timings), 2),
                                  "in_process_p95_ms": round(percentile(timings, 0.95), 2)}
    with app.app_context():
        db.engine.dispose()
    gc.unfreeze()
    return results


def measure(target: Target, manifest: dict, redis_url: str, seconds: float, warmup: float, repeat: int) -> list[dict]:
    flush_rate_limits(redis_url)
    load = measure_load(target, manifest, redis_url, seconds, warmup)
    in_process = measure_in_process(target, manifest, redis_url, repeat)
    rows = []
    for page in pages(manifest):
        row = {"page": page.name, "path": page.path, "role": page.role, **load.get(page.name, {}),
               **in_process.get(page.name, {})}
        errors = [part for part in (load.get(page.name, {}).get("error"), in_process.get(page.name, {}).get("error"))
                  if part]
        if errors:
            row["error"] = "; ".join(errors)
        rows.append(row)
    return rows


def database_version(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        version = connection.execute(text("SELECT sqlite_version()" if url.startswith("sqlite")
                                          else "SELECT version()")).scalar()
    engine.dispose()
    return version.split(" on ")[0]


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed: `make bench` installs it (apt-get install wrk)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    bench_url = os.environ.get("BENCH_DATABASE_URL") or None
    sizes = parse_sizes(os.environ.get("BENCH_SIZES"))
    seconds = float(os.environ.get("BENCH_SECONDS", "10"))
    warmup = float(os.environ.get("BENCH_WARMUP", "1"))
    repeat = int(os.environ.get("BENCH_REPEAT", "30"))
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    started = datetime.now(UTC)
    report = {"started": started.isoformat(timespec="seconds"), "seconds": seconds, "warmup": warmup,
              "in_process_repeat": repeat, "workers": WORKERS,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "system": f"{platform.system()} {platform.release()}", "load": os.getloadavg()},
              "sizes": {}, "ratios": {}}
    ok = True
    for target in targets(sizes, bench_url):
        print(f"\n== {target.dialect}, {target.size}: {target.challenges} challenges, {target.proposals} proposals")
        manifest = build(target)
        load_before = os.getloadavg()[0]
        try:
            rows = size_rows(measure(target, manifest, redis_url, seconds, warmup, repeat))
        except BenchError as error:
            print(f"FAIL: {error}", file=sys.stderr)
            ok = False
            rows = []
        report["database"] = target.dialect
        report["sizes"][target.size] = {
            "challenges": target.challenges, "proposals": target.proposals,
            "database_version": database_version(target.url), "counts": manifest.get("counts", {}),
            "load_average": [load_before, os.getloadavg()[0]], "pages": rows}
        ok = ok and bool(rows) and not any(row.get("error") for row in rows)
    names = list(report["sizes"])
    print(f"\nKakehashi under load, {started:%Y-%m-%d %H:%M} UTC: gunicorn {WORKERS} sync workers, wrk "
          f"{seconds:g} s per run (c1: 1 thread, c8: 2 threads), {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    for name in names:
        size = report["sizes"][name]
        load = "–".join(f"{value:.1f}" for value in size["load_average"])
        print("\n" + format_size_table(
            f"{report['database']} {size['database_version']}, {name} ({size['proposals']} proposals, "
            f"{size['challenges']} challenges), load average {load}", size["pages"]))
    for small, large in zip(names, names[1:], strict=False):
        compared = report["ratios"][f"{large}/{small}"] = ratios(report["sizes"][small]["pages"],
                                                                  report["sizes"][large]["pages"])
        print("\n" + format_ratio_table(f"{large} ÷ {small} (p50 and req/s at c8; SQL statements {small}/{large})",
                                        compared))
    report["ok"] = ok
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"results-{report.get('database', 'none')}-{started:%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"\nwritten to {path.relative_to(ROOT)}" + ("" if ok else "\nFAIL: a page or a sign-in failed (above)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
