"""``kpi sql``, a rubric as one SQL query for scoring where the data lives, and the DuckDB
engine of ``kpi eval`` (``--engine duckdb``, and where ``--engine auto`` picks it)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any

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
    from kpidsl.cli.common import fail, load_for
    from kpidsl.engine.output import OutputError, atomic_path, refuse_overwriting

    try:
        from kpidsl.backends.sql.query import SQLError, build
    except ImportError as e:  # sqlglot is the `sql` extra
        fail(f"kpi sql needs sqlglot: pip install 'kpidsl[sql]' ({e})")

    if not table.strip():
        fail("--table: give the input table's name")
    scorer = load_for(rubric, "writing SQL")
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
        refuse_overwriting(Path(out), scorer.files)
        with atomic_path(Path(out)) as tmp:
            tmp.write_text(header + text, encoding="utf-8")
    except OutputError as e:
        fail(str(e))
    click.echo(f"kpi: wrote the {dialect} query -> {out}", err=True)


# Measured on the 20-item benchmark (2 cores): at 200,000 and 1,000,000 rows the two engines
# take about the same time (4.6 / 4.4 s and 18.8 / 16.5 s), but a rubric with batch rules keeps
# every row in Python's memory, while DuckDB spills past its limit.  So DuckDB is chosen for
# a batch rubric once the data passes this size, and for Parquet, which only it reads.
AUTO_DUCKDB_BYTES = 20_000_000


def choose_engine(scorer: Any, paths: list[Path], out: str | None, fmt: str, explain_id: str | None) -> str:
    if any(p.suffix.lower() == ".parquet" for p in paths) or fmt == "parquet":
        return "duckdb"
    if out is None or explain_id is not None or fmt != "csv" or not scorer.evaluator.needs_batch:
        return "python"
    if sum(p.stat().st_size for p in paths) < AUTO_DUCKDB_BYTES:
        return "python"
    try:
        import duckdb  # noqa: F401

        from kpidsl.backends.sql.query import SQLError, build
    except ImportError:
        return "python"
    try:
        build(scorer.plan)
    except SQLError:
        return "python"
    return "duckdb"


def _fallback(note: str) -> None:
    click.echo(f"kpi: note: {note}; scored with --engine python instead", err=True)


def duckdb_to_csv(scorer: Any, paths: list[Path], percent: str, mapping: dict[str, str], out: Path,
                  layout: Any = None) -> bool:
    """Read, score and write on DuckDB: no row passes through Python (flat memory).  False,
    with nothing written, when DuckDB cannot score the data exactly: Python must score it."""
    from kpidsl.cli.common import EXIT_PROBLEMS, fail, report_data_problems
    from kpidsl.data.source import DataProblems

    try:
        from kpidsl.backends.sql.query import SQLError
        from kpidsl.data.source import read_rows
        from kpidsl.engine import duck
    except ImportError:
        fail("--engine duckdb needs DuckDB and sqlglot: pip install 'kpidsl[sql]'")
    try:
        scored, rows = duck.score_files_to_csv(scorer.plan, paths, out, percent, mapping, scorer.evaluator.groups_needed(),
                                               read_rows, _duckdb_progress if sys.stderr.isatty() else None, layout)
    except duck.Fallback as e:
        _fallback(e.note)
        return False
    except SQLError as e:  # the same answer from the other engine, not a refusal only this one makes
        _fallback(f"this rubric cannot be written as SQL ({e})")
        return False
    except DataProblems as e:
        report_data_problems(e.errors)
        sys.exit(EXIT_PROBLEMS)
    except ValueError as e:  # unreadable data file
        fail(str(e))
    click.echo(f"kpi: scored {scored} of {rows} rows -> {out}", err=True)
    return True


def score_on_duckdb(scorer: Any, paths: list[Path], percent: str, mapping: dict[str, str], layout: Any = None) -> Any:
    """The files read and scored by DuckDB (CSV cells typed in SQL; XLSX and JSON read here);
    None when DuckDB cannot score them exactly (a cell with more places than it keeps, names
    that differ only in case, a rubric SQL cannot express): Python must score them."""
    from kpidsl.cli.common import fail

    try:
        from kpidsl.backends.sql.query import SQLError
        from kpidsl.data.source import read_rows
        from kpidsl.engine import duck
    except ImportError:
        fail("--engine duckdb needs DuckDB and sqlglot: pip install 'kpidsl[sql]'")
    try:
        return duck.score_files(scorer.plan, paths, percent, mapping, scorer.evaluator.groups_needed(), read_rows,
                                _duckdb_progress if sys.stderr.isatty() else None, layout)
    except duck.Fallback as e:
        _fallback(e.note)
        return None
    except SQLError as e:  # the same answer from the other engine, not a refusal only this one makes
        _fallback(f"this rubric cannot be written as SQL ({e})")
        return None


@contextlib.contextmanager
def _duckdb_progress(con: Any, label: str) -> Any:
    """A bar for one long DuckDB step, from the percentage DuckDB reports while it works."""
    import threading

    stop = threading.Event()
    with click.progressbar(length=100, label=label, file=sys.stderr) as bar:
        def poll() -> None:
            shown = 0
            while not stop.wait(0.25):
                done = int(con.query_progress())
                if done > shown:
                    bar.update(done - shown)
                    shown = done
        watcher = threading.Thread(target=poll, daemon=True)
        watcher.start()
        try:
            yield
        finally:
            stop.set()
            watcher.join()
