"""Names, units and formulas at their edges: which formulas of counts give whole numbers
(so `>= 4` / `<= 3` tiers leave no gap), what each KPI140 message names, KPI131's figure,
KPI144's circle, KPI162 on equal brackets, KPI143's suggestion, KPI160 on an input range.
Each expected outcome is reasoned out by hand beside it."""

import pytest

from kpidsl.api import check_text

TIERS = ('rubric "x"\ninput n "次数": count\ninput m "次": count\nEXTRA\n'
         'item a "A" points 100 {\n  tiers SUBJ {\n    when >= 4: 100\n    when <= 3: 0\n  }\n}\n')
GAP = "KPI120 the tiers leave a gap: values > 3 and < 4 get no tier"


def tier_gaps(subj, extra=""):
    return [f"{d.code} {d.message}" for d in check_text(TIERS.replace("SUBJ", subj).replace("EXTRA", extra))
            if d.code == "KPI120"]


@pytest.mark.parametrize("subj, extra", [
    ("n + m", ""), ("n * 2", ""), ("-n + 10", ""), ("n - 1", ""), ("n + 2", ""),
    ("floor(n / 3)", ""), ("ceil(n / 3)", ""), ("round(n / 3, 1)", ""), ("abs(n)", ""), ("max(n, m)", ""),
    ("k", 'metric k "K": count = n + m'), ("r", 'input r "R": level'),
])
def test_whole_formulas_leave_no_gap_between_3_and_4(subj, extra):
    # counts combined by + - × abs max min floor ceil, or rounded to a whole step, are whole
    assert tier_gaps(subj, extra) == []


@pytest.mark.parametrize("subj, extra", [
    ("n / 1", ""),                           # a division may not be whole
    ("round(n / 3, 0.5)", ""),               # a half step is not whole
    ("n + 2.5", ""),                         # a fractional constant
    ("k", 'metric k "K": count = n / 2'),     # a metric's own formula divides
    ("number(n)", ""),                        # a plain number
    ("r", 'input r "R": number'),
])
def test_fractional_formulas_leave_the_open_gap(subj, extra):
    assert tier_gaps(subj, extra) == [GAP]


def diags(text):
    return [(d.code, d.message, d.hint) for d in check_text('rubric "x"\n' + text) if d.code != "KPI141"]


def test_kpi140_says_what_the_name_is():
    assert diags('input sales "S": money\nitem a "A" points 100 { proportional sale / 10000元 }') == [
        ("KPI140", "`sale` is not defined", "did you mean `sales`?")]
    assert diags('input sales "S": money\nitem a "A" points 100 { proportional zzz / 10000元 }') == [
        ("KPI140", "`zzz` is not defined", 'declare it first, e.g. `input zzz "…": count`')]
    (d,) = diags('input sales "S": money\nitem a "A" points 100 { entered by sales }')
    assert d == ("KPI140", "`sales` is an input, not a rater", None)
    (d,) = diags('rater boss "B"\nitem a "A" points 100 { proportional boss }')
    assert d[0] == "KPI140" and d[1].startswith("`boss` is rater, not ")


def test_kpi131_gives_the_percent_a_bare_number_means():
    # 90 on a percent means 90 × 100 = 9000%; 0 means 0% either way and is not reported
    assert diags('input r "R": percent\nitem a "A" points 100 { tiers r {\n when >= 90: 100\n else: 0 } }') == [
        ("KPI131", "`90` is compared with a percent; a bare number here means 9000%", "write `90%`")]
    assert diags('input r "R": percent\nitem a "A" points 100 { tiers r {\n when >= 0: 100\n else: 0 } }') == []


CIRCLE = "formulas refer to each other in a circle: "


def test_kpi144_names_each_circle_in_order():
    two = 'input base "B": money\nitem a "A" points 100\npay p "P" = q * 10%\npay q "Q" = base + p\n'
    assert [d[1] for d in diags(two)] == [CIRCLE + "`p` → `q` → `p`"]
    # p needs q; q needs p and r; r needs q: two circles, p-q and q-r
    three = ('input base "B": money\nitem a "A" points 100\npay p "P" = q * 10%\npay q "Q" = r + p\n'
             'pay r "R" = q + base\n')
    assert [d[1] for d in diags(three)] == [CIRCLE + "`p` → `q` → `p`", CIRCLE + "`q` → `r` → `q`"]
    assert [d[1] for d in diags('input base "B": money\nitem a "A" points 100\npay p "P" = p + base\n')] == [
        CIRCLE + "`p` → `p`"]
    chain = 'input base "B": money\nitem a "A" points 100\npay p "P" = q * 10%\npay q "Q" = base * 2\n'
    assert diags(chain) == []


def test_kpi162_an_equal_bracket_does_not_rise():
    text = 'input s "S": money\nitem a "A" points 100\npay c "C" = progressive s {\n from 0元: 1%\n from 30000元: 3%\n from X: 2%\n}\n'
    assert [d[1] for d in diags(text.replace("X", "30000元"))] == [
        "brackets must rise: 30000元 does not come after the bracket before it"]
    assert diags(text.replace("X", "30001元")) == []
    rate = 'input s "S": money\nitem a "A" points 100\npay c "C" = progressive s {\n from 0元: 1%\n from 30000元: 3\n}\n'
    assert diags(rate) == [("KPI130", "a bracket's rate is a percent; `3` is not", "write `3%`")]


def test_kpi143_unknown_function_and_over():
    assert diags('input s "S": money\nitem a "A" points 100 { proportional maxx(s) / 1元 }') == [
        ("KPI143", "unknown function `maxx`", "did you mean `max`?")]
    (d,) = diags('input s "S": money\nitem a "A" points 100 { proportional qqqqqq(s) / 1元 }')
    assert d[2].startswith("functions: abs, average, ceil, count")
    assert diags('input s "S": money\nitem a "A" points 100 { proportional abs(s over year) / 1元 }') == [
        ("KPI143", "`abs` does not take `over`", None)]


def test_kpi160_on_an_input_range():
    assert diags('input s "S": money range 100元..10元\nitem a "A" points 100 { proportional s / 100元 }') == [
        ("KPI160", "the range 100元..10元 runs backwards", "write `10元..100元`")]
    assert diags('input s "S": money range 10元..10元\nitem a "A" points 100 { proportional s / 10元 }') == []
