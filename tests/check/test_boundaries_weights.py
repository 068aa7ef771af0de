"""Weights at their boundaries (KPI101-104): sums just over and just under, the hint's
difference and its two biggest members, nested percentages of a parent's points, `out of`.
Each expected figure is worked by hand."""

from kpidsl.api import check_text


def found(text):
    return [(d.code, d.message, d.hint, [r.message for r in d.related]) for d in check_text('rubric "x"\n' + text)]


RATERS = 'rater s "自" weight 40%\nrater b "主" weight W\nitem a "A" points 100\n'


def test_kpi103_rater_weights_under_and_over():
    # 40 + 50 = 90: 10 missing; the biggest first, b (50) then s (40)
    assert found(RATERS.replace("W", "50%")) == [(
        "KPI103", "the rater weights add up to 90%, not 100%",
        "10% missing: add 10% to one of them, e.g. `b` (50%) or `s` (40%)", ["`s` 40%", "`b` 50%"])]
    # 40 + 70 = 110: 10 too many
    assert found(RATERS.replace("W", "70%")) == [(
        "KPI103", "the rater weights add up to 110%, not 100%",
        "10% too many: take 10% from one of them, e.g. `b` (70%) or `s` (40%)", ["`s` 40%", "`b` 70%"])]
    assert found(RATERS.replace("W", "60%")) == []
    assert found(RATERS.replace("W", "60")) == []   # 60 and 60% both mean sixty of a hundred


def test_kpi102_members_over_and_under():
    over = 'section a "S" weight 100% {\n item x "X" points 60\n item y "Y" points 45\n item z "Z" points 5\n}\n'
    # 60 + 45 + 5 = 110; the two biggest are x (60), y (45)
    assert found(over) == [(
        "KPI102", "the members of section `a` add up to 110, not 100",
        "10 too many: take 10 from one of them, e.g. `x` (60) or `y` (45)", ["`x` 60", "`y` 45", "`z` 5"])]
    under = 'section a "S" weight 100% {\n item x "X" points 60\n item y "Y" points 30\n}\n'
    assert found(under)[0][1:3] == (
        "the members of section `a` add up to 90, not 100",
        "10 missing: add 10 to one of them, e.g. `x` (60) or `y` (30), or add an item")


def test_out_of_is_the_members_scale():
    ok = ('section a "S" weight 40% out of 100 {\n item x "X" points 60\n item y "Y" points 40\n}\n'
          'section b "T" weight 60% out of 10 {\n item z "Z" points 10\n}\n')
    assert found(ok) == []
    # members of `a` add to 90 of its 100; its 40% still counts 40 at the top: 40 + 60 = 100
    short = 'section a "S" weight 40% out of 100 {\n item x "X" points 60\n item y "Y" points 30\n}\nitem z "Z" points 60\n'
    assert [f[:2] for f in found(short)] == [("KPI102", "the members of section `a` add up to 90, not 100")]
    assert found('section a "S" out of 100 {\n item x "X" points 100\n}\n') == [(
        "KPI104", "section `a` says `out of 100` but has no weight",
        "`out of` rescales a weighted section: add e.g. `weight 30%`", [])]


def test_kpi101_top_level_sums():
    over = 'section a "S" weight 70% { item x "X" points 70 }\nsection b "T" weight 40% { item y "Y" points 40 }\n'
    assert [f[:3] for f in found(over)] == [(
        "KPI101", "the top-level sections and items add up to 110, not 100",
        "10 too many: take 10 from one of them, e.g. `a` (70) or `b` (40)")]
    # an unweighted section counts its members' 70
    under = 'section a "S" { item x "X" points 70 }\nitem y "Y" points 20\n'
    assert [f[:3] for f in found(under)] == [(
        "KPI101", "the top-level sections and items add up to 90, not 100",
        "10 missing: add 10 to one of them, e.g. `a` (70) or `y` (20), or add an item")]


def test_nested_percent_is_a_share_of_the_parent():
    # a is 50% of 100 = 50; b is 50% of a's 50 = 25: x 25 + y 25 fill a, z 50 fills the rest
    ok = ('section a "S" weight 50% {\n section b "T" weight 50% { item x "X" points 25 }\n item y "Y" points 25\n}\n'
          'item z "Z" points 50\n')
    assert found(ok) == []
    bad = ok.replace("points 25 }", "points 20 }")
    # b's members fall 5 short of its 25; b still counts its weight, 25, in a: a is not reported
    assert [f[:2] for f in found(bad)] == [("KPI102", "the members of section `b` add up to 20, not 25")]


def test_half_a_point_over_is_too_many():
    # 60 + 40.5 = 100.5: 0.5 too many
    assert [f[2] for f in found('item x "X" points 60\nitem y "Y" points 40.5\n')] == [
        "0.5 too many: take 0.5 from one of them, e.g. `x` (60) or `y` (40.5)"]


def test_a_weighted_section_scales_the_total_range():
    # s is out of 100 at 40%: its 0..100 counts 0..40; z adds 0..60: totals run 0..100
    text = ('section s "S" weight 40% out of 100 { item x "X" points 100 }\nitem z "Z" points 60\n'
            'grade g "好" when >= 90\n')
    assert [f[1] for f in found(text)] == [
        "the grade bands leave a gap: totals >= 0 and < 90 get no grade (totals run 0..100)"]
