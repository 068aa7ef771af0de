"""``kpi import SCORECARD -o draft.kpi``: a draft rubric from an Excel, CSV or Word scorecard.

The importer (kpidsl/importer/) reads the table and the criteria it can; here the draft is
checked as ``kpi check`` would, and an item the checker objects to (a gap between tiers, a
maximum its rule cannot reach, …) goes back to a placeholder, so the draft that is written
checks with only "unfinished item" warnings wherever the table allows."""

from __future__ import annotations

from pathlib import Path

import click

from kpidsl.cli.common import EXIT_PROBLEMS, fail
from kpidsl.diagnostics.diagnostic import Diagnostic, Severity
from kpidsl.importer.draft import Draft, build
from kpidsl.importer.header import ROLE_WORDS, find_layout
from kpidsl.importer.tables import ImportProblem, read_tables
from kpidsl.syntax import ast


def check_draft(text: str) -> tuple[list[Diagnostic], ast.Rubric | None]:
    from kpidsl.check.checker import check
    from kpidsl.syntax.loader import Loader

    loader = Loader(read=lambda p: text)
    program = loader.load(Path("draft.kpi"))
    if program is None:
        return loader.diagnostics, None
    return loader.diagnostics + check(program), program.root


def _objected(diags: list[Diagnostic], rubric: ast.Rubric) -> set[str]:
    """The items a diagnostic other than KPI115 (and other than a note) points into."""
    spans: list[tuple[str, int, int]] = []

    def walk(members: tuple[object, ...]) -> None:
        for m in members:
            if isinstance(m, ast.Item):
                spans.append((m.name, m.span.line, m.span.end_line))
            elif isinstance(m, ast.Section):
                walk(m.members)

    walk(rubric.statements)
    names: set[str] = set()
    for d in diags:
        if d.code == "KPI115" or d.severity == Severity.INFO:
            continue
        names.update(n for n, first, last in spans if first <= d.span.line <= last)
    return names


def draft_for(path: Path, mapping: dict[str, str], table_number: int | None = None) -> tuple[Draft, str, list[Diagnostic]]:
    """The draft of one table of ``path`` (its first, or the numbered one), checked."""
    tables = read_tables(path)
    if table_number is not None:
        if not 1 <= table_number <= len(tables):
            raise ImportProblem(f"{path}: --table {table_number}: the file has {len(tables)} table(s)")
        tables = [tables[table_number - 1]]
    problems = []
    for table in tables:
        try:
            layout = find_layout(table, mapping)
        except ImportProblem as e:
            problems.append(str(e))
            continue
        draft = build(layout, path.stem)
        for _ in range(5):  # each round can only turn items into placeholders: it ends
            text = draft.text(path.name)
            diags, rubric = check_draft(text)
            bad = _objected(diags, rubric) if rubric is not None else set()
            if not bad:
                return draft, text, diags
            draft.to_placeholder(bad)
        return draft, text, diags
    raise ImportProblem("; ".join(problems))


@click.command("import")
@click.argument("scorecard", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The draft .kpi file to write.")
@click.option("--map", "mappings", multiple=True, metavar="ROLE=HEADER",
              help=f"Which column holds what, when the header words are not found: ROLE is one of "
                   f"{', '.join(ROLE_WORDS)}; e.g. --map item=考核内容 --map weight=分值.")
@click.option("--table", "table_number", type=int, default=None,
              help="Which table (Word) or sheet (Excel) to read, from 1; default: the first with a header.")
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
def import_command(scorecard: Path, output: Path, mappings: tuple[str, ...], table_number: int | None,
                   force: bool) -> None:
    """Draft a rubric from a scorecard table (.xlsx, .csv or .docx).

    Items, points, sections, criteria, data sources and raters are taken from the table; the
    criteria written in the common phrasings become rules (tiers, per-count deductions, target
    ± per point, proportional, levels, a scale, a veto).  Anything else becomes `todo "…"` with
    the original text, which `kpi check` reports (KPI115) until a person writes the rule.  No
    number is made up: every number in the draft is one the table wrote."""
    from kpidsl.cli.report import SourceCache, render_human

    mapping = {}
    for m in mappings:
        role, sep, header = m.partition("=")
        if not sep or not header:
            fail(f"--map {m!r}: write ROLE=HEADER, e.g. --map weight=分值")
        mapping[role.strip()] = header.strip()
    if not scorecard.is_file():
        fail(f"{scorecard}: no such file")
    if output.exists() and not force:
        fail(f"{output} exists; kpi import does not overwrite it (choose another -o, or --force)")
    try:
        draft, text, diags = draft_for(scorecard, mapping, table_number)
    except ImportProblem as e:
        fail(str(e))
    except OSError as e:
        fail(f"{e.filename or scorecard}: {e.strerror}")
    output.write_text(text, encoding="utf-8")
    items = draft.items()
    todo = sum(1 for i in items if i.reading is None)
    click.echo(f"wrote {output}: {len(items)} items, {len(items) - todo} with a rule or scored by raters, "
               f"{todo} to finish (todo)")
    if draft.skipped:
        click.echo(f"  {len(draft.skipped)} row(s) without points kept as notes at the top", err=True)
    others = [d for d in diags if d.code != "KPI115" and d.severity != Severity.INFO]
    if others:
        click.echo(render_human(others, SourceCache({"draft.kpi": text})), err=True)
        click.echo(f"kpi: the draft has {len(others)} problem(s) beyond its todo items; fix them in {output}", err=True)
        raise SystemExit(EXIT_PROBLEMS)
