"""What a page's statements read, from PostgreSQL's own plans (issue 12, "Query budgets in tests").

A statement count (``count_queries``) stays constant when a statement that reads every proposal in the
system replaces one that reads twenty: the cost is in the rows. ``record_plans`` (tests/conftest.py)
records the statements a request sends, with their parameters, then runs ``EXPLAIN (ANALYZE, FORMAT
JSON)`` on each SELECT in the test's transaction, after ``ANALYZE`` of the tables (allowed inside a
transaction block: the statistics then count the test's own rows). Each scan node of a table reads

    Actual Rows x Actual Loops  +  (Rows Removed by Filter + Rows Removed by Index Recheck) x Actual Loops

(EXPLAIN prints the rows removed as a mean per loop, like Actual Rows): the rows it returned and the rows
it read and threw away, which are what a budget is about. An index scan repeated in a loop counts at
least one row per loop: each loop is a probe of the index, even one that finds nothing (and PostgreSQL
before 18 rounds the mean per loop, so 0.1 row x 5,000 loops prints as 0). A Bitmap Index Scan is counted through the
Bitmap Heap Scan above it, which names the table.

The fixture holds thousands of rows, not a hundred thousand, and at that size the planner rightly reads
a 300-row table whole (a sequential scan, or a hash join's inner side) rather than make twenty index
look-ups; at 100,000 rows it would not. So the plans are taken as the planner chooses them when every
table is large: sequential scans, hash joins and merge joins off (LARGE_TABLE_PLANNING, for the EXPLAIN
only). A sequential scan that remains then has no index to use at all.
"""
import json
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import Connection

LARGE_TABLE_PLANNING = ("enable_seqscan", "enable_hashjoin", "enable_mergejoin")  # turned off, then on again

# Node types that read a table (they carry "Relation Name").
_TABLE_SCANS = {"Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Tid Scan", "Tid Range Scan",
                "Sample Scan"}


@dataclass(frozen=True)
class Read:
    """One scan node of one statement: the table, how, and the rows it read."""

    statement: "Explained"
    table: str
    node: str  # "Seq Scan", "Index Scan", …
    index: str | None
    loops: int
    returned: int
    removed: int
    condition: str | None  # what the index (or the bitmap) looked up: None if it read the whole table
    filter: str | None  # what the rows read were then tested on

    @property
    def rows(self) -> int:
        if self.node in {"Index Scan", "Index Only Scan"}:
            return max(self.returned + self.removed, self.loops)  # a probe per loop, even one that finds nothing
        return self.returned + self.removed

    def describe(self) -> str:
        how = f"{self.node} using {self.index}" if self.index else self.node
        where = "" if self.condition or self.node == "Seq Scan" else " [no lookup: walks the index]"
        where += "".join(f" [{label}: {value}]" for label, value in (("lookup", self.condition),
                                                                     ("filter", self.filter)) if value)
        return (f"{how} on {self.table}: {self.rows} rows read ({self.returned} kept, {self.removed} thrown away, "
                f"{self.loops} loop{'s' if self.loops != 1 else ''}){where}")


@dataclass(eq=False)
class Explained:
    number: int  # 1-based position among the request's statements
    sql: str
    parameters: object
    plan: dict
    reads: list[Read] = field(default_factory=list)

    def describe(self) -> str:
        one_line = " ".join(self.sql.split())
        shown = one_line if len(one_line) <= 600 else one_line[:600] + " …"
        return f"#{self.number}: {shown}\n    parameters: {self.parameters!r}"


def _scans(statement: Explained, node: dict):
    if node.get("Node Type") in _TABLE_SCANS and "Relation Name" in node:
        loops = int(node.get("Actual Loops", 1))
        returned = int(node.get("Actual Rows", 0)) * loops
        removed = round((node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0))
                        * loops)
        condition = node.get("Index Cond") or node.get("Recheck Cond") or node.get("TID Cond")
        yield Read(statement, node["Relation Name"], node["Node Type"], node.get("Index Name"), loops, returned,
                   removed, condition, node.get("Filter"))
    for child in node.get("Plans", ()):
        yield from _scans(statement, child)


def _is_select(sql: str) -> bool:
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return head in {"SELECT", "WITH"}


class Plans:
    """The plans of the statements one request sent: rows read per table, sequential scans, and
    assertions that name the statement and the plan node when they fail."""

    def __init__(self, statements: list[tuple[str, object]]):
        self.statements = statements  # every statement sent, as production would send it
        self.explained: list[Explained] = []

    def explain(self, connection: Connection) -> "Plans":
        """EXPLAIN ANALYZE each SELECT with sequential scans disabled (see the module's docstring)."""
        for setting in LARGE_TABLE_PLANNING:
            connection.exec_driver_sql(f"SELECT set_config('{setting}', 'off', true)")
        try:
            self._explain(connection)
        finally:
            for setting in LARGE_TABLE_PLANNING:
                connection.exec_driver_sql(f"SELECT set_config('{setting}', 'on', true)")
        return self

    def _explain(self, connection: Connection) -> None:
        for number, (sql, parameters) in enumerate(self.statements, start=1):
            if not _is_select(sql):
                continue
            raw = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", parameters or {}).scalar()
            document = raw if isinstance(raw, list) else json.loads(raw)
            explained = Explained(number, sql, parameters, document[0])
            explained.reads = list(_scans(explained, document[0]["Plan"]))
            self.explained.append(explained)

    @property
    def reads(self) -> list[Read]:
        return [read for explained in self.explained for read in explained.reads]

    def rows_read(self, *tables: str) -> int:
        """Rows read from these tables (all tables if none named), over every statement."""
        return sum(read.rows for read in self.reads if not tables or read.table in tables)

    def per_table(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for read in self.reads:
            totals[read.table] += read.rows
        return dict(sorted(totals.items(), key=lambda item: -item[1]))

    def summary(self) -> str:
        """Per statement, its scan nodes; then rows read per table."""
        lines = [f"{len(self.statements)} statements, {len(self.explained)} SELECTs explained"]
        for explained in self.explained:
            lines.append(explained.describe())
            lines += [f"    - {read.describe()}" for read in explained.reads] or ["    - (no table read)"]
        lines.append("rows read per table: " + ", ".join(f"{table} {rows}" for table, rows in self.per_table().items()))
        return "\n".join(lines)

    # Assertions ---------------------------------------------------------------------------------------

    def seq_scans(self, *tables: str) -> list[Read]:
        """Sequential scans that ran (a node of a subplan that was never needed, 0 loops, reads nothing).
        With sequential scans off for the EXPLAIN, one that remains has no index it could use. An index
        walked with no condition (shown "no lookup") may be stopped early by a LIMIT: the rows budget
        judges it."""
        return [read for read in self.reads
                if read.node == "Seq Scan" and read.loops > 0 and (not tables or read.table in tables)]

    def assert_no_seq_scan(self, *tables: str) -> None:
        found = self.seq_scans(*tables)
        assert not found, "sequential scan (no index serves the statement):\n" + "\n".join(
            f"{read.statement.describe()}\n    -> {read.describe()}" for read in found)

    def assert_reads_at_most(self, table: str, bound: int, *, why: str) -> None:
        """At most ``bound`` rows of ``table`` read, over every statement; ``why`` says where the
        bound comes from (what the page shows). A failure lists the statements that read the table,
        heaviest first."""
        total = self.rows_read(table)
        if total <= bound:
            return
        offenders = sorted((read for read in self.reads if read.table == table), key=lambda read: -read.rows)
        detail = "\n".join(f"{read.statement.describe()}\n    -> {read.describe()}" for read in offenders)
        raise AssertionError(f"{total} rows of {table} read, more than {bound} ({why}):\n{detail}")


def analyze(connection: Connection, tables) -> None:
    """Statistics of the test's own rows, so that the planner chooses as it would on a live database."""
    for table in tables:
        connection.execute(text(f'ANALYZE "{table}"'))
