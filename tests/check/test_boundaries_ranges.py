"""Reachability diagnostics at their boundaries: KPI105, KPI110, KPI111, KPI112, KPI160,
KPI161, KPI163 each just on and just off, and the figures their messages give.  Every
figure is worked by hand in a comment."""

from kpidsl.api import check_text

HEAD = 'rubric "示例"\n'


def codes(text):
    return [d.code for d in check_text(HEAD + text)]


def messages(text, code):
    return [d.message + " | " + (d.hint or "") for d in check_text(HEAD + text) if d.code == code]


def levels(size, *pts, extra=""):
    body = "\n".join(f'  level "l{i}": {p}' for i, p in enumerate(pts))
    return f'item a "A" {size}{extra} {{\n{body}\n}}\n'


def test_kpi110_only_above_points_plus_bonus():
    assert "KPI110" not in codes(levels("points 100", 100, 0))
    (m,) = messages(levels("points 100", 101, 0), "KPI110")
    # best case 101 over 100: lower to 100, or a bonus of 101 - 100 = 1
    assert "can award 101, more than its 100" in m and "to 100" in m and "bonus up to 1`" in m
    with_bonus = 'item a "A" points 100 {\n  bonus up to 10\n  level "x": %s\n  level "y": 0\n}\n'
    assert "KPI110" not in codes(with_bonus % 110)           # 100 + 10 = 110: allowed
    (m,) = messages(with_bonus % 111, "KPI110")
    # 111 > 110: lower to 110, or a bonus of 111 - 100 = 11
    assert "plus its bonus of 10" in m and "to 110" in m and "bonus up to 11`" in m


def test_kpi111_when_the_best_case_falls_short():
    assert "KPI111" not in codes(levels("points 100", 100, 0))
    (m,) = messages(levels("points 100", 99, 0), "KPI111")
    assert "worth 100, but its rule awards at most 99" in m
    (m,) = messages(levels("factor 1.2", "1.1", "0.8"), "KPI111")
    assert "worth 1.2 (factor), but its rule awards at most 1.1" in m
    with_bonus = 'item a "A" points 100 {\n  bonus up to 10\n  level "x": %s\n  level "y": 0\n}\n'
    (m,) = messages(with_bonus % 105, "KPI111")
    # reaches 105 of 100 + 10 = 110
    assert "bonus up to 10, but its rule can reach only 105 of 110" in m
    assert "KPI111" not in codes(with_bonus % 110)


def test_kpi112_below_zero_with_and_without_a_bound():
    assert "KPI112" not in codes(levels("points 100", 100, 0))
    (m,) = messages(levels("points 100", 100, -5), "KPI112")
    assert "as low as -5" in m
    unbounded = 'input c "次数": count\nitem a "A" points 100 { deduct 5 per c no floor }\n'
    (m,) = messages(unbounded, "KPI112")
    assert "without limit" in m
    # count 0..30: 100 - 5 × 30 = -50
    bounded = 'input c "次数": count range 0..30\nitem a "A" points 100 { deduct 5 per c no floor }\n'
    (m,) = messages(bounded, "KPI112")
    assert "as low as -50" in m
    # count 0..20: 100 - 5 × 20 = 0, never below
    assert "KPI112" not in codes('input c "次数": count range 0..20\nitem a "A" points 100 { deduct 5 per c no floor }\n')


def test_kpi160_backwards_range_only_when_strictly_backwards():
    assert "KPI160" not in codes(levels("points 100", 100, "60..60"))
    (m,) = messages(levels("points 100", 100, "80..60"), "KPI160")
    assert "80..60 runs backwards" in m and "`60..80`" in m


def test_kpi161_checklist_needs_one_score_more_than_checks():
    ok = 'item a "A" points 100 {\n  checklist "甲", "乙" scores 100, 50, 0\n}\n'
    assert "KPI161" not in codes(ok)
    (m,) = messages('item a "A" points 100 {\n  checklist "甲", "乙" scores 100, 50\n}\n', "KPI161")
    # 2 checks need 2 + 1 = 3 scores, for 0 to 2 failed
    assert "a checklist of 2 checks needs 3 scores (for 0 to 2 failed), not 2" in m
    assert "KPI161" in codes('item a "A" points 100 {\n  checklist "甲", "乙" scores 100, 50, 20, 0\n}\n')


def test_kpi163_per_must_be_above_zero():
    rule = 'input r "合格率": percent\nitem a "A" points 100 { ratio r target 90% ±1pt per PER base 90 }\n'
    assert "KPI163" in codes(rule.replace('PER', "0%"))
    assert "KPI163" not in codes(rule.replace('PER', "0.1%"))
    change = 'input r "合格率": percent\nitem a "A" points 100 { change r by 1 per PER base 90 }\n'
    assert "KPI163" in codes(change.replace('PER', "0%"))
    assert "KPI163" not in codes(change.replace('PER', "1%"))


def test_kpi105_counts_every_rule():
    two = 'input n "次数": count\nitem a "A" points 100 {\n  level "好": 100\n  deduct 5 per n\n}\n'
    assert "has 2 scoring rules" in messages(two, "KPI105")[0]
    three = 'input n "次数": count\nitem a "A" points 100 {\n  level "好": 100\n  deduct 5 per n\n  proportional n\n}\n'
    assert "has 3 scoring rules" in messages(three, "KPI105")[0]


def test_kpi110_for_every_unclamped_rule():
    # a scale, a checklist and tiers award exactly the points they list: 110 > 100
    assert "KPI110" in codes('item a "A" points 100 { scale 1: 0, 2: 110 }\n')
    assert "KPI110" not in codes('item a "A" points 100 { scale 1: 0, 2: 100 }\n')
    assert "KPI110" in codes('item a "A" points 100 {\n  checklist "甲" scores 110, 0\n}\n')
    assert "KPI110" in codes('input n "次数": count\nitem a "A" points 100 {\n  tiers n {\n    when >= 1: 110\n    else: 0\n  }\n}\n')
    # a deduction from a base of 120 starts above the item's 100: 120 - 2 × 0 = 120
    assert "KPI110" in codes('input n "次数": count\nitem a "A" points 100 { deduct 2 per n base 120 }\n')
    assert "KPI110" not in codes('input n "次数": count\nitem a "A" points 100 { deduct 2 per n base 100 }\n')
    # ratio, proportional and change are clamped to the item's points: never KPI110
    assert "KPI110" not in codes('input r "率": percent\nitem a "A" points 100 { ratio r target 90% ±1pt base 120 }\n')


def test_kpi111_for_a_ratio_whose_input_stops_short():
    # r at most 95%: 90 + (95 - 90) × 1 = 95 of 100
    text = 'input r "率": percent range 0%..95%\nitem a "A" points 100 { ratio r target 90% ±1pt base 90 }\n'
    assert any("awards at most 95" in m for m in messages(text, "KPI111"))
    assert "KPI111" not in codes(text.replace("95%", "100%"))   # 90 + 10 = 100
