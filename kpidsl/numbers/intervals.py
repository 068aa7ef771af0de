"""Intervals of one value, exact in Decimal: the arithmetic behind tier and
grade-band checks (gaps, overlaps, unreachable bands) and behind the range of
points a rule can award.

``None`` as a bound means unbounded.  On an integer domain (counts, levels,
yes/no) an interval that holds no whole number is empty: ``> 3`` and ``< 3``
leave a gap at 3, but ``>= 4`` and ``<= 3`` cover every count.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import NamedTuple

# Intervals and ranges are the checker's scratch values, made by the hundred
# thousand on a large rubric: immutable tuples cost a third of a frozen dataclass.


_new = tuple.__new__


class Interval(NamedTuple):
    lo: Decimal | None
    hi: Decimal | None
    lo_closed: bool = True
    hi_closed: bool = True
    integer: bool = False

    def normalized(self) -> Interval:
        """On an integer domain, tighten open or fractional bounds to whole numbers."""
        if not self.integer:
            return self
        lo, hi = self.lo, self.hi
        if lo is not None:
            c = Decimal(math.ceil(lo))
            lo = c + 1 if (c == lo and not self.lo_closed) else c
        if hi is not None:
            f = Decimal(math.floor(hi))
            hi = f - 1 if (f == hi and not self.hi_closed) else f
        return Interval(lo, hi, lo is not None, hi is not None, True)

    # ---- questions
    def is_empty(self) -> bool:
        n = self.normalized()
        if n.lo is None or n.hi is None:
            return False
        if n.lo > n.hi:
            return True
        return n.lo == n.hi and not (n.lo_closed and n.hi_closed)

    def intersect(self, other: Interval) -> Interval:
        # the larger lower bound and the smaller upper bound; at a tie, closed only if both are
        lo, lo_closed, hi, hi_closed = self.lo, self.lo_closed, self.hi, self.hi_closed
        o = other.lo
        if o is not None:
            if lo is None or o > lo:
                lo, lo_closed = o, other.lo_closed
            elif o == lo:
                lo_closed = lo_closed and other.lo_closed
        o = other.hi
        if o is not None:
            if hi is None or o < hi:
                hi, hi_closed = o, other.hi_closed
            elif o == hi:
                hi_closed = hi_closed and other.hi_closed
        return _new(Interval, (lo, hi, lo_closed, hi_closed, self.integer or other.integer))

    def overlaps(self, other: Interval) -> bool:
        return not self.intersect(other).is_empty()

    def contains(self, x: Decimal) -> bool:
        if self.lo is not None and (x < self.lo or (x == self.lo and not self.lo_closed)):
            return False
        if self.hi is not None and (x > self.hi or (x == self.hi and not self.hi_closed)):
            return False
        return True

    def witness(self) -> Decimal | None:
        """One value inside, preferring a bound a reader would name ("exactly 1%")."""
        n = self.normalized()
        if n.is_empty():
            return None
        if n.lo is not None and n.lo_closed:
            return n.lo
        if n.hi is not None and n.hi_closed:
            return n.hi
        if n.lo is not None and n.hi is not None:
            return (n.lo + n.hi) / 2
        if n.lo is not None:
            return n.lo + 1
        if n.hi is not None:
            return n.hi - 1
        return Decimal(0)

    def is_point(self) -> bool:
        n = self.normalized()
        return n.lo is not None and n.lo == n.hi and not n.is_empty()


def gaps(domain: Interval, parts: list[Interval]) -> list[Interval]:
    """The pieces of ``domain`` that no part covers, in ascending order."""
    remaining = [domain]
    for p in parts:
        nxt: list[Interval] = []
        for r in remaining:
            nxt.extend(_subtract(r, p))
        remaining = nxt
    return [r for r in remaining if not r.is_empty()]


def _subtract(r: Interval, p: Interval) -> list[Interval]:
    if not r.overlaps(p):
        return [r]
    out = []
    if p.lo is not None:  # the part of r below p
        out.append(r.intersect(Interval(None, p.lo, False, not p.lo_closed, r.integer)))
    if p.hi is not None:  # the part of r above p
        out.append(r.intersect(Interval(p.hi, None, not p.hi_closed, False, r.integer)))
    return [x for x in out if not x.is_empty()]


# ---- interval arithmetic for ranges of formulas ------------------------------------


INF = Decimal("Infinity")


class Range(NamedTuple):
    """A closed range of possible values, possibly infinite, for the maximum
    and minimum a rule or a total can reach."""

    lo: Decimal
    hi: Decimal

    def __add__(self, o: Range) -> Range:  # type: ignore[override]  # ranges add, tuples concatenate
        return Range(self.lo + o.lo, self.hi + o.hi)

    def __sub__(self, o: Range) -> Range:
        return Range(self.lo - o.hi, self.hi - o.lo)

    def __neg__(self) -> Range:
        return Range(-self.hi, -self.lo)

    def __mul__(self, o: Range) -> Range:  # type: ignore[override]
        ps = [_fmul(a, b) for a in (self.lo, self.hi) for b in (o.lo, o.hi)]
        return Range(min(ps), max(ps))

    def __truediv__(self, o: Range) -> Range:
        if o.lo <= 0 <= o.hi:  # the divisor may be zero: say only what the signs allow
            if self.lo >= 0 and o.lo >= 0:
                return Range(Decimal(0), INF)
            return Range(-INF, INF)
        inv = Range(1 / o.hi, 1 / o.lo)
        return self * inv

    def clamp(self, lo: Decimal, hi: Decimal) -> Range:
        return Range(min(max(self.lo, lo), hi), max(min(self.hi, hi), lo))

    def hull(self, o: Range) -> Range:
        return Range(min(self.lo, o.lo), max(self.hi, o.hi))


def _fmul(a: Decimal, b: Decimal) -> Decimal:
    if a == 0 or b == 0:
        return Decimal(0)  # 0 × ∞ is 0 here: a zero weight kills an unbounded input
    return a * b
