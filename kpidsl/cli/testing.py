"""``kpi test``: examples that sit beside a rubric, run like unit tests.

For ``rubrics/card.kpi`` the examples are ``rubrics/examples/card.csv`` (the
data: given these inputs…) and ``rubrics/examples/card.expected.csv`` (…expect
these item points, totals, grades or pay).  The expected file may start with
``#`` lines (the working, by hand); its header names the person column, an
optional ``period`` and any result columns, by key (item, section, ``total``,
``grade``, ``coefficient``, pay and award names) or by the label ``kpi eval``
writes (so a results file, checked by a person, can be the expected file).  One
expected row is one test.  ``kpi test --update`` writes the expected files from
the current results, to be reviewed in a diff.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from kpidsl.cli.common import EXIT_CLEAN, EXIT_PROBLEMS, fail
from kpidsl.data.files import Layout
from kpidsl.engine.output import OutputError, Table, atomic_path
from kpidsl.numbers.spelling import safe_text

BLANK = "(blank)"  # how an empty value is shown in a mismatch: never "None"
Settings = tuple[str, Layout | None]  # how the example data is read: --percent-cells, sheet and header row


@dataclass
class Case:
    rubric: Path
    person: str
    period: str
    mismatches: list[tuple[str, str, str]] = field(default_factory=list)  # key, expected, actual
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.mismatches and self.error is None


def example_files(rubric: Path) -> tuple[Path, Path] | None:
    for folder in (rubric.parent / "examples", rubric.parent):
        data, expected = folder / f"{rubric.stem}.csv", folder / f"{rubric.stem}.expected.csv"
        if data.is_file() and expected.is_file():
            return data, expected
    return None


def read_expected(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    from kpidsl.data.encoding import read_text

    # in the encoding the data files may be in: UTF-8, UTF-16 with its mark, or GB18030 (GBK)
    lines = [line for line in read_text(path).splitlines() if not line.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    rows = [{k.strip(): (v or "").strip() for k, v in r.items() if k} for r in reader]
    return [h.strip() for h in (reader.fieldnames or [])], rows


def same(expected: str, actual: object, key: str = "") -> bool:
    """Equal to the last digit: 85.00 matches 85.00 and 85, but not 85.004.
    An empty expected cell expects an empty result (no value, no flag, no note).
    ``status`` compares its first word, or the whole of it (the reason may follow); ``flags`` must
    include every expected flag."""
    shown = "" if actual is None else str(actual)
    if expected == "":
        return shown.strip() == ""
    if key == "status":
        return expected in (shown, shown.split(":")[0].strip())
    if key == "flags":
        have = {f.strip() for f in shown.split(";")}
        return all(f.strip() in have for f in expected.split(";") if f.strip())
    if isinstance(actual, Decimal):
        try:
            return Decimal(expected) == actual
        except InvalidOperation:
            return False
    # a results file writes text safe from spreadsheets ('=x): either spelling is the value
    return expected in (shown, safe_text(shown))


def columns_of(table: Table, header: list[str]) -> dict[str, str | None]:
    """Each column of an expected file -> the result key it names: a key, or else the label
    (header) ``kpi eval`` writes for it; None when it names no result column or several."""
    by_label: dict[str, list[str]] = {}
    for key, label, _ in table.columns:
        for spelling in {label, safe_text(label)}:
            by_label.setdefault(spelling, []).append(key)
    keys = set(table.keys)
    out: dict[str, str | None] = {}
    for h in header:
        if h in keys:
            out[h] = h
        else:
            found = by_label.get(h, [])
            out[h] = found[0] if len(found) == 1 else None
    return out


def _scored(rubric: Path, percent: str = "strict",
            layout: Layout | None = None) -> tuple[Any, Table, dict[tuple[str, str], dict[str, object]], Path]:
    """The rubric's example data scored: its table, each (person, period)'s values, and the
    expected file (which may not exist yet).  The data is read with ``percent`` and ``layout``
    (the project's settings, or the options)."""
    from kpidsl.api import load_rubric
    from kpidsl.data.source import read_rows

    files = example_files(rubric)
    if files is None:
        data = next((f / f"{rubric.stem}.csv" for f in (rubric.parent / "examples", rubric.parent)
                     if (f / f"{rubric.stem}.csv").is_file()), None)
        if data is None:
            raise FileNotFoundError(f"{rubric}: no examples/{rubric.stem}.csv beside it to score")
        files = data, data.with_name(f"{rubric.stem}.expected.csv")
    data, expected_path = files
    scorer = load_rubric(rubric)
    rows = read_rows(scorer.plan, [data], percent, needs_groups=scorer.evaluator.groups_needed(), layout=layout)
    results = scorer.evaluator.evaluate(rows)
    table = Table(scorer.plan)
    return scorer, table, {(r.person, r.period): table.values(r) for r in results}, expected_path


def _person_column(plan_person: str, header: list[str]) -> str:
    return plan_person if plan_person in header else "id"


def run_examples(rubric: Path, percent: str = "strict", layout: Layout | None = None) -> list[Case]:
    """Each expected row of the rubric's examples, scored and compared."""
    if example_files(rubric) is None:
        return []
    scorer, table, by_key, expected_path = _scored(rubric, percent, layout)
    header, expected_rows = read_expected(expected_path)
    person_key = _person_column(scorer.plan.person, header)
    named = columns_of(table, header)
    cases = []
    for exp in expected_rows:
        person, period = exp.get(person_key, ""), exp.get("period", "")
        case = Case(rubric, person, period)
        actual = by_key.get((person, period))
        if actual is None:
            case.error = "no such person and period in the results"
        else:
            for column, want in exp.items():
                if column in (person_key, "period"):
                    continue
                key = named.get(column)
                if key is None:
                    case.mismatches.append((column, want or BLANK, "(no such result column)"))
                elif not same(want, actual[key], key):
                    got = table.text(key, actual[key])
                    case.mismatches.append((column, want or BLANK, got or BLANK))
        cases.append(case)
    return cases


def update_examples(rubric: Path, percent: str = "strict", layout: Layout | None = None) -> tuple[Path, int]:
    """Rewrite (or write) the rubric's expected file from the current results: its ``#``
    lines stay where they are, its columns stay as written (keys or labels), each row gets
    the current values, and people in the data but not yet in the file are added at the end.
    A new file gets every result column, by key.  Returns the file and its number of rows."""
    from kpidsl.data.encoding import read_text

    scorer, table, by_key, expected_path = _scored(rubric, percent, layout)
    lines = read_text(expected_path).splitlines() if expected_path.is_file() else []
    out: list[str] = []
    header: list[str] | None = None
    seen: set[tuple[str, str]] = set()
    rows = 0

    def line(cells: list[str]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(cells)
        return buffer.getvalue()

    def values(person: str, period: str, fields: list[str], old: dict[str, str]) -> list[str]:
        """The row's cells now; a column that names no result keeps what it held."""
        actual = by_key[(person, period)]
        named = columns_of(table, fields)
        person_key = _person_column(scorer.plan.person, fields)
        return [person if f == person_key else period if f == "period"
                else table.text(k, actual[k]) if (k := named[f]) is not None else old.get(f, "") for f in fields]

    for text in lines:
        if text.lstrip().startswith("#") or not text.strip():
            out.append(text)
            continue
        (cells,) = csv.reader([text])
        cells = [c.strip() for c in cells]
        if header is None:
            header = cells
            out.append(text)
            continue
        row = dict(zip(header, cells, strict=False))
        key = (row.get(_person_column(scorer.plan.person, header), ""), row.get("period", ""))
        seen.add(key)
        rows += 1
        out.append(line(values(*key, header, row)) if key in by_key else text)  # a person not in the data: kept
    if header is None:
        header = [k for k in table.keys if k != "period" or any(p for _, p in by_key)]
        out.append(line(header))
    for key in by_key:
        if key not in seen:
            out.append(line(values(*key, header, {})))
            rows += 1
    with atomic_path(expected_path, keep_mode=True) as tmp:
        tmp.write_text("\n".join(out) + "\n", encoding="utf-8")
    return expected_path, rows


def failure(rubric: Path, e: Exception) -> str:
    """The FAIL lines for a rubric whose examples could not be run or written, in the
    words both ``kpi test`` and ``kpi test --update`` print."""
    from kpidsl.api import RubricErrors
    from kpidsl.cli.common import io_message
    from kpidsl.data.source import DataProblems

    if isinstance(e, RubricErrors):
        return f"FAIL {rubric}: the rubric has errors (kpi check {rubric})"
    if isinstance(e, DataProblems):
        return "\n".join([f"FAIL {rubric}: its example data has problems:", *(f"    {err}" for err in e.errors[:10])])
    if isinstance(e, UnicodeDecodeError):  # the rubric, or a file it uses, is not UTF-8
        return f"FAIL {io_message(e)}"
    return f"FAIL {rubric}: {e}"


def update_all(files: list[Path], settings: Callable[[Path], Settings]) -> int:
    """``kpi test --update``: each rubric's expected file written from its results; the exit
    code.  Never in CI: there an expected file is what the results are checked against, and
    rewriting it from them would pass anything."""
    from kpidsl.api import RubricErrors
    from kpidsl.data.source import DataProblems

    if os.environ.get("CI"):
        fail("kpi test --update rewrites the expected results from the current ones, so it is refused in CI "
             "(CI is set): run it on your machine and review the change with git diff")
    updated = problems = 0
    for f in files:
        try:
            path, rows = update_examples(f, *settings(f))
        except FileNotFoundError:
            continue  # a library without examples (rubrics/common/)
        except (RubricErrors, DataProblems, ValueError, OSError, OutputError) as e:
            problems += 1
            click.echo(failure(f, e))
            continue
        updated += 1
        click.echo(f"wrote {path} ({rows} rows): review it with git diff before you commit it")
    if not updated and not problems:
        fail("no examples found: put examples/NAME.csv beside NAME.kpi")
    click.echo(f"{updated} expected file(s) written, {problems} failed")
    return EXIT_PROBLEMS if problems else EXIT_CLEAN
