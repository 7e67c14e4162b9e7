"""Time the challenge listing (`find_challenges`) on a database filled by `flask bench-data`.

    DATABASE_URL=sqlite:////abs/path/bench.sqlite3 .venv/bin/python bench/search_benchmark.py
    BENCH_DATABASE_URL=postgresql+psycopg://… .venv/bin/python bench/search_benchmark.py

`make bench-search` builds the database and runs this. Each query runs as an anonymous visitor and
as a venture member, each in a fresh session as a request would, touching what a result card shows;
after a warm-up, every run is timed and the script prints p50/p95/max per query, per kind and
overall. The figures include SQLAlchemy's work, not the template.
"""
import argparse
import gc
import os
import platform
import statistics
import sys
import time
import unicodedata
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

TARGET_P95_MS = 50

# (kind, filters): English, Japanese and Korean; one to three terms; common and rare words;
# filters and sorts; listings without a query. Comments give the rough share of 10,000 matched.
QUERIES = [
    ("listing", dict()),  # open calls by deadline (~40 %)
    ("listing", dict(status="all", sort="newest")),
    ("listing", dict(status="closed", page=50)),
    ("listing", dict(program="joint_rnd", field="diagnostics")),
    ("listing", dict(country="KR", status="all")),
    ("en 1 term", dict(q="antibod")),  # prefix: antibodies, antibody-drug …
    ("en 1 term", dict(q="cancer", status="all")),  # common
    ("en 1 term", dict(q="kras")),  # KRAS and KRAS G12D
    ("en 1 term", dict(q="ai", status="all")),  # shortest prefix allowed
    ("en 1 term", dict(q="organoids", status="all")),
    ("en 2-3 terms", dict(q="machine learning")),
    ("en 2-3 terms", dict(q="kras g12d", status="all")),  # rare
    ("en 2-3 terms", dict(q="antibody drug conjugates", status="all")),
    ("en 2-3 terms", dict(q="cell therapy", program="startup_support", field="cell_gene_therapy")),
    ("en 2-3 terms", dict(q="pancreatic cancer", sort="newest", status="all")),
    ("ja", dict(q="抗体")),  # in most Japanese calls
    ("ja", dict(q="創薬", status="all")),
    ("ja", dict(q="開発", status="all", page=20)),  # boilerplate: nearly every Japanese call
    ("ja", dict(q="抗体医薬品", status="all")),  # phrase: bigrams + substring check
    ("ja", dict(q="アルツハイマー病")),
    ("ja", dict(q="AI創薬 がん", status="all")),
    ("ja", dict(q="抗体 膵臓がん 共同研究", status="all", sort="deadline")),
    ("ja", dict(q="薬", status="all")),  # one character: a prefix over bigrams
    ("ko", dict(q="항체")),
    ("ko", dict(q="신약개발", status="all")),
    ("ko", dict(q="항체 폐암", status="all")),
    ("ko", dict(q="알츠하이머병 공동연구", status="all")),
    ("ko", dict(q="암", status="all", country="JP")),  # one character, common
    ("ko", dict(q="근감소증")),  # rare
    ("mixed", dict(q="KRAS 抗体", status="all")),
    ("mixed", dict(q="mrna 백신", field="cell_gene_therapy", status="all")),
]


def describe(filters: dict, width: int = 62) -> str:
    """The filters, padded to `width` columns (a Japanese or Korean character takes two)."""
    text = " ".join(f"{key}={value}" for key, value in filters.items()) or "(open calls)"
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - columns)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(values: list[float]) -> str:
    return (f"p50 {statistics.median(values):6.1f}  p95 {percentile(values, 0.95):6.1f}  "
            f"max {max(values):6.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per query and viewer")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--freeze-gc", action="store_true",
                        help="gc.freeze() after start-up, as a server could after loading the app")
    arguments = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        parser.error("set BENCH_DATABASE_URL or DATABASE_URL (or run `make bench-search`)")

    from app import create_app
    from app.auth.models import AnonymousUser, Organization, OrganizationKind, User
    from app.challenges.models import Challenge, ChallengeSearchTerm
    from app.challenges.search import find_challenges
    from app.extensions import db

    app = create_app("development", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load: statistics, and the visibility map
            # that index-only scans need.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        challenges = db.session.scalar(select(func.count()).select_from(Challenge))
        search_terms = db.session.scalar(select(func.count()).select_from(ChallengeSearchTerm))
        venture = db.session.scalar(select(User).join(User.organization).where(
            Organization.kind == OrganizationKind.venture, User.active.is_(True)).order_by(User.id))
        if not challenges or venture is None:
            print("No bench data: run `flask --app wsgi bench-data` first.", file=sys.stderr)
            return 1
        assert not venture.can_use_staff_pages and venture.organization_id  # loaded, as by the login
        viewers = {"anonymous": AnonymousUser(), "venture": venture}
        version = db.session.execute(select(func.sqlite_version()) if url.startswith("sqlite")
                                     else select(func.version())).scalar()
        db.session.remove()

        print(f"Kakehashi search benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
        print(f"database: {db.engine.dialect.name} {version.split(' on ')[0]}; "
              f"{challenges} challenges, {search_terms} search terms")
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
              f"{platform.system()} {platform.release()}")
        if arguments.freeze_gc:
            find_challenges(user=viewers["anonymous"], q="antibody")  # imports and caches, then freeze
            db.session.remove()
            gc.collect()
            gc.freeze()
        print(f"method: {arguments.warmup} warm-up + {arguments.repeat} timed runs per query and viewer, "
              f"a fresh session each{', gc.freeze() after start-up' if arguments.freeze_gc else ''}\n")

        by_kind, overall = defaultdict(list), []
        print(f"{'kind':<13} {'query':<62} {'viewer':<9} {'total':>6}  timings")
        for kind, filters in QUERIES:
            for name, viewer in viewers.items():
                timings = []
                for run in range(arguments.warmup + arguments.repeat):
                    started = time.perf_counter()
                    page = find_challenges(user=viewer, **filters)
                    cards = [(c.organization.display_name, c.fields, c.text.title) for c in page.items]  # a card
                    elapsed = (time.perf_counter() - started) * 1000
                    db.session.remove()
                    if run >= arguments.warmup:
                        timings.append(elapsed)
                assert len(cards) == len(page.items)
                by_kind[kind] += timings
                overall += timings
                print(f"{kind:<13} {describe(filters)} {name:<9} {page.total:>6}  {summary(timings)}")

        print("\nper kind")
        for kind, timings in by_kind.items():
            print(f"  {kind:<13} {summary(timings)}")
        p95 = percentile(overall, 0.95)
        print(f"\noverall ({len(overall)} runs): {summary(overall)}")
        print(f"target p95 < {TARGET_P95_MS} ms: {'met' if p95 < TARGET_P95_MS else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
