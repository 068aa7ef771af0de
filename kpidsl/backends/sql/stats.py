"""SQL backend: the statistics of a group (``numbers/stats.py``) as window functions over the
scored rows sharing the group, on scaled whole numbers, to the digits Python gives.

* a variance is (n Σx² − (Σx)²) divided by n² or n (n − 1) with ``Translator.divide`` (20
  places, ties to even), a standard deviation its root (``roots.py``): no engine's
  ``VAR_POP`` or ``STDDEV_POP``, which work in binary floating point;
* a median or a percentile ranks the group's values (ROW_NUMBER, the excluded rows in a
  partition of their own), takes the values at the two ranks around (n − 1) p and
  interpolates with p's own places, exactly: no ``PERCENTILE_CONT``, which is floating
  point in most engines;
* a percent rank is (RANK − 1) ÷ (n − 1), divided as any quotient.

A statistic that needs two rows is NULL in a group of one, and the row's error says so in
Python's words.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlglot import exp

from kpidsl import ir
from kpidsl.backends.sql import roots
from kpidsl.backends.sql.batch import Calendar, Windows, scored_only
from kpidsl.backends.sql.types import WIDE_MAX, SQLError, col, places_of
from kpidsl.backends.sql.values import Val
from kpidsl.numbers.stats import NEEDS_TWO, one_alone

if TYPE_CHECKING:
    from kpidsl.backends.sql.query import Builder

HALF = Decimal("0.5")  # a median is the 50th percentile, interpolated as one
ANY = WIDE_MAX  # the bound of what is not proven smaller: 38 digits


class Stats:
    """The group statistics of one query; each statistic's count of rows, for its error."""

    def __init__(self, b: Builder) -> None:
        self.b = b
        self.windows = Windows(b)
        self.counts: dict[ir.Agg, Val] = {}

    def _start(self, e: ir.Agg) -> tuple[Val, list[exp.Expr], int]:
        b = self.b
        step = b.t.steps[e.step]
        level = max(step.level, b.excluded_level) + 1
        if e.over in ("year", "quarter"):
            Calendar(b).check(scoped=True)
            level = max(level, 3)
        return step, self.windows.partition(e.over), level

    def _count(self, part: list[exp.Expr], level: int) -> Val:
        b = self.b
        n = self.windows.window(exp.Count(this=scored_only(b, exp.Literal.number(1))), part)
        return Val(col(b.layers.add(exp.Cast(this=n, to=b.dialect.integer), level, "a")), 0, level, kind="wide")

    def value(self, e: ir.Agg) -> Val:
        b = self.b
        step, part, level = self._start(e)
        n = self.counts[e] = self._count([p.copy() for p in part], level)
        if e.func.startswith(("variance", "stddev")):
            return self._spread(e, step, part, level, n)
        ranked = part + ([b.excluded.copy()] if b.excluded is not None else [])  # the excluded rank apart
        if e.func == "percent_rank":
            rank = self.windows.window(exp.Anonymous(this="RANK"), ranked,
                                       [exp.Ordered(this=step.sql.copy())])
            below = Val(col(b.layers.add(exp.Sub(this=exp.Cast(this=rank, to=b.dialect.integer),
                                                 expression=b.t.integer(1)), level, "a")), 0, level, kind="wide")
            return b.t.divide(below, b.t.arith(exp.Sub, n, b.t.const(1), 0, -1, ANY))  # NULL alone
        at = e.at if e.func == "percentile" else HALF
        assert at is not None  # the lowering gives a percentile its fraction
        return self._percentile(step, ranked, level, n, at)

    def _spread(self, e: ir.Agg, step: Val, part: list[exp.Expr], level: int, n: Val) -> Val:
        b, t = self.b, self.b.t
        if 2 * step.scale > 38:
            raise SQLError(f"a variance of a value with {step.scale} places needs {2 * step.scale}; "
                           "SQL engines keep at most 38: round the value first")
        square = t.temp(t.arith(exp.Mul, step, step, 2 * step.scale, 0, max(step.lo ** 2, step.hi ** 2)))
        at = max(level, square.level + 1)

        def summed(v: Val) -> Val:
            total = self.windows.window(exp.Sum(this=scored_only(b, v.sql.copy())), [p.copy() for p in part])
            return Val(exp.Cast(this=col(b.layers.add(total, at, "a")), to=b.dialect.integer), v.scale, at, kind="wide")
        sum_x, sum_sq = summed(step), summed(square)
        spread = t.arith(exp.Sub, t.arith(exp.Mul, n, sum_sq, sum_sq.scale, -ANY, ANY),
                         t.arith(exp.Mul, sum_x, sum_x, 2 * step.scale, -ANY, ANY), 2 * step.scale, -ANY, ANY)
        fewer = n if e.func.endswith("_pop") else t.arith(exp.Sub, n, t.const(1), 0, -ANY, ANY)
        den = t.arith(exp.Mul, n, fewer, 0, -ANY, ANY)
        variance = replace(t.divide(spread, den), lo=0)  # NULL for a sample of one
        return roots.sqrt(t, variance) if e.func.startswith("stddev") else variance

    def _percentile(self, step: Val, ranked: list[exp.Expr], level: int, n: Val, at: Decimal) -> Val:
        """The value at rank h = (n − 1) p from 0, between the values at ⌊h⌋ and ⌊h⌋ + 1."""
        b, t = self.b, self.b.t
        places = places_of(at)
        whole = int(at.scaleb(places))  # p × 10**places
        unit = 10 ** places
        h = t.temp(t.arith(exp.Mul, t.arith(exp.Sub, n, t.const(1), 0, 0, ANY), t.const(whole), 0, 0, ANY))
        k = Val(roots.quot(t, h.sql.copy(), t.integer(unit)), 0, h.level, kind="wide")  # ⌊h⌋
        k = t.temp(k)
        frac = t.temp(t.arith(exp.Sub, h, t.times(k, unit), 0, 0, unit))  # (h − ⌊h⌋) × 10**places
        position = exp.Window(this=exp.Anonymous(this="ROW_NUMBER"), partition_by=[p.copy() for p in ranked],
                              order=exp.Order(expressions=[exp.Ordered(this=step.sql.copy())]))
        rn = Val(col(b.layers.add(exp.Cast(this=position, to=b.dialect.integer), level, "a")), 0, level, kind="wide")
        at_level = max(rn.level, k.level, step.level) + 1

        def value_at(offset: int) -> Val:
            wanted = exp.Add(this=k.sql.copy(), expression=t.integer(offset))
            pick = exp.Case(ifs=[exp.If(this=exp.EQ(this=rn.sql.copy(), expression=wanted), true=step.sql.copy())])
            found = exp.Window(this=exp.Max(this=pick), partition_by=[p.copy() for p in ranked])
            return replace(step, sql=col(b.layers.add(found, at_level, "a")), level=at_level, const=None)
        low, high = value_at(1), value_at(2)
        high = replace(high, sql=exp.Coalesce(this=high.sql, expressions=[low.sql.copy()]))  # ⌊h⌋ the last rank
        gap = t.arith(exp.Sub, high, low, step.scale, step.lo - step.hi, step.hi - step.lo)
        scaled = t.times(low, unit, step.scale + places)
        step_up = t.arith(exp.Mul, frac, gap, step.scale + places, -ANY, ANY)
        out = t.arith(exp.Add, scaled, step_up, step.scale + places, -ANY, ANY)
        return replace(out, lo=min(step.lo * unit, 0), hi=max(step.hi * unit, 0))

    def error(self, e: ir.Agg) -> exp.Expr | None:
        """A statistic's own error: one that needs two rows in a group of one."""
        if e.func not in NEEDS_TWO:
            return None
        self.b.t.value(e)  # its count is made with its value
        n = self.counts[e]
        return exp.Case(ifs=[exp.If(this=exp.LT(this=n.sql.copy(), expression=self.b.t.integer(2)),
                                    true=exp.Literal.string(one_alone(e.func, e.over)))])

