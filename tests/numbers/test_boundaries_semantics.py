"""Division at the edge of its 20 places: a quotient that does not terminate but rounds
to trailing zeros keeps every significant digit when the zeros are stripped."""

from decimal import Decimal as D

from kpidsl.numbers.semantics import div


def test_a_non_terminating_quotient_that_rounds_to_trailing_zeros():
    # a = 3 × 1234567.8901234567891 + 1E-22 = 3703703.6703703703673 + 0.0000000000000000000001;
    # a ÷ 3 = 1234567.8901234567891 + 3.33…E-23, which rounds at 20 places to
    # 1234567.89012345678910: the trailing 0 goes, all 20 other digits stay
    a = D("3703703.6703703703673" + "00000000" + "1")
    assert div(a, D(3)) == D("1234567.8901234567891")
    assert str(div(a, D(3))) == "1234567.8901234567891"
    # 0.3 - 1E-21 = 0.299999999999999999999; ÷ 3 = 0.0999…9666…, which rounds to 0.1
    assert str(div(D("0.299999999999999999999"), D(3))) == "0.1"
