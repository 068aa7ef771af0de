"""Random rubrics that `kpi check` accepts, with random valid data: the API's eval, the
one-pass compiled stream, the IR interpreter and the form's JavaScript (node) all finish
and agree digit for digit.

The generator (tests/rubric_gen.py) builds nested sections (with and without `out of`),
every per-row rule, bonuses, `round` lines at every level in every mode, vetoes of every
scope, grades with coefficients, pays and awards, and the batch rules: team pools, quotas,
best-of awards and streaks.  What a single row cannot know (a pool's share, a grade a quota
moved) is compared where the batch decides it.  One node process scores a whole batch of
examples."""

from __future__ import annotations

from decimal import Decimal

import nodejs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rubric_gen import rubric_and_rows

from kpidsl import interpret
from kpidsl.api import Scorer, check_text, load_text
from kpidsl.backends.form.javascript import batch_only
from kpidsl.data.validate import DataProblems
from kpidsl.lower.lowerer import lower
from kpidsl.numbers.semantics import show


def _interpreted(plan, row, skip=frozenset()):
    """Score steps, grade and result steps by walking the IR: no compiled code.  The steps in
    ``skip`` read the whole batch (batch_only), so no single row can give them."""
    steps: dict[str, Decimal] = {}
    for s in plan.score_steps:
        steps[s.name] = interpret.value(s.expr, row.cells, steps)
    grade = None
    for i, g in enumerate(plan.grades):
        if g.cond is None or interpret.truth(g.cond, row.cells, steps):
            grade = i
            break
    all_steps = dict(steps, grade=Decimal(-1 if grade is None else grade))
    for s in plan.result_steps:
        if s.name not in skip:
            all_steps[s.name] = interpret.value(s.expr, row.cells, all_steps)
    del all_steps["grade"]
    return all_steps, grade


BATCH = 12


def _moved(res) -> bool:
    """Whether a quota moved this person down a grade (the note says so, and it is one grade)."""
    return any(n.startswith("moved from") for n in res.notes)


@pytest.mark.node
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(rubric_and_rows(rich=True), min_size=BATCH, max_size=BATCH))
def test_eval_compiled_interpreter_and_javascript_agree(cases):
    plans, cell_rows, expected = [], [], []
    for text, records in cases:
        errors = [d for d in check_text(text, "gen.kpi") if d.severity.value == "error"]
        assert not errors, (errors, text)
        program, _ = load_text(text, "gen.kpi")
        plan = lower(program)
        scorer = Scorer(plan)
        try:
            rows = scorer.rows(records)
        except DataProblems as e:
            raise AssertionError(([str(x) for x in e.errors], records, text)) from None
        results = scorer.evaluator.evaluate(rows)  # what `kpi eval` and the API run
        assert len(results) == len(records) and all(r.status == "scored" for r in results), text
        # the one-pass compiled stream, where it applies, writes the same digits
        if scorer.evaluator.streams_lines:
            streamed = list(scorer.evaluator.stream(rows, errs := []))
            assert not errs, (errs, text)
            for a, b in zip(streamed, results, strict=True):
                assert {k: str(v) for k, v in a.steps.items()} == {k: str(v) for k, v in b.steps.items()}, text
                assert a.grade == b.grade
        skip = batch_only(plan)
        results_only = {s.name for s in plan.result_steps}
        for res in results:
            steps, grade = _interpreted(plan, res.row, skip)
            if _moved(res):  # a quota moved the grade, and every result read from it: batch only
                assert grade == res.grade - 1, text
            else:
                assert grade == res.grade, text
            for name, v in steps.items():
                if name not in skip and not (_moved(res) and name in results_only):
                    assert str(v) == str(res.steps[name]), (name, v, res.steps[name], text)
        plans.append(plan)
        cell_rows.append([r.row.cells for r in results])
        expected.append((text, skip, results))
    js = nodejs.score_many(plans, cell_rows)
    assert len(js) == len(expected)
    compared = 0
    for (text, skip, results), js_rows, plan in zip(expected, js, plans, strict=True):
        assert len(js_rows) == len(results)
        for res, j in zip(results, js_rows, strict=True):
            assert "error" not in j and "excluded" not in j, (j, text)
            assert j["grade"] == (res.grade - 1 if _moved(res) else res.grade), text
            for step in plan.score_steps + plan.result_steps:
                if step.name in skip or step.kind == "aux" or (_moved(res) and step in plan.result_steps):
                    continue
                assert j[step.name] == show(res.steps[step.name]), (step.name, j[step.name], res.steps[step.name], text)
                compared += 1
    assert compared > 0
