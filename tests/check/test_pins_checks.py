"""The checker pinned at its edges, one rule a test: the range each formula can take (as
KPI123 prints it, for -x, x × 2, x / 2, x + y, x - y, max, min, count, sum over a period,
average, number, floor and round), which count formulas stay whole, unit clashes in
metrics, conditions, rater weights and progressive brackets, `round`'s step and mode,
where a rubric's own diagnostics point.  Each expected diagnostic is reasoned out by hand
in the comment beside it."""

from __future__ import annotations

import pytest

from kpidsl.api import check_text


def diags(text):
    return [(d.code, d.span.line, d.span.column, d.message) for d in check_text('rubric "x"\n' + text)]


def never(subject_range):
    return f"this tier can never apply: `the value` lies in {subject_range}"


TIERS = '''input n "N": count range 0..10
input m "M": count range 2..5
input x "X": number range LOW..HIGH
item a "A" points 100 {
  tiers SUBJ {
    when BAND1: 100
    when BAND2: 50
  }
}
'''


@pytest.mark.parametrize("subj, band1, band2, low, high, lies_in", [
    ("-n", "<= 0", "> 0", 0, 1, "-10..0"),                 # n in 0..10, so -n in -10..0
    ("n * 2", "<= 20", "> 20", 0, 1, "0..20"),
    ("n / 2", "<= 5", "> 5", 0, 1, "0..5"),
    ("n + m", "<= 15", "> 15", 0, 1, "2..15"),             # 0 + 2 .. 10 + 5
    ("n - m", ">= -5", "< -5", 0, 1, "-5..8"),             # 0 - 5 .. 10 - 2
    ("max(n, m)", "<= 10", "< 2", 0, 1, "2..10"),          # each end is the larger: max(0, 2)..max(10, 5)
    ("min(n, m)", "<= 5", "> 5", 0, 1, "0..5"),            # min(0, 2)..min(10, 5)
    ("average(n, m)", ">= 0", "> 10", 0, 1, "0..10"),      # an average stays in the first one's range
    ("number(n)", ">= 0", "> 10", 0, 1, "0..10"),
    ("floor(n / 3)", "<= 3", "> 3", 0, 1, "0..3"),         # floor(10 / 3) = 3
    ("round(n / 3, 0.5)", "<= 3.5", "> 3.5", 0, 1, "0..3.5"),   # 3.33… to a half, half up: 3.5
    ("count(n, m)", ">= 0", "< 0", 0, 1, "0..unbounded"),
    ("sum(x over year)", ">= 0", "< 0", 0, 10, "0..unbounded"),       # a sum of values >= 0
    ("sum(x over year)", ">= 0", "< 0", "0.5", 10, "0..unbounded"),   # … of values >= 0.5
    ("sum(x over year)", "<= 0", "> 0", -10, 0, "-unbounded..0"),     # a sum of values <= 0
])
def test_the_range_of_a_formula_as_a_tier_that_can_never_apply_prints_it(subj, band1, band2, low, high, lies_in):
    text = (TIERS.replace("SUBJ", subj).replace("BAND1", band1).replace("BAND2", band2)
            .replace("LOW", str(low)).replace("HIGH", str(high)))
    found = [d for d in diags(text) if d[0] == "KPI123"]
    assert [d[3] for d in found] == [never(lies_in)]


@pytest.mark.parametrize("low, high, hits", [
    ("-10", "0.5", "-unbounded..unbounded"),   # a value above 0 may be summed: no upper end
    ("-10", "-1", "-unbounded..0"),
])
def test_a_sum_over_a_period_of_values_up_to_a_fraction(low, high, hits):
    text = (TIERS.replace("SUBJ", "sum(x over year)").replace("BAND1", "<= 0").replace("BAND2", "> 0")
            .replace("LOW", low).replace("HIGH", high))
    found = [d[3] for d in diags(text) if d[0] == "KPI123"]
    assert found == ([] if hits.endswith("..unbounded") else [never(hits)])


GAP = "the tiers leave a gap: values > 3 and < 4 get no tier"
WHOLE = '''input n "N": count
input m "M": count
input r "R": number
EXTRA
item a "A" points 100 {
  tiers SUBJ {
    when >= 4: 100
    when <= 3: 0
  }
}
'''


@pytest.mark.parametrize("subj, extra, gap", [
    ("n * r", "", True),            # a count times a plain number need not be whole
    ("average(n, m)", "", True),    # an average of counts need not be whole
    ("n * m", "", False),
    ("n * number(progressive s { from 0元: 1% })", 'input s "S": money', True),   # 1% of money is fractional
    ("p", 'metric p "P": count = q + n\nmetric q "Q": count = p + 1', False),   # a circle, reported once
])
def test_whole_or_not(subj, extra, gap):
    found = [d for d in diags(WHOLE.replace("SUBJ", subj).replace("EXTRA", extra))
             if d[0] not in ("KPI141",)]
    gaps = [d[3] for d in found if d[0] == "KPI120"]
    assert gaps == ([GAP] if gap else [])
    assert all(d[0] in ("KPI120", "KPI144") for d in found), found


def test_a_metrics_backwards_range_and_a_formula_of_the_wrong_unit():
    assert diags('''input s "S": money
metric m "M": money range 100..0 = s
metric k "K": percent = s
item a "A" points 100 { proportional m / 100元 + k }
''') == [
        ("KPI160", 3, 27, "the range 100..0 runs backwards"),
        ("KPI130", 4, 25, "`k` is declared as a percent but its formula gives money"),
    ]


def test_a_range_with_one_end_of_the_wrong_unit_falls_back_quietly():
    # the 5元 end is reported; the input keeps a count's default range, with no second word
    assert diags('input n "N": count range 0..5元\nitem a "A" points 100 { deduct 10 per n }\n') == [
        ("KPI130", 2, 29, "`5元` is money, but it is compared with a count")]


def test_a_percent_range_written_bare_is_read_as_percent_where_it_is_used():
    # 0..50 on a percent means 0%..50% (reported once): proportional r reaches at most 100 × 50% = 50
    assert diags('input r "R": percent range 0..50\nitem a "A" points 100 { proportional r }\n') == [
        ("KPI131", 2, 31, "`50` is compared with a percent; a bare number here means 5000%"),
        ("KPI111", 3, 38, "item `a` is worth 100, but its rule awards at most 50"),
    ]


def test_a_bare_tier_bound_on_a_percent_is_read_as_that_percent():
    # `>= 90` is read as >= 90%, so it meets `< 90%` with no gap between them
    assert diags('''input r "R": percent
item a "A" points 100 {
  tiers r {
    when >= 90: 100
    when < 90%: 0
  }
}
''') == [("KPI131", 5, 13, "`90` is compared with a percent; a bare number here means 9000%")]


def test_a_rater_weight_in_money_is_not_points():
    assert diags('rater boss "B" weight 100元\ninput r "R": percent\nitem a "A" points 100 { proportional r }\n') == [
        ("KPI130", 2, 23, "`100元` is money, but points are expected here")]


def test_coefficient_is_a_plain_number_in_a_pay():
    assert diags('''input r "R": percent
item a "A" points 100 { proportional r }
grade g "G" otherwise coefficient 1
pay p "P" = coefficient + 1元
pay q "Q" = total * 1元
''') == [("KPI130", 5, 13, "this formula adds money to a plain number")]


def test_adding_and_subtracting_name_the_sides():
    assert diags('''input n "N": count
input s "S": money
item a "A" points 100 { deduct 1 per n }
pay p "P" = s - n
pay q "Q" = s + n
''') == [
        ("KPI130", 5, 13, "this formula subtracts a count from money"),
        ("KPI130", 6, 13, "this formula adds a count to money"),
    ]


@pytest.mark.parametrize("call, message", [
    ("round(n, 0)", "the step of `round` is a number greater than zero, written out, e.g. `0.5`"),
    ("round(n, n)", "the step of `round` is a number greater than zero, written out, e.g. `0.5`"),
    ('max(n, 1, "up")', "only `round` takes a rounding mode; `max` does not"),
    ('round(n, 1, "sideways")', "`sideways` is not a rounding mode"),
    ('round(n / 3, 0.5, "down")', None),
    ("round(n / 3, 0.01)", None),
])
def test_the_shape_of_round(call, message):
    found = diags(f'input n "N": count\nitem a "A" points 100 {{ deduct 1 per {call} }}\n')
    assert found == ([("KPI143", 3, 38, message)] if message else [])


def test_a_function_mixing_units_names_them():
    assert diags('input n "N": count\ninput s "S": money\nitem a "A" points 100 { deduct 1 per n }\n'
                 'pay p "P" = max(n, s)\n') == [("KPI130", 5, 13, "`max` mixes a count and money")]


def test_conditions_compare_like_with_like():
    assert diags('''input n "N": count
input m "M": count
input s "S": money
input b "B": yes/no
item a "A" points 100 { deduct 1 per n + m }
pay p "P" = 1元 when s > 5次
pay q "Q" = 1元 when 5次 < s
pay r "R" = 1元 when s > n
pay t "T" = 1元 when n > m
pay u "U" = 1元 when n
pay v "V" = 1元 when b
award w "W" 1元 when s > 6次
''') == [
        ("KPI130", 7, 25, "`5次` is a count, but it is compared with money"),
        ("KPI130", 8, 21, "`5次` is a count, but it is compared with money"),
        ("KPI130", 9, 21, "this compares money with a count"),
        ("KPI171", 11, 21, "a condition needs a yes/no or a comparison; this is a count"),
        ("KPI130", 13, 25, "`6次` is a count, but it is compared with money"),
    ]


def test_a_brackets_start_in_the_wrong_unit():
    assert diags('''input s "S": money
item a "A" points 100 { deduct 1 per s / 1元 }
pay p "P" = progressive s {
  from 0: 1%
  from 5次: 2%
  from 100元: 3%
}
''') == [("KPI130", 6, 8, "`5次` is a count, but it is compared with money")]


def test_a_points_item_is_points_and_a_factor_item_a_plain_number():
    assert diags('''input r "R": percent
item a "A" points 100 { proportional r }
item k "K" factor 1.2 { proportional r }
metric t "T": points = a
metric u "U": percent = a
metric v "V": number = k
pay p "P" = (t + u + v) * 1元
''') == [("KPI130", 6, 25, "`u` is declared as a percent but its formula gives points"),
         ("KPI130", 8, 14, "this formula adds a percent to points")]


def test_an_input_from_an_undeclared_rater():
    assert diags('input n "N": count from boss\nitem a "A" points 100 { deduct 1 per n }\n') == [
        ("KPI140", 2, 25, "a rater `boss` is not defined")]


def test_a_rubric_points_its_own_problems_at_its_title():
    found = check_text('period monthly\nrubric "x"\ninput s "S": number range 0..100\n'
                       'item a "A" points 90 { proportional s / 100 }\n')
    assert [(d.code, d.span.line, d.span.column) for d in found] == [("KPI101", 2, 8)]


def test_an_empty_rubric_points_at_its_first_character():
    (d,) = check_text("")
    assert (d.code, d.span.line, d.span.column, d.span.end_line, d.span.end_column) == ("KPI107", 1, 1, 1, 2)


def test_a_top_level_veto_of_another_scope_does_not_let_the_total_reach_0():
    # the total runs 50..100 (s is 50..100): a grade from 50 up covers it; only a veto that
    # zeroes the appraisal would bring 0 in, and this one zeroes a section
    assert diags('''input s "S": number range 50..100
input bad "B": yes/no
veto bad "B" zeroes section
item a "A" points 100 { proportional s / 100 }
grade g "G" when >= 50
''') == []


def test_an_item_read_before_its_own_range_is_known_claims_nothing():
    # b reads a, declared below it: a's range is not known yet, so neither is max(a, 10)'s,
    # and no tier of b may be called unreachable on half the facts
    assert diags('''input r "R": percent
item b "B" points 50 {
  tiers max(a, 10) {
    when <= 50: 50
    when > 50: 0
  }
}
item a "A" points 50 { proportional r }
''') == []


ORDER = '''input n "N": count range 0..10
item a "A" points 100 {
  tiers n {
    when < 5: P1
    when >= 5 and < 8: P2
    when >= 8: P3
  }
}
'''


@pytest.mark.parametrize("p1, p2, p3, up_and_down", [
    (50, 100, 60, True),     # up then down
    (100, 50, 60, True),     # down then up: each neighbour counts, not every other one
    (100, 100, 50, False),   # level, then down: never up
    (50, 100, 100, False),   # up, then level: never down
])
def test_tiers_that_go_up_and_down(p1, p2, p3, up_and_down):
    found = diags(ORDER.replace("P1", str(p1)).replace("P2", str(p2)).replace("P3", str(p3)))
    assert found == ([("KPI124", 4, 9, f"the tiers' points go up and down as the value rises: {p1}, {p2}, {p3}")]
                     if up_and_down else [])


def test_overlapping_tiers_have_no_order_to_go_up_and_down_in():
    # 50 below 3, 100 on 3..6, 0 from 5: up and down, but 5..6 is claimed twice, which is the error
    assert diags('''input n "N": count range 0..10
item a "A" points 100 {
  tiers n {
    when < 3: 50
    when >= 3 and < 6: 100
    when >= 5: 0
  }
}
''') == [("KPI121", 7, 13, "two tiers contradict each other: for exactly 5 one gives 100 and the other 0")]


def test_an_else_tier_is_what_a_value_outside_every_band_gets():
    # n lies in 0..10, so `>= 20` never applies: every value gets the else tier's 30, at most 30 of 100
    assert diags('''input n "N": count range 0..10
item a "A" points 100 {
  tiers n {
    when >= 20: 100
    else: 30
  }
}
''') == [("KPI111", 4, 9, "item `a` is worth 100, but its rule awards at most 30"),
         ("KPI123", 5, 13, "this tier can never apply: `n` lies in 0..10")]


def test_tiers_on_a_formula_that_clashes_say_nothing_more():
    # n + s adds money to a count: reported once; its tiers are not judged on a range of no unit
    assert diags('''input n "N": count range 0..10
input s "S": money range 0..5
item a "A" points 100 {
  tiers n + s {
    when <= 100: 100
    when > 1000: 0
  }
}
''') == [("KPI130", 5, 9, "this formula adds money to a count")]


GRADES = 'input r "R": percent\nitem a "A" points 100 { proportional r }\n'


@pytest.mark.parametrize("grades, found", [
    # totals are not whole numbers: 79.5 is a total, and so is anything between 79 and 80
    ('grade good "G" when >= 80\ngrade bad "B" when <= 79',
     [("KPI150", 5, 7, "the grade bands leave a gap: totals > 79 and < 80 get no grade (totals run 0..100)")]),
    ('grade good "G" when > 79.5\ngrade bad "B" when < 80',
     [("KPI151", 5, 22, "grades `good` and `bad` overlap: a total of 79.75 is both")]),
    # the top of the range, 100, is itself a total, and so is the bottom, 0
    ('grade good "G" when >= 50 and < 100\ngrade bad "B" when < 50',
     [("KPI150", 5, 7, "the grade bands leave a gap: totals exactly 100 get no grade (totals run 0..100)")]),
    ('grade good "G" when > 0',
     [("KPI150", 4, 7, "the grade bands leave a gap: totals exactly 0 get no grade (totals run 0..100)")]),
    # nothing lies above 100
    ('grade good "G" when >= 50 and <= 100\ngrade bad "B" when < 50', []),
    ('grade good "G" when >= 80\ngrade bad "B" otherwise', []),
])
def test_grade_bands_over_the_totals(grades, found):
    assert diags(GRADES + grades + "\n") == found


def test_grade_bands_over_a_total_with_no_floor():
    assert diags('input n "N": count\nitem a "A" points 100 { deduct 10 per n no floor }\n'
                 'grade good "G" when >= 50\n') == [
        ("KPI112", 3, 32, "item `a` can go below zero, without limit"),
        ("KPI150", 4, 7, "the grade bands leave a gap: totals < 50 get no grade (totals run -unbounded..100)"),
    ]


def test_what_each_item_can_award():
    assert diags('''input r "R": percent
input n "N": count range 0..10
item a "A" points 30元 { proportional r }
item b "B" points 10 {
  bonus up to 1
  tiers n {
    when >= 5: 20
    when < 5: 0
  }
}
item c "C" points 10 {
  bonus up to 1
  proportional r
}
item d "D" points 50 {
  level "好": 50元
  level "差": 0
}
''') == [
        # 30元 is read as 30 points once it is reported (by the weights and by the item itself)
        ("KPI130", 4, 19, "`30元` is money, but points are expected here"),
        ("KPI130", 4, 19, "`30元` is money, but points are expected here"),
        ("KPI110", 7, 9, "item `b` can award 20, more than its 10 plus its bonus of 1"),
        # r is at most 100%: c reaches 10 × 100% = 10 of its 10 + 1
        ("KPI111", 13, 15, "item `c` declares a bonus up to 1, but its rule can reach only 10 of 11"),
        ("KPI130", 17, 14, "`50元` is money, but points are expected here"),
    ]


def test_two_rules_in_one_item_point_at_both():
    (d,) = check_text('rubric "x"\ninput r "R": percent\nitem a "A" points 100 {\n'
                      '  proportional r\n  proportional r\n}\n')
    assert (d.code, d.span.line, [rel.span.line for rel in d.related]) == ("KPI105", 5, [4])


def test_a_rater_who_picks_a_level_must_be_declared():
    assert diags('item a "A" points 100 {\n  level "好": 100\n  level "差": 0\n  entered by ghost\n}\n') == [
        ("KPI140", 5, 14, "a rater `ghost` is not defined")]


@pytest.mark.parametrize("extra, lies_in", [
    ("", "0..50"),
    # a second item named `a` is reported, and its range does not replace the first one's
    ('item a "A2" points 0 {\n  level "好": 10\n  level "差": 5\n}\n', "0..50"),
])
def test_an_item_read_by_a_later_item_has_the_range_of_its_rule(extra, lies_in):
    found = diags('input r "R": percent\nitem a "A" points 50 { proportional r }\n' + extra +
                  'item b "B" points 50 {\n  tiers a {\n    when <= 50: 50\n    when > 50: 0\n  }\n}\n')
    assert [d[3] for d in found if d[0] == "KPI123"] == [f"this tier can never apply: `a` lies in {lies_in}"]


@pytest.mark.parametrize("when, what", [
    ("total > 50", "the total"),
    ("b > 10", "item `b`"),
    ("r > 10%", None),
])
def test_whether_an_item_applies_is_decided_from_inputs_and_metrics(when, what):
    found = diags(f'''input r "R": percent
item a "A" points 50 {{
  not applicable when {when}: spread proportionally
  proportional r
}}
item b "B" points 50 {{ proportional r }}
''')
    assert [d[3] for d in found if d[0] == "KPI191"] == (
        [f"whether `a` applies cannot depend on {what}, which is worked out after it is decided"] if what else [])


@pytest.mark.parametrize("rule, found", [
    ("ratio r target 90 ±1pt base 50", [
        # 90 is read as 90%: r's best, 100%, is 10 points above target, 50 + 10 = 60 of 100
        ("KPI111", 3, 31, "item `a` is worth 100, but its rule awards at most 60"),
        ("KPI131", 3, 40, "`90` is compared with a percent (the target); a bare number here means 9000%")]),
    ("ratio r target 5元 ±1pt base 50", [
        ("KPI130", 3, 40, "`5元` is money, but it is compared with a percent (the target)")]),
    ("ratio r target 90% ±1pt per 0% base 50", [("KPI163", 3, 53, "`per` must be greater than zero")]),
    ("change r by 1 per 1 base 50", [
        ("KPI131", 3, 43, "`1` is compared with a percent; a bare number here means 100%")]),
])
def test_ratio_and_change_read_their_numbers_in_the_subjects_unit(rule, found):
    assert diags(f'input r "R": percent\nitem a "A" points 100 {{ {rule} }}\n') == found


@pytest.mark.parametrize("rule", ["ratio a target 10 ±1pt base 25", "change a by 1 per 1 base 25",
                                  "ratio n + s target 10 ±1pt base 50", "change n + s by 1 per 1 base 50"])
def test_ratio_and_change_on_a_value_of_unknown_range_or_unit_claim_nothing(rule):
    found = diags(f'''input r "R": percent
input n "N": count range 0..10
input s "S": money range 0..5
item b "B" points 50 {{ {rule} }}
item a "A" points 50 {{ deduct 1 per n + r / 1% + s / 1元 }}
''')
    # a name of unknown range, or a formula that adds money to a count (reported), is not judged further
    assert {d[0] for d in found} <= {"KPI130"}


SECTION_READ = '''input r "R": percent
input n "N": count range 0..5
SECTION {
  item a "A" points 100 { proportional r }
}
item k "K" factor 1 {
  tiers NAME {
    when <= 100: 1
    when > 100: 0
  }
}
'''


@pytest.mark.parametrize("section, name, found", [
    # a group scores its members' sum, 0..100; a section of weight 100% out of 50 doubles 0..50
    ('section g "G"', "g", [("KPI123", 10, 12, "this tier can never apply: `g` lies in 0..100")]),
    ('section s "S" weight 100% out of 100', "s", [("KPI123", 10, 12, "this tier can never apply: `s` lies in 0..100")]),
    # a section named like the input is reported; the input keeps its own range, 0..5
    ('section n "N"', "n", [("KPI142", 4, 9, "`n` is defined twice"),
                           ("KPI123", 10, 12, "this tier can never apply: `n` lies in 0..5")]),
    ('section n "N" weight 100', "n", [("KPI142", 4, 9, "`n` is defined twice"),
                                      ("KPI123", 10, 12, "this tier can never apply: `n` lies in 0..5")]),
])
def test_a_section_read_by_name_has_the_range_of_its_members(section, name, found):
    got = diags(SECTION_READ.replace("SECTION", section).replace("NAME", name))
    assert [d for d in got if d[0] != "KPI141"] == found


def test_points_over_by_less_than_one_are_too_many():
    (d,) = check_text('rubric "x"\ninput r "R": percent\nitem a "A" points 60.5 { proportional r }\n'
                      'item b "B" points 40 { proportional r }\n')
    assert (d.code, d.message, d.hint) == (
        "KPI101", "the top-level sections and items add up to 100.5, not 100",
        "0.5 too many: take 0.5 from one of them, e.g. `a` (60.5) or `b` (40)")


def test_only_a_best_of_award_is_out_of_a_formulas_reach():
    found = diags('''group team "组"
input r "R": percent
item a "A" points 100 { proportional r }
award best "最佳" 100 to best total per team
award full "全勤" 50 when r >= 100%
pay p "P" = best + 1元
pay q "Q" = full + 1元
''')
    assert [(d[0], d[1]) for d in found] == [("KPI146", 7)]


@pytest.mark.parametrize("policy, found", [
    ("give to ghost", [("KPI140", 4, 27, "an item `ghost` is not defined")]),
    ("give to a", [("KPI190", 4, 27, "item `a` gives its weight to itself when not applicable")]),
    ("give to b", []),
    ("spread proportionally", []),
])
def test_where_a_not_applicable_items_points_go(policy, found):
    assert diags(f'''input r "R": percent
item a "A" points 50 {{
  not applicable: {policy}
  proportional r
}}
item b "B" points 50 {{ proportional r }}
''') == found


def test_a_name_like_lowerings_own_steps_is_refused():
    # `_raw1` is the name lowering gives a metric's raw value: a rubric's `_raw1` showed the wrong value
    from kpidsl.api import check_text

    text = """rubric "r"
input a "a": count
metric _raw1 "m": count = a + 1
item x "X" points 100 { deduct 1 per _raw1 }
"""
    (found,) = [d for d in check_text(text) if d.severity.value == "error"]
    assert found.code == "KPI147" and found.hint == "rename it, e.g. `raw1`"
    assert (found.span.line, found.span.column) == (3, 8)
