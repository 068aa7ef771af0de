"""What every ``kpi`` command shares: exit codes, the one way to fail with a message, the
files a folder holds, a rubric loaded or its errors shown, and data problems listed."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Literal, NoReturn

import click

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def use_color(stream: Any) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


def fail(message: str) -> NoReturn:
    click.echo(f"kpi: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def collect_files(paths: tuple[str, ...]) -> list[Path]:
    """The rubrics named, and the .kpi files in the folders named.  In a folder, a .kpi that is
    not a regular file (a named pipe would block the read forever, a device never ends) is
    skipped with a note; named on its own, it is refused in words."""
    files: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = []
            for f in sorted(path.rglob("*.kpi")):
                if f.is_file():
                    found.append(f)
                elif not f.is_dir():  # a folder named x.kpi is only a folder: rglob looks inside
                    click.echo(f"kpi: note: {f}: not a regular file (a pipe, a device or a socket); skipped", err=True)
            if not found:
                fail(f"{p}: no .kpi files in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif path.exists():
            fail(f"{p}: not a regular file (a pipe, a device or a socket); kpi reads a rubric from a file")
        else:
            fail(f"{p}: no such file or folder")
    return files


def not_utf8(file: object, e: UnicodeDecodeError) -> str:
    """The one way a rubric that is not UTF-8 is refused: the file and the first bad byte."""
    line = e.object[:e.start].count(b"\n") + 1
    return f"{file}: not UTF-8 text ({e.reason} at byte {e.start}, line {line}); save it as UTF-8"


def io_message(e: Exception) -> str:
    if isinstance(e, UnicodeDecodeError):
        return not_utf8(getattr(e, "filename", "a file"), e)
    if isinstance(e, OSError):
        return f"{e.filename}: {e.strerror}"
    return str(e)


class Abandon(Exception):
    """Problems were found while streaming: the partial file is discarded."""


def load_for(rubric: str, purpose: str) -> Any:
    """A compiled rubric, or its errors printed and exit 1: nothing is scored from a broken rubric."""
    from kpidsl.api import RubricErrors, load_rubric
    from kpidsl.cli.report import SourceCache, render_human

    try:
        return load_rubric(rubric)
    except RubricErrors as e:
        errors = [d for d in e.diagnostics if d.severity.value == "error"]
        click.echo(render_human(errors, SourceCache(e.sources)), err=True)
        click.echo(f"kpi: {rubric} has errors; fix them before {purpose} (kpi check {rubric})", err=True)
        sys.exit(EXIT_PROBLEMS)
    except (OSError, UnicodeDecodeError) as e:
        fail(io_message(e))


class NoBar:
    def __enter__(self) -> NoBar:
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        return False

    def update(self, n: int) -> None:
        pass


def count_rows(paths: list[Path]) -> int:
    n = 0
    for p in paths:
        if p.suffix.lower() == ".csv" and p.stat().st_size > 1_000_000:
            with p.open("rb") as f:
                n += sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b"")) - 1
    return n


def report_data_problems(errors: Any) -> None:
    shown = errors[:50]
    for e in shown:
        click.echo(f"error: {e}", err=True)
    if len(errors) > len(shown):
        click.echo(f"... and {len(errors) - len(shown)} more", err=True)
    click.echo(f"kpi: {len(errors)} problem(s) in the data; nothing was written", err=True)
