"""The arithmetic every backend shares, pinned by hand-worked tables: `round_to` over every
mode × sign × step (power of ten and not) × tie, and `div` to its 20 places, in Python
(kpidsl/numbers/semantics.py) and in the form's decimal.js under node.  The expected digits were
worked out by hand, not by running the code under test."""

from __future__ import annotations

from decimal import Decimal

import nodejs
import pytest

from kpidsl.backends.form.javascript import decimal_library
from kpidsl.numbers import semantics
from kpidsl.numbers.semantics import ScoreError, compare, div, is_power_of_ten, quantize, round_to, show

MODES = ("half up", "half even", "up", "down")

# x, step, then the result in each of MODES: half up (四舍五入, ties away from zero),
# half even (ties to the even multiple), up (toward +∞), down (toward −∞)
ROUND = [
    # step 0.01, a power of ten: Decimal's quantize; the result keeps the step's places
    ("2.345", "0.01", "2.35", "2.34", "2.35", "2.34"),      # tie, even below
    ("-2.345", "0.01", "-2.35", "-2.34", "-2.34", "-2.35"),
    ("2.355", "0.01", "2.36", "2.36", "2.36", "2.35"),      # tie, odd below
    ("-2.355", "0.01", "-2.36", "-2.36", "-2.35", "-2.36"),
    ("2.3449", "0.01", "2.34", "2.34", "2.35", "2.34"),     # just under a tie
    ("2.3451", "0.01", "2.35", "2.35", "2.35", "2.34"),     # just over a tie
    ("-2.3451", "0.01", "-2.35", "-2.35", "-2.34", "-2.35"),
    ("2.34", "0.01", "2.34", "2.34", "2.34", "2.34"),       # already a multiple
    ("2.3", "0.01", "2.30", "2.30", "2.30", "2.30"),        # widened to the step's places
    ("0.005", "0.01", "0.01", "0.00", "0.01", "0.00"),
    ("-0.004", "0.01", "0.00", "0.00", "0.00", "-0.01"),    # -0.00 is written 0.00
    # step 1
    ("2.5", "1", "3", "2", "3", "2"),
    ("-2.5", "1", "-3", "-2", "-2", "-3"),
    ("3.5", "1", "4", "4", "4", "3"),
    ("-3.5", "1", "-4", "-4", "-3", "-4"),
    ("-0.5", "1", "-1", "0", "0", "-1"),
    ("0.4", "1", "0", "0", "1", "0"),
    ("7", "1", "7", "7", "7", "7"),
    ("123456789012345678901234567890.5", "1", "123456789012345678901234567891",
     "123456789012345678901234567890", "123456789012345678901234567891", "123456789012345678901234567890"),
    # step 0.1
    ("0.25", "0.1", "0.3", "0.2", "0.3", "0.2"),
    ("-0.35", "0.1", "-0.4", "-0.4", "-0.3", "-0.4"),
    # step 0.5, not a power of ten: x / step rounded to a whole number, times the step
    ("1.25", "0.5", "1.5", "1.0", "1.5", "1.0"),            # 2.5 steps
    ("-1.25", "0.5", "-1.5", "-1.0", "-1.0", "-1.5"),
    ("1.75", "0.5", "2.0", "2.0", "2.0", "1.5"),            # 3.5 steps
    ("-1.75", "0.5", "-2.0", "-2.0", "-1.5", "-2.0"),
    ("1.1", "0.5", "1.0", "1.0", "1.5", "1.0"),             # 2.2 steps
    ("1.4", "0.5", "1.5", "1.5", "1.5", "1.0"),             # 2.8 steps
    ("-1.1", "0.5", "-1.0", "-1.0", "-1.0", "-1.5"),
    ("1.5", "0.5", "1.5", "1.5", "1.5", "1.5"),
    ("-0.2", "0.5", "0.0", "0.0", "0.0", "-0.5"),
    # step 0.05 and 0.25
    ("0.125", "0.05", "0.15", "0.10", "0.15", "0.10"),
    ("-0.125", "0.05", "-0.15", "-0.10", "-0.10", "-0.15"),
    ("0.175", "0.05", "0.20", "0.20", "0.20", "0.15"),
    ("0.375", "0.25", "0.50", "0.50", "0.50", "0.25"),
    ("0.625", "0.25", "0.75", "0.50", "0.75", "0.50"),
    ("-0.625", "0.25", "-0.75", "-0.50", "-0.50", "-0.75"),
    # whole steps: 2 and 10 (10 is written with two digits, so it is not Decimal's quantize)
    ("1", "2", "2", "0", "2", "0"),                         # 0.5 steps: the smallest tie there is, 1/2
    ("3", "2", "4", "4", "4", "2"),                         # 1.5 steps
    ("5", "2", "6", "4", "6", "4"),                         # 2.5 steps
    ("-5", "2", "-6", "-4", "-4", "-6"),
    ("4.1", "2", "4", "4", "6", "4"),
    ("-0.1", "2", "0", "0", "0", "-2"),
    ("25", "10", "30", "20", "30", "20"),
    ("-15", "10", "-20", "-20", "-10", "-20"),
    ("-25", "10", "-30", "-20", "-20", "-30"),
    ("99.99", "10", "100", "100", "100", "90"),
]

# a, b, a ÷ b to 20 places, ties to even, no trailing zeros
DIV = [
    ("1", "3", "0.33333333333333333333"),
    ("2", "3", "0.66666666666666666667"),
    ("-1", "3", "-0.33333333333333333333"),
    ("-2", "3", "-0.66666666666666666667"),
    ("2", "-3", "-0.66666666666666666667"),
    ("-2", "-3", "0.66666666666666666667"),
    ("1", "6", "0.16666666666666666667"),
    ("-1", "6", "-0.16666666666666666667"),
    ("1", "7", "0.14285714285714285714"),
    ("2", "7", "0.28571428571428571429"),
    ("0.1", "3", "0.03333333333333333333"),
    ("1", "1.5", "0.66666666666666666667"),
    ("1", "0.0003", "3333.33333333333333333333"),
    ("10", "4", "2.5"),
    ("-10", "4", "-2.5"),
    ("5", "-2", "-2.5"),
    ("7", "8", "0.875"),
    ("25000", "20000", "1.25"),
    ("100", "4", "25"),
    ("20", "0.5", "40"),
    ("1000", "1", "1000"),
    ("3.00", "1", "3"),
    ("0", "9", "0"),
    ("0", "-9", "0"),
    ("123456789.123456789", "0.0003", "411522630411.52263"),
    # exact quotients with a 21st place: a tie there goes to the even 20th digit
    ("0.000000000000000000015", "1", "0.00000000000000000002"),
    ("0.000000000000000000025", "1", "0.00000000000000000002"),
    ("-0.000000000000000000015", "1", "-0.00000000000000000002"),
    ("0.000000000000000000035", "1", "0.00000000000000000004"),
    ("0.000000000000000000005", "1", "0"),
    ("0.0000000000000000000051", "1", "0.00000000000000000001"),
    ("1", "3000000000000000000000", "0"),                   # 3.3E-22: under half the last place
    ("2", "300000000000000000000", "0.00000000000000000001"),   # 6.7E-21 rounds up
    ("1", "200000000000000000000", "0"),                    # exactly 5E-21: a tie, to 0
    ("3", "200000000000000000000", "0.00000000000000000002"),   # 1.5E-20: a tie, to 2E-20
    ("123456789012345678901234567890", "7", "17636684144620811271604938270"),
]


@pytest.mark.parametrize("row", ROUND, ids=lambda r: f"{r[0]}@{r[1]}")
def test_round_to_every_mode_sign_step_and_tie(row):
    x, step, *want = row
    got = [show(round_to(Decimal(x), Decimal(step), mode)) for mode in MODES]
    assert got == want


@pytest.mark.parametrize("row", DIV, ids=lambda r: f"{r[0]}/{r[1]}")
def test_division_to_twenty_places(row):
    a, b, want = row
    assert show(div(Decimal(a), Decimal(b))) == want


def test_division_places_are_twenty():
    assert semantics.DIVISION_PLACES == 20
    assert str(div(Decimal(1), Decimal(3))) == "0.33333333333333333333"


def test_division_by_zero_is_a_score_error():
    for zero in ("0", "0.00", "-0"):
        with pytest.raises(ScoreError):
            div(Decimal(1), Decimal(zero))


def test_power_of_ten_steps():
    assert [is_power_of_ten(Decimal(s)) for s in ("0.01", "0.1", "1", "1E+1", "0.001")] == [True] * 5
    assert [is_power_of_ten(Decimal(s)) for s in ("0.5", "2", "10", "0.10", "0.25", "0.05")] == [False] * 6
    assert show(quantize(Decimal("1.005"), Decimal("0.01"), "half up")) == "1.01"
    assert show(round_to(Decimal("15"), Decimal("1E+1"), "half up")) == "20"
    assert show(round_to(Decimal("15"), Decimal("1E+1"), "half even")) == "20"
    assert show(round_to(Decimal("25"), Decimal("1E+1"), "half even")) == "20"


def test_show_never_writes_minus_zero():
    assert show(Decimal("-0")) == "0"
    assert show(Decimal("-0.00")) == "0.00"
    assert show(Decimal("-0.01")) == "-0.01"
    assert show(Decimal("85.00")) == "85.00"
    assert show(Decimal("1E+2")) == "100"


@pytest.mark.parametrize("a,b,lt,le,gt,ge,eq,ne", [
    ("1", "2", True, True, False, False, False, True),
    ("2", "2.00", False, True, False, True, True, False),
    ("3", "2", False, False, True, True, False, True),
    ("-1", "-2", False, False, True, True, False, True),
])
def test_compare_every_operator(a, b, lt, le, gt, ge, eq, ne):
    got = [compare(op, Decimal(a), Decimal(b)) for op in ("<", "<=", ">", ">=", "=", "!=")]
    assert got == [lt, le, gt, ge, eq, ne]


_JS = """
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = cases.map(([op, a, b, mode]) => {
  try {
    if (op === "div") return Dec.str(Dec.div(Dec.parse(a), Dec.parse(b)));
    if (op === "round") return Dec.str(Dec.roundTo(Dec.parse(a), Dec.parse(b), mode));
    if (op === "cmp") return Dec.cmp(Dec.parse(a), Dec.parse(b));
    if (op === "add") return Dec.str(Dec.add(Dec.parse(a), Dec.parse(b)));
    if (op === "sub") return Dec.str(Dec.sub(Dec.parse(a), Dec.parse(b)));
    if (op === "mul") return Dec.str(Dec.mul(Dec.parse(a), Dec.parse(b)));
    if (op === "neg") return Dec.str(Dec.neg(Dec.parse(a)));
    if (op === "min") return Dec.str(Dec.min(Dec.parse(a), Dec.parse(b)));
    if (op === "max") return Dec.str(Dec.max(Dec.parse(a), Dec.parse(b)));
    if (op === "parse") { const v = Dec.parse(a); return v === null ? null : Dec.str(v); }
    if (op === "zero") return Dec.isZero(Dec.parse(a));
  } catch (e) { return "error: " + e.message; }
  return "unknown op";
});
process.stdout.write(JSON.stringify(out));
"""

# the rest of Dec: op, a, b, the answer as Python's format(Decimal, "f") writes it
OTHER = [
    ("add", "1.5", "2.25", "3.75"), ("add", "-1.5", "1.5", "0.0"), ("add", "1E+2", "0.5", "100.5"),
    ("sub", "1.5", "2.25", "-0.75"), ("sub", "10", "0.01", "9.99"), ("sub", "1E+1", "1", "9"),
    ("mul", "1.5", "-2.25", "-3.375"), ("mul", "0.1", "0.1", "0.01"), ("mul", "1E+2", "3", "300"),
    ("min", "2", "-3", "-3"), ("min", "-3", "2", "-3"), ("max", "2", "-3", "2"), ("max", "-3", "2", "2"),
    ("min", "2.0", "2", "2.0"), ("max", "2.0", "2", "2.0"),
    ("neg", "1.50", None, "-1.50"), ("neg", "-2", None, "2"),
    ("parse", "  12.50 ", None, "12.50"), ("parse", "-.5", None, "-0.5"), ("parse", "+3.", None, "3"),
    ("parse", "1.5e2", None, "150"), ("parse", "15E-1", None, "1.5"), ("parse", "1e-3", None, "0.001"),
    ("parse", "", None, None), ("parse", ".", None, None), ("parse", "abc", None, None), ("parse", "1.2.3", None, None),
    ("parse", "0.05", None, "0.05"), ("parse", "-0", None, "0"),
]


@pytest.mark.node
def test_decimal_js_agrees_with_the_tables():
    cases = ([["round", x, step, mode] for x, step, *_ in ROUND for mode in MODES]
             + [["div", a, b, None] for a, b, _ in DIV]
             + [["div", "1", "0", None], ["div", "1", "0.00", None]]
             + [["cmp", a, b, None] for a, b in [("1", "2"), ("2", "2.00"), ("3", "2"), ("-1", "-2"), ("0.1", "0.09")]]
             + [[op, a, b, None] for op, a, b, _ in OTHER]
             + [["zero", v, None, None] for v in ("0", "0.00", "-0", "0.01", "-1")])
    got = nodejs.run(decimal_library() + _JS, cases)
    want = ([w for _, _, *ws in ROUND for w in ws]
            + [w for _, _, w in DIV]
            + ["error: division by zero"] * 2
            + [-1, 0, 1, 1, 1]
            + [w for _, _, _, w in OTHER]
            + [True, True, True, False, False])
    assert len(got) == len(want) == len(cases)
    mismatches = [(c, g, w) for c, g, w in zip(cases, got, want, strict=True) if g != w]
    assert not mismatches, mismatches[:10]


def test_a_whole_quotient_has_no_exponent():
    """25000 ÷ 2500 is 10, not 1E+1: str() of the quotient is its spelling."""
    assert [str(div(Decimal(a), Decimal(b))) for a, b in (("25000", "2500"), ("10", "0.1"), ("7", "7"))] == [
        "10", "100", "1"]
