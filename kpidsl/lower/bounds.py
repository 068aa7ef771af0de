"""Lowering bounds from data: tier bounds, bracket starts, ratio targets and bonus caps that
are formulas of the row's data (a quota that differs per person), with the checks the
checker could not make, made for each row.

A literal bound lowers to a constant, as it always did.  Where a bound is a formula the
checker proves units only (KPI126 says so), and the lowered rule first tests the row's
own bounds: tiers whose bands overlap with different points, leave a gap in the values
the subject can take, or run backwards; brackets that do not rise; a bonus below zero.
Each is an ``ir.Fail`` ahead of the rule, so every backend reports the same data error
through its usual per-row path, naming the item and the data the bounds come from.

The value a tier's subject can take is its declared range when it is an input or a
metric (held to that range before any rule reads it), else every number.  An input of
whole numbers (a count) is tested on whole numbers: ``<= quota`` then ``>= quota + 1``
leaves no gap there.  Anything else is tested as a continuum, so a formula of counts is
held to tiers that meet exactly (``< quota`` then ``>= quota``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kpidsl import ir
from kpidsl.analysis.units import DEFAULT_LOW, DEFAULT_RANGES, INTEGER_UNITS
from kpidsl.syntax import ast
from kpidsl.syntax.names import names_in
from kpidsl.syntax.printer import band_text, quantity_text

if TYPE_CHECKING:
    from kpidsl.lower.exprs import ExprLowerer

ZERO = ir.Const(Decimal(0))
ONE = ir.Const(Decimal(1))


def is_data(x: object) -> bool:
    return x is not None and not isinstance(x, ast.Quantity)


def limit(low: ExprLowerer, x: Any) -> ir.Expr:
    """A bound, start, target or cap: a number as written, or the row's value of a formula."""
    if isinstance(x, ast.Quantity):
        return ir.Const(x.magnitude)
    return low.expr(x)


def _sources(values: Iterable[Any]) -> str:
    seen: list[str] = []
    for v in values:
        seen += [n for n, _ in names_in(v) if n not in seen]
    return ", ".join(f"`{n}`" for n in seen)


# ---- comparisons, folded where both sides are numbers -----------------------------------------

Cond = ir.Cond | bool


def _cmp(op: str, a: ir.Expr, b: ir.Expr) -> Cond:
    if isinstance(a, ir.Const) and isinstance(b, ir.Const):
        return {"<": a.value < b.value, "<=": a.value <= b.value, "=": a.value == b.value}[op]
    return ir.Cmp(op, a, b)


def _join(parts: list[Cond], node: type[ir.And] | type[ir.Or]) -> Cond:
    """`and` (``ir.And``) or `or` (``ir.Or``) of the parts, folding the ones decided already."""
    decisive = node is ir.Or  # what settles it: a true part for `or`, a false one for `and`
    if any(p is decisive for p in parts):
        return decisive
    rest = [p for p in parts if p is not (not decisive)]
    if not rest:
        return not decisive
    return rest[0] if len(rest) == 1 else node(tuple(rest))  # type: ignore[arg-type]


def _all(parts: list[Cond]) -> Cond:
    return _join(parts, ir.And)


def _any(parts: list[Cond]) -> Cond:
    return _join(parts, ir.Or)


@dataclass(frozen=True)
class End:
    """One end of an interval: its value (None: unbounded) and whether it is included."""
    value: ir.Expr | None
    closed: bool


def _below(lo: End, hi: End) -> Cond:
    """Some value lies at or above ``lo`` and at or below ``hi``."""
    if lo.value is None or hi.value is None:
        return True
    strict = _cmp("<", lo.value, hi.value)
    if lo.closed and hi.closed:
        return _any([strict, _cmp("=", lo.value, hi.value)]) if strict is not True else True
    return strict


def _guarded(checks: list[tuple[Cond, str, ir.Expr]], value: ir.Expr) -> ir.Expr:
    """``value``, unless one of the (bad, message, shown) checks holds for the row: the first
    that does is its data error."""
    out = value
    for bad, message, shown in reversed(checks):
        if bad is False:
            continue
        out = ir.Fail(message, shown) if bad is True else ir.If(bad, ir.Fail(message, shown), out)
    return out


# ---- tiers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Band:
    tier: ast.Tier
    lo: End
    hi: End


def _interval(low: ExprLowerer, band: ast.Band, whole: bool) -> tuple[End, End]:
    lo, hi = End(None, True), End(None, True)
    for b in band.bounds:
        v = limit(low, b.value)
        if whole:  # on whole numbers every end is closed: `> 2.5` is `>= 3`, `< 3` is `<= 2`
            ceil, floor = ir.Round(v, Decimal(1), "up"), ir.Round(v, Decimal(1), "down")
            if b.op in (">", ">="):
                lo = End(ir.Bin("+", floor, ONE) if b.op == ">" else ceil, True)
            elif b.op in ("<", "<="):
                hi = End(ir.Bin("-", ceil, ONE) if b.op == "<" else floor, True)
            else:
                lo, hi = End(ceil, True), End(floor, True)
        elif b.op in (">", ">="):
            lo = End(v, b.op == ">=")
        elif b.op in ("<", "<="):
            hi = End(v, b.op == "<=")
        else:
            lo = hi = End(v, True)
    return lo, hi


def _domain(low: ExprLowerer, subject: Any) -> tuple[End, End, bool]:
    """The values the subject can take, and whether they are whole numbers."""
    if isinstance(subject, ast.Var):
        decl = low.inputs.get(subject.name) or low.metrics.get(subject.name)
        if decl is not None:
            if decl.range is not None:
                lo_v: Decimal | None = decl.range.low.magnitude
                hi_v = decl.range.high.magnitude if decl.range.high is not None else None
            else:
                lo_v, hi_v = DEFAULT_RANGES.get(decl.unit, (DEFAULT_LOW, None))
            whole = subject.name in low.inputs and decl.unit in INTEGER_UNITS
            return (End(None if lo_v is None else ir.Const(lo_v), True),
                    End(None if hi_v is None else ir.Const(hi_v), True), whole)
    return End(None, True), End(None, True), False


def tiers(low: ExprLowerer, rule: ast.Tiers, x: ir.Expr, owner: str) -> ir.Expr:
    """A tier table with bounds from data: the lookup, behind the checks of this row's bounds."""
    fallback = next((t for t in rule.tiers if t.band is None), None)
    out: ir.Expr = (ir.Const(fallback.points.value) if fallback is not None
                    else ir.Fail("no tier covers this value", x))
    for t in reversed(rule.tiers):
        if t.band is not None:
            out = ir.If(low.band(t.band, x), ir.Const(t.points.value), out)
    data = [b.value for t in rule.tiers if t.band is not None for b in t.band.bounds if is_data(b.value)]
    where = f"{owner}: for this row's {_sources(data)}"
    d_lo, d_hi, whole = _domain(low, rule.subject)
    bands = [_Band(t, *_interval(low, t.band, whole)) for t in rule.tiers if t.band is not None]
    checks: list[tuple[Cond, str, ir.Expr]] = []
    for b in bands:  # a band whose lower bound is above its upper bound: bounds out of order
        band = b.tier.band
        assert band is not None  # `else` has no band, and no place here
        if b.lo.value is not None and b.hi.value is not None and any(is_data(x.value) for x in band.bounds):
            backwards = _cmp("<", limit(low, _side(band, "hi")), limit(low, _side(band, "lo")))
            checks.append((backwards, f"{where}, the tier `when {band_text(band)}` has its lower bound "
                           f"above its upper bound, which is", limit(low, _side(band, "hi"))))
    for i, a in enumerate(bands):  # two tiers giving different points to one value
        for b in bands[i + 1:]:
            if a.tier.points.value == b.tier.points.value:
                continue
            lowers, uppers = (a.lo, b.lo, d_lo), (a.hi, b.hi, d_hi)
            meet = _all([_below(lo, hi) for lo in lowers for hi in uppers])
            shown = next((e.value for e in (b.lo, a.lo, b.hi, a.hi) if e.value is not None), x)
            checks.append((meet, f"{where}, the tiers `when {band_text(a.tier.band)}` ({a.tier.points}) and "
                           f"`when {band_text(b.tier.band)}` ({b.tier.points}) overlap, from", shown))
    if fallback is None:
        checks += _gaps(bands, d_lo, d_hi, whole, where)
    return _guarded(checks, out)


def _side(band: ast.Band, side: str) -> Any:
    ops = (">", ">=", "=") if side == "lo" else ("<", "<=", "=")
    return next(b.value for b in reversed(band.bounds) if b.op in ops)


def _contains(b: _Band, p: ir.Expr) -> Cond:
    return _all([_below(b.lo, b.hi), _below(b.lo, End(p, True)), _below(End(p, True), b.hi)])


def _contains_just_above(b: _Band, v: ir.Expr) -> Cond:
    """``b`` holds the values just above ``v``: it starts at or below ``v`` and ends above it."""
    starts = True if b.lo.value is None else _cmp("<=", b.lo.value, v)
    ends = True if b.hi.value is None else _cmp("<", v, b.hi.value)
    return _all([starts, ends])


def _gaps(bands: list[_Band], d_lo: End, d_hi: End, whole: bool, where: str) -> list[tuple[Cond, str, ir.Expr]]:
    """A value the subject can take that no tier holds.  The values left out, if any, start at
    the domain's low end or just past some tier's upper end: each of those is tested."""
    out: list[tuple[Cond, str, ir.Expr]] = []
    if d_lo.value is None:  # every number: some tier must have no lower bound
        uncovered_low: Cond = not any(b.lo.value is None for b in bands)
        shown: ir.Expr = next((b.lo.value for b in bands if b.lo.value is not None), ZERO)
    else:
        uncovered_low = _not(_any([_contains(b, d_lo.value) for b in bands]))
        shown = d_lo.value
    out.append((uncovered_low, f"{where}, the tiers leave a gap: no tier holds the lowest values, from", shown))
    for b in bands:
        v = b.hi.value
        if v is None:
            continue
        if whole:  # the next whole number after the band's last one
            nxt: ir.Expr = ir.Bin("+", v, ONE)
            inside = _all([_below(d_lo, End(nxt, True)), _below(End(nxt, True), d_hi)])
            held = _any([_contains(o, nxt) for o in bands if o is not b])
        elif b.hi.closed:  # the values just above it
            nxt = v
            inside = _all([True if d_lo.value is None else _cmp("<=", d_lo.value, v),
                           True if d_hi.value is None else _cmp("<", v, d_hi.value)])
            held = _any([_contains_just_above(o, v) for o in bands if o is not b])
        else:  # the value itself
            nxt = v
            inside = _all([_below(d_lo, End(v, True)), _below(End(v, True), d_hi)])
            held = _any([_contains(o, v) for o in bands if o is not b])
        bad = _all([_below(b.lo, b.hi), inside, _not(held)])
        word = "after" if whole or b.hi.closed else "at"
        out.append((bad, f"{where}, the tiers leave a gap {word} `when {band_text(b.tier.band)}`, whose upper "
                    "bound is", nxt if not whole else v))
    return out


def _not(c: Cond) -> Cond:
    if isinstance(c, bool):
        return not c
    return ir.Not(c)


# ---- brackets, targets, caps ----------------------------------------------------------------------


def progressive(low: ExprLowerer, e: ast.Progressive, x: ir.Expr) -> ir.Expr:
    """Bracketed rates on ``x`` (the subject, or last period's for `change`), each on its slice;
    with a start from data, the row's starts must rise."""
    starts = [limit(low, b.start) for b in e.brackets]
    terms = []
    for i, b in enumerate(e.brackets):
        rate = ir.Const(b.rate.magnitude)
        top = x if i + 1 == len(e.brackets) else ir.Min((x, starts[i + 1]))
        terms.append(ir.Bin("*", ir.Max((ir.Bin("-", top, starts[i]), ZERO)), rate))
    total = terms[0]
    for t in terms[1:]:
        total = ir.Bin("+", total, t)
    checks: list[tuple[Cond, str, ir.Expr]] = []
    for a, b, sa, sb in zip(e.brackets, e.brackets[1:], starts, starts[1:]):
        if is_data(a.start) or is_data(b.start):
            checks.append((_cmp("<=", sb, sa), f"brackets of `progressive` for this row's "
                           f"{_sources([s.start for s in (a, b) if is_data(s.start)])}: `from {quantity_text(b.start)}` "
                           f"must come after `from {quantity_text(a.start)}`, and it is", sb))
    return _guarded(checks, total)


def cap(low: ExprLowerer, it: ast.Item) -> Decimal | ir.Expr:
    """The most the item's rule may give: its points plus its bonus; a bonus from data is the
    row's own, and one below zero is a data error."""
    size = it.size.value
    if it.bonus is None:
        return size
    if isinstance(it.bonus, ast.Quantity):
        return size + it.bonus.value
    bonus = low.expr(it.bonus)
    checked = _guarded([(_cmp("<", bonus, ZERO), f"item `{it.name}`: the bonus for this row's "
                         f"{_sources([it.bonus])} comes out below zero", bonus)], bonus)
    return ir.Bin("+", ir.Const(size), checked)
