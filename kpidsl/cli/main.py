"""``kpi``: the command line.  Exit codes: 0 clean, 1 problems found, 2 usage
or I/O error.  Nothing here prints a traceback for bad input."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click

from kpidsl import __version__
from kpidsl.cli.common import (
    EXIT_CLEAN,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    collect_files,
    fail,
    io_message,
    load_for,
    report_data_problems,
    use_color,
)
from kpidsl.cli.options import data_options, percent_option, settle
from kpidsl.cli.scoring import score as _score
from kpidsl.cli.scoring import stream as _stream
from kpidsl.diagnostics.diagnostic import Severity


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kpi")
def cli() -> None:
    """kpidsl: write appraisal rubrics (KPI 考核表) once, check them, score from them."""


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["human", "json", "github", "sarif"]), default="human",
              show_default=True, help="How to print the diagnostics.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
def check(paths: tuple[str, ...], fmt: str, strict: bool) -> None:
    """Check rubrics (files or folders of .kpi files; - reads one from standard input) and report
    every problem. Given nothing, checks the paths listed in [tool.kpi] (pyproject.toml or kpi.toml)."""
    from kpidsl.api import checked_files
    from kpidsl.cli.options import paths_or_configured, project
    from kpidsl.cli.report import SourceCache, render_github, render_human, render_json, render_sarif, summary_line

    paths = paths_or_configured(paths, "the rubrics to check")
    stdin = None
    if "-" in paths:
        try:
            stdin = sys.stdin.buffer.read().decode("utf-8-sig")
        except UnicodeDecodeError as e:
            fail(f"standard input: not UTF-8 text ({e.reason} at byte {e.start})")
    files: list[Path] = []
    for p in paths:
        files += [Path("-")] if p == "-" else collect_files((p,))
    try:
        diags, texts, silenced = checked_files(files, stdin)
    except (OSError, UnicodeDecodeError) as e:
        fail(io_message(e))
    cfg = project(paths[0])
    diags = [d for d in diags if cfg.shows(d)]
    names = [str(f) for f in files]
    if fmt == "json":
        click.echo(render_json(diags, names))
    elif fmt == "github":
        out = render_github(diags)
        if out:
            click.echo(out)
    elif fmt == "sarif":
        click.echo(render_sarif(diags, __version__, silenced))
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
@percent_option
@data_options
@click.option("--map", "mappings", multiple=True, metavar="TITLE=NAME",
              help="Read the column titled TITLE as the rubric's input NAME (repeatable).")
@click.option("--engine", type=click.Choice(["auto", "python", "duckdb"]), default="auto", show_default=True,
              help="Score in Python, or run the rubric's SQL on DuckDB (pip install 'kpidsl[sql]'); auto: "
              "DuckDB for a large batch written to a file, when it is installed.")
def eval_(rubric: str, data: tuple[str, ...], out: str | None, fmt: str | None, explain_id: str | None,
          percent_cells: str | None, sheet: str | None, header_row: int | None, verbose: bool,
          mappings: tuple[str, ...], engine: str) -> None:
    """Score people: RUBRIC applied to DATA files (CSV, XLSX or JSON, one row per person per period)."""
    from kpidsl.data.source import DataProblems

    for p in (rubric, *data):
        if not Path(p).is_file():
            fail(f"{p}: no such file")
    percent_cells, layout = settle(rubric, percent_cells, sheet, header_row, verbose, data)
    mapping = {}
    for m in mappings:
        title, sep, name = m.partition("=")
        if not sep or not title.strip() or not name.strip():
            fail(f"--map {m!r}: write TITLE=NAME, e.g. --map 个人实际销售额=sales")
        mapping[title.strip()] = name.strip()
    fmt = fmt or (Path(out).suffix.lower().lstrip(".") if out else "csv")
    if fmt not in ("csv", "xlsx", "json", "parquet"):
        fail(f"{out}: unknown output format; use .csv, .xlsx, .json or .parquet (or --format)")
    if fmt == "parquet" and out is None:
        fail("Parquet output needs a file: add -o results.parquet")
    if fmt == "parquet":
        try:
            import duckdb  # noqa: F401 - it writes the file, whichever engine scores
        except ImportError:
            fail("Parquet output is written by DuckDB: pip install 'kpidsl[sql]'")
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

        if duckdb_to_csv(scorer, paths, percent_cells, mapping, Path(out), layout):
            return
        engine = "python"  # DuckDB cannot score this data exactly: Python scores it
    if out is not None and fmt == "csv" and explain_id is None and not scorer.evaluator.needs_batch \
            and engine == "python":
        _stream(scorer, paths, percent_cells, mapping, Path(out), layout)
        return
    try:
        results = _score(scorer, paths, percent_cells, mapping, engine, layout)
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


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if any file is not formatted.")
@click.option("--diff", "show_diff", is_flag=True, help="Change nothing; print what formatting would change.")
def fmt(paths: tuple[str, ...], check: bool, show_diff: bool) -> None:
    """Rewrite rubrics in the one canonical layout, keeping every comment."""
    import difflib

    from kpidsl.cli.options import paths_or_configured
    from kpidsl.cli.report import SourceCache, render_human
    from kpidsl.diagnostics.diagnostic import KpiError
    from kpidsl.syntax.formatter import format_text
    from kpidsl.syntax.parser import read_source

    files = collect_files(paths_or_configured(paths, "the rubrics to format"))
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
@click.argument("paths", nargs=-1)
@percent_option
@data_options
@click.option("--update", is_flag=True,
              help="Write each expected file from the current results, to review in a diff (refused in CI).")
def test_(paths: tuple[str, ...], percent_cells: str | None, sheet: str | None, header_row: int | None,
          verbose: bool, update: bool) -> None:
    """Run the examples beside each rubric (examples/NAME.csv and examples/NAME.expected.csv)."""
    from kpidsl.api import RubricErrors
    from kpidsl.cli.options import paths_or_configured
    from kpidsl.cli.testing import failure, run_examples, update_all
    from kpidsl.data.source import DataProblems

    files = collect_files(paths_or_configured(paths, "the rubrics to test"))
    if update:
        sys.exit(update_all(files, lambda f: settle(f, percent_cells, sheet, header_row, verbose)))
    passed = failed = 0
    without = []
    for f in files:
        try:
            cases = run_examples(f, *settle(f, percent_cells, sheet, header_row, verbose))
        except (RubricErrors, DataProblems, ValueError, OSError) as e:
            failed += 1
            click.echo(failure(f, e))
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
@percent_option
@data_options
def diff(old: str, new: str, data: tuple[str, ...], percent_cells: str | None, sheet: str | None,
         header_row: int | None, verbose: bool) -> None:
    """What changed between two versions of a rubric: weights, tiers, rules, grades, pay.
    With --data, both versions score the same data (read with --percent-cells, --sheet and
    --header-row as kpi eval reads it) and the rows whose result changes are listed."""
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
        percent, layout = settle(new, percent_cells, sheet, header_row, verbose, data)
        results = [_score(s, [Path(d) for d in data], percent, {}, "python", layout) for s in scorers]
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
@click.option("--percent-cells", type=click.Choice(["strict", "whole", "fraction"]), default=None,
              help="How the form reads a bare number in a percent column, as kpi eval --percent-cells does "
              "(default: percent-cells in [tool.kpi], else strict).")
def form(rubric: str, out: str, lang: str, rater: str | None, percent_cells: str | None) -> None:
    """Compile a rubric to one self-contained, fillable HTML appraisal form that scores as you type."""
    from kpidsl.backends.form.html import render
    from kpidsl.engine.output import atomic_path, refuse_overwriting

    if not Path(rubric).is_file():
        fail(f"{rubric}: no such file")
    percent_cells, _ = settle(rubric, percent_cells)
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
