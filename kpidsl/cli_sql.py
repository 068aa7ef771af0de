"""``kpi sql``: a rubric as one SQL query, for scoring where the data lives."""

from __future__ import annotations

import sys
from pathlib import Path

import click

DIALECT_NAMES = ("duckdb", "postgres", "spark", "trino", "bigquery", "snowflake")


@click.command("sql")
@click.argument("rubric", type=click.Path(dir_okay=False))
@click.option("--dialect", type=click.Choice(DIALECT_NAMES), default="duckdb", show_default=True,
              help="The SQL engine the query is written for.")
@click.option("--table", default="input", show_default=True,
              help="The table (or view) holding one row per person per period.")
@click.option("--row-column", default=None, metavar="NAME",
              help="A column numbering the input rows, named in errors (default: none).")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), default=None,
              help="Write the query here; default: standard output.")
def sql_command(rubric: str, dialect: str, table: str, row_column: str | None, out: str | None) -> None:
    """Write RUBRIC's scoring as one SQL query over TABLE.

    TABLE has the person and period columns, the group columns and every input
    of the rubric as a number, validated. The query returns the columns kpi eval
    writes (each output step, the grade's index, status, flags and notes) and
    _kpi_error, the reason a row cannot be scored, or NULL."""
    from .backends.sql import SQLError, build
    from .cli import _fail, _load_for
    from .output import OutputError, atomic_path

    if not table.strip():
        _fail("--table: give the input table's name")
    scorer = _load_for(rubric, "writing SQL")
    try:
        text = build(scorer.plan, dialect, table, row_column).sql() + ";\n"
    except SQLError as e:
        click.echo(f"kpi: {rubric}: cannot write this rubric as SQL: {e}", err=True)
        sys.exit(1)
    header = f"-- {scorer.plan.title}: scoring query for {dialect}, written by kpi sql from {Path(rubric).name}\n"
    if dialect == "spark":
        header += ("-- run with spark.sql.ansi.enabled=true, so a value too large for DECIMAL(38) stops the query "
                   "instead of becoming NULL\n")
    if out is None:
        click.echo(header + text, nl=False)
        return
    try:
        with atomic_path(Path(out)) as tmp:
            tmp.write_text(header + text, encoding="utf-8")
    except OutputError as e:
        _fail(str(e))
    click.echo(f"kpi: wrote the {dialect} query -> {out}", err=True)
