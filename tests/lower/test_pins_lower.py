"""Lowering pinned by value, one construct a test: every function, `and` inside `or`, a
metric held to its declared range, an item `round` line beside a factor item, a group
section's points in a re-spread, grade coefficients left blank, an award gated twice, quotas
and flags by count and by share, `change` on a metric and on a formula, the labels a veto
note and a rater column carry.  Each expected figure is worked by hand in the comment beside
it, never read back from the code under test."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from kpidsl.api import RubricErrors, load_rubric
from kpidsl.data.source import DataProblems


def rubric(write, text):
    try:
        return load_rubric(write({"r.kpi": 'rubric "示例"\n' + text}))
    except RubricErrors as e:  # say which, when a rubric here stops checking clean
        raise AssertionError([f"{d.code} {d.message}" for d in e.diagnostics]) from None


def results(write, text, rows):
    scorer = rubric(write, text)
    try:
        return scorer, scorer.evaluate([{"id": f"p{i}", **r} for i, r in enumerate(rows)])
    except DataProblems as e:  # every problem's text, for the test to match and a failure to show
        raise ValueError("; ".join(str(x) for x in e.errors)) from None


def steps(write, text, row):
    _, (r,) = results(write, text, [row])
    return r.steps


FUNCS = '''input a "A": number
input b "B": number range -10..10
pay f_min "min" = min(a, b) * 1元
pay f_max "max" = max(a, b) * 1元
pay f_abs "abs" = abs(b) * 1元
pay f_sum "sum" = sum(a, b) * 1元
pay f_avg "average" = average(a, b) * 1元
pay f_cnt "count" = count(a, b, a) * 1元
pay f_num "number" = number(b) * 1元
pay f_round "round" = round(a, 0.5) * 1元
pay f_round_down "round down" = round(a, 0.5, "down") * 1元
pay f_floor "floor" = floor(b) * 1元
pay f_ceil "ceil" = ceil(b) * 1元
'''


def test_every_function_by_value(write):
    s = steps(write, FUNCS, {"a": "2.75", "b": "-1.5"})
    # min(2.75, -1.5) = -1.5; max = 2.75; abs(-1.5) = 1.5; sum = 1.25; average = 1.25 / 2 = 0.625 → 0.63
    # (money to 0.01, half up); count of three values = 3; number(-1.5) = -1.5;
    # round(2.75, 0.5) half up: 2.75 is a tie between 2.5 and 3 → 3; "down": 2.5;
    # floor(-1.5) = -2; ceil(-1.5) = -1
    got = {k: v for k, v in s.items() if k.startswith("f_")}
    assert got == {"f_min": D("-1.5"), "f_max": D("2.75"), "f_abs": D("1.5"), "f_sum": D("1.25"),
                   "f_avg": D("0.63"), "f_cnt": 3, "f_num": D("-1.5"), "f_round": 3,
                   "f_round_down": D("2.5"), "f_floor": -2, "f_ceil": -1}


COND = '''input a "A": count
input b "B": count
input c "C": count
pay and_of_or "且含或" = 100元 when (a > 1 or b > 1) and c > 1
pay or_of_and "或含且" = 100元 when (a > 1 and b > 1) or c > 1
'''


@pytest.mark.parametrize("a, b, c, and_of_or, or_of_and", [
    ("2", "0", "2", 100, 100),   # (T or F) and T = T;  (T and F) or T = T
    ("2", "0", "0", 0, 0),       # (T or F) and F = F;  (T and F) or F = F
    ("0", "2", "0", 0, 0),       # (F or T) and F = F;  (F and T) or F = F
    ("2", "2", "0", 0, 100),     # (T or T) and F = F;  (T and T) or F = T
    ("0", "0", "2", 0, 100),     # (F or F) and T = F;  (F and F) or T = T
])
def test_and_inside_or_and_or_inside_and(write, a, b, c, and_of_or, or_of_and):
    s = steps(write, COND, {"a": a, "b": b, "c": c})
    assert (s["and_of_or"], s["or_of_and"]) == (and_of_or, or_of_and)


HELD = '''input a "A": number
input b "B": number range -10..10
metric m "M": number range 0..10 = a - b
pay p "P" = m * 1元
'''


def test_a_metric_below_its_declared_range_is_a_data_error(write):
    assert steps(write, HELD, {"a": "5", "b": "5"})["p"] == 0      # 5 - 5 = 0: the low end itself
    assert steps(write, HELD, {"a": "15", "b": "5"})["p"] == 10    # the high end itself
    for a, b in (("1", "5"), ("16", "5")):                         # -4 < 0, 11 > 10
        with pytest.raises(ValueError, match="outside its range 0..10"):
            steps(write, HELD, {"a": a, "b": b})


def test_round_items_rounds_points_items_and_leaves_a_factor_alone(write):
    text = '''round items to 1
input r "R": percent
item a "A" points 100 { proportional r }
item k "K" factor 1.5 { proportional r }
'''
    s = steps(write, text, {"r": "33.3%"})
    # a: 100 × 33.3% = 33.3 → 33 (items to 1); k: a factor is a coefficient, 1.5 × 33.3% = 0.4995, not rounded
    assert (s["a"], s["k"]) == (33, D("0.4995"))


def test_a_group_sections_points_are_its_members_points_in_a_respread(write):
    text = '''input late "迟到": count
item a "A" points 20 {
  not applicable: spread proportionally
  deduct 2 per late
}
section g "G" {
  item b "B" points 30 { deduct 6 per late }
  item c "C" points 50 { deduct 5 per late }
}
'''
    s = steps(write, text, {"late": "1", "a.na": "是"})
    # g is a group of 30 + 50 = 80 points and scores 24 + 45 = 69; a's 20 spread: 69 × 20 / 80 = 17.25
    assert (s["g"], s["total"]) == (69, D("86.25"))


GRADES = '''input s "S": number
item a "A" points 100 { proportional s / 100 }
grade good "好" when >= 80 coefficient 1.2
grade mid "中" when >= 60 and < 80
grade bad "差" otherwise
pay bonus "奖金" = 1000元 * coefficient
'''


@pytest.mark.parametrize("s, bonus", [("90", 1200), ("70", 0), ("10", 0)])
def test_a_grade_without_a_coefficient_has_coefficient_zero(write, s, bonus):
    # 90 → good, 1000 × 1.2 = 1200; 70 → mid and 10 → bad declare no coefficient: 0
    assert steps(write, GRADES, {"s": s})["bonus"] == bonus


AWARD = '''input s "S": number
input full "全勤": yes/no
item a "A" points 100 { proportional s / 100 }
grade good "好" when >= 80
grade bad "差" otherwise
award prize "奖" 50元 when full requires grade good
'''


@pytest.mark.parametrize("s, full, prize", [("90", "是", 50), ("90", "否", 0), ("50", "是", 0), ("50", "否", 0)])
def test_an_award_needs_both_its_condition_and_its_grade(write, s, full, prize):
    assert steps(write, AWARD, {"s": s, "full": full})["prize"] == prize


QUOTA = '''group team "组"
input s "S": number
item a "A" points 100 { proportional s / 100 }
grade good "好" when >= 80
grade bad "差" otherwise
quota good at most 1 per team
flag low "末位" bottom 50% per team
'''


def test_a_quota_by_count_and_a_flag_by_share(write):
    scorer, rs = results(write, QUOTA, [{"team": "x", "s": "90"}, {"team": "x", "s": "95"},
                                        {"team": "x", "s": "85"}, {"team": "x", "s": "10"}])
    names = [g.name for g in scorer.plan.grades]
    # at most 1 good in the team of 4: p1 (95) keeps it, p0 (90) and p2 (85) drop to bad
    assert [names[r.grade] for r in rs] == ["bad", "good", "bad", "bad"]
    # bottom 50% of 4 = 2 people by total: p3 (10) and p2 (85)
    assert [bool(r.flags) for r in rs] == [False, False, True, True]


CHANGE = '''input a "A": number
input b "B": number range -10..10
metric m "M": number = a + b
item x "X" points 100 {
  change SUBJ by 10 per 1 base 50
}
'''


@pytest.mark.parametrize("subj", ["m", "a + b", "-(0 - a - b)"])
def test_change_reads_last_periods_inputs_under_a_metric_or_a_formula(write, subj):
    s = steps(write, CHANGE.replace("SUBJ", subj), {"a": "3", "b": "2", "a.last": "1", "b.last": "1"})
    # this period 3 + 2 = 5, last 1 + 1 = 2: up by 3 → 50 + 3 × 10 = 80
    assert s["x"] == 80


def test_section_weight_in_percent_of_a_declared_total(write):
    text = '''total 200
input r "R": percent
section s "S" weight 40% out of 100 {
  item a "A" points 100 { proportional r }
}
section t "T" weight 120 out of 100 {
  item b "B" points 100 { proportional r }
}
'''
    s = steps(write, text, {"r": "50%"})
    # 40% of 200 is 80 points: a = 50, s = 50 × 80 / 100 = 40; t = 50 × 120 / 100 = 60; total 100
    assert (s["s"], s["t"], s["total"]) == (40, 60, 100)


def test_a_section_veto_zeroes_its_section_only_and_names_itself(write):
    text = '''input bad "事故": yes/no
input r "R": percent
section s "职责" weight 60% {
  veto bad "重大事故" zeroes section
  item a "A" points 60 { proportional r }
}
section t "T" weight 40% {
  item b "B" points 40 { proportional r }
}
'''
    _, (r,) = results(write, text, [{"bad": "是", "r": "50%"}])
    # s vetoed: 0; t = 40 × 50% = 20
    assert (r.steps["s"], r.steps["t"], r.steps["total"]) == (0, 20, 20)
    assert r.notes == ["veto 重大事故: 职责 = 0"]


def test_a_veto_note_names_the_veto_by_its_label_and_the_item_by_its_label(write):
    text = '''input bad "事故": yes/no
input r "R": percent
item a "考勤" points 100 {
  veto bad "迟报" zeroes item
  proportional r
}
'''
    _, (r,) = results(write, text, [{"bad": "是", "r": "50%"}])
    assert (r.steps["a"], r.notes) == (0, ["veto 迟报: 考勤 = 0"])


def test_a_section_out_of_its_own_total_rescaled_by_a_terminating_factor(write):
    text = '''input r "R": percent
section s "S" weight 70 out of 100 {
  veto bad "V" zeroes section
  item a "A" points 100 { proportional r }
}
section t "T" weight 30 { item b "B" points 30 { proportional r } }
input bad "V": yes/no
'''
    _, (r,) = results(write, text, [{"bad": "否", "r": "30%"}])
    # s's own 100 × 30% = 30 out of 100, × 70 / 100 = 21; t = 30 × 30% = 9; 21 + 9 = 30
    assert (r.steps["s.score"], r.steps["s"], r.steps["total"]) == (30, 21, 30)
    _, (r,) = results(write, text, [{"bad": "是", "r": "30%"}])
    assert (r.steps["s.score"], r.steps["s"], r.notes) == (0, 0, ["veto V: S = 0"])


def test_rater_columns_are_titled_by_item_and_rater_labels(write):
    text = '''rater self "自评" weight 40%
rater boss "主管" weight 60%
item a "态度" points 50 { scale 1: 10, 2: 30, 3: 50 }
item b "B" points 50 { scale 1: 10, 2: 30, 3: 50 }
'''
    scorer, (r,) = results(write, text, [{"态度.自评": "3", "态度.主管": "2", "b.self": "1", "b.boss": "1"}])
    # a: 50 × 0.4 + 30 × 0.6 = 38; b: 10
    assert (r.steps["a"], r.steps["b"]) == (38, 10)
    labels = {c.name: c.label for c in scorer.plan.columns}
    assert (labels["a.self"], labels["a.boss"]) == ("态度.自评", "态度.主管")


def test_a_rater_rule_picked_by_one_rater_says_so(write):
    text = '''rater boss "主管" weight 100%
item a "A" points 50 {
  level "好": 50
  level "中": 30
  level "差": 10
  entered by boss
}
item b "B" points 50 {
  level "好": 50
  level "差": 10
}
'''
    scorer = rubric(write, text)
    why = {s.name: s.why for s in scorer.plan.score_steps}
    assert why["a"] == "levels, picked by boss"
    (r,) = scorer.evaluate([{"id": "p", "a": "30", "b.boss": "10"}])
    assert (r.steps["a"], r.steps["b"]) == (30, 10)


def test_explanation_names_a_condition_for_not_applicable_and_a_percent_value(write):
    text = '''input d "D": count
input r "R": percent
item a "A" points 100 {
  not applicable when d = 0: spread proportionally
  ratio r target 90% ±1pt base 50
}
item b "B" points 0 { proportional r }
'''
    scorer = rubric(write, text)
    step = next(s for s in scorer.plan.score_steps if s.name == "a")
    assert step.why.endswith("; not applicable when d = 0")
    assert [label for label, _ in step.trace][0] == "value %"


def test_the_plan_carries_the_rubric_title(write):
    scorer = load_rubric(write({"r.kpi": 'rubric "标题"\ninput r "R": percent\nitem a "A" points 100 { proportional r }\n'}))
    assert scorer.plan.title == "标题"


BONUS = '''input r "R": percent range 0..200%
item a "A" points 20 { proportional r }
item b "B" points 80 {
  bonus up to 10
  proportional r
}
'''


def test_proportional_is_capped_at_the_points_plus_the_bonus(write):
    s = steps(write, BONUS, {"r": "150%"})
    # a: 20 × 150% = 30, no bonus: capped at 20; b: 80 × 150% = 120, capped at 80 + 10 = 90
    assert (s["a"], s["b"]) == (20, 90)


def test_last_periods_column_is_found_by_the_inputs_label(write):
    text = '''input s "销量": number
item x "X" points 100 {
  change s by 10 per 1 base 50
}
'''
    s = steps(write, text, {"s": "4", "销量.last": "2"})
    # up by 2 from last period: 50 + 2 × 10 = 70
    assert s["x"] == 70


def test_a_terminating_rescale_keeps_every_place(write):
    text = '''input r "R": percent
section s "S" weight 70 out of 100 {
  item a "A" points 100 { proportional r }
}
section t "T" weight 30 { item b "B" points 30 { proportional r } }
'''
    s = steps(write, text, {"r": "33.33333333333333333333%"})
    # a = 100 × 0.3333333333333333333333 = 33.33333333333333333333 (20 places); × 0.7 exactly is
    # 23.333333333333333333331, 21 places: no division to 20 places may cut the last 1
    assert s["s"] == D("23.333333333333333333331")


def test_the_docs_page_gives_a_not_applicable_column_the_range_0_to_1(write):
    from kpidsl.backends.docs.page import range_text

    scorer = rubric(write, '''input late "迟到": count
item a "A" points 40 {
  not applicable: spread proportionally
  deduct 2 per late
}
item b "B" points 60 { deduct 3 per late }
''')
    (na,) = [c for c in scorer.plan.columns if c.name == "a.na"]
    assert (na.unit, range_text(na)) == ("yes/no", "0–1")


COEFFICIENTS = '''input s "S": number
item a "A" points 100 { proportional s / 100 }
grade good "好" when >= 80 coefficient 1.2
grade mid "中" when >= 60 and < 80 coefficient 1.0
grade bad "差" otherwise coefficient 0.8
pay bonus "奖金" = 1000元 * coefficient
'''


@pytest.mark.parametrize("s, bonus", [("90", 1200), ("70", 1000), ("10", 800)])
def test_each_grade_pays_its_own_coefficient(write, s, bonus):
    # 90 → good: 1000 × 1.2; 70 → mid: 1000 × 1.0; 10 → bad: 1000 × 0.8
    assert steps(write, COEFFICIENTS, {"s": s})["bonus"] == bonus


def test_a_quota_by_share_and_a_flag_by_count(write):
    text = QUOTA.replace("quota good at most 1 per team", "quota good at most 50% per team").replace(
        "bottom 50% per team", "bottom 1 per team")
    scorer, rs = results(write, text, [{"team": "x", "s": "90"}, {"team": "x", "s": "95"},
                                       {"team": "x", "s": "85"}, {"team": "x", "s": "10"}])
    names = [g.name for g in scorer.plan.grades]
    # at most 50% of 4 = 2 good: p1 (95) and p0 (90) keep it, p2 (85) drops to bad
    assert [names[r.grade] for r in rs] == ["good", "good", "bad", "bad"]
    # the bottom 1 by total: p3 (10)
    assert [bool(r.flags) for r in rs] == [False, False, False, True]


def test_the_person_and_group_columns_are_the_ones_the_rubric_names(write):
    text = 'person emp "工号"\ngroup team "组"\ninput r "R": percent\nitem a "A" points 100 { proportional r }\n'
    scorer = rubric(write, text)
    (row,) = scorer.rows([{"emp": "E1", "team": "x", "r": "50%"}])
    assert (row.person, row.groups, row.cells) == ("E1", {"team": "x"}, {"r": D("0.5")})


@pytest.mark.parametrize("declared, value, problem", [
    ("range 0..10", "11", "'11' is above the highest allowed value 10"),
    ("range 0..10", "10", None),
    ("range 5..", "1000", None),            # no top: any value from 5 up
    ("range 5..", "4", "'4' is below the lowest allowed value 5"),
])
def test_an_inputs_declared_range_holds_its_cells(write, declared, value, problem):
    text = f'input x "X": number {declared}\nitem a "A" points 100 {{ deduct 0 per x }}\n'
    if problem is None:
        assert steps(write, text, {"x": value})["a"] == 100
    else:
        with pytest.raises(ValueError, match=problem):
            steps(write, text, {"x": value})


def test_progressive_brackets_tax_each_slice_at_its_own_rate(write):
    text = '''input sales "S": money
item a "A" points 100 { proportional sales / 10000元 }
pay c "提成" = progressive sales {
  from 0元: 1%
  from 1000元: 2%
  from 5000元: 3%
}
'''
    # 6000: 1000 × 1% + 4000 × 2% + 1000 × 3% = 10 + 80 + 30 = 120; 800: 800 × 1% = 8
    assert steps(write, text, {"sales": "6000"})["c"] == 120
    assert steps(write, text, {"sales": "800"})["c"] == 8


def test_an_entered_score_may_be_0(write):
    text = 'rater boss "B"\nitem a "A" points 100 { entered by boss }\n'
    assert steps(write, text, {"a": "0"})["a"] == 0
    with pytest.raises(ValueError, match="above the highest allowed value 100"):
        steps(write, text, {"a": "101"})


def test_an_award_with_a_condition_only(write):
    text = AWARD.replace(" requires grade good", "")
    # paid whenever full, whatever the grade
    assert [steps(write, text, {"s": s, "full": f})["prize"] for s, f in (("50", "是"), ("90", "否"))] == [50, 0]


STREAK = '''input s "S": number
item a "A" points 100 { proportional s / 100 }
streak up "连续达标" when total >= 60 for 2 periods award 100元
streak down "连续未达标" when total < 60 for 2 periods flag "需面谈"
'''


def test_streaks_award_and_flag_after_their_periods(write):
    _, rs = results(write, STREAK, [{"id": "p", "period": "2024-01", "s": "70"},
                                    {"id": "p", "period": "2024-02", "s": "80"},
                                    {"id": "q", "period": "2024-01", "s": "10"},
                                    {"id": "q", "period": "2024-02", "s": "20"}])
    # p is at 60 or more two months running: 100 in the second month; q below 60 twice: flagged
    assert [r.awards.get("up") for r in rs] == [0, 100, 0, 0]
    assert [r.flags for r in rs] == [[], [], [], ["需面谈"]]
