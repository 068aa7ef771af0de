"""Rule arithmetic, written once: what each computed scoring rule and each weight means.

Lowering and the checker used to restate this arithmetic, each in its own way,
and drifted.  Here every formula is written once over an ``Algebra``: lowering
runs it on IR nodes (``lower.IRAlgebra``) to build the scoring expression, the
checker runs the very same function on ranges (``RangeAlgebra``) to prove what
the rule can award.  A new rule gets range checking by being written here.

The parameters a rule leaves out (``per``, ``base``) and the way a weighted
section scales its members are decided here too, for both.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

from kpidsl.numbers.intervals import Range
from kpidsl.numbers.semantics import div

T = TypeVar("T")
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
PERCENT_STEP = Decimal("0.01")


# ---- parameters --------------------------------------------------------------------------


def exact_quotient(a: Decimal, b: Decimal) -> Decimal:
    """A constant quotient: exact when it terminates (1 ÷ 0.01 stays 1E+2, so 3% × it prints 3),
    else to 20 places by the language's division rule, never Python's default 28 digits."""
    with decimal.localcontext(decimal.Context(prec=80)) as ctx:
        q = a / b
        if not ctx.flags[decimal.Inexact]:
            return q
    return div(a, b)


def default_per(unit: str | None) -> Decimal:
    """``ratio … ±1pt`` without ``per``: one percentage point on a percent, one unit otherwise."""
    return PERCENT_STEP if unit == "percent" else ONE


def base_or_size(base: Decimal | None, size: Decimal) -> Decimal:
    """A rule without ``base`` starts from the item's full points."""
    return size if base is None else base


def weight_points(value: Decimal, is_percent: bool, parent_scale: Decimal) -> Decimal:
    """A section's weight in its parent's points: ``30%`` of the parent, or ``30`` points."""
    return value * parent_scale / HUNDRED if is_percent else value


def member_scale(weight: Decimal | None, out_of: Decimal | None, parent_scale: Decimal) -> Decimal:
    """The points a section's members add up to: its ``out of``, else its weight, else the parent's."""
    if out_of is not None:
        return out_of
    return weight if weight is not None else parent_scale


def rescale(weight: Decimal | None, out_of: Decimal | None) -> Decimal | None:
    """The factor that turns ``out of`` points into the section's weight; ``None`` when there is none."""
    if weight is None or out_of is None or out_of == weight or out_of == 0:
        return None
    return exact_quotient(weight, out_of)


# ---- algebras ----------------------------------------------------------------------------


class Algebra(Protocol[T]):
    def const(self, v: Decimal) -> T: ...
    def add(self, a: T, b: T) -> T: ...
    def sub(self, a: T, b: T) -> T: ...
    def mul(self, a: T, b: T) -> T: ...
    def max(self, a: T, b: T) -> T: ...
    def clamp(self, x: T, lo: T, hi: T) -> T: ...


class RangeAlgebra:
    """Formulas as ranges: the least and most a rule can give over its inputs' ranges."""

    def const(self, v: Decimal) -> Range:
        return Range(v, v)

    def add(self, a: Range, b: Range) -> Range:
        return a + b

    def sub(self, a: Range, b: Range) -> Range:
        return a - b

    def mul(self, a: Range, b: Range) -> Range:
        return a * b

    def max(self, a: Range, b: Range) -> Range:
        return Range(max(a.lo, b.lo), max(a.hi, b.hi))

    def clamp(self, x: Range, lo: Range, hi: Range) -> Range:
        if lo.lo == lo.hi and hi.lo == hi.hi:
            return x.clamp(lo.lo, hi.hi)
        # a limit from data: min(max(x, lo), hi) rises with each of x, lo and hi, so the
        # least comes from the least of each and the most from the most
        return Range(min(max(x.lo, lo.lo), hi.lo), min(max(x.hi, lo.hi), hi.hi))


def _lift(a: Algebra[T], v: Decimal | T) -> T:
    """A rule's parameter: a number as written, or (a target, a cap) a value of the row's data."""
    return a.const(v) if isinstance(v, Decimal) else v


RANGES = RangeAlgebra()


# ---- the computed rules (R6-R11) -----------------------------------------------------------


class Rule(Generic[T]):
    """What a computed rule gives for its subject, and the intermediate values an
    explanation shows (``raw`` is the value before clamping, where there is one)."""

    def __init__(self, score: T, raw: T | None = None):
        self.score = score
        self.raw = raw


def ratio(a: Algebra[T], x: T, *, target: Decimal | T, step: Decimal, per: Decimal, base: Decimal,
          cap: Decimal | T) -> Rule[T]:
    """R6: base points at the target, ± ``step`` for each ``per`` of difference, within 0..cap."""
    raw = a.add(a.const(base), a.mul(a.sub(x, _lift(a, target)), a.const(exact_quotient(step, per))))
    return Rule(a.clamp(raw, a.const(ZERO), _lift(a, cap)), raw)


def proportional(a: Algebra[T], x: T, *, size: Decimal, cap: Decimal | T) -> Rule[T]:
    """R7/R8: the item's points times the ratio achieved, within 0..cap."""
    return Rule(a.clamp(a.mul(a.const(size), x), a.const(ZERO), _lift(a, cap)))


def deduct(a: Algebra[T], n: T, *, amount: Decimal, base: Decimal, floored: bool) -> Rule[T]:
    """R9/R10: base minus ``amount`` per occurrence, floored at zero unless ``no floor``."""
    raw = a.sub(a.const(base), a.mul(a.const(amount), n))
    return Rule(a.max(raw, a.const(ZERO)) if floored else raw, raw)


def change(a: Algebra[T], x: T, last: T, *, by: Decimal, per: Decimal, base: Decimal,
           cap: Decimal | T) -> Rule[T]:
    """R11: base ± ``by`` for each ``per`` the value moved since last period, within 0..cap."""
    raw = a.add(a.const(base), a.mul(a.sub(x, last), a.const(exact_quotient(by, per))))
    return Rule(a.clamp(raw, a.const(ZERO), _lift(a, cap)), raw)
