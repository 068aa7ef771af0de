"""Interval and Range arithmetic at its edges: open and closed bounds, integer domains,
a gap at one point, division by a range that may hold zero.  Each expected value is
worked by hand in the comment beside it."""

from decimal import Decimal as D

from kpidsl.numbers.intervals import INF, Interval, Range, gaps


def test_integer_open_bounds_step_to_the_next_whole_number():
    # > 3 on counts starts at 4; < 7 ends at 6: both bounds become closed
    n = Interval(D(3), D(7), False, False, True).normalized()
    assert n == Interval(D(4), D(6), True, True, True)
    # fractional bounds round inward: >= 2.5 is >= 3, <= 6.5 is <= 6
    assert Interval(D("2.5"), D("6.5"), True, True, True).normalized() == Interval(D(3), D(6), True, True, True)


def test_integer_gap_at_a_point_and_no_gap_between_whole_numbers():
    counts = Interval(D(0), None, True, True, True)
    # `> 3` and `< 3` leave exactly 3 uncovered
    hole = gaps(counts, [Interval(D(3), None, False, True), Interval(None, D(3), True, False)])
    assert len(hole) == 1 and hole[0].is_point() and hole[0].witness() == D(3)
    # `>= 4` and `<= 3` cover every count
    assert gaps(counts, [Interval(D(4), None), Interval(None, D(3))]) == []
    # on a continuous domain, `>= 4` and `<= 3` leave (3, 4): a hole, not a point, witness 3.5
    real = gaps(Interval(D(0), None), [Interval(D(4), None), Interval(None, D(3))])
    assert len(real) == 1 and not real[0].is_point() and real[0].witness() == D("3.5")


def test_intersect_at_equal_bounds_is_closed_only_if_both_are():
    a = Interval(D(1), D(5), False, True)   # (1, 5]
    b = Interval(D(1), D(5), True, False)   # [1, 5)
    assert a.intersect(b)[:4] == (D(1), D(5), False, False)
    assert b.intersect(a)[:4] == (D(1), D(5), False, False)
    # a point [1,1] meets (1, ...) nowhere, in either order
    assert not Interval(D(1), D(1)).overlaps(Interval(D(1), None, False, True))
    assert not Interval(D(1), None, False, True).overlaps(Interval(D(1), D(1)))


def test_intersect_keeps_the_integer_domain_of_either_side():
    assert Interval(D(0), D(9)).intersect(Interval(D(1), D(2), integer=True)).integer
    assert Interval(D(1), D(2), integer=True).intersect(Interval(D(0), D(9))).integer
    assert not Interval(D(0), D(9)).intersect(Interval(D(1), D(2))).integer


def test_witness_prefers_a_closed_bound_then_the_middle_then_one_step_out():
    assert Interval(D(1), D(5)).witness() == D(1)                       # closed low bound
    assert Interval(None, D(5)).witness() == D(5)                       # no low bound: the closed high one
    assert Interval(D(1), D(5), False, True).witness() == D(5)          # (1, 5]: the closed high bound
    assert Interval(D(1), D(5), False, False).witness() == D(3)         # (1, 5): (1 + 5) / 2 = 3
    assert Interval(D(2), None, False, False).witness() == D(3)         # (2, ∞): 2 + 1
    assert Interval(None, D(2), False, False).witness() == D(1)         # (-∞, 2): 2 - 1
    assert Interval(None, None, False, False).witness() == D(0)         # everything: 0
    assert Interval(D(3), D(3), False, True).witness() is None          # (3, 3] is empty


def test_is_point():
    assert Interval(D(3), D(3)).is_point()
    assert not Interval(D(3), D(3), True, False).is_point()             # [3, 3) is empty
    assert not Interval(None, None).is_point()                          # unbounded both ways
    assert not Interval(D(3), D(4)).is_point()
    assert Interval(D(3), D(4), True, False, True).is_point()           # counts in [3, 4): only 3


def test_range_negation_and_subtraction():
    assert -Range(D(1), D(4)) == Range(D(-4), D(-1))
    assert Range(D(10), D(20)) - Range(D(1), D(4)) == Range(D(6), D(19))  # 10-4, 20-1


def test_range_division_by_a_range_that_may_be_zero():
    # dividing by [0, 4]: a nonnegative numerator gives [0, ∞)
    assert Range(D(1), D(2)) / Range(D(0), D(4)) == Range(D(0), INF)
    assert Range(D(0), D(2)) / Range(D(0), D(4)) == Range(D(0), INF)
    # a numerator that can be negative, or a divisor from -4, gives everything
    assert Range(D(-1), D(2)) / Range(D(0), D(4)) == Range(-INF, INF)
    assert Range(D(1), D(2)) / Range(D(-4), D(0)) == Range(-INF, INF)
    assert Range(D(1), D(2)) / Range(D(-4), D(4)) == Range(-INF, INF)


def test_range_division_by_a_range_away_from_zero():
    # [1, 2] / [2, 4] = [1/4, 2/2] = [0.25, 1]
    assert Range(D(1), D(2)) / Range(D(2), D(4)) == Range(D("0.25"), D(1))
    # [1, 2] / [0.5, 4]: 0.5 is above zero, so [1/4, 2/0.5] = [0.25, 4]
    assert Range(D(1), D(2)) / Range(D("0.5"), D(4)) == Range(D("0.25"), D(4))
    # [1, 2] / [-4, -2] = [2/-2, 1/-4] = [-1, -0.25]
    assert Range(D(1), D(2)) / Range(D(-4), D(-2)) == Range(D(-1), D("-0.25"))


def test_zero_times_infinity_is_zero():
    assert Range(D(0), D(0)) * Range(D(0), INF) == Range(D(0), D(0))
    assert Range(D(2), D(3)) * Range(D(-1), D(4)) == Range(D(-3), D(12))  # 3*-1, 3*4
