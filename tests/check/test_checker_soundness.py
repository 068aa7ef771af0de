"""What `kpi check` accepts, `kpi eval` can score: rubrics that used to pass the check and
then score wrongly or fail at run time are now refused by the check, with the reason."""

import pytest

from kpidsl.api import check_text


def codes(text):
    return [d.code for d in check_text(text, "a.kpi")]


def test_a_divided_count_is_checked_as_fractional():
    # late / 3 of 2 is 0.667: neither `<= 0` nor `>= 1` applies, so eval found no tier.
    text = '''rubric "r"
input late "迟到次数": count
metric absences "折算缺勤": count = late / 3
item a "出勤" points 100 {
  tiers absences {
    when <= 0: 100
    when >= 1: 0
  }
}
'''
    diags = check_text(text, "a.kpi")
    gap = [d for d in diags if d.code == "KPI120"]
    assert gap and "> 0 and < 1" in gap[0].message
    # the same tiers on the count itself leave no gap: a count is whole
    assert "KPI120" not in codes(text.replace("= late / 3", "= late"))
    # a sum of counts stays whole
    assert "KPI120" not in codes(text.replace("= late / 3", "= late + late * 2"))


def test_tiers_that_cover_fractions_are_clean():
    text = '''rubric "r"
input late "迟到次数": count
metric absences "折算缺勤": count = late / 3
item a "出勤" points 100 {
  tiers absences {
    when <= 0: 100
    when > 0: 0
  }
}
'''
    assert not [c for c in codes(text) if c.startswith("KPI12")]


@pytest.mark.parametrize("grades, culprit", [
    ('grade ok "合格" when >= 60\ngrade no "不合格" otherwise\ngrade poor "差" otherwise', "poor"),
    ('grade no "不合格" otherwise\ngrade ok "合格" when >= 60', "ok"),
])
def test_nothing_gets_past_an_otherwise_grade(grades, culprit):
    diags = [d for d in check_text('rubric "r"\nitem a "A" points 100\n' + grades + "\n", "a.kpi")
             if d.code == "KPI152"]
    assert len(diags) == 1 and f"`{culprit}`" in diags[0].message


@pytest.mark.parametrize("text", ["", "# 考核项目待定\n", 'rubric "r"\n', 'rubric "r"\ninput a "甲": count\n'])
def test_a_rubric_that_scores_nothing_is_an_error(text):
    assert "KPI107" in codes(text)


@pytest.mark.parametrize("text", [
    'rubric "r"\nitem a "A" points 100\n',
    'rubric "r"\ninput sales "销售额": money\npay c "提成" = sales * 2%\n',  # a commission sheet
    'input late "迟到次数": count\n',  # a library others `use`
])
def test_items_or_pay_or_a_library_are_not_nothing(text):
    assert "KPI107" not in codes(text)


def test_eval_refuses_a_rubric_that_scores_nothing(kpi, write, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("id\nx\n", encoding="utf-8")
    r = kpi("eval", write("# 考核项目待定\n"), data)
    assert r.returncode != 0 and "KPI107" in r.stdout + r.stderr


@pytest.mark.parametrize("formula", [
    " + ".join(["late"] * 1000),                      # a long sum: a left-deep chain
    "(" * 1000 + "late" + " * 1)" * 1000,             # nested parentheses around operations
    "-" * 300 + "late",
])
def test_a_formula_too_deep_is_a_diagnostic_not_a_crash(formula):
    text = f'rubric "r"\ninput late "迟到": count\nmetric m "m": count = {formula}\n' \
           'item a "A" points 100 { deduct 1 per m }\n'
    diags = check_text(text, "a.kpi")  # documented never to raise
    assert [d.code for d in diags] == ["KPI145"] and diags[0].span.line == 3


def test_a_formula_at_the_depth_limit_checks_and_scores(write):
    from kpidsl.api import load_rubric

    text = 'rubric "r"\ninput late "迟到": count\nmetric m "m": count = ' + " + ".join(["late"] * 64) + \
           '\nitem a "A" points 100 { deduct 1 per m }\n'
    assert "KPI145" not in codes(text)
    (r,) = load_rubric(write({"r.kpi": text})).evaluate([{"id": "x", "late": "1"}])
    assert r.steps["a"] == 36  # 100 - 64 × 1


def test_a_pay_cannot_use_a_best_in_group_award(kpi, write, tmp_path):
    text = '''rubric "r"
input late "迟到": count
person id "工号"
group team "组"
item a "A" points 100 { deduct 5 per late }
award best "最佳" 50元 to best total per team
award full "全勤" 30元 when late = 0
pay p "工资" = best * 2
'''
    diags = [d for d in check_text(text, "a.kpi") if d.code == "KPI146"]
    assert len(diags) == 1 and diags[0].span.line == 8
    # an award decided per person is an ordinary value: 全勤 30 × 2 = 60
    fixed = write({"r.kpi": text.replace("best * 2", "full * 2")})
    data = tmp_path / "d.csv"
    data.write_text("工号,late,组\nx,0,1\ny,1,1\n", encoding="utf-8")
    r = kpi("eval", fixed, data, "-o", tmp_path / "out.json")
    assert r.returncode == 0, r.stderr
    import json
    rows = {row["id"]: row for row in json.loads((tmp_path / "out.json").read_text("utf-8"))["rows"]}
    assert rows["x"]["p"] == "60.00" and rows["y"]["p"] == "0.00"
    assert rows["x"]["best"] == "50.00"  # the best of the team still gets its award


def test_deleting_every_grade_is_said_by_kpi_diff_not_kpi_check(kpi, write, tmp_path):
    # Most of our users' scorecards give a total and no grade, so kpi check accepts a rubric
    # without grades; a review of the change (kpi diff) names every grade that went away.
    old = write({"old.kpi": 'rubric "r"\ninput late "迟到": count\nitem a "A" points 100 { deduct 5 per late }\n'
                            'grade ok "合格" when >= 60\ngrade no "不合格" otherwise\n'})
    new = tmp_path / "new.kpi"
    new.write_text('rubric "r"\ninput late "迟到": count\nitem a "A" points 100 { deduct 5 per late }\n',
                   encoding="utf-8")
    assert not [d for d in check_text(new.read_text(encoding="utf-8"), "new.kpi") if d.severity.value == "error"]
    r = kpi("diff", old, new)
    assert "removed grade `ok` (合格)" in r.stdout and "removed grade `no` (不合格)" in r.stdout


def test_a_metric_outside_the_range_the_checker_assumed_is_a_data_error(write):
    # 23 of 22 deliveries on time is 104.5%: the checker proved the item over 0%..100%
    # (a percent metric's default range), so eval must not quietly score it above that.
    from kpidsl.api import load_rubric
    from kpidsl.data.source import DataProblems

    text = '''rubric "r"
input on_time "准时": count
input deliveries "交付": count
metric rate "准时率": percent = on_time / deliveries
item a "准时交付" points 100 { proportional rate }
'''
    s = load_rubric(write({"r.kpi": text}))
    (ok,) = s.evaluate([{"id": "x", "on_time": "21", "deliveries": "28"}])
    assert ok.steps["a"] == 75  # 100 × 21/28
    with pytest.raises(DataProblems) as bad:
        s.evaluate([{"id": "y", "on_time": "23", "deliveries": "22"}])
    (err,) = bad.value.errors
    assert err.row == 2 and "metric `rate`" in err.message and "0%..100%" in err.message
    # declared wider, the same row scores (capped at the item's 100 points)
    wide = load_rubric(write({"w.kpi": text.replace("percent =", "percent range 0%..150% =")}))
    (r,) = wide.evaluate([{"id": "y", "on_time": "23", "deliveries": "22"}])
    assert r.steps["a"] == 100


def test_a_circle_through_an_awards_condition_is_refused_not_crashed_on():
    # `p` needs `w`, and `w` is paid only when `p` is over 10元: lowering found the circle and
    # crashed after `kpi check` had passed it
    from kpidsl.api import check_text

    text = """rubric "r"
input a "a": count
item x "X" points 100 { deduct 1 per a }
pay p "P" = w
award w "W" 100元 when p > 10元
"""
    codes = [d.code for d in check_text(text) if d.severity.value == "error"]
    assert codes == ["KPI144"]
    fixed = text.replace('pay p "P" = w', 'pay p "P" = a * 1元')
    assert not [d for d in check_text(fixed) if d.severity.value == "error"]

