"""``kpi docs``: a Markdown page per rubric, each with a worked example scored from the
rubric's example data.  Scoring the example is the engine's work, done here; the docs
backend only writes what it is given."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from kpidsl.backends.docs.page import Example, Page, files, render_page
from kpidsl.backends.docs.text import num
from kpidsl.cli.common import EXIT_PROBLEMS, collect_files, load_for, report_data_problems
from kpidsl.data.source import DataProblems, read_rows
from kpidsl.engine.explain import explain
from kpidsl.engine.output import atomic_path, refuse_overwriting


@click.command("docs")
@click.argument("rubrics", nargs=-1, required=True)
@click.option("-o", "--output", "out", type=click.Path(file_okay=False), required=True,
              help="The folder to write NAME.md, NAME/*.svg and index.md into.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Language of the pages.")
def docs_command(rubrics: tuple[str, ...], out: str, lang: str) -> None:
    """Write a Markdown page per rubric (files or folders), with SVG charts and an index, for mkdocs."""
    pages = []
    inputs: list[Path] = []
    for f in collect_files(rubrics):
        scorer = load_for(str(f), "writing its documentation")
        example = f.parent / "examples" / f"{f.stem}.csv"
        inputs += [*scorer.files, example]
        if not scorer.plan.title:  # a library of shared definitions (no `rubric` line) has no page
            continue
        try:
            worked = example_for(scorer, example, f"{example.parent.name}/{example.name}") if example.is_file() else None
        except DataProblems as e:
            report_data_problems(e.errors)
            sys.exit(EXIT_PROBLEMS)
        pages.append(render_page(scorer.plan, f.stem, lang, f.read_text(encoding="utf-8"), worked))
    written = write(pages, Path(out), lang, inputs)
    click.echo(f"kpi: wrote {len(pages)} page(s) and {len(written) - len(pages) - 1} chart(s) to {out}", err=True)


def write(pages: list[Page], out: Path, lang: str, inputs: list[Path]) -> list[Path]:
    """Every page, its charts and the index into ``out``, each file renamed into place whole;
    nothing is written if any target is an input or not a regular file."""
    targets = [(out / name, text) for name, text in files(pages, lang)]
    for target, _ in targets:
        refuse_overwriting(target, inputs)
    out.mkdir(parents=True, exist_ok=True)
    for target, text in targets:
        target.parent.mkdir(exist_ok=True)
        with atomic_path(target) as tmp:
            tmp.write_text(text, encoding="utf-8")
            tmp.chmod(0o644)  # pages are published (mkdocs, a web server), unlike results (0600)
    return [target for target, _ in targets]


def example_for(scorer: Any, path: Path, shown_as: str = "") -> Example | None:
    """The first scored person of the rubric's example data, explained as ``kpi eval --explain``
    explains them.  Every row is scored together, so batch rules (quotas, pools) see the team."""
    plan = scorer.plan
    rows = read_rows(plan, [path], needs_groups=scorer.evaluator.groups_needed())
    results = scorer.evaluator.evaluate(rows)
    r = next((r for r in results if r.status == "scored"), None)
    if r is None:
        return None
    shown = []
    for c in plan.columns:
        if c.name in r.row.cells:
            value = r.row.cells[c.name]  # None: a cell that may be blank, left blank (a rater absent)
            shown.append((c.name, c.label or "", "—" if value is None else num(value, c.unit == "percent")))
    return Example(r.person, r.period, tuple(shown), explain(plan, r), dict(r.steps), dict(r.row.cells),
                   source=shown_as or path.name, grade=r.grade, awards=tuple(r.awards.items()), flags=tuple(r.flags))
