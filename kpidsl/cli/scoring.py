"""Scoring for ``kpi eval`` and ``kpi diff``: rows streamed from files into a CSV written
in place only when every row was good, or read whole and scored (in Python or on DuckDB)."""

from __future__ import annotations

import csv
import gc
import sys
from pathlib import Path
from typing import Any

import click

from kpidsl.cli.common import EXIT_PROBLEMS, Abandon, NoBar, count_rows, fail, report_data_problems


def stream(scorer: Any, paths: list[Path], percent: str, mapping: dict[str, str], out: Path, layout: Any) -> None:
    """Read, score and write one row at a time into a file renamed into place only if
    every row was good: large inputs in flat memory, and never a partial file."""
    from kpidsl.data.source import iter_rows
    from kpidsl.engine.output import Table, atomic_path, write_csv
    from kpidsl.engine.stream import stream_lines
    from kpidsl.numbers.spelling import safe_text

    errors: list = []
    table = Table(scorer.plan)
    # counting the rows reads the files once more: only for a bar someone will see
    total = count_rows(paths) if sys.stderr.isatty() else 0
    show = total > 20000
    # Everything alive now (modules, the parsed rubric, the compiled code) lives until
    # exit: out of the cycle collector's sight, its full collections, set off by a
    # workbook reader's many small objects, stop walking it (a quarter of an XLSX run).
    gc.freeze()
    try:
        with atomic_path(out) as tmp, tmp.open("w", encoding="utf-8", newline="") as f, \
                (click.progressbar(length=total, label="scoring", file=sys.stderr) if show else NoBar()) as bar:
            progress = bar.update if show else None
            if scorer.evaluator.streams_lines:
                w = csv.writer(f)
                w.writerow([safe_text(h) for h in table.headers])
                w.writerows(stream_lines(scorer.evaluator, paths, errors, percent, mapping, progress, layout))
            else:
                rows = iter_rows(scorer.plan, paths, errors, percent, mapping, (), progress, layout)
                write_csv(table, scorer.evaluator.stream(rows, errors), f)
            f.flush()
            if errors:
                raise Abandon()
    except Abandon:
        report_data_problems(errors)
        sys.exit(EXIT_PROBLEMS)
    except ValueError as e:
        fail(str(e))
    click.echo(f"kpi: scored the data -> {out}", err=True)


def score(scorer: Any, paths: list[Path], percent: str, mapping: dict[str, str], engine: str = "python",
           layout: Any = None) -> Any:
    from kpidsl.data.source import read_rows

    if engine == "duckdb":
        from kpidsl.cli.sql import score_on_duckdb

        results = score_on_duckdb(scorer, paths, percent, mapping, layout)
        if results is not None:
            return results
        # None: DuckDB cannot score this data exactly (it said why); Python scores it
    # counting the rows reads the files once more: only for a bar someone will see
    total = count_rows(paths) if sys.stderr.isatty() else 0
    show = total > 20000
    with click.progressbar(length=total, label="reading", file=sys.stderr) if show else NoBar() as bar:
        rows = read_rows(scorer.plan, paths, percent, mapping, scorer.evaluator.groups_needed(),
                         progress=bar.update if show else None, layout=layout)
    return scorer.evaluator.evaluate(rows)
