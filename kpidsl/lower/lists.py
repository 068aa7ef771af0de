"""Functions over values that may be blank: ``count``, ``sum``, ``average``, ``min``, ``max``,
``median`` and ``trimmed_mean`` of a list input (``columns peer1..peer7``) and of optional
inputs (``when blank: skip``), lowered to the IR every backend already runs.

Each value is a member: its IR and the condition under which it is given (``ir.Given`` of
its cell; None for a value that is always there).  Nothing is sorted: the k-th smallest
value given is found by rank, the number of given values below it (a tie broken by the
order of the columns), so every engine needs only comparisons, sums and conditionals:

    rank_i = #{j < i given: v_j <= v_i} + #{j > i given: v_j < v_i}

The given values' ranks are exactly 0 .. count - 1, each once.  A blank value is never read:
every comparison that reads one stands behind its ``Given`` (``and`` stops at a false
part in every backend; in SQL a NULL comparison is not true, so a CASE takes its ELSE).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from kpidsl import ir

ZERO = ir.Const(Decimal(0))
ONE = ir.Const(Decimal(1))
TWO = ir.Const(Decimal(2))
# The functions that need at least one value given: an average, a middle or an end of nothing
# is no number.  The checker proves the least count is at least one (KPI212).
NEED_ONE = frozenset({"average", "min", "max", "median", "trimmed_mean"})
LIST_FUNCTIONS = frozenset({"count", "sum"}) | NEED_ONE

Member = tuple[ir.Expr, ir.Cond | None]


def _sum(terms: Sequence[ir.Expr]) -> ir.Expr:
    if not terms:
        return ZERO
    out = terms[0]
    for t in terms[1:]:
        out = ir.Bin("+", out, t)
    return out


def _given(m: Member, also: ir.Cond | None = None) -> ir.Cond | None:
    parts = [c for c in (m[1], also) if c is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else ir.And(tuple(parts))


def _when(cond: ir.Cond | None, then: ir.Expr, else_: ir.Expr = ZERO) -> ir.Expr:
    return then if cond is None else ir.If(cond, then, else_)


def count(members: Sequence[Member]) -> ir.Expr:
    always = sum(1 for _, g in members if g is None)
    terms: list[ir.Expr] = [ir.If(g, ONE, ZERO) for _, g in members if g is not None]
    if always or not terms:
        terms.insert(0, ir.Const(Decimal(always)))
    return _sum(terms)


def total(members: Sequence[Member]) -> ir.Expr:
    return _sum([_when(g, v) for v, g in members])


def rank(members: Sequence[Member], i: int) -> ir.Expr:
    """How many given values come before member ``i`` in ascending order."""
    vi = members[i][0]
    terms: list[ir.Expr] = []
    for j, (vj, gj) in enumerate(members):
        if j == i:
            continue
        below: ir.Cond = ir.Cmp("<=" if j < i else "<", vj, vi)
        terms.append(ir.If(below if gj is None else ir.And((gj, below)), ONE, ZERO))
    return _sum(terms)


def _ranked(members: Sequence[Member]) -> list[tuple[ir.Expr, ir.Expr, ir.Cond | None]]:
    return [(v, rank(members, i), g) for i, (v, g) in enumerate(members)]


def smallest(members: Sequence[Member], k: ir.Expr) -> ir.Expr:
    """The value of rank ``k`` (0: the smallest given)."""
    return _sum([_when(_given((v, g), ir.Cmp("=", r, k)), v) for v, r, g in _ranked(members)])


def median(members: Sequence[Member], n: ir.Expr) -> ir.Expr:
    """The middle value, or the mean of the two middle ones: ranks ⌊(n−1)/2⌋ and ⌊n/2⌋,
    one and the same rank when ``n`` is odd."""
    low = ir.Round(ir.Bin("/", ir.Bin("-", n, ONE), TWO), Decimal(1), "down")
    high = ir.Round(ir.Bin("/", n, TWO), Decimal(1), "down")
    return ir.Bin("/", ir.Bin("+", smallest(members, low), smallest(members, high)), TWO)


def trimmed_mean(members: Sequence[Member], n: ir.Expr, drop: Decimal, at_least: Decimal) -> ir.Expr:
    """The mean of the given values without the ``drop`` highest and ``drop`` lowest, when
    at least ``at_least`` are given; else the mean of them all."""
    cut = ir.If(ir.Cmp(">=", n, ir.Const(at_least)), ir.Const(drop), ZERO)
    kept = [_when(_given((v, g), ir.And((ir.Cmp(">=", r, cut), ir.Cmp("<", r, ir.Bin("-", n, cut))))), v)
            for v, r, g in _ranked(members)]
    return ir.Bin("/", _sum(kept), ir.Bin("-", n, ir.Bin("*", TWO, cut)))


def lower(func: str, members: Sequence[Member], trim: tuple[Decimal, Decimal] | None = None) -> ir.Expr:
    """``func`` of the members' given values (``trim``: trimmed_mean's drop and least count)."""
    n = count(members)
    if func == "count":
        return n
    if func == "sum":
        return total(members)
    if all(g is None for _, g in members):  # nothing may be blank: the plain arithmetic of old
        if func == "min":
            return ir.Min(tuple(v for v, _ in members))
        if func == "max":
            return ir.Max(tuple(v for v, _ in members))
    if func == "average":
        return ir.Bin("/", total(members), n)
    if func == "min":
        return smallest(members, ZERO)
    if func == "max":
        return smallest(members, ir.Bin("-", n, ONE))
    if func == "median":
        return median(members, n)
    if func == "trimmed_mean":
        assert trim is not None  # the checker insists on the numbers to drop
        return trimmed_mean(members, n, *trim)
    raise ValueError(f"not a function over a list: {func}")


def at_least(value: ir.Expr, n: ir.Expr, least: int, what: str) -> ir.Expr:
    """``value``, or a data error naming ``what`` when fewer than ``least`` values are given."""
    if least <= 0:
        return value
    return ir.If(ir.Cmp("<", n, ir.Const(Decimal(least))),
                 ir.Fail(f"fewer than {least} values of {what} are given", n), value)
