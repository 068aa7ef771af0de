"""Golden examples: every shipped rubric scored on hand-worked example data.

For each ``rubrics/examples/NAME.expected.csv`` this runs the real command line,

    python -m kpidsl.cli.main eval rubrics/NAME.kpi rubrics/examples/NAME.csv -o OUT.json

and checks the JSON ``rows`` against the expected file.  The expected values were
worked out by hand from the rubric's rules (the working is in the ``#`` lines at the
top of each expected file); they are never copied from the evaluator.

Expected-file format:

* lines starting with ``#`` are the hand working and are skipped;
* the first remaining line is the header: the person key (``id`` or the rubric's
  person key), ``period`` if the data has periods, then any result keys (item,
  section, ``total``, ``grade`` label, pay / pool / award names, ``flags``, ``status``);
* a cell is compared as follows:
    - blank: the output must be blank too (an excluded person has no scores);
    - a number: equal as a Decimal (``85`` == ``85.0``); when the expected text has
      exactly two decimals (money, or a total rounded to the cent) the text must also
      match exactly (``85.00`` is not ``85``);
    - ``flags``: each ``;``-separated expected flag must appear in the output's flags;
    - ``status``: the output's status word (``scored``, ``excluded``), before any ``: reason``;
    - anything else (grade labels): the text must match exactly.

The output must hold exactly the people (and periods) the expected file lists.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUBRICS = ROOT / "rubrics"
EXAMPLES = RUBRICS / "examples"
CENTS = re.compile(r"^-?\d+\.\d{2}$")

EXPECTED_FILES = sorted(EXAMPLES.glob("*.expected.csv"))


def _name(path: Path) -> str:
    return path.name.removesuffix(".expected.csv")


def _read_expected(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    lines = [ln for ln in path.read_text(encoding="utf-8-sig").splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    reader = csv.reader(io.StringIO("\n".join(lines)))
    header = next(reader)
    rows = []
    for n, cells in enumerate(reader, start=1):
        assert len(cells) == len(header), (
            f"{path.name}: data row {n} has {len(cells)} cells, the header has {len(header)}")
        rows.append(dict(zip(header, cells)))
    return header, rows


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return str(value)


def _mismatch(column: str, expected: str, actual: str) -> bool:
    """True when `actual` does not satisfy `expected` for this column."""
    if expected == "":
        return actual.strip() != ""
    if column == "flags":
        return not all(flag.strip() in actual for flag in expected.split(";") if flag.strip())
    if column == "status":
        return actual.split(":", 1)[0].strip() != expected
    want = _decimal(expected)
    if want is not None:
        got = _decimal(actual)
        if got is None or got != want:
            return True
        return bool(CENTS.match(expected)) and actual.strip() != expected
    return actual != expected


def test_every_rubric_has_an_example():
    rubrics = {p.stem for p in RUBRICS.glob("*.kpi")}
    examples = {_name(p) for p in EXPECTED_FILES}
    assert rubrics - examples == set(), f"rubrics without a golden example: {sorted(rubrics - examples)}"


@pytest.mark.parametrize("expected_file", EXPECTED_FILES, ids=_name)
def test_golden(expected_file: Path, tmp_path: Path):
    name = _name(expected_file)
    rubric = RUBRICS / f"{name}.kpi"
    data = EXAMPLES / f"{name}.csv"
    assert rubric.exists(), f"{expected_file.name}: no rubric {rubric}"
    assert data.exists(), f"{expected_file.name}: no example data {data}"

    out = tmp_path / "out.json"
    run = subprocess.run([sys.executable, "-m", "kpidsl.cli.main", "eval", str(rubric), str(data), "-o", str(out)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, f"{name}: kpi eval failed (exit {run.returncode}):\n{run.stderr}"
    actual_rows = json.loads(out.read_text(encoding="utf-8"))["rows"]

    header, expected_rows = _read_expected(expected_file)
    person_col = header[0]
    has_period = "period" in header

    def key_of(row: dict, expected: bool) -> tuple[str, str]:
        person = row.get(person_col) if expected else row.get(person_col, row.get("id"))
        return (_text(person), _text(row.get("period")) if has_period else "")

    by_key: dict[tuple[str, str], dict] = {}
    for row in actual_rows:
        k = key_of(row, expected=False)
        assert k not in by_key, f"{name}: the output has two rows for {k}"
        by_key[k] = row

    def where(k: tuple[str, str]) -> str:
        return f"person {k[0]}" + (f", period {k[1]}" if has_period else "")

    problems = []
    wanted = [key_of(r, expected=True) for r in expected_rows]
    for k in sorted(set(by_key) - set(wanted)):
        problems.append(f"{name}: {where(k)}: in the output but not in {expected_file.name}")
    for k, exp in zip(wanted, expected_rows):
        act = by_key.get(k)
        if act is None:
            problems.append(f"{name}: {where(k)}: missing from the output")
            continue
        for column in header:
            if column in (person_col, "period"):
                continue
            if column not in act:
                problems.append(f"{name}: {where(k)}, column {column}: expected {exp[column]!r}, "
                                f"but the output has no such column (keys: {', '.join(act)})")
                continue
            got = _text(act[column])
            if _mismatch(column, exp[column], got):
                problems.append(f"{name}: {where(k)}, column {column}: expected {exp[column]!r}, actual {got!r}")

    if problems:
        pytest.fail(f"{len(problems)} mismatch(es) in {name}:\n" + "\n".join(problems), pytrace=False)
