"""``kpi init [DIR] --from PATTERN``: a starter project from one of the documented patterns.

The patterns are docs/patterns/ (each a rubric, its example sheet and the results worked out by
hand).  A wheel carries that folder inside the package as kpidsl/patterns (pyproject.toml's
force-include, as for the grammar), so the pages and ``kpi init`` read the same files and none
is kept twice; a source checkout reads docs/patterns itself."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from kpidsl.cli.common import EXIT_USAGE, fail

_HERE = Path(__file__).resolve().parent
_PATTERN_DIRS = (_HERE.parent / "patterns", _HERE.parent.parent / "docs" / "patterns")

PRE_COMMIT = """\
# pre-commit (https://pre-commit.com): `pre-commit install`, then every commit that touches a
# rubric runs kpi check on it, and kpi test on the examples.  The hooks run the kpi installed
# beside pre-commit; kpidsl's own repository also offers them as `kpi-check` and `kpi-fmt`
# (its .pre-commit-hooks.yaml) for a `repo:` line pointing at it.
repos:
  - repo: local
    hooks:
      - id: kpi-check
        name: kpi check
        entry: kpi check
        language: system
        files: \\.kpi$
        require_serial: true
      - id: kpi-test
        name: kpi test
        entry: kpi test .
        language: system
        files: \\.(kpi|csv)$
        pass_filenames: false
"""

CI = """\
# GitHub Actions: check every rubric (problems shown on the pull request's lines) and run the
# examples beside them.  Other CI systems run the same three commands.
name: kpi
on: [push, pull_request]
jobs:
  rubrics:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install kpidsl
      - run: kpi check --format github .
      - run: kpi test .
"""


def patterns_dir() -> Path:
    for p in _PATTERN_DIRS:
        if p.is_dir():
            return p
    raise FileNotFoundError("the patterns folder is not beside the kpidsl package (a broken install)")


def patterns() -> dict[str, Path]:
    return {p.stem: p for p in sorted(patterns_dir().glob("*.kpi"))}


def _title(path: Path) -> str:
    m = re.search(r'^rubric\s+"((?:[^"\\]|\\.)*)"', path.read_text(encoding="utf-8"), re.M)
    return m.group(1) if m else ""


def files_for(name: str, rubric: Path) -> dict[str, str]:
    examples = rubric.parent / "examples"
    return {
        f"{name}.kpi": rubric.read_text(encoding="utf-8"),
        f"examples/{name}.csv": (examples / f"{name}.csv").read_text(encoding="utf-8"),
        f"examples/{name}.expected.csv": (examples / f"{name}.expected.csv").read_text(encoding="utf-8"),
        ".pre-commit-config.yaml": PRE_COMMIT,
        ".github/workflows/kpi.yml": CI,
    }


@click.command("init")
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--from", "pattern", metavar="PATTERN", help="The pattern to start from (see --list).")
@click.option("--list", "list_", is_flag=True, help="List the patterns and exit.")
def init_command(directory: Path, pattern: str | None, list_: bool) -> None:
    """Start a project in DIRECTORY (default: here) from a documented pattern: its rubric, an example
    sheet with the results worked out by hand (so `kpi test` passes at once), a pre-commit config
    and a CI workflow.  Existing files are never overwritten: kpi init names them and stops."""
    found = patterns()
    if list_:
        width = max(map(len, found))
        for name, path in found.items():
            click.echo(f"{name:{width}}  {_title(path)}")
        return
    if pattern is None:
        click.echo("kpi: error: say which pattern to start from, e.g. kpi init --from attendance_bonus; "
                   "the patterns are:", err=True)
        for name in found:
            click.echo(f"  {name}", err=True)
        sys.exit(EXIT_USAGE)
    if pattern not in found:
        fail(f"no pattern {pattern!r}; the patterns are {', '.join(found)} (kpi init --list)")
    files = files_for(pattern, found[pattern])
    if directory.exists() and not directory.is_dir():
        fail(f"{directory} is not a folder")
    there = [rel for rel in files if (directory / rel).exists()]
    if there:
        fail(f"{directory} already has {', '.join(there)}; kpi init writes nothing over an existing file "
             "(move them, or start in another folder)")
    for rel, text in files.items():
        path = directory / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as e:
            fail(f"{e.filename or path}: {e.strerror}")
    click.echo(f"wrote {len(files)} files in {directory}: {', '.join(files)}")
    click.echo(f"next: kpi check {directory}  and  kpi test {directory}")
