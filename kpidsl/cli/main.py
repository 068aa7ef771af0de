"""``kpi``: the command line.  Exit codes: 0 clean, 1 problems found, 2 usage
or I/O error.  Nothing here prints a traceback for bad input."""

from __future__ import annotations

import csv
import gc
import os
import signal
import sys
from pathlib import Path
from typing import Any

import click

from kpidsl import __version__
from kpidsl.cli.common import (
    EXIT_CLEAN,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    Abandon,
    NoBar,
    collect_files,
    count_rows,
    fail,
    io_message,
    load_for,
    report_data_problems,
    use_color,
)
from kpidsl.diagnostics.diagnostic import Severity


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kpi")
def cli() -> None:
    """kpidsl: write appraisal rubrics (KPI 考核表) once, check them, score from them."""


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["human", "json", "github", "sarif"]), default="human",
              show_default=True, help="How to print the diagnostics.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
def check(paths: tuple[str, ...], fmt: str, strict: bool) -> None:
    """Check rubrics (files or folders of .kpi files) and report every problem."""
    from kpidsl.api import check_files
    from kpidsl.cli.report import SourceCache, render_github, render_human, render_json, render_sarif, summary_line

    files = collect_files(paths)
    try:
        diags, texts = check_files(files)
    except (OSError, UnicodeDecodeError) as e:
        fail(io_message(e))
    names = [str(f) for f in files]
    if fmt == "json":
        click.echo(render_json(diags, names))
    elif fmt == "github":
        out = render_github(diags)
        if out:
            click.echo(out)
    elif fmt == "sarif":
        click.echo(render_sarif(diags, __version__))
    else:
        color = use_color(sys.stdout)
        style = click.style if color else (lambda text, **kw: text)
        text = render_human(diags, SourceCache(texts), style)
        if text:
            click.echo(text, color=color)
        click.echo(summary_line(diags, len(files)), color=color)
    failing = {Severity.ERROR} | ({Severity.WARNING} if strict else set())
    sys.exit(EXIT_PROBLEMS if any(d.severity in failing for d in diags) else EXIT_CLEAN)


@cli.command("eval")
@click.argument("rubric", type=click.Path(dir_okay=False))
@click.argument("data", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), default=None,
              help="Write results here (.csv, .xlsx or .json); default: CSV on standard output.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json", "parquet"]), default=None,
              help="Output format; default: from the output file's extension, else CSV.")
@click.option("--explain", "explain_id", default=None, metavar="ID",
              help="Show how every number for this person was reached.")
@click.option("--percent-cells", type=click.Choice(["strict", "whole", "fraction"]), default="strict",
              show_default=True, help="How to read a bare number in a percent column: refuse it, "
              "93 means 93%, or 0.93 means 93%.")
@click.option("--map", "mappings", multiple=True, metavar="TITLE=NAME",
              help="Read the column titled TITLE as the rubric's input NAME (repeatable).")
@click.option("--engine", type=click.Choice(["auto", "python", "duckdb"]), default="auto", show_default=True,
              help="Score in Python, or run the rubric's SQL on DuckDB (pip install 'kpidsl[sql]'); auto: "
              "DuckDB for a large batch written to a file, when it is installed.")
def eval_(rubric: str, data: tuple[str, ...], out: str | None, fmt: str | None, explain_id: str | None,
          percent_cells: str, mappings: tuple[str, ...], engine: str) -> None:
    """Score people: RUBRIC applied to DATA files (CSV, XLSX or JSON, one row per person per period)."""
    from kpidsl.data.source import DataProblems

    for p in (rubric, *data):
        if not Path(p).is_file():
            fail(f"{p}: no such file")
    mapping = {}
    for m in mappings:
        title, sep, name = m.partition("=")
        if not sep or not title.strip() or not name.strip():
            fail(f"--map {m!r}: write TITLE=NAME, e.g. --map 个人实际销售额=sales")
        mapping[title.strip()] = name.strip()
    fmt = fmt or (Path(out).suffix.lower().lstrip(".") if out else "csv")
    if fmt not in ("csv", "xlsx", "json", "parquet"):
        fail(f"{out}: unknown output format; use .csv, .xlsx, .json or .parquet (or --format)")
    if fmt == "parquet" and (engine != "duckdb" or out is None):
        fail("Parquet output is written by DuckDB: add --engine duckdb and -o results.parquet")
    if any(Path(p).suffix.lower() == ".parquet" for p in data) and engine != "duckdb":
        fail("Parquet input is read by DuckDB: add --engine duckdb")
    if fmt == "xlsx" and out is None:
        fail("XLSX output needs a file: add -o results.xlsx")
    scorer = load_for(rubric, "scoring")
    paths = [Path(p) for p in data]
    if out is not None:
        from kpidsl.engine.output import refuse_overwriting

        refuse_overwriting(Path(out), [*scorer.files, *paths])
    if engine == "auto":
        from kpidsl.cli.sql import choose_engine

        engine = choose_engine(scorer, paths, out, fmt, explain_id)
    if out is not None and fmt == "csv" and explain_id is None and engine == "duckdb":
        from kpidsl.cli.sql import duckdb_to_csv

        if duckdb_to_csv(scorer, paths, percent_cells, mapping, Path(out)):
            return
        engine = "python"  # a cell DuckDB would round: Python scores the data
    if out is not None and fmt == "csv" and explain_id is None and not scorer.evaluator.needs_batch \
            and engine == "python":
        _stream(scorer, paths, percent_cells, mapping, Path(out))
        return
    try:
        results = _score(scorer, paths, percent_cells, mapping, engine)
    except DataProblems as e:
        report_data_problems(e.errors)
        sys.exit(EXIT_PROBLEMS)
    except ValueError as e:  # unreadable data file
        fail(str(e))
    from kpidsl.engine.output import Table, write

    if explain_id is not None:
        chosen = [r for r in results if r.person == explain_id]
        if not chosen:
            fail(f"--explain {explain_id}: no such person in the data")
        for r in chosen:
            click.echo(scorer.explain(r))
        if out is None:
            return
    if fmt == "parquet":
        from kpidsl.engine.duck import write_parquet

        write_parquet(Table(scorer.plan), results, Path(out))  # type: ignore[arg-type]  # out is set: checked above
    else:
        write(Table(scorer.plan), results, Path(out) if out else None, fmt, sys.stdout)
    if out:
        scored = sum(1 for r in results if r.status == "scored")
        click.echo(f"kpi: scored {scored} of {len(results)} rows -> {out}", err=True)


def _stream(scorer: Any, paths: list[Path], percent: str, mapping: dict[str, str], out: Path) -> None:
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
                w.writerows(stream_lines(scorer.evaluator, paths, errors, percent, mapping, progress))
            else:
                rows = iter_rows(scorer.plan, paths, errors, percent, mapping, (), progress)
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


def _score(scorer: Any, paths: list[Path], percent: str, mapping: dict[str, str], engine: str = "python") -> Any:
    from kpidsl.data.source import read_rows

    if engine == "duckdb":
        from kpidsl.cli.sql import score_on_duckdb

        results = score_on_duckdb(scorer, paths, percent, mapping)
        if results is not None:
            return results
        # None: a cell DuckDB would round; Python scores the data
    # counting the rows reads the files once more: only for a bar someone will see
    total = count_rows(paths) if sys.stderr.isatty() else 0
    show = total > 20000
    with click.progressbar(length=total, label="reading", file=sys.stderr) if show else NoBar() as bar:
        rows = read_rows(scorer.plan, paths, percent, mapping, scorer.evaluator.groups_needed(),
                         progress=bar.update if show else None)
    return scorer.evaluator.evaluate(rows)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if any file is not formatted.")
@click.option("--diff", "show_diff", is_flag=True, help="Change nothing; print what formatting would change.")
def fmt(paths: tuple[str, ...], check: bool, show_diff: bool) -> None:
    """Rewrite rubrics in the one canonical layout, keeping every comment."""
    import difflib

    from kpidsl.cli.report import SourceCache, render_human
    from kpidsl.diagnostics.diagnostic import KpiError
    from kpidsl.syntax.formatter import format_text
    from kpidsl.syntax.parser import read_source

    files = collect_files(paths)
    changed, broken = [], 0
    for f in files:
        try:
            text = read_source(f)
        except (OSError, UnicodeDecodeError) as e:
            fail(io_message(e))
        try:
            formatted = format_text(text, str(f))
        except KpiError as e:
            broken += 1
            click.echo(render_human(e.diagnostics, SourceCache({str(f): text})), err=True)
            continue
        if formatted == text:
            continue
        changed.append(f)
        if show_diff:
            click.echo("".join(difflib.unified_diff(text.splitlines(True), formatted.splitlines(True),
                                                    f"{f} (as written)", f"{f} (formatted)")), nl=False)
        elif check:
            click.echo(f"would reformat {f}")
        else:
            from kpidsl.engine.output import atomic_path
            with atomic_path(f, keep_mode=True) as tmp:  # a rubric keeps its mode; a link stays a link
                tmp.write_text(formatted, encoding="utf-8")
            click.echo(f"reformatted {f}")
    verb = "would be reformatted" if (check or show_diff) else "reformatted"
    click.echo(f"{len(changed)} of {len(files)} files {verb}" + (f", {broken} could not be parsed" if broken else "") + ".",
               err=True)
    if broken or ((check or show_diff) and changed):
        sys.exit(EXIT_PROBLEMS)


@cli.command("test")
@click.argument("paths", nargs=-1, required=True)
def test_(paths: tuple[str, ...]) -> None:
    """Run the examples beside each rubric (examples/NAME.csv and examples/NAME.expected.csv)."""
    from kpidsl.api import RubricErrors
    from kpidsl.cli.testing import run_examples
    from kpidsl.data.source import DataProblems

    files = collect_files(paths)
    passed = failed = 0
    without = []
    for f in files:
        try:
            cases = run_examples(f)
        except RubricErrors:
            failed += 1
            click.echo(f"FAIL {f}: the rubric has errors (kpi check {f})")
            continue
        except DataProblems as e:
            failed += 1
            click.echo(f"FAIL {f}: its example data has problems:")
            for err in e.errors[:10]:
                click.echo(f"    {err}")
            continue
        except UnicodeDecodeError as e:  # the rubric, or a file it uses, is not UTF-8
            failed += 1
            click.echo(f"FAIL {io_message(e)}")
            continue
        except (ValueError, OSError) as e:
            failed += 1
            click.echo(f"FAIL {f}: {e}")
            continue
        if not cases:
            without.append(f)
            continue
        for c in cases:
            name = f"{f}: {c.person}" + (f" ({c.period})" if c.period else "")
            if c.passed:
                passed += 1
                click.echo(f"ok   {name}")
                continue
            failed += 1
            click.echo(f"FAIL {name}")
            if c.error:
                click.echo(f"    {c.error}")
            for key, want, got in c.mismatches:
                click.echo(f"    {key}: expected {want}, got {got}")
    if without and len(without) == len(files):
        fail("no examples found: put examples/NAME.csv and examples/NAME.expected.csv beside NAME.kpi")
    click.echo(f"{passed} passed, {failed} failed")
    sys.exit(EXIT_PROBLEMS if failed else EXIT_CLEAN)


@cli.command()
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option("--data", "data", multiple=True, type=click.Path(dir_okay=False),
              help="Score this data with both versions and show whose result changes (repeatable).")
@click.option("--percent-cells", type=click.Choice(["strict", "whole", "fraction"]), default="strict")
def diff(old: str, new: str, data: tuple[str, ...], percent_cells: str) -> None:
    """What changed between two versions of a rubric: weights, tiers, rules, grades, pay."""
    from kpidsl.api import RubricErrors, load_rubric
    from kpidsl.cli.diff import data_impact, describe_changes, render_impacts
    from kpidsl.data.source import DataProblems
    from kpidsl.syntax.loader import Loader

    programs = []
    for p in (old, new):
        if not Path(p).is_file():
            fail(f"{p}: no such file")
        loader = Loader()
        try:
            program = loader.load(p)
        except (OSError, UnicodeDecodeError) as e:
            fail(io_message(e))
        if program is None:
            from kpidsl.cli.report import SourceCache, render_human
            click.echo(render_human(loader.diagnostics, SourceCache()), err=True)
            fail(f"{p} cannot be read as a rubric")
        programs.append(program)
    changes = describe_changes(list(programs[0].statements), list(programs[1].statements))
    click.echo(f"--- {old}\n+++ {new}")
    click.echo("\n".join(changes) if changes else "no change in meaning")
    if not data:
        return
    try:
        scorers = [load_rubric(old), load_rubric(new)]
    except RubricErrors as e:
        fail(f"a rubric has errors; fix them before comparing scores ({len(e.diagnostics)} problems)")
    try:
        results = [_score(s, [Path(d) for d in data], percent_cells, {}) for s in scorers]
    except DataProblems as e:
        report_data_problems(e.errors)
        sys.exit(EXIT_PROBLEMS)
    except ValueError as e:  # unreadable data file
        fail(str(e))
    impacts = data_impact(scorers[0], scorers[1], results[0], results[1])
    click.echo("")
    if not impacts:
        click.echo(f"no one's total, grade or pay changes ({len(results[1])} rows)")
        return
    click.echo(f"{len(impacts)} of {len(results[1])} rows change, largest first:")
    for line in render_impacts(impacts):
        click.echo("  " + line)


@cli.command()
@click.argument("rubric", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), required=True, help="The HTML file to write.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Language of the form.")
@click.option("--rater", default=None, help="A form for one weighted rater (e.g. self): only their columns.")
@click.option("--percent-cells", type=click.Choice(["strict", "whole", "fraction"]), default="strict", show_default=True,
              help="How the form reads a bare number in a percent column, as kpi eval --percent-cells does.")
def form(rubric: str, out: str, lang: str, rater: str | None, percent_cells: str) -> None:
    """Compile a rubric to one self-contained, fillable HTML appraisal form that scores as you type."""
    from kpidsl.backends.form.html import render
    from kpidsl.engine.output import atomic_path, refuse_overwriting

    if not Path(rubric).is_file():
        fail(f"{rubric}: no such file")
    scorer = load_for(rubric, "making a form")
    refuse_overwriting(Path(out), scorer.files)
    try:
        html = render(scorer.plan, lang, rater, percent_cells)
    except ValueError as e:
        fail(str(e))
    with atomic_path(Path(out)) as tmp:
        tmp.write_text(html, encoding="utf-8")
    click.echo(f"kpi: wrote {out} ({len(html) // 1024} KiB, self-contained)", err=True)


@cli.command()
@click.argument("code")
def explain(code: str) -> None:
    """Explain a diagnostic code, with a wrong and a fixed example (e.g. kpi explain KPI101)."""
    from kpidsl.diagnostics.codes import CODES
    from kpidsl.diagnostics.codes import explain as explain_code

    text = explain_code(code)
    if text is None:
        known = ", ".join(sorted(CODES))
        fail(f"unknown code {code!r}; known codes: {known}")
    click.echo(text)


@cli.command()
@click.option("--stdio", is_flag=True, help="Talk LSP over stdin/stdout (the default and only transport).")
@click.option("--debounce-ms", type=click.IntRange(min=0), default=None,
              help="Pause after an edit before re-checking (default 200).")
def lsp(stdio: bool, debounce_ms: int | None) -> None:
    """Run the language server (LSP over stdio) for editors: diagnostics, hover, completion, rename…"""
    try:
        from kpidsl.lsp.server import serve
    except ImportError as e:  # pygls is the `lsp` extra
        fail(f"kpi lsp needs pygls: pip install 'kpidsl[lsp]' ({e})")
    serve(None if debounce_ms is None else debounce_ms / 1000)


def _on_signal(signum: int, _frame: object) -> None:
    """Ctrl-C and SIGTERM end kpi as SystemExit, so every half-written file is removed on
    the way out (output.atomic_path) and the exit code says which signal it was."""
    if signum == signal.SIGINT:
        click.echo("kpi: interrupted", err=True)
    sys.exit(128 + signum)


def main() -> None:
    """The `kpi` entry point. Bad input is always reported as a diagnostic; anything that
    still escapes is a bug in kpi, said so plainly instead of a traceback."""
    from kpidsl.engine.output import OutputError

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        cli(prog_name="kpi")
    except KeyboardInterrupt:
        click.echo("kpi: interrupted", err=True)
        sys.exit(130)
    except OutputError as e:
        click.echo(f"kpi: error: {e}", err=True)
        sys.exit(EXIT_USAGE)
    except Exception as e:  # noqa: BLE001 - the last line of defence, by design
        click.echo(f"kpi: internal error: {type(e).__name__}: {e}\n"
                   "This is a bug in kpi, not in your rubric or data; please report it with the files "
                   "that caused it (KPI_DEBUG=1 shows the details).", err=True)
        if os.environ.get("KPI_DEBUG"):
            raise
        sys.exit(70)


def _register() -> None:
    from kpidsl.cli.docs import docs_command
    from kpidsl.cli.importing import import_command
    from kpidsl.cli.init import init_command
    from kpidsl.cli.sql import sql_command

    cli.add_command(sql_command)
    cli.add_command(docs_command)
    cli.add_command(import_command)
    cli.add_command(init_command)


_register()

if __name__ == "__main__":  # pragma: no cover
    main()
