"""The form's JavaScript, run by node, agrees with the Python evaluator to the last digit:
on the shipped rubrics with their example data, and on generated rubrics and rows."""

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from nodejs import assert_same
from rubric_gen import rubric_and_rows

from kpidsl.api import Scorer, load_rubric, load_text
from kpidsl.backends.form.javascript import js_string
from kpidsl.data.source import read_rows
from kpidsl.lower.lowerer import lower

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = int(os.environ.get("KPI_EXAMPLES", "150"))  # as in test_eval_properties.py
pytestmark = pytest.mark.node


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
