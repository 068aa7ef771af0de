"""Options every command that reads data shares (``--sheet``, ``--header-row``,
``--percent-cells``, ``-v``), settled against the project configuration: the command line
wins, then ``[tool.kpi]`` / ``kpi.toml``, then the default."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from kpidsl.cli import config
from kpidsl.cli.common import fail
from kpidsl.data.files import Layout

F = TypeVar("F", bound=Callable[..., Any])

PERCENT_HELP = ("How to read a bare number in a percent column: refuse it (strict, the default), 93 means 93% "
                "(whole), or 0.93 means 93% (fraction). A cell written 93%, or shown as a percent by Excel, "
                "is always read as written.")


def percent_option(f: F) -> F:
    return click.option("--percent-cells", type=click.Choice(config.PERCENT_MODES), default=None,
                        help=PERCENT_HELP + " Default: percent-cells in [tool.kpi], else strict.")(f)


def data_options(f: F) -> F:
    """--sheet, --header-row and -v/--verbose."""
    f = click.option("-v", "--verbose", is_flag=True,
                     help="Say how each data file was read: its text encoding, its sheet, its header row.")(f)
    f = click.option("--header-row", type=click.IntRange(min=1), default=None, metavar="N",
                     help="The row of column titles in a sheet or CSV (default: row 1, or the row under "
                     "a title row, found by itself).")(f)
    f = click.option("--sheet", default=None, metavar="NAME|N",
                     help="The workbook sheet to read, by name or number from 1 (default: the first).")(f)
    return f


def project(start: str | Path) -> config.Config:
    """The configuration for a rubric (or a folder), or a usage error naming the file."""
    try:
        return config.find(Path(start) if str(start) != "-" else Path.cwd())
    except config.ConfigError as e:
        fail(str(e))


def settle(start: str | Path, percent_cells: str | None, sheet: str | None = None, header_row: int | None = None,
           verbose: bool = False, data: tuple[str, ...] = ()) -> tuple[str, Layout]:
    """--percent-cells and where the table is, from the options, else the project's file."""
    cfg = project(start)
    if verbose:
        _verbose()
        if cfg.file is not None:
            click.echo(f"kpi: settings from {cfg.file}", err=True)
    if sheet is not None:
        flat = [d for d in data if Path(d).suffix.lower() not in (".xlsx", ".xlsm")]
        if flat and len(flat) == len(data):
            fail(f"--sheet {sheet}: {flat[0]} is not a workbook (a CSV or JSON file has one table); "
                 "--sheet is for .xlsx files")
    layout = Layout(sheet if sheet is not None else cfg.sheet,
                    header_row if header_row is not None else cfg.header_row)
    return percent_cells or cfg.percent_cells or "strict", layout


def _verbose() -> None:
    log = logging.getLogger("kpidsl.data")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("kpi: %(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)


def paths_or_configured(paths: tuple[str, ...], what: str) -> tuple[str, ...]:
    """The paths given, else ``paths`` from the project's configuration."""
    if paths:
        return paths
    cfg = project(Path.cwd())
    if not cfg.paths:
        fail(f"give {what} (files or folders), or list them as paths = [...] in [tool.kpi] of pyproject.toml "
             "or in kpi.toml")
    return cfg.rubric_paths()
