"""The common schemes of docs/patterns: each checks clean, passes its hand-worked examples,
and is shown in docs/language.md's Patterns section exactly as the file has it.

A pattern is ``docs/patterns/NAME.kpi`` with ``examples/NAME.csv`` and
``examples/NAME.expected.csv`` (worked by hand in its ``#`` lines).  The docs show it in a
```kpi block right under ``<!-- pattern: patterns/NAME.kpi -->``; the file is the one
source, and the block must equal it byte for byte.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from kpidsl.api import check_files, load_rubric
from kpidsl.cli.testing import example_files, read_expected, run_examples
from kpidsl.data.source import read_rows
from kpidsl.engine.output import Table
from kpidsl.syntax.formatter import format_text

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "docs" / "patterns"
PATTERNS = sorted(FOLDER.glob("*.kpi"))
LANGUAGE = ROOT / "docs" / "language.md"
BY_DESIGN = {"KPI126"}  # notes a pattern may get: see test_pattern_checks_clean
MARK = re.compile(r"^<!--\s*pattern:\s*(\S+)\s*-->$")


def shown_in_docs() -> dict[str, list[str]]:
    """Each pattern path the docs mark, with the text of every ```kpi block right under a mark."""
    lines = LANGUAGE.read_text(encoding="utf-8").split("\n")
    shown: dict[str, list[str]] = {}
    for i, line in enumerate(lines):
        if m := MARK.match(line.strip()):
            start = next(j for j in range(i + 1, len(lines)) if lines[j].strip())
            assert lines[start] == "```kpi", f"language.md:{i + 1}: the mark must stand right above a ```kpi block"
            end = next(j for j in range(start + 1, len(lines)) if lines[j] == "```")
            shown.setdefault(m.group(1), []).append("\n".join(lines[start + 1:end]) + "\n")
    return shown


def test_there_are_six_patterns_at_least():
    assert len(PATTERNS) >= 6, [p.name for p in PATTERNS]


@pytest.mark.parametrize("path", PATTERNS, ids=lambda p: p.stem)
def test_pattern_checks_clean(path):
    # no errors, no warnings, not even a note: a pattern is what a rubric should look like.
    # The one exception is KPI126, the note that bounds come from data and are checked per
    # row: every rubric with a per-person quota as a bound gets it, by design.
    diags, _ = check_files([path])
    assert [f"{d.code} {d.message}" for d in diags if d.code not in BY_DESIGN] == []


@pytest.mark.parametrize("path", PATTERNS, ids=lambda p: p.stem)
def test_pattern_is_in_the_canonical_layout(path):
    text = path.read_text(encoding="utf-8")
    assert format_text(text, str(path)) == text, f"run `kpi fmt {path.relative_to(ROOT)}`"


@pytest.mark.parametrize("path", PATTERNS, ids=lambda p: p.stem)
def test_pattern_passes_its_hand_worked_examples(path):
    assert example_files(path) is not None, f"{path.name} has no examples/{path.stem}.csv and .expected.csv"
    cases = run_examples(path)
    assert len(cases) >= 4
    failed = [(c.person, c.period, c.error, c.mismatches) for c in cases if not c.passed]
    assert failed == []


def _flagged(path: Path) -> bool:
    """Whether the pattern's expected results have a flags column (the others raise none)."""
    first = next(line for line in (FOLDER / "examples" / f"{path.stem}.expected.csv").read_text(
        encoding="utf-8").splitlines() if not line.startswith("#"))
    return "flags" in first.split(",")


@pytest.mark.parametrize("path", [p for p in PATTERNS if _flagged(p)], ids=lambda p: p.stem)
def test_flags_are_exactly_the_expected_ones(path):
    # kpi test only asks that every expected flag is raised; here an empty cell also means none
    data, expected_path = example_files(path)
    header, expected = read_expected(expected_path)
    scorer = load_rubric(path)
    rows = read_rows(scorer.plan, [data], needs_groups=scorer.evaluator.groups_needed())
    table = Table(scorer.plan)
    person = header[0]
    actual = {(r.person, r.period): table.values(r).get("flags") or "" for r in scorer.evaluator.evaluate(rows)}
    for row in expected:
        got = actual[(row[person], row.get("period", ""))]
        want = {f.strip() for f in row["flags"].split(";") if f.strip()}
        assert {f.strip() for f in str(got).split(";") if f.strip()} == want, (row[person], row.get("period"))


def test_kpi_test_passes_on_the_folder():
    r = subprocess.run([sys.executable, "-m", "kpidsl.cli.main", "test", str(FOLDER)], capture_output=True, text=True,
                       cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"\b\d+ passed, 0 failed", r.stdout), r.stdout


def test_the_docs_show_every_pattern_once_as_its_file_has_it():
    shown = shown_in_docs()
    files = {p.relative_to(ROOT / "docs").as_posix(): p for p in PATTERNS}
    assert sorted(shown) == sorted(files), "every pattern file, and nothing else, is marked in language.md"
    for name, blocks in shown.items():
        assert len(blocks) == 1, f"{name} is shown {len(blocks)} times"
        assert blocks[0] == files[name].read_text(encoding="utf-8"), f"language.md's block for {name} differs from the file"


def test_the_patterns_section_stands_before_domain_coverage():
    text = LANGUAGE.read_text(encoding="utf-8")
    patterns, coverage = text.find("\n## Patterns\n"), text.find("\n## Domain coverage\n")
    assert 0 < patterns < coverage
    assert all(text.index(f"<!-- pattern: {p.relative_to(ROOT / 'docs').as_posix()} -->") in range(patterns, coverage)
               for p in PATTERNS)
