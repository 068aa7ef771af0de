"""Whole-rubric checks at their boundaries: nesting depth 64 against 65 (KPI145), a
rounding step and a declared total at zero (KPI170), streaks of 1, 1.5 and 2 periods
(KPI172), quotas at 0%, 100% and 101% (KPI180), KPI107/108, money checks (KPI130)."""

import pytest

from kpidsl.api import check_text


def found(text):
    return [(d.code, d.message) for d in check_text('rubric "x"\n' + text)]


def deep(terms):
    return 'input a "甲": count\nmetric m "合计": count = ' + " + ".join(["a"] * terms) + \
        '\nitem x "X" points 100 { deduct 1 per m }\n'


def test_kpi145_at_64_and_65_levels():
    # n terms joined by + nest n - 1 additions: 65 terms are 64 deep (allowed), 66 are 65
    assert found(deep(65)) == []
    assert found(deep(66)) == [("KPI145", "this formula is nested more than 64 levels deep")]


def test_kpi170_rounding_step_and_declared_total():
    assert found('round total to 0\nitem a "A" points 100\n') == [
        ("KPI170", "a rounding step must be greater than zero")]
    assert found('round total to 0.01\nitem a "A" points 100\n') == []
    # a total of 0 is wrong only where items must add up to it; a pay sheet has none
    assert found('total 0\nitem a "A" points 0\n') == [("KPI170", "the declared total must be greater than zero")]
    assert found('total 0\ninput s "S": money\npay p "P" = s * 2\n') == []
    assert found('total 10\nitem a "A" points 10\n') == []


@pytest.mark.parametrize("periods, ok", [("1", False), ("1.5", False), ("2", True), ("3", True)])
def test_kpi172_streak_of_two_or_more_whole_periods(periods, ok):
    text = f'item a "A" points 100\ngrade g "合格" when >= 0\nstreak s "连续" when grade is g for {periods} periods award 200元\n'
    assert found(text) == ([] if ok else [
        ("KPI172", f"a streak runs over a whole number of periods, 2 or more; not {periods}")])


@pytest.mark.parametrize("quota, ok", [("0%", False), ("1%", True), ("100%", True), ("101%", False), ("3", True)])
def test_kpi180_quota_share_in_0_to_100(quota, ok):
    # 0% is no share, 100% all of a team; a bare 3 is a head count, not a share
    text = f'group team "团队"\nitem a "A" points 100\ngrade g "优秀" when >= 0\nquota g at most {quota} per team\n'
    assert found(text) == ([] if ok else [("KPI180", f"a quota of {quota} is not a share of a team")])


def test_kpi107_and_kpi108():
    assert found("# nothing\n") == [("KPI107", "the rubric scores nothing: it has no items, and no pay or award")]
    assert found('input sales "S": money\npay c "提成" = sales * 2%\n') == []
    assert found('input sales "S": money\npay c "提成" = sales * 2%\ngrade g "合格" when >= 60\n') == [
        ("KPI108", "a grade is decided by the total, and this rubric scores no points")]


def test_kpi130_money_lines():
    assert found('item a "A" points 100\naward b "B" 50pt when total >= 90\n') == [
        ("KPI130", "an award is money; `50pt` is not")]
    assert found('item a "A" points 100\naward b "B" 50元 when total >= 90\n') == []
    assert found('input n "N": count\nitem a "A" points 100 { deduct 1 per n }\npay p "P" = n * 2\n') == [
        ("KPI130", "pay `p` is money, but its formula gives a count")]


LEVELS = '''input v "违规": yes/no
item a "A" points 50 {
  level "好": 50
  level "中": 25
ITEM_VETO}
item b "B" points 50 {
  level "好": 50
  level "中": 25
}
TOP_VETO
grade ok "合格" when >= LOW
'''


def vetoed(item_veto="", top_veto="", low="50"):
    return [f for f in found(LEVELS.replace("ITEM_VETO", item_veto).replace("TOP_VETO", top_veto).replace("LOW", low)) if f[0] != "KPI141"]


def test_an_appraisal_veto_lets_the_total_reach_zero():
    # a and b each score 25..50: totals run 50..100, and `>= 50` grades them all
    assert vetoed() == []
    # a veto of the whole appraisal adds a total of 0: 0 up to 50 gets no grade
    assert vetoed(top_veto='veto v "违规" zeroes appraisal') == [
        ("KPI150", "the grade bands leave a gap: totals >= 0 and < 50 get no grade (totals run 0..100)")]
    # a veto of item a alone: a runs 0..50, b 25..50, totals 25..100; `>= 25` grades them all
    assert vetoed(item_veto='  veto v "违规" zeroes item\n', low="25") == []
