"""Lowering by value: each not-applicable policy, rater-weighted scales and checklists, a
weighted section `out of` its own total with a section veto, `change` against last period,
bonus caps.  Every expected score is worked by hand in the comment beside it, never read
back from the code under test."""

from decimal import Decimal as D

from kpidsl.api import load_rubric


def score(write, text, row):
    (r,) = load_rubric(write({"r.kpi": 'rubric "示例"\n' + text})).evaluate([{"id": "p", **row}])
    return r.steps


NA = '''input late "迟到": count
item a "A" points 20 {
  not applicable: POLICY
  deduct 2 per late
}
item b "B" points 30 { deduct 6 per late }
item c "C" points 50 { deduct 5 per late }
'''


def test_not_applicable_give_to_another_item(write):
    s = score(write, NA.replace("POLICY", "give to b"), {"late": "1", "a.na": "是"})
    # a out: 0; b = 30 - 6 = 24; c = 50 - 5 = 45; b carries a's 20 points: 24 × 20/30 = 16
    assert (s["a"], s["b"], s["c"], s["total"]) == (0, 24, 45, 85)


def test_not_applicable_spread_proportionally(write):
    s = score(write, NA.replace("POLICY", "spread proportionally"), {"late": "1", "a.na": "是"})
    # (24 + 45) × 20 / (30 + 50) = 69 × 20 / 80 = 17.25; 24 + 45 + 17.25 = 86.25
    assert s["total"] == D("86.25")


def test_not_applicable_spread_evenly(write):
    s = score(write, NA.replace("POLICY", "spread evenly"), {"late": "1", "a.na": "是"})
    # each of b, c gets half of 20, at its own rate: (24 × 20/30 + 45 × 20/50) / 2 = (16 + 18) / 2 = 17
    assert s["total"] == D("86")


def test_an_applicable_item_moves_nothing(write):
    for policy in ("give to b", "spread proportionally", "spread evenly"):
        s = score(write, NA.replace("POLICY", policy), {"late": "1", "a.na": "否"})
        # 20 - 2 + 24 + 45 = 87
        assert s["total"] == 87, policy


def test_two_items_out_spread_evenly_to_the_one_left(write):
    text = '''input late "迟到": count
item a "A" points 20 {
  not applicable: spread evenly
  deduct 2 per late
}
item b "B" points 30 {
  not applicable: spread evenly
  deduct 6 per late
}
item c "C" points 50 { deduct 5 per late }
'''
    s = score(write, text, {"late": "0", "a.na": "是", "b.na": "是"})
    # only c applies, at 50/50: a's 20 → 50 × 20/50 = 20, b's 30 → 50 × 30/50 = 30; 50 + 20 + 30 = 100
    assert s["total"] == 100


RATERS = '''rater self "自评" weight 40%
rater boss "主管评" weight 60%
item a "A" points 50 { scale 1: 10, 2: 30, 3: 50 }
item b "B" points 50 { checklist "甲", "乙" scores 50, 25, 0 }
'''


def test_rater_weighted_scale_and_checklist(write):
    s = score(write, RATERS, {"a.self": "3", "a.boss": "2", "b.self": "0", "b.boss": "1"})
    # a: 50 × 0.4 + 30 × 0.6 = 20 + 18 = 38; b: 0 failed → 50, 1 failed → 25: 20 + 15 = 35
    assert (s["a"], s["b"], s["total"]) == (38, 35, 73)
    s = score(write, RATERS, {"a.self": "1", "a.boss": "1", "b.self": "2", "b.boss": "2"})
    # a: 10; b: 2 failed → 0 from both
    assert (s["a"], s["b"]) == (10, 0)


SECTION = '''input late "迟到": count
input broke "违法": yes/no
section s "S" weight 40% out of 100 {
  item x "X" points 60 {
    deduct 10 per late
    veto broke "违法" zeroes section
  }
  item y "Y" points 40 { deduct 4 per late }
}
item z "Z" points 60 { deduct 6 per late }
'''


def test_weighted_section_out_of_its_own_total(write):
    s = score(write, SECTION, {"late": "1", "broke": "否"})
    # x = 50, y = 36: own score 86 of 100; weighted 86 × 40/100 = 34.4; z = 54; total 88.4
    assert (s["s.score"], s["s"], s["z"], s["total"]) == (86, D("34.4"), 54, D("88.4"))
    s = score(write, SECTION, {"late": "1", "broke": "是"})
    # the veto zeroes the section, its own score too: total is z alone, 54
    assert (s["s.score"], s["s"], s["total"]) == (0, 0, 54)


def test_change_against_last_period(write):
    text = '''input r "合格率": percent
item a "A" points 100 { change r by 2 per 1% base 50 }
'''
    # 50 + (90% - 85%) / 1% × 2 = 50 + 10 = 60
    assert score(write, text, {"r": "90%", "r.last": "85%"})["a"] == 60
    # 50 + (80% - 85%) / 1% × 2 = 40
    assert score(write, text, {"r": "80%", "r.last": "85%"})["a"] == 40
    # 50 + 30 × 2 = 110, capped at the item's 100
    assert score(write, text, {"r": "95%", "r.last": "65%"})["a"] == 100


def test_bonus_raises_the_cap(write):
    text = '''input r "合格率": percent range 0%..150%
item a "A" points 100 {
  bonus up to 10
  proportional r
}
'''
    # 100 × 105% = 105, within 100 + 10
    assert score(write, text, {"r": "105%"})["a"] == 105
    # 100 × 120% = 120, capped at 110
    assert score(write, text, {"r": "120%"})["a"] == 110


def test_ratio_with_its_own_per(write):
    text = '''input r "合格率": percent
item a "A" points 100 { ratio r target 90% ±5pt per 2% base 80 }
'''
    # 80 + (94 - 90) / 2 × 5 = 80 + 10 = 90; 80 + (85 - 90) / 2 × 5 = 80 - 12.5 = 67.5
    assert score(write, text, {"r": "94%"})["a"] == 90
    assert score(write, text, {"r": "85%"})["a"] == D("67.5")


def test_tiers_pick_the_first_band_that_holds(write):
    text = '''input n "次数": count
item a "A" points 100 {
  tiers n {
    when >= 5: 100
    when >= 2 and < 5: 60
    else: 10
  }
}
'''
    # 5 → first band; 4 and 2 → second; 1 → else
    assert [score(write, text, {"n": v})["a"] for v in ("5", "4", "2", "1")] == [100, 60, 60, 10]


def test_a_section_out_of_one(write):
    text = '''input late "迟到": count
section s "S" weight 40% out of 1 {
  item x "X" points 1 { deduct 0.5 per late }
}
item z "Z" points 60 { deduct 6 per late }
'''
    s = score(write, text, {"late": "1"})
    # x = 1 - 0.5 = 0.5 of 1; weighted 0.5 × 40 / 1 = 20; z = 54; total 74
    assert (s["s"], s["total"]) == (20, 74)


def test_a_two_sided_band_checks_both_bounds(write):
    text = '''input n "次数": count
item a "A" points 100 {
  tiers n {
    when >= 2 and < 5: 60
    when >= 5: 100
    else: 10
  }
}
'''
    # 5 fails `< 5`, so the first band does not hold: 100; 4 → 60; 1 → 10
    assert [score(write, text, {"n": v})["a"] for v in ("5", "4", "1")] == [100, 60, 10]
