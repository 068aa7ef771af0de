"""``kpi test``: examples that sit beside a rubric, run like unit tests.

For ``rubrics/card.kpi`` the examples are ``rubrics/examples/card.csv`` (the
data: given these inputs…) and ``rubrics/examples/card.expected.csv`` (…expect
these item points, totals, grades or pay).  The expected file may start with
``#`` lines (the working, by hand); its header names the person column, an
optional ``period`` and any result keys (item, section, ``total``, ``grade``
label, ``coefficient``, pay and award names).  One expected row is one test.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from kpidsl.data.files import Layout
from kpidsl.engine.output import Table


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
    ``status`` compares its first word (the reason may follow); ``flags`` must
    include every expected flag."""
    if key == "status":
        return expected == str(actual or "").split(":")[0].strip()
    if key == "flags":
        have = {f.strip() for f in str(actual or "").split(";")}
        return all(f.strip() in have for f in expected.split(";") if f.strip())
    if isinstance(actual, Decimal):
        try:
            return Decimal(expected) == actual
        except InvalidOperation:
            return False
    return expected == ("" if actual is None else str(actual))


def run_examples(rubric: Path, percent: str = "strict", layout: Layout | None = None) -> list[Case]:
    """Each expected row of the rubric's examples, scored and compared; the example data is
    read with ``percent`` and ``layout`` (the project's settings, or the options)."""
    from kpidsl.api import load_rubric
    from kpidsl.data.source import read_rows

    files = example_files(rubric)
    if files is None:
        return []
    data, expected_path = files
    scorer = load_rubric(rubric)
    rows = read_rows(scorer.plan, [data], percent, needs_groups=scorer.evaluator.groups_needed(), layout=layout)
    results = scorer.evaluator.evaluate(rows)
    table = Table(scorer.plan)
    by_key = {(r.person, r.period): table.values(r) for r in results}
    _, expected_rows = read_expected(expected_path)
    person_key = scorer.plan.person if expected_rows and scorer.plan.person in expected_rows[0] else "id"
    cases = []
    for exp in expected_rows:
        person, period = exp.get(person_key, ""), exp.get("period", "")
        case = Case(rubric, person, period)
        actual = by_key.get((person, period))
        if actual is None:
            case.error = "no such person and period in the results"
        else:
            for k, want in exp.items():
                if k in (person_key, "period"):
                    continue
                if k not in actual:
                    case.mismatches.append((k, want, "(no such result column)"))
                elif not same(want, actual[k], k):
                    got = actual[k]
                    case.mismatches.append((k, want, table.text(k, got) if isinstance(got, Decimal) else str(got)))
        cases.append(case)
    return cases
