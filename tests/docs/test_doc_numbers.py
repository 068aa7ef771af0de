"""Numbers the user docs quote about a shipped rubric agree with what kpi scores: each sentence
of the form "here 99% scores 25 points, as in `rubrics/NAME.kpi`" is checked by scoring every
item of that rubric whose tiers read a percent at that value."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from kpidsl import ir
from kpidsl.api import load_rubric
from kpidsl.backends.docs import charts

ROOT = Path(__file__).resolve().parents[2]
CLAIM = re.compile(r"(\d+(?:\.\d+)?)% scores (\d+(?:\.\d+)?) points, as in `(rubrics/[\w/]+\.kpi)`")
CLAIMS = [(doc.name, m) for doc in sorted((ROOT / "docs").glob("*.md"))
          for m in CLAIM.finditer(re.sub(r"\s+", " ", doc.read_text(encoding="utf-8")))]


def test_the_docs_quote_at_least_one_number_about_a_shipped_rubric():
    assert CLAIMS, "docs/language.md's R4 example names rubrics/service_supervisor.kpi"


@pytest.mark.parametrize("doc,claim", CLAIMS, ids=lambda x: x if isinstance(x, str) else x.group(0)[:40])
def test_a_quoted_score_is_what_the_named_rubric_scores(doc, claim):
    value, points, rubric = Decimal(claim.group(1)) / 100, Decimal(claim.group(2)), claim.group(3)
    plan = load_rubric(ROOT / rubric).plan
    scored = []
    for s in plan.score_steps:
        subj = charts.subject(s.expr) if s.kind == "item" else None
        if isinstance(subj, ir.Cell) and next(c for c in plan.columns if c.name == subj.column).unit == "percent":
            scored.append(charts.at(s.expr, subj, value))
    assert points in scored, f"{doc}: {claim.group(0)!r}, but {rubric} scores {value:%} as {scored}"
