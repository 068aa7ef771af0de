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
