"""Reading one cell at its edges: `--percent-cells whole` and `fraction` by value, the
digit limits just inside and just outside, and each range check on its bound.  Every
expected value is worked by hand in a comment."""

from decimal import Decimal as D

import pytest

from kpidsl.data.cells import CellError, CellSpec, Check, PercentNumber, read


def spec(kind="percent", unit="percent", mode="strict", checks=()):
    return CellSpec("c", unit, kind, tuple(checks), mode)


@pytest.mark.parametrize("cell, value", [
    ("93", D("0.93")),        # whole: 93 means 93%, 93 / 100
    ("0.5", D("0.005")),      # 0.5% = 0.005
    ("93%", D("0.93")),       # an explicit % is read the same in every mode
    (93, D("0.93")),          # a number cell, 93 / 100
    (12.5, D("0.125")),       # 12.5% = 0.125
    (PercentNumber(0.93), D("0.93")),  # a cell the spreadsheet already shows as 93%
    ("0", D("0")),
])
def test_whole_mode_reads_a_bare_number_as_percent(cell, value):
    assert read(spec(mode="whole"), cell) == value


@pytest.mark.parametrize("cell, value", [
    ("0.93", D("0.93")),      # fraction: 0.93 is 93%
    ("93", D("93")),          # and 93 is 9300%
    (0.5, D("0.5")),
    ("93%", D("0.93")),
])
def test_fraction_mode_reads_a_bare_number_as_it_is(cell, value):
    assert read(spec(mode="fraction"), cell) == value


def test_strict_mode_refuses_a_bare_number_but_not_zero():
    assert read(spec(), "0") == 0          # 0 and 0% are the same: nothing to ask
    assert read(spec(), 0) == 0
    with pytest.raises(CellError, match=r"is it 93% or 9300%\?"):   # 93 × 100 = 9300
        read(spec(), "93")
    with pytest.raises(CellError, match=r"is it 93% or 9300%\?"):
        read(spec(), 93)


def test_a_percent_in_a_count_column_is_refused():
    with pytest.raises(CellError, match="is a percent, but this column holds count"):
        read(spec("number", "count"), "5%")
    assert read(spec("number", "number"), "5%") == D("0.05")


def test_digit_limits_just_inside_and_just_outside():
    money = spec("number", "money")
    assert read(money, "9" * 18) == D("9" * 18)               # 18 digits before the point: allowed
    with pytest.raises(CellError, match="too large: at most 18 digits"):
        read(money, "1" + "0" * 18)                            # 19 digits
    assert read(money, "0." + "0" * 21 + "1") == D("1E-22")    # 22 places: allowed (a percent's 20 + 2)
    with pytest.raises(CellError, match="too many decimal places: at most 20"):
        read(money, "0." + "0" * 22 + "1")                     # 23 places
    assert read(money, "1." + "0" * 40) == 1                   # trailing zeros are not places
    with pytest.raises(CellError, match="too many decimal places"):
        read(money, "0." + "0" * 78)                           # 80 characters: read, then refused
    with pytest.raises(CellError, match=r"\(81 characters\) is too long"):
        read(money, "0." + "0" * 79)                           # 81 characters


def test_each_check_holds_on_its_bound():
    low = Check("low", (D(0),))
    high = Check("high", (D(10),))
    count = spec("number", "count", checks=[Check("whole"), low, high])
    assert read(count, "0") == 0 and read(count, "10") == 10
    with pytest.raises(CellError, match="is a negative count"):
        read(count, "-1")
    with pytest.raises(CellError, match="above the highest allowed value 10"):
        read(count, "11")
    with pytest.raises(CellError, match="not a whole number"):
        read(count, "2.5")
    money = spec("number", "money", checks=[Check("low", (D(5),))])
    with pytest.raises(CellError, match="below the lowest allowed value 5"):
        read(money, "4")
    pct = spec(checks=[Check("low", (D("0.5"),))])
    with pytest.raises(CellError, match="below the lowest allowed value 50%"):  # 0.5 × 100 = 50%
        read(pct, "49%")
    lv = spec("number", "number", checks=[Check("levels", levels=((D(1), D(2)), (D(4), D(4))))])
    assert read(lv, "1") == 1 and read(lv, "2") == 2 and read(lv, "4") == 4
    with pytest.raises(CellError, match="in none of the levels 1..2, 4"):
        read(lv, "3")
    allowed = spec("number", "number", checks=[Check("allowed", (D(1), D("1.5")))])
    assert read(allowed, "1.5") == D("1.5")
    with pytest.raises(CellError, match="not one of the allowed values 1, 1.5"):
        read(allowed, "2")


def test_which_complaint_a_low_value_gets():
    money = spec("number", "money", checks=[Check("low", (D(0),))])
    with pytest.raises(CellError, match="below the lowest allowed value 0"):   # money, not a count
        read(money, "-1")
    count = spec("number", "count", checks=[Check("low", (D(1),))])
    with pytest.raises(CellError, match="below the lowest allowed value 1"):   # 0 is a count, just too low
        read(count, "0")


def test_spellings_of_a_number():
    money = spec("number", "money")
    assert read(money, "100元") == 100 and read(money, "1,234.5 元") == D("1234.5")
    with pytest.raises(CellError) as e:
        read(money, "abc")
    assert e.value.hint == "write digits only, e.g. 93% or 1234.50"
    with pytest.raises(CellError) as e:
        read(spec("number", "count"), "abc")
    assert e.value.hint is None
    assert read(spec("number", "count"), 5) == 5              # a number cell outside a percent column is as it is
    with pytest.raises(CellError, match=r"^'0\.000000000000000000…' \(81 characters\)"):   # its first 20 characters
        read(money, "0." + "0" * 79)
