"""The SQL engines the differential tests hold to the Python evaluator (tests/sql_diff.py):
DuckDB in memory, a PostgreSQL connection (the session's `postgres` fixture) and a Spark
session (the session's `spark` fixture).  Each loads the typed input table and reads a
query's rows back as `kpi eval` would.  Shared here so that a test in any folder names
one harness, not another test module."""

from __future__ import annotations

from typing import Any

import pytest
import sql_diff

from kpidsl import ir
from kpidsl.api import Scorer
from kpidsl.backends.sql import query as sql
from kpidsl.data.validate import Row


class DuckDB:
    def __init__(self) -> None:
        # skips on a developer's machine without DuckDB; the conftest makes that a failure in CI
        duckdb = pytest.importorskip("duckdb")
        self.con = duckdb.connect(":memory:")

    def load(self, plan: ir.Plan, rows: list[Row], columns: list[tuple[str, str]] | None = None,
             values: list[list[object]] | None = None) -> None:
        columns = columns or sql_diff.columns(plan)
        values = values if values is not None else sql_diff.values(plan, rows)
        self.con.execute(f"CREATE OR REPLACE TABLE {sql_diff.TABLE} ("
                         + ", ".join(f"{sql_diff.quoted(n)} {t}" for n, t in columns) + ")")
        if rows:
            self.con.executemany(f"INSERT INTO {sql_diff.TABLE} VALUES (" + ", ".join("?" for _ in columns) + ")",
                                 values)

    def fetch(self, text: str) -> list[dict[str, Any]]:
        cursor = self.con.execute(text)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, v)) for v in cursor.fetchall()]

    def same(self, scorer: Scorer, rows: list[Row], what: str = "") -> None:
        sql_diff.assert_same(scorer, rows, "duckdb", self.load, self.fetch, what)


def _pg_type(t: str) -> str:
    # the types of kpidsl/engine/duck.py's input table, as PostgreSQL spells them
    return "TEXT" if t == "VARCHAR" else t.replace("DECIMAL", "NUMERIC")


class Postgres:
    def __init__(self, con: Any) -> None:
        self.con = con

    def load(self, plan: ir.Plan, rows: list[Row], columns: list[tuple[str, str]] | None = None,
             values: list[list[object]] | None = None) -> None:
        columns = columns or sql_diff.columns(plan)
        values = values if values is not None else sql_diff.values(plan, rows)
        self.con.execute(f"DROP TABLE IF EXISTS {sql_diff.TABLE}")
        self.con.execute(f"CREATE TABLE {sql_diff.TABLE} ("
                         + ", ".join(f"{sql_diff.quoted(n)} {_pg_type(t)}" for n, t in columns) + ")")
        if rows:
            with self.con.cursor() as cur:
                cur.executemany(f"INSERT INTO {sql_diff.TABLE} VALUES (" + ", ".join("%s" for _ in columns) + ")",
                                values)

    def fetch(self, text: str) -> list[dict[str, Any]]:
        with self.con.cursor() as cur:
            cur.execute(text)
            names = [d.name for d in cur.description]
            records = [dict(zip(names, v)) for v in cur.fetchall()]
        for r in records:  # whole numbers are NUMERIC(38, 0) here: psycopg reads them as Decimal
            if r.get(sql.GRADE) is not None:
                r[sql.GRADE] = int(r[sql.GRADE])
        return records

    def same(self, scorer: Scorer, rows: list[Row], what: str = "") -> None:
        sql_diff.assert_same(scorer, rows, "postgres", self.load, self.fetch, what)


def _spark_type(t: str) -> str:
    return "STRING" if t == "VARCHAR" else t


class Spark:
    def __init__(self, session: Any) -> None:
        self.session = session

    def load(self, plan: ir.Plan, rows: list[Row], columns: list[tuple[str, str]] | None = None,
             values: list[list[object]] | None = None) -> None:
        columns = columns or sql_diff.columns(plan)
        values = values if values is not None else sql_diff.values(plan, rows)
        schema = ", ".join(f"`{n}` {_spark_type(t)}" for n, t in columns)
        frame = self.session.createDataFrame(values, schema=schema)
        frame.createOrReplaceTempView(sql_diff.TABLE)

    def fetch(self, text: str) -> list[dict[str, Any]]:
        records = [r.asDict() for r in self.session.sql(text).collect()]
        for r in records:  # whole numbers are DECIMAL(38, 0) here: read as Decimal
            if r.get(sql.GRADE) is not None:
                r[sql.GRADE] = int(r[sql.GRADE])
        return records

    def same(self, scorer: Scorer, rows: list[Row], what: str = "") -> None:
        # Without the input checks: Spark takes twice as long to plan a query with them (220 s
        # against 109 s for test_sql_spark.py); they run on Spark in its typed-table test, and
        # with every shipped and generated rubric on DuckDB and PostgreSQL.
        sql_diff.assert_same(scorer, rows, "spark", self.load, self.fetch, what, check_inputs=False)
