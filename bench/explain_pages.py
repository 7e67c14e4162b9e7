"""The query plans of the benchmarked pages, as Markdown (docs/performance-plans.md, issue 12).

    DATABASE_URL=sqlite:////abs/instance/bench/kakehashi-100k.sqlite3 \
        .venv/bin/python bench/explain_pages.py instance/bench/manifest-sqlite-100k.json
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/kakehashi_bench_100k \
        .venv/bin/python bench/explain_pages.py instance/bench/manifest-postgresql-100k.json

Opens each page of `make bench` (bench/load.py `pages`) once in-process, as the manifest's account
for it (signed in through the form), records the statements the request sends with their
parameters, and prints for each SELECT its time, its text and its plan: SQLite's EXPLAIN QUERY
PLAN, or PostgreSQL's EXPLAIN (ANALYZE, BUFFERS) with the rows each step actually read. Read-only
but for the sign-ins (which write a login session each).
"""
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import event  # noqa: E402


def explain(connection, statement: str, parameters) -> str:
    """The plan of one statement, as the database prints it."""
    cursor = connection.connection.dbapi_connection.cursor()
    if connection.dialect.name == "sqlite":
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        rows = cursor.fetchall()
        depth = {0: 0}
        lines = []
        for node, parent, _, detail in rows:  # (id, parent, notused, detail): indent by the parent chain
            depth[node] = depth.get(parent, 0) + 1
            lines.append("  " * (depth[node] - 1) + detail)
        return "\n".join(lines)
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters)
    return "\n".join(row[0] for row in cursor.fetchall())


def main() -> int:
    if len(sys.argv) != 2 or not os.environ.get("DATABASE_URL"):
        raise SystemExit(__doc__)
    manifest = json.loads(Path(sys.argv[1]).read_text())
    os.environ.setdefault("STAFF_REQUIRE_2FA", "0")  # bench staff have no second factor (bench/load.py)

    from load import pages
    from profile_page import sign_in

    from app import create_app
    from app.extensions import db

    app = create_app("development", SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"], STAFF_REQUIRE_2FA=False,
                     LISTING_CACHE_SECONDS=0)  # the listing's statements, not its cache
    clients = {}
    recorded: list[list] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        recorded.append([statement, parameters, time.perf_counter()])

    def after(*args):
        recorded[-1][2] = (time.perf_counter() - recorded[-1][2]) * 1000

    with app.app_context():
        engine = db.engine
    # The requests run outside an app context of ours: one pushed here would share `g`, and the CSRF
    # token kept there, between the clients.
    print(f"# Query plans of the benchmarked pages ({engine.dialect.name}, "
          f"{manifest['counts']['proposals']:,} proposals)\n")
    print("Made by `bench/explain_pages.py` (its docstring says how); each page opened once, as the "
          "account `make bench` uses, after one request to warm the caches. Times are of this run.\n")
    for page in pages(manifest):
        if page.path == "/healthz":
            continue
        client = clients.get(page.role)
        if client is None:
            client = clients[page.role] = app.test_client()
            if page.role:
                sign_in(client, manifest["accounts"][page.role], manifest["password"])
        client.get(page.path)  # warm: the session, the catalog, statement caches
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        try:
            response = client.get(page.path)
        finally:
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
        statements, recorded[:] = list(recorded), []
        print(f"## {page.name}: `{page.path}` as {page.role or 'anonymous'} "
              f"({response.status_code}, {len(statements)} statements)\n")
        with engine.connect() as connection:
            for number, (statement, parameters, milliseconds) in enumerate(statements, start=1):
                if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                print(f"{number}. {milliseconds:.2f} ms\n")
                print("```sql\n" + " ".join(statement.split()) + "\n```\n")
                print("```\n" + explain(connection, statement, parameters) + "\n```\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
