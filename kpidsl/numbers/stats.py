"""Square roots and the statistics of a group (``stddev_pop(score over department)``),
exact, as every engine computes them: the Python evaluator calls these, and the SQL
(``backends/sql/roots.py``, ``backends/sql/stats.py``) and JavaScript backends
reproduce them digit for digit.

* ``sqrt`` is to ``DIVISION_PLACES`` (20) places, ties to even, like a division: it is
  decided on whole numbers (``math.isqrt``), never on binary floats.  A square root is
  either exact or irrational, so a tie needs an exact root with 21 places.
* a variance is one exact fraction divided once, to 20 places, ties to even:
  ``(n Σx² − (Σx)²) / n²`` (population) or ``/ (n (n − 1))`` (sample);
* a standard deviation is the square root of that variance (two roundings, each to 20
  places, each declared: the same number on every engine);
* a median is the middle value, or the mean of the two middle values (divided as a
  division is);
* ``percentile(x over G, p)`` interpolates between the ranked values as Excel's
  PERCENTILE.INC and SQL's PERCENTILE_CONT do: rank h = (n − 1) p from 0, the value at
  ⌊h⌋ plus (h − ⌊h⌋) of the step to the next one; exact, as p has few places;
* ``percent_rank(x over G)`` is the share of the others in the group whose value is
  lower: (number lower) / (n − 1), as SQL's PERCENT_RANK.

A group of one has no sample variance and no percent rank (there is no one else): that is
a data error naming the row, never a silent 0.  Its population variance is 0, as is that
of a group whose values are all equal; dividing by it is the row's division by zero.
"""

from __future__ import annotations

import decimal
import math
from decimal import Decimal

from kpidsl.ir import DIVISION_PLACES
from kpidsl.numbers.semantics import CONTEXT, ScoreError, div
from kpidsl.numbers.spelling import spell

# the group statistics, and their words in a data error (English, as every data error is)
STATS = {
    "variance_pop": "a population variance", "variance_sample": "a sample variance",
    "stddev_pop": "a population standard deviation", "stddev_sample": "a sample standard deviation",
    "median": "a median", "percentile": "a percentile", "percent_rank": "a percent rank",
}
NEEDS_TWO = ("variance_sample", "stddev_sample", "percent_rank")
NEGATIVE_ROOT = "square root of a negative number"


def one_alone(func: str, over: str) -> str:
    """The data error of a statistic that needs two rows where the row's group has one."""
    return f"{STATS[func]} over {over} needs at least two scored rows; this row's {over} has one"


def sqrt(x: Decimal) -> Decimal:
    """√x to DIVISION_PLACES places, ties to even, without trailing zeros (as ``div``)."""
    if x < 0:
        raise ScoreError(f"{NEGATIVE_ROOT}: {spell(x)}")
    if not x:
        return Decimal(0)
    _, digits, exponent = x.as_tuple()
    assert isinstance(exponent, int)  # x is finite: the reader and the arithmetic make no others
    whole = int("".join(map(str, digits)))
    shift = exponent + 2 * (DIVISION_PLACES + 1)  # x × 10**42: a root with one place more than kept
    if shift >= 0:
        radicand, exact = whole * 10 ** shift, True
    else:  # ⌊√⌊y⌋⌋ = ⌊√y⌋: the places past the 42nd cannot move the root's
        radicand, dropped = divmod(whole, 10 ** -shift)
        exact = dropped == 0
    root = math.isqrt(radicand)  # ⌊√x × 10**21⌋
    kept, last = divmod(root, 10)
    tie = last == 5 and exact and root * root == radicand
    if last > 5 or last == 5 and (not tie or kept % 2 == 1):
        kept += 1
    places = DIVISION_PLACES
    while places and kept % 10 == 0:
        kept //= 10
        places -= 1
    return Decimal(kept).scaleb(-places, context=CONTEXT)


def statistic(func: str, over: str, values: list[Decimal], own: Decimal, at: Decimal | None) -> Decimal:
    """``func`` of ``values`` (the scored rows of one group, the row itself among them,
    ``own`` its value); ``at``: a percentile's fraction."""
    with decimal.localcontext(CONTEXT):  # wide enough that only div and sqrt round
        return _statistic(func, over, values, own, at)


def _statistic(func: str, over: str, values: list[Decimal], own: Decimal, at: Decimal | None) -> Decimal:
    n = len(values)
    if n < 2 and func in NEEDS_TWO:
        raise ScoreError(one_alone(func, over))
    if func == "percent_rank":
        return div(Decimal(sum(1 for v in values if v < own)), Decimal(n - 1))
    if func in ("median", "percentile"):
        ranked = sorted(values)
        if func == "median":
            middle = n // 2
            return ranked[middle] if n % 2 else div(ranked[middle - 1] + ranked[middle], Decimal(2))
        assert at is not None  # the lowering gives a percentile its fraction
        h = CONTEXT.multiply(Decimal(n - 1), at)
        k = int(h)  # h >= 0: the floor
        if k + 1 >= n or h == k:
            return ranked[k]
        return ranked[k] + (h - k) * (ranked[k + 1] - ranked[k])
    total = sum(values, Decimal(0))
    spread = n * sum((v * v for v in values), Decimal(0)) - total * total
    variance = div(spread, Decimal(n * n if func.endswith("_pop") else n * (n - 1)))
    return sqrt(variance) if func.startswith("stddev") else variance
