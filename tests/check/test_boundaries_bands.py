"""Tiers and grade bands at their boundaries (KPI120-124, KPI150-152): a gap at one point
versus a gap between whole numbers, open against closed bounds, a tier just inside and
just outside its input's range.  Each expected message is worked out by hand."""

import pytest

from kpidsl.api import check_text

T = 'rubric "x"\nINPUT\nitem a "A" points 100 {\n  tiers SUBJ {\nBODY\n  }\n}\n'
COUNT = 'input n "次数": count'
PCT = 'input r "率": percent range 0%..100%'


def diags(body, subj="n", inp=COUNT):
    text = T.replace("INPUT", inp).replace("SUBJ", subj).replace("BODY", body)
    return [(d.code, d.message) for d in check_text(text)]


def only(found, code):
    return [m for c, m in found if c == code]


@pytest.mark.parametrize("body, subj, inp, gap", [
    # counts: `> 3` and `< 3` miss exactly 3
    ("when > 3: 100\nwhen < 3: 0", "n", COUNT, "exactly 3 gets no tier"),
    # counts: `>= 5` and `<= 2` miss 3 and 4
    ("when >= 5: 100\nwhen <= 2: 0", "n", COUNT, "values >= 3 and <= 4 get no tier"),
    # n / 3 is not whole: `>= 4` and `<= 3` leave the open stretch between
    ("when >= 4: 100\nwhen <= 3: 0", "n / 3", COUNT, "values > 3 and < 4 get no tier"),
    # a percent: `> 1%` and `< 1%` miss exactly 1%
    ("when > 1%: 0\nwhen < 1%: 100", "r", PCT, "exactly 1% gets no tier"),
])
def test_kpi120_names_the_first_gap(body, subj, inp, gap):
    assert only(diags(body, subj, inp), "KPI120") == [f"the tiers leave a gap: {gap}"]


def test_kpi120_not_raised_when_whole_numbers_are_all_covered_or_else_is_given():
    assert only(diags("when >= 4: 100\nwhen <= 3: 0"), "KPI120") == []      # 3 and 4 are neighbours
    assert only(diags("when >= 5: 100\nwhen <= 2: 0\nelse: 50"), "KPI120") == []


def test_kpi123_a_tier_beyond_the_range_or_with_no_values():
    # 0%..100%: `> 100%` holds nothing the input can be, `>= 100%` holds exactly 100%
    assert only(diags("when > 100%: 100\nwhen <= 100%: 0", "r", PCT), "KPI123") == [
        "this tier can never apply: `r` lies in 0%..100%"]
    assert only(diags("when >= 100%: 100\nwhen < 100%: 0", "r", PCT), "KPI123") == []
    assert only(diags("when > 5 and < 5: 100\nelse: 0"), "KPI123") == [
        "this tier can never apply: its bounds leave no value"]
    # the unreachable tier's 100 is not reachable: the item awards at most 0 (KPI111)
    assert "KPI111" in [c for c, _ in diags("when > 100%: 100\nwhen <= 100%: 0", "r", PCT)]


def test_kpi121_and_kpi122_overlap_at_a_shared_closed_bound():
    pct = 'input r "率": percent'
    assert only(diags("when >= 90%: 100\nwhen <= 90%: 0", "r", pct), "KPI121") == [
        "two tiers contradict each other: for exactly 90% one gives 100 and the other 0"]
    assert only(diags("when >= 90%: 100\nwhen <= 90%: 100", "r", pct), "KPI122") == [
        "two tiers overlap (for exactly 90%), both giving 100"]
    clean = diags("when > 90%: 100\nwhen <= 90%: 0", "r", pct)
    assert not only(clean, "KPI121") and not only(clean, "KPI122")


def test_kpi124_only_when_points_go_both_up_and_down():
    assert only(diags("when < 80: 50\nwhen >= 80 and < 90: 20\nwhen >= 90: 100"), "KPI124") == [
        "the tiers' points go up and down as the value rises: 50, 20, 100"]
    assert only(diags("when < 80: 0\nwhen >= 80 and < 90: 20\nwhen >= 90: 100"), "KPI124") == []   # rising
    assert only(diags("when < 80: 100\nwhen >= 80 and < 90: 20\nwhen >= 90: 0"), "KPI124") == []   # falling
    assert only(diags("when < 80: 50\nwhen >= 80: 20"), "KPI124") == []                              # two tiers


G = 'rubric "x"\nitem a "A" points 100\n'


def grades(text):
    return [(d.code, d.message) for d in check_text(G + text)]


def test_kpi151_overlap_at_a_shared_closed_bound():
    found = grades('grade g "良" when >= 80\ngrade p "合格" when >= 60 and <= 80\ngrade f "差" when < 60')
    assert only(found, "KPI151") == ["grades `g` and `p` overlap: a total of 80 is both"]
    clean = grades('grade g "良" when >= 80\ngrade p "合格" when >= 60 and < 80\ngrade f "差" when < 60')
    assert clean == []


def test_kpi150_gap_between_bands_and_at_a_point():
    found = grades('grade g "良" when >= 80\ngrade p "合格" when >= 60 and < 79\ngrade f "差" when < 60')
    # 79 up to (not including) 80 gets no grade; the total runs 0..100
    assert only(found, "KPI150") == [
        "the grade bands leave a gap: totals >= 79 and < 80 get no grade (totals run 0..100)"]
    found = grades('grade g "良" when > 80\ngrade p "合格" when >= 60 and < 80\ngrade f "差" when < 60')
    assert only(found, "KPI150") == [
        "the grade bands leave a gap: totals exactly 80 get no grade (totals run 0..100)"]
    assert grades('grade g "良" when > 80\ngrade p "合格" when >= 60 and < 80\ngrade f "差" otherwise') == []


def test_kpi152_every_grade_after_otherwise():
    found = grades('grade g "良" when >= 60\ngrade f "差" otherwise\ngrade z "劣" otherwise\ngrade y "末" when < 10')
    assert only(found, "KPI152") == [
        "grade `z` comes after `f … otherwise` and can never be given",
        "grade `y` comes after `f … otherwise` and can never be given"]
