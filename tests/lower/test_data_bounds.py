"""Bounds from data (issue 12 item 6): tier bounds, bracket starts, ratio targets and bonus
caps written as formulas of the row's data.  Hand-worked scores, values exactly on a data
bound, each row's own bounds checked when it is scored (a data error naming the item and
the columns), the same answers from the compiled evaluator, the IR interpreter, the form's
JavaScript and DuckDB, `kpi fmt` printing it back and `kpi diff` saying what moved."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpidsl import interpret
from kpidsl.api import Scorer, check_text, load_text
from kpidsl.cli.diff import describe_changes
from kpidsl.data.validate import DataProblems
from kpidsl.lower.lowerer import lower
from kpidsl.syntax.formatter import format_text
from kpidsl.syntax.parser import parse
from kpidsl.syntax.printer import strip_spans

QUOTA = """rubric "销售达成"
input sales "销售额": money
input quota "个人指标": money range 1..
input rate "回款率": percent
input goal "回款目标": percent
input extra "回款加分上限": points range 0..10
metric commission "提成": money = progressive sales {
  from 0: 1%
  from quota: 3%
  from 2 * quota: 5%
}
item reach "指标达成" points 60 {
  tiers sales {
    when < quota: 0
    when >= quota and < 2 * quota: 50
    when >= 2 * quota: 60
  }
}
item collect "回款" points 40 {
  bonus up to extra
  ratio rate target goal ±1pt base 30
}
pay paid "提成" = commission
"""

# (sales, quota, rate, goal, extra) -> reach, collect, total, commission, worked by hand:
#   reach: below the quota 0, from the quota to twice it 50, from twice it 60;
#   collect: 30 ± 1 per point of rate above or below the goal, within 0..40 + extra;
#   commission: 1% of sales up to the quota, 3% of the slice up to twice it, 5% above.
ROWS = [
    (("500", "1000", "90%", "85%", "5"), ("0", "35", "35", "5.00")),        # 30 + 5
    (("1000", "1000", "80%", "85%", "0"), ("50", "25", "75", "10.00")),     # exactly on the quota
    (("2000", "1000", "100%", "90%", "5"), ("60", "40", "100", "40.00")),   # exactly on 2 × quota; 10 + 30
    (("3000", "1000", "100%", "80%", "10"), ("60", "50", "110", "90.00")),  # 50 = 40 + 10 of bonus; 10 + 30 + 50
    (("3000", "1000", "100%", "80%", "0"), ("60", "40", "100", "90.00")),   # 50 held to 40: no bonus this row
    (("999.99", "1000", "85%", "85%", "0"), ("0", "30", "30", "10.00")),    # just below: 9.9999 → 10.00
]


def _records(rows):
    names = ("sales", "quota", "rate", "goal", "extra")
    return [dict(zip(names, r), id=f"p{i}", period="2024-01") for i, r in enumerate(rows)]


def _scorer(text: str) -> Scorer:
    program, diags = load_text(text, "bounds.kpi")
    assert program is not None and not [d for d in diags if d.severity.value == "error"], diags
    return Scorer(lower(program))


def _errors(text: str, records) -> list[str]:
    scorer = _scorer(text)
    with pytest.raises(DataProblems) as e:
        scorer.evaluate(records)
    return [p.message for p in e.value.errors]


def test_hand_worked_scores_on_and_around_the_data_bounds():
    results = _scorer(QUOTA).evaluate(_records([r for r, _ in ROWS]))
    for res, (_, want) in zip(results, ROWS, strict=True):
        got = tuple(str(res.steps[s]) for s in ("reach", "collect", "total")) + (str(res.steps["paid"]),)
        assert got == want, (res.row.cells, got, want)


def test_the_interpreter_agrees_on_every_step():
    scorer = _scorer(QUOTA)
    for res in scorer.evaluate(_records([r for r, _ in ROWS])):
        steps: dict[str, Decimal] = {}
        for s in scorer.plan.score_steps + scorer.plan.result_steps:
            steps[s.name] = interpret.value(s.expr, res.row.cells, steps)
            assert str(steps[s.name]) == str(res.steps[s.name]), s.name


def test_the_checker_notes_what_it_leaves_to_each_row():
    found = {(d.code, d.severity.value) for d in check_text(QUOTA, "a.kpi")}
    assert ("KPI126", "info") in found
    assert not [c for c, sev in found if sev == "error"]
    messages = [d.message for d in check_text(QUOTA, "a.kpi") if d.code == "KPI126"]
    assert len(messages) == 3  # the tiers, the brackets, the bonus: each said once
    assert any("tiers' bounds come from data (`quota`)" in m for m in messages)
    assert any("brackets start where the data says (`quota`)" in m for m in messages)
    assert any("`collect`'s bonus comes from data (`extra`)" in m for m in messages)


def test_literal_bounds_keep_their_static_checks():
    text = ('rubric "r"\ninput v "V": points range 0..100\ninput a "A": points range 0..100\n'
            'item x "X" points 10 { tiers v { when < 50: 0 when > 50: 10 } }\n')
    assert {d.code for d in check_text(text, "a.kpi")} >= {"KPI120"}
    data = text.replace("when > 50", "when > a")
    codes = {d.code for d in check_text(data, "a.kpi")}
    assert "KPI120" not in codes and "KPI126" in codes


def test_a_data_bound_of_another_unit_is_refused():
    text = ('rubric "r"\ninput sales "S": money\ninput rate "R": percent\n'
            'item x "X" points 10 { tiers sales { when < rate: 0 else: 10 } }\n')
    (d,) = [d for d in check_text(text, "a.kpi") if d.code == "KPI130"]
    assert "`rate` is a percent" in d.message and "money" in d.message
    target = ('rubric "r"\ninput rate "R": percent\ninput n "N": count\n'
              'item x "X" points 10 { ratio rate target n ±1pt base 5 }\n')
    assert "KPI130" in {d.code for d in check_text(target, "a.kpi")}


def test_a_grade_band_bounded_by_data_is_refused():
    text = 'rubric "r"\ninput bar "B": points\nitem a "A" points 100\ngrade p "P" when >= bar\ngrade f "F" otherwise\n'
    assert "KPI153" in {d.code for d in check_text(text, "a.kpi")}


def test_ranges_widen_with_a_data_target_and_cap_and_stay_sound():
    """The checker's range for an item bounds every score the evaluator gives it."""
    text = ('rubric "r"\ninput r "R": percent\ninput g "G": percent\ninput e "E": points range 0..10\n'
            'item x "X" points 40 {\n  bonus up to e\n  ratio r target g ±1pt base 30\n}\n')
    found = {d.code for d in check_text(text, "a.kpi")}
    assert "KPI110" not in found and "KPI111" not in found
    literal = text.replace("target g", "target 90%").replace("bonus up to e", "bonus up to 10")
    assert "KPI111" in {d.code for d in check_text(literal, "a.kpi")}  # 30 + 10 of 100% is the most: not 50


# ---- each row's own bounds --------------------------------------------------------------------

TWO = ('rubric "r"\ninput v "V": points range 0..100\ninput a "A": points range 0..100\n'
       'input b "B": points range 0..100\n'
       'item x "X" points 10 {\n  tiers v {\n    when < a: 0\n    when >= a and < b: 5\n    when >= b: 10\n  }\n}\n')


def _vab(v, a, b):
    return [{"id": "p", "period": "1", "v": str(v), "a": str(a), "b": str(b)}]


def test_bounds_out_of_order_are_a_data_error_naming_item_and_columns():
    (m,) = _errors(TWO, _vab(10, 30, 20))
    assert m.startswith("item `x`: for this row's `a`, `b`, the tier `when >= a and < b` has its lower bound")
    assert m.endswith(": 20")


def test_equal_data_bounds_leave_an_empty_tier_and_no_error():
    res = _scorer(TWO).evaluate(_vab(50, 50, 50))
    assert res[0].steps["x"] == 10  # on the bound: `>= b`
    assert _scorer(TWO).evaluate(_vab(49, 50, 50))[0].steps["x"] == 0


def test_a_gap_between_data_bounds_is_a_data_error():
    gap = TWO.replace("when >= a and < b: 5", "when > a and < b: 5")
    (m,) = _errors(gap, _vab(70, 30, 60))  # 30 itself gets no tier, whatever v is
    assert "leave a gap at `when < a`, whose upper bound is: 30" in m
    (m,) = _errors(TWO.replace("when >= b: 10", "when > b: 10"), _vab(10, 30, 60))
    assert "leave a gap at `when >= a and < b`" in m and m.endswith(": 60")


def test_overlapping_tiers_with_different_points_are_a_data_error():
    over = ('rubric "r"\ninput v "V": points range 0..100\ninput a "A": points range 0..100\n'
            'input b "B": points range 0..100\nitem x "X" points 10 {\n  tiers v {\n'
            '    when <= a: 0\n    when >= b: 10\n  }\n}\n')
    (m,) = _errors(over, _vab(90, 50, 40))
    assert "the tiers `when <= a` (0) and `when >= b` (10) overlap" in m
    (m,) = _errors(over, _vab(90, 40, 40))  # on the bound: 40 is in both
    assert "overlap" in m
    (m,) = _errors(over, _vab(90, 40, 41))  # 40..41 left out of a continuous value
    assert "leave a gap after `when <= a`" in m and m.endswith(": 40")
    (m,) = _errors(over, _vab(90, 40, 40.5))  # still a gap: the values between 40 and 40.5
    assert "leave a gap after `when <= a`" in m
    meet = over.replace("when >= b", "when > b")
    assert [_scorer(meet).evaluate(_vab(v, 40, 40))[0].steps["x"] for v in (40, 40.5)] == [0, 10]


def test_whole_numbers_need_no_tier_between_them():
    counts = ('rubric "r"\ninput v "V": count\ninput a "A": count\n'
              'item x "X" points 10 {\n  tiers v {\n    when <= a: 0\n    when >= a + 1: 10\n  }\n}\n')
    rows = [{"id": f"p{v}", "period": "1", "v": str(v), "a": "3"} for v in (3, 4)]
    assert [r.steps["x"] for r in _scorer(counts).evaluate(rows)] == [0, 10]
    (m,) = _errors(counts.replace("when >= a + 1", "when >= a + 2"), rows[:1])
    assert "leave a gap after `when <= a`" in m and m.endswith(": 3")


def test_else_closes_every_gap():
    text = TWO.replace("when >= b: 10", "else: 10").replace("when < a: 0", "when < a: 1")
    assert _scorer(text).evaluate(_vab(90, 30, 60))[0].steps["x"] == 10


def test_tiers_leaving_the_lowest_values_uncovered_are_a_data_error():
    text = TWO.replace("    when < a: 0\n", "")
    assert _scorer(text).evaluate(_vab(50, 0, 60))[0].steps["x"] == 5  # a = 0: nothing below the range
    (m,) = _errors(text, _vab(50, 10, 60))
    assert "no tier holds the lowest values, from: 0" in m


BRACKETS = ('rubric "r"\ninput s "S": money\ninput a "A": money\ninput b "B": money\n'
            'item x "X" points 10\npay c "提成" = progressive s {\n  from a: 1%\n  from b: 2%\n}\n')


def test_brackets_that_do_not_rise_are_a_data_error():
    rows = [{"id": "p", "period": "1", "s": "100", "a": "50", "b": "50", "x": "5"}]
    (m,) = _errors(BRACKETS, rows)  # equal starts: the second does not rise
    assert m == "brackets of `progressive` for this row's `a`, `b`: `from b` must come after `from a`, and it is: 50"
    rows[0]["b"] = "60"
    res = _scorer(BRACKETS).evaluate(rows)
    assert res[0].steps["c"] == Decimal("0.10") + Decimal("0.80")  # 10 × 1% + 40 × 2%


def test_a_bonus_below_zero_is_a_data_error():
    text = ('rubric "r"\ninput r "R": percent\ninput e "E": points range -5..5\n'
            'item x "X" points 40 {\n  bonus up to e\n  proportional r\n}\n')
    rows = [{"id": "p", "period": "1", "r": "50%", "e": "-1"}]
    (m,) = _errors(text, rows)
    assert m == "item `x`: the bonus for this row's `e` comes out below zero: -1"


# ---- property: through the evaluator and the interpreter -------------------------------------

points = st.integers(0, 100)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(points, points, points)
def test_two_data_bounds_score_as_written_or_fail_when_out_of_order(v, a, b):
    scorer = _scorer(TWO)
    records = _vab(v, a, b)
    if a > b:
        with pytest.raises(DataProblems):
            scorer.evaluate(records)
        return
    (res,) = scorer.evaluate(records)
    want = 0 if v < a else 5 if v < b else 10
    assert res.steps["x"] == want
    steps: dict[str, Decimal] = {}
    for s in scorer.plan.score_steps:
        steps[s.name] = interpret.value(s.expr, res.row.cells, steps)
    assert steps["x"] == want


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 5000), st.integers(1, 2000), st.integers(0, 100), st.integers(0, 100), st.integers(0, 10))
def test_quota_rules_match_the_rule_as_read(sales, quota, rate, goal, extra):
    (res,) = _scorer(QUOTA).evaluate(_records([(str(sales), str(quota), f"{rate}%", f"{goal}%", str(extra))]))
    reach = 0 if sales < quota else 50 if sales < 2 * quota else 60
    collect = min(max(30 + (rate - goal), 0), 40 + extra)
    slices = [(0, quota, 1), (quota, 2 * quota, 3), (2 * quota, None, 5)]
    commission = sum(Decimal(max(min(sales, hi) if hi is not None else sales, lo) - lo) * r / 100 for lo, hi, r in slices)
    assert (res.steps["reach"], res.steps["collect"], res.steps["paid"]) == (
        reach, collect, commission.quantize(Decimal("0.01")))


# ---- the other backends --------------------------------------------------------------------------


@pytest.mark.node
def test_the_form_javascript_agrees(request):
    from nodejs import assert_same, run_js

    scorer = _scorer(QUOTA)
    results = scorer.evaluate(_records([r for r, _ in ROWS]))
    assert assert_same(scorer.plan, results) > 0
    # a row's bounds out of order: the same error, in the same words
    two = _scorer(TWO)
    (js,) = run_js(two.plan, [{"v": Decimal(10), "a": Decimal(30), "b": Decimal(20)}])
    assert js["error"] == _errors(TWO, _vab(10, 30, 20))[0]


def test_duckdb_agrees_on_scores_and_errors():
    duckdb = pytest.importorskip("duckdb")  # noqa: F841
    from engines import DuckDB

    db = DuckDB()
    scorer = _scorer(QUOTA)
    db.same(scorer, scorer.rows(_records([r for r, _ in ROWS])))
    for text, rows in ((TWO, _vab(10, 30, 20) + _vab(50, 20, 30) + [dict(_vab(1, 5, 4)[0], id="q")]),
                       (TWO.replace("when >= a and < b", "when > a and < b"), _vab(70, 30, 60)),
                       (BRACKETS, [{"id": "p", "period": "1", "s": "100", "a": "50", "b": "50", "x": "5"},
                                   {"id": "q", "period": "1", "s": "100", "a": "50", "b": "60", "x": "5"}])):
        scorer = _scorer(text)
        db.same(scorer, scorer.rows(rows), text)


# ---- fmt and diff ---------------------------------------------------------------------------------


def test_fmt_prints_bounds_from_data_back():
    text = QUOTA.replace("target goal", "target (goal + 1%)").replace("bonus up to extra", "bonus up to extra / 2")
    out = format_text(text, "a.kpi")
    assert "target (goal + 1%) ±1pt" in out and "bonus up to extra / 2" in out and "from 2 * quota: 5%" in out
    assert "when >= quota and < 2 * quota: 50" in out
    assert format_text(out, "a.kpi") == out
    assert strip_spans(parse(out, "a.kpi")) == strip_spans(parse(text, "a.kpi"))


def test_diff_says_when_a_bound_moves_between_numbers_and_data():
    literal = (QUOTA.replace("when < quota", "when < 1000元").replace("when >= quota and < 2 * quota", "when >= 1000元 and < 2000元")
               .replace("when >= 2 * quota", "when >= 2000元"))
    old, new = parse(literal, "a.kpi").statements, parse(QUOTA, "a.kpi").statements
    lines = describe_changes(list(old), list(new))
    assert any("item reach: rule" in ln for ln in lines)
    assert "    its bounds now come from data (`quota`): no longer proven here, checked for each row" in lines, lines
    back = describe_changes(list(new), list(old))
    assert any("its bounds no longer come from data (`quota`)" in ln for ln in back), back
    renamed = describe_changes(list(new), list(parse(QUOTA.replace("target goal", "target rate"), "a.kpi").statements))
    assert any("its bounds now read `rate` instead of `goal`" in ln for ln in renamed), renamed
    bonus = describe_changes(list(new), list(parse(QUOTA.replace("bonus up to extra", "bonus up to 5"), "a.kpi").statements))
    assert "item collect: bonus extra → 5" in bonus
    assert any("no longer come from data (`extra`)" in ln for ln in bonus)


def test_a_cap_from_data_keeps_the_range_sound():
    """min(max(x, 0), cap) with a cap anywhere in 5..10: as low as 5, not the 10 a fixed cap would say."""
    from kpidsl.analysis import rules
    from kpidsl.numbers.intervals import Range

    got = rules.RANGES.clamp(Range(Decimal(20), Decimal(30)), rules.RANGES.const(Decimal(0)),
                             Range(Decimal(5), Decimal(10)))
    assert (got.lo, got.hi) == (5, 10)


def test_the_reference_example_is_the_hand_worked_rubric():
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "language.md").read_text(encoding="utf-8")
    section = page.split("### Bounds from data", 1)[1].split("\n## ", 1)[0]
    assert "```kpi\n" + QUOTA + "```" in section
