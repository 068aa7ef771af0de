"""``kpi``: the command line.  Exit codes: 0 clean, 1 problems found, 2 usage
or I/O error.  Nothing here prints a traceback for bad input."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from . import __version__
from .diagnostics import Severity

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _use_color(stream) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


def _fail(message: str) -> "NoReturn":  # noqa: F821
    click.echo(f"kpi: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def collect_files(paths: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(path.rglob("*.kpi"))
            if not found:
                _fail(f"{p}: no .kpi files in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            _fail(f"{p}: no such file or folder")
    return files


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kpi")
def main() -> None:
    """kpidsl: write appraisal rubrics (KPI 考核表) once, check them, score from them."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["human", "json", "github", "sarif"]), default="human",
              show_default=True, help="How to print the diagnostics.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
def check(paths: tuple[str, ...], fmt: str, strict: bool) -> None:
    """Check rubrics (files or folders of .kpi files) and report every problem."""
    from .api import check_files
    from .report import SourceCache, render_github, render_human, render_json, render_sarif, summary_line

    files = collect_files(paths)
    try:
        diags, texts = check_files(files)
    except (OSError, UnicodeDecodeError) as e:
        _fail(_io_message(e))
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
        color = _use_color(sys.stdout)
        style = click.style if color else (lambda text, **kw: text)
        text = render_human(diags, SourceCache(texts), style)
        if text:
            click.echo(text, color=color)
        click.echo(summary_line(diags, len(files)), color=color)
    failing = {Severity.ERROR} | ({Severity.WARNING} if strict else set())
    sys.exit(EXIT_PROBLEMS if any(d.severity in failing for d in diags) else EXIT_CLEAN)


def _io_message(e: Exception) -> str:
    if isinstance(e, UnicodeDecodeError):
        return f"{getattr(e, 'filename', 'a file')}: not UTF-8 text ({e.reason} at byte {e.start})"
    if isinstance(e, OSError):
        return f"{e.filename}: {e.strerror}"
    return str(e)


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Explain a diagnostic code, with a wrong and a fixed example (e.g. kpi explain KPI101)."""
    from .codes import CODES, explain as explain_code

    text = explain_code(code)
    if text is None:
        known = ", ".join(sorted(CODES))
        _fail(f"unknown code {code!r}; known codes: {known}")
    click.echo(text)


if __name__ == "__main__":  # pragma: no cover
    main()
