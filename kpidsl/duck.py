"""DuckDB as the embedded engine of ``kpi eval --engine duckdb``: the rubric's SQL
(``backends/sql.py``) run over a table of rows, the answers read back as the
Python evaluator's ``Result`` objects, so every output format writes them the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from . import ir
from .backends import sql
from .backends.sql_values import cell_places
from .evaluate import Result
from .validate import DataError, DataProblems, Row

TABLE = "input"
ROW = "_kpi_row"


def connect():
    import duckdb  # an optional dependency: `pip install 'kpidsl[sql]'`

    return duckdb.connect(":memory:")


def _columns(plan: ir.Plan) -> list[tuple[str, str]]:
    keys = [(k, "VARCHAR") for k in (plan.person, plan.period, *plan.groups)]
    cells = [(c.name, f"DECIMAL(38, {cell_places(c)})") for c in plan.columns]
    return [*keys, (ROW, "BIGINT"), *cells]


def load_rows(con, plan: ir.Plan, rows: Iterable[Row]) -> list[Row]:
    """Rows validated in Python, as the input table (for tests and small batches)."""
    columns = _columns(plan)
    con.execute(f"CREATE OR REPLACE TABLE {TABLE} (" + ", ".join(f'{_q(n)} {t}' for n, t in columns) + ")")
    rows = list(rows)
    names = [c.name for c in plan.columns]
    values = [[r.person, r.period, *[r.groups.get(g, "") for g in plan.groups], r.number,
               *[r.cells.get(n) for n in names]] for r in rows]
    if values:
        con.executemany(f"INSERT INTO {TABLE} VALUES (" + ", ".join("?" for _ in columns) + ")", values)
    return rows


def _q(name: str) -> str:
    """A DuckDB identifier, quoted (the data column names come from a rubric)."""
    return '"' + name.replace('"', '""') + '"'


def run(con, plan: ir.Plan, rows: list[Row]) -> list[Result]:
    """Score the input table; raises DataProblems with every row the rubric cannot score."""
    query = sql.build(plan, "duckdb", TABLE, ROW)
    by_number = {r.number: r for r in rows}
    cursor = con.execute(query.sql(pretty=False))
    names = [d[0] for d in cursor.description]
    results: list[Result] = []
    errors: list[DataError] = []
    for values in cursor.fetchall():
        record = dict(zip(names, values))
        row = by_number[record["_kpi_row"]]
        if record[sql.ERROR] is not None:
            errors.append(DataError(row.file, row.number, None, record[sql.ERROR]))
            continue
        if record[sql.BATCH_ERROR] is not None:
            errors.append(DataError(row.file, row.number, None, record[sql.BATCH_ERROR],
                                    hint="a team amount must be the same on every row of the team"))
        results.append(_result(plan, query, row, record))
    if errors:
        raise DataProblems(sorted(errors, key=lambda e: e.row))
    results.sort(key=lambda r: r.row.number)
    return results


def _result(plan: ir.Plan, query: sql.Query, row: Row, record: dict) -> Result:
    if record[sql.STATUS] == "excluded":
        return Result(row, "excluded", record[sql.REASON])
    steps: dict[str, Decimal] = {name: record[name] for name in query.steps}
    awards: dict[str, Decimal] = {name: record[name] for name in query.awards}
    notes = [n for n in (record[sql.NOTES] or "").split("; ") if n]
    flags = [f for f in (record[sql.FLAGS] or "").split("; ") if f]
    return Result(row, steps=steps, grade=record[sql.GRADE], awards=awards, flags=flags, notes=notes)


def evaluate(plan: ir.Plan, rows: Iterable[Row]) -> list[Result]:
    con = connect()
    try:
        kept = load_rows(con, plan, rows)
        return run(con, plan, kept)
    finally:
        con.close()
