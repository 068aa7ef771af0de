"""The form's JavaScript, run by node, agrees with the Python evaluator to the last digit:
on the shipped rubrics with their example data, and on generated rubrics and rows."""

import json
from pathlib import Path

import nodejs
import pytest
from hypothesis import HealthCheck, given, settings
from test_eval_properties import EXAMPLES, rubric_and_rows

from kpidsl.api import Scorer, load_rubric, load_text
from kpidsl.backends.form.javascript import batch_only, js_string, standalone_module
from kpidsl.data.source import read_rows
from kpidsl.lower.lowerer import lower
from kpidsl.numbers.semantics import show

ROOT = Path(__file__).resolve().parent.parent


def run_js(plan, cell_rows: list[dict]) -> list[dict]:
    """Skips without node on a developer's machine, fails without it in CI."""
    out = nodejs.run(standalone_module(plan), [{k: str(v) for k, v in row.items()} for row in cell_rows])
    assert isinstance(out, list)
    return out


def assert_same(plan, results):
    """Every score and result step the form can compute, as text, equal to Python's."""
    scored = [r for r in results if r.status == "scored"]
    js = run_js(plan, [r.row.cells for r in scored])
    skip = batch_only(plan)
    compared = 0
    assert len(js) == len(scored)
    for r, j in zip(scored, js, strict=True):
        assert "error" not in j, j
        for step in plan.score_steps + plan.result_steps:
            if step.name in skip or step.kind == "aux" or step.name not in r.steps:
                continue
            assert j[step.name] == show(r.steps[step.name]), (step.name, j[step.name], r.steps[step.name])
            compared += 1
        assert j["grade"] == r.grade
    return compared


EXAMPLE_RUBRICS = sorted(p for p in (ROOT / "rubrics").glob("*.kpi")
                         if (ROOT / "rubrics" / "examples" / f"{p.stem}.csv").exists())


@pytest.mark.parametrize("rubric", EXAMPLE_RUBRICS, ids=lambda p: p.stem)
def test_javascript_equals_python_on_the_shipped_rubrics(rubric):
    scorer = load_rubric(rubric)
    rows = read_rows(scorer.plan, [ROOT / "rubrics" / "examples" / f"{rubric.stem}.csv"],
                     needs_groups=scorer.evaluator.groups_needed())
    results = scorer.evaluator.evaluate(rows)
    assert assert_same(scorer.plan, results) > 0


@settings(max_examples=max(EXAMPLES // 3, 20), deadline=None, suppress_health_check=list(HealthCheck))
@given(rubric_and_rows())
def test_javascript_equals_python_on_generated_rubrics(case):
    text, rows = case
    program, _ = load_text(text, "gen.kpi")
    plan = lower(program)
    results = Scorer(plan).evaluate(rows)
    assert_same(plan, results)


def test_division_and_rounding_agree_on_hard_cases(write):
    text = '''rubric "除法"
round items to 0.01
input a "A": number range -1000000000..
input b "B": number range -1000000000..
item x "X" points 100 { entered by qa }
rater qa "质检"
metric q "Q": number range -1000000000000000.. = a / b
pay p "P" = q * 1元
pay h "H" = a * 0.005元
'''
    scorer = load_rubric(write(text))
    rows = [{"id": str(i), "a": a, "b": b, "x": "50"} for i, (a, b) in enumerate(
        [("1", "3"), ("2", "3"), ("-1", "3"), ("1", "7"), ("10", "4"), ("-10", "4"), ("0.125", "1"),
         ("-0.125", "1"), ("123456789.123456789", "0.0003"), ("5", "-2"), ("0", "9"), ("100", "3")])]
    results = scorer.evaluate(rows)
    assert assert_same(scorer.plan, results) > 0


def test_hostile_text_is_a_string_literal():
    s = js_string('</script><script>alert(1)</script>\u2028"\\')
    assert "<" not in s and ">" not in s and "\u2028" not in s
    assert json.loads(s.replace("\\u003c", "<").replace("\\u003e", ">")) == '</script><script>alert(1)</script>\u2028"\\'
