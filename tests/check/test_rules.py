"""One rule arithmetic (kpidsl/analysis/rules.py) for the checker and the lowering: the range the
checker proves and the score the evaluator computes come from the same function, so
they cannot disagree about a default `per`, a default `base` or a section's scale."""

from decimal import Decimal

import pytest

from kpidsl.analysis import rules
from kpidsl.api import check_text, load_rubric
from kpidsl.numbers.intervals import Range

D = Decimal


def codes(text):
    return [d.code for d in check_text(text)]


def test_ratio_on_a_formula_of_percents_steps_per_percentage_point(write):
    # The mean of two percents is a percent: ±1pt per percentage point, as the checker
    # assumes.  (95% + 93%) / 2 = 94%: 20 + (94 - 90) × 1 = 24.  Per one whole unit
    # instead, the item would score 20.04 while the checker proved 0..30 per point.
    text = '''rubric "r"
input a "甲": percent
input b "乙": percent
item mean "平均合格率" points 30 { ratio (a + b) / 2 target 90% ±1pt base 20 }
item rest "其余" points 70 { proportional 100% }
'''
    assert "KPI111" not in codes(text)
    (r,) = load_rubric(write({"r.kpi": text})).evaluate([{"id": "甲", "a": "95%", "b": "93%"}])
    assert r.steps["mean"] == D(24)


def test_checker_range_is_the_rule_run_on_ranges():
    # ratio: base 20 at 90%, ±1 per point; over 80%..100% that is 10..30, clamped to 0..25.
    r = rules.ratio(rules.RANGES, Range(D("0.8"), D(1)), target=D("0.9"), step=D(1), per=D("0.01"),
                    base=D(20), cap=D(25))
    assert r.score == Range(D(10), D(25))
    assert r.raw == Range(D(10), D(30))
    # deduct 3 per count from 30, floored: 0..30 whatever the count
    assert rules.deduct(rules.RANGES, Range(D(0), D("Infinity")), amount=D(3), base=D(30),
                        floored=True).score == Range(D(0), D(30))
    # without the floor it goes without limit
    assert rules.deduct(rules.RANGES, Range(D(0), D(5)), amount=D(3), base=D(30),
                        floored=False).score == Range(D(15), D(30))
    # change: ±2 per 1% moved, from base 10, capped at 0..20
    assert rules.change(rules.RANGES, Range(D(0), D(1)), Range(D(0), D(1)), by=D(2), per=D("0.01"),
                        base=D(10), cap=D(20)).score == Range(D(0), D(20))


@pytest.mark.parametrize("weight, out_of, parent, scale, factor", [
    (D(30), None, D(100), D(30), None),       # members add up to the weight, no rescale
    (D(30), D(100), D(100), D(100), D("0.3")),  # out of 100, worth 30
    (None, None, D(60), D(60), None),         # a plain group: its parent's scale
    (D(30), D(30), D(100), D(30), None),      # out of its own weight: nothing to rescale
    (D(20), D(30), D(100), D(30), D("0.66666666666666666667")),  # 20 places, ties to even
])
def test_section_scale_and_rescale(weight, out_of, parent, scale, factor):
    assert rules.member_scale(weight, out_of, parent) == scale
    assert rules.rescale(weight, out_of) == factor


def test_weight_in_percent_of_the_parent():
    assert rules.weight_points(D(40), True, D(50)) == D(20)
    assert rules.weight_points(D(40), False, D(50)) == D(40)


def test_default_per_and_base():
    assert rules.default_per("percent") == D("0.01")
    assert rules.default_per("count") == D(1)
    assert rules.default_per(None) == D(1)
    assert rules.base_or_size(None, D(30)) == D(30)
    assert rules.base_or_size(D(0), D(30)) == D(0)


def test_out_of_section_scores_and_checks_with_one_factor(write):
    # 能力 is out of 40 but worth 20: half of each member's points.
    text = '''rubric "r"
input q "质量": percent
section ability "能力" weight 20 out of 40 {
  item a "甲" points 24 { proportional q }
  item b "乙" points 16 { proportional q }
}
item rest "其余" points 80 { proportional 100% }
'''
    assert [c for c in codes(text) if c.startswith("KPI1") and c != "KPI141"] == []
    (r,) = load_rubric(write({"r.kpi": text})).evaluate([{"id": "甲", "q": "50%"}])
    # (12 + 8) × 20/40 = 10, plus 80
    assert r.steps["ability"] == D(10)
    assert r.steps["total"] == D(90)
    # the section's own score, out of its 40, is reported beside its contribution
    assert r.steps["ability.score"] == D(20)
    from kpidsl.engine.output import Table

    columns = [(key, label) for key, label, _ in Table(load_rubric(write({"r.kpi": text})).plan).columns]
    assert columns.index(("ability.score", "能力（满分40）")) + 1 == columns.index(("ability", "能力"))


def test_last_period_is_held_to_this_period_range(write):
    # The checker proves change's range with last period's value in the input's own range
    # (0%..100% here); a .last column of 200% would score outside what it proved.
    from kpidsl.data.source import DataProblems

    text = '''rubric "r"
input leftover "遗留定单率": percent
item left "遗留定单率" points 20 { change leftover by -2pt per 1% base 10 }
item rest "其余" points 80 { proportional 100% }
'''
    s = load_rubric(write({"r.kpi": text}))
    (ok,) = s.evaluate([{"id": "a", "leftover": "5%", "leftover.last": "4%"}])
    assert ok.steps["left"] == D(8)  # 10 - 2 × (5 - 4)
    with pytest.raises(DataProblems) as bad:
        s.evaluate([{"id": "a", "leftover": "5%", "leftover.last": "200%"}])
    (err,) = bad.value.errors
    assert err.row == 2 and err.column == "leftover.last", err


def test_a_rescale_that_does_not_terminate_is_exact(write):
    # 20 out of 30: 2/3 has no end, so the section multiplies first and divides once.
    # (9 + 6) × 20 / 30 = 10 exactly, not 15 × 0.66666666666666666667 = 10.00000000000000000005
    text = '''rubric "r"
input q "质量": percent
section ability "能力" weight 20 out of 30 {
  item a "甲" points 18 { proportional q }
  item b "乙" points 12 { proportional q }
}
item rest "其余" points 80 { proportional 100% }
'''
    (r,) = load_rubric(write({"r.kpi": text})).evaluate([{"id": "甲", "q": "50%"}])
    assert str(r.steps["ability"]) == "10"
    assert r.steps["ability.score"] == D(15)
    assert r.steps["total"] == D(90)
