"""Time whole requests to a few pages in-process (Flask's test client), as anonymous or signed in.

    DATABASE_URL=sqlite:////abs/path/bench.sqlite3 .venv/bin/python bench/profile_page.py /challenges/
    DATABASE_URL=… .venv/bin/python bench/profile_page.py --as venture "/challenges/?q=抗体&lang=ja"
    DATABASE_URL=… .venv/bin/python bench/profile_page.py --as staff --profile 30 /review/

Signs in through the real form (with its CSRF token) as ``--as``: anonymous, venture, company or
staff (the first such account of `flask bench-data`, password ``kakehashi-bench``) or an e-mail
address. Then, per URL: warm-up requests, N timed requests, and it prints the median, p95 and
minimum in milliseconds, the median CPU time of the process (which a busy machine inflates far
less than the wall time; SQLite runs in the process, PostgreSQL does not) and the SQL statements
of one request. ``--profile K`` runs the timed
requests again under cProfile and prints the top K functions by own time and by cumulative time.
The app is built as wsgi.py builds it (gc.freeze() after create_app). The figures are the whole
request (routing, the session, the queries, the template), without a server in front.
"""
import argparse
import cProfile
import gc
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, select  # noqa: E402

ROLES = ("anonymous", "venture", "company", "staff")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def bench_account(role: str) -> str:
    """The e-mail address of the first active account of ``role`` in the bench data."""
    from app.auth.models import Organization, OrganizationKind, User
    from app.extensions import db

    query = select(User.email).join(User.organization).where(User.active.is_(True)).order_by(User.id)
    if role == "venture":
        query = query.where(Organization.kind == OrganizationKind.venture)
    elif role == "company":
        query = query.where(Organization.kind == OrganizationKind.company)
    else:
        query = query.where(Organization.institution.is_not(None))
    email = db.session.scalar(query)
    db.session.remove()
    if email is None:
        raise SystemExit(f"No {role} account: run `flask --app wsgi bench-data` first.")
    return email


def sign_in(client, email: str, password: str) -> None:
    """Through the form, as a browser does: its CSRF token first."""
    form = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form) or \
        re.search(r'name="csrf_token" value="([^"]+)"', form)
    data = {"email": email, "password": password, "csrf_token": token.group(1) if token else ""}
    response = client.post("/auth/login", data=data)
    if response.status_code != 302 or "/auth/login" in response.location:
        raise SystemExit(f"Signing in as {email} failed ({response.status_code}).")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("urls", nargs="+", metavar="URL")
    parser.add_argument("--as", dest="who", default="anonymous",
                        help=f"one of {', '.join(ROLES)}, or an e-mail address (default anonymous)")
    parser.add_argument("--password", default=None, help="for an e-mail address (default: the bench password)")
    parser.add_argument("-n", "--repeat", type=int, default=30, help="timed requests per URL")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--profile", type=int, default=0, metavar="K", help="print cProfile's top K functions")
    parser.add_argument("--sql", action="store_true", help="print the statements of one request, each with its time")
    arguments = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        parser.error("set DATABASE_URL (or BENCH_DATABASE_URL) to a database filled by `flask bench-data`")

    from app import create_app
    from app.extensions import db
    from bench.data import BENCH_PASSWORD

    app = create_app("development", SQLALCHEMY_DATABASE_URI=url)
    gc.freeze()  # as wsgi.py does
    client = app.test_client()
    with app.app_context():
        if arguments.who != "anonymous":
            email = arguments.who if "@" in arguments.who else bench_account(arguments.who)
            sign_in(client, email, arguments.password or BENCH_PASSWORD)
            print(f"signed in as {email}")
        engine = db.engine

    statements: list[list] = []  # [statement, ms] of the last request

    def before(conn, cursor, statement, *args):
        statements.append([statement, time.perf_counter()])

    def after(*args):
        statements[-1][1] = (time.perf_counter() - statements[-1][1]) * 1000

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    print(f"{engine.dialect.name}; {arguments.warmup} warm-up + {arguments.repeat} timed requests per URL\n")
    print(f"{'median':>7} {'p95':>7} {'min':>7} {'CPU':>7} {'SQL':>4}  URL (ms; CPU: the process's CPU time, median)")
    for target in arguments.urls:
        timings, cpu = [], []
        for run in range(arguments.warmup + arguments.repeat):
            statements.clear()
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(target)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{target}: {response.status_code}")
            if run >= arguments.warmup:
                timings.append(elapsed)
                cpu.append((time.process_time() - started_cpu) * 1000)
        print(f"{statistics.median(timings):7.2f} {percentile(timings, 0.95):7.2f} {min(timings):7.2f} "
              f"{statistics.median(cpu):7.2f} {len(statements):4d}  {target}")
        if arguments.sql:
            for statement, milliseconds in statements:  # the last request's: its time, then its text
                print(f"   {milliseconds:6.2f} ms ", " ".join(statement.split())[:300])
        if arguments.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(arguments.repeat):
                client.get(target)
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats("tottime").print_stats(arguments.profile)
            stats.sort_stats("cumulative").print_stats(arguments.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
