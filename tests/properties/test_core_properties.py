"""The language's general core through every evaluator, on generated rubrics (tests/core_gen.py):
conditions with and/or/not and parentheses on awards, pay, flags, `exclude` and `not applicable
when`; floor, ceil, round in each mode and number.  The compiled evaluator is held to the
generator's own answers (worked in exact fractions from its description of the rubric), the
IR interpreter and the form's JavaScript to the compiled evaluator, and DuckDB's SQL to Python."""

from __future__ import annotations

import os
from decimal import Decimal
from fractions import Fraction

import pytest
from core_gen import core_case
from hypothesis import HealthCheck, given, settings

from kpidsl import interpret
from kpidsl.api import Scorer, check_text, load_text
from kpidsl.lower.lowerer import lower

EXAMPLES = int(os.environ.get("KPI_EXAMPLES", "150"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


def scored(case):
    problems = [d for d in check_text(case.text, "core.kpi") if d.severity.value == "error"]
    assert not problems, (problems, case.text)
    program, _ = load_text(case.text, "core.kpi")
    plan = lower(program)
    return plan, Scorer(plan).evaluate(case.rows)


def near(got: Decimal, want: Fraction) -> bool:
    """Equal, but for the 20-place rounding of a quotient that does not terminate."""
    return abs(Fraction(got) - want) <= Fraction(1, 10**15)


@SETTINGS
@given(core_case())
def test_the_evaluator_scores_what_the_generator_worked_out_and_the_interpreter_agrees(case):
    plan, results = scored(case)
    assert len(results) == len(case.expected)
    for row, res, want in zip(case.rows, results, case.expected):
        where = (case.text, row)
        assert res.status == want["status"], where
        if want["status"] != "scored":
            continue
        for name, value in want["steps"].items():
            assert near(res.steps[name], value), (name, res.steps[name], value, *where)
        if want["award"] is not None:
            assert res.steps["w"] == (50 if want["award"] else 0), where
        if want["flag"] is not None:
            assert ("约谈" in res.flags) == want["flag"], (res.flags, *where)
        if want["pay"] is not None:
            assert Fraction(res.steps["p"]) == want["pay"], (res.steps["p"], want["pay"], *where)
        # the IR interpreter, on the same plan, to the last digit
        steps: dict[str, Decimal] = {}
        for s in plan.score_steps:
            steps[s.name] = interpret.value(s.expr, res.row.cells, steps)
            assert str(steps[s.name]) == str(res.steps[s.name]), (s.name, case.text)


@pytest.mark.node
@settings(max_examples=max(EXAMPLES // 5, 20), deadline=None, suppress_health_check=list(HealthCheck))
@given(core_case())
def test_the_forms_javascript_equals_the_evaluator(case):
    from nodejs import assert_same

    plan, results = scored(case)
    assert_same(plan, results)


@pytest.mark.slow
@settings(max_examples=max(EXAMPLES // 5, 20), deadline=None, suppress_health_check=list(HealthCheck))
@given(core_case())
def test_duckdb_equals_the_evaluator(case):
    pytest.importorskip("duckdb")
    import sql_diff
    from engines import DuckDB

    db = DuckDB()
    try:
        sql_diff.generated(case.text, case.rows, db.same)
    finally:
        db.con.close()
