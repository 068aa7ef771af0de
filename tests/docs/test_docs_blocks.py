"""Every ```kpi block in the docs and the README says what it claims.

The convention (docs/getting-started.md): a block is a complete rubric that `kpi check`
passes (no errors), unless an HTML comment on the line just above its fence says

* ``<!-- kpi: fragment -->``: a part of a rubric; it must parse (no KPI001);
* ``<!-- kpi: wrong KPI101 -->``: `kpi check` must report that code (or each of several).

docs/diagnostics.md is generated (``python -m kpidsl.cli.docgen``) and keeps its own layout:
under ``## KPInnn`` the block after ``Wrong:`` reports KPInnn, the one after ``Fixed:`` does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from kpidsl.api import check_files
from kpidsl.diagnostics.codes import EXAMPLE_LIBRARY

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
MARKER = re.compile(r"<!--\s*kpi:\s*(fragment|wrong((?:\s+KPI\d{3})+))\s*-->")


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    text: str
    claim: str  # "valid", "fragment", or the codes it must report, space-separated
    fixed_for: str | None = None  # diagnostics.md: the code a fixed example must no longer report


def blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    heading_code, said = None, None
    i = 0
    while i < len(lines):
        line = lines[i]
        if m := re.match(r"##\s+(KPI\d{3})\s*$", line):
            heading_code = m.group(1)
        if line.strip() in ("Wrong:", "Fixed:"):
            said = line.strip()
        if line.strip() == "```kpi":
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
            text = "\n".join(lines[i + 1:end]) + "\n"
            before = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            claim, fixed_for = "valid", None
            if m := MARKER.search(before):
                claim = m.group(2).strip() if m.group(2) else "fragment"
            elif path.name == "diagnostics.md" and heading_code and said == "Wrong:":
                claim = heading_code
            elif path.name == "diagnostics.md" and heading_code and said == "Fixed:":
                fixed_for = heading_code
            out.append(Block(path.name, i + 1, text, claim, fixed_for))
            i = end
        i += 1
    return out


ALL = [b for p in PAGES for b in blocks(p)]


def test_the_docs_have_blocks_of_every_kind():
    claims = {b.claim for b in ALL}
    assert {"valid", "fragment"} <= claims and any(c.startswith("KPI") for c in claims)
    assert len(ALL) > 100


@pytest.mark.parametrize("block", ALL, ids=lambda b: f"{b.page}:{b.line}")
def test_block(block, tmp_path):
    (tmp_path / EXAMPLE_LIBRARY[0]).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / EXAMPLE_LIBRARY[0]).write_text(EXAMPLE_LIBRARY[1], encoding="utf-8")
    (tmp_path / "a.kpi").write_text('use "block.kpi"\n', encoding="utf-8")  # KPI011's circle
    src = tmp_path / "block.kpi"
    src.write_text(block.text, encoding="utf-8")
    diags, _ = check_files([src])
    codes = [d.code for d in diags]
    errors = [f"{d.code} {d.message}" for d in diags if d.severity.value == "error"]
    if block.claim == "valid":
        if block.fixed_for is not None:
            assert block.fixed_for not in codes, codes
        else:
            assert errors == [], f"{block.page}:{block.line} is not a valid rubric; mark it if it is a fragment"
    elif block.claim == "fragment":
        assert "KPI001" not in codes, [str(d.message) for d in diags if d.code == "KPI001"]
    else:
        missing = set(block.claim.split()) - set(codes)
        assert not missing, f"{block.page}:{block.line} claims {block.claim}, kpi check says {codes}"
