"""bench/explain_pages.py prints each statement's plan as the database gives it (docs/performance-plans)."""
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from explain_pages import explain  # noqa: E402


def test_a_sqlite_plan_names_the_index_and_nests_its_subqueries():
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER)"))
        connection.execute(text("CREATE INDEX ix_t_a ON t (a)"))
        plan = explain(connection, "SELECT id FROM t WHERE a = ? AND b IN (SELECT b FROM t WHERE id = ?)", (1, 2))
    lines = plan.splitlines()
    assert any("USING INDEX ix_t_a" in line or "USING COVERING INDEX ix_t_a" in line for line in lines)
    # The subquery's own step is indented under the step that holds it.
    assert any(line.startswith("  ") and "PRIMARY KEY" in line for line in lines)
