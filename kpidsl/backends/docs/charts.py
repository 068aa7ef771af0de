"""The numbers behind the documentation's charts, each computed by the IR interpreter.

A score curve is an item's own lowered step with its subject (the value the rule
scores) replaced by a constant, run by ``interpret.value`` at sampled values: the
chart shows what the evaluator gives, not a second implementation of the rule.
Everything here is ``Decimal``; only ``svg_x``/``svg_y`` turn numbers into pixels.
"""

from __future__ import annotations

import dataclasses
import decimal
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kpidsl import interpret, ir
from kpidsl.numbers.semantics import ScoreError

_ERRORS = (ScoreError, KeyError, decimal.InvalidOperation, decimal.DivisionByZero)
_NICE = tuple(Decimal(s) for s in ("0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5",
                                   "1", "2", "5", "10", "20", "50", "100", "200", "500", "1000", "2000",
                                   "5000", "10000", "20000", "50000", "100000"))


@dataclass(frozen=True, slots=True)
class Mark:
    at: Decimal  # an x value (a boundary, a target) or a y value (a cap, a floor)
    kind: str  # target boundary cap floor
    text: str


@dataclass(frozen=True, slots=True)
class Line:
    """One chart of a value against another: a score curve, or pay against the total."""
    name: str
    title: str
    x_title: str
    y_title: str
    percent: bool  # show x as a percent
    low: Decimal
    high: Decimal
    samples: tuple[tuple[Decimal, Decimal], ...]  # (x, y), y from the interpreter
    x_marks: tuple[Mark, ...] = ()
    y_marks: tuple[Mark, ...] = ()


@dataclass(frozen=True, slots=True)
class Band:
    low: Decimal
    high: Decimal
    grade: str  # its label (or name)


# ---- the subject of a rule ---------------------------------------------------------------


def _size(e: ir.Node) -> int:
    return sum(1 for _ in ir.walk(e))


def substitute(e: Any, old: ir.Expr, new: ir.Expr) -> Any:
    """``e`` with every occurrence of the node ``old`` replaced by ``new`` (IR nodes are frozen
    and compare by value, so equal subtrees are the same subject)."""
    if e == old:
        return new
    if not dataclasses.is_dataclass(e) or isinstance(e, type):
        return e
    changes = {}
    for f in dataclasses.fields(e):
        v = getattr(e, f.name)
        if isinstance(v, tuple):
            nv = tuple(substitute(x, old, new) for x in v)
        elif dataclasses.is_dataclass(v):
            nv = substitute(v, old, new)
        else:
            continue
        if nv != v:
            changes[f.name] = nv
    return dataclasses.replace(e, **changes) if changes else e


def _reads(e: ir.Node) -> bool:
    return any(isinstance(n, (ir.Cell, ir.Ref)) for n in ir.walk(e))


def subject(expr: ir.Expr) -> ir.Expr | None:
    """The smallest expression that, replaced everywhere in ``expr``, leaves nothing read from
    a row: the one value the rule scores (a cell, a metric, or ``sales / sales_goal``).
    None when the rule reads nothing or several unrelated values."""
    candidates = {n for n in ir.walk(expr) if isinstance(n, (ir.Cell, ir.Ref, ir.Bin, ir.Neg, ir.Min, ir.Max))
                  and _reads(n)}
    for c in sorted(candidates, key=lambda n: (_size(n), repr(n))):
        if not _reads(substitute(expr, c, ir.Const(Decimal(0)))):
            return c
    return None


def at(expr: ir.Expr, subj: ir.Expr, x: Decimal) -> Decimal | None:
    """The interpreter's value of ``expr`` with its subject equal to ``x``; None where the
    rule gives no score (a value outside every tier)."""
    try:
        return interpret.value(substitute(expr, subj, ir.Const(x)), {}, {})
    except _ERRORS:
        return None


# ---- what the IR says about a rule: boundaries, targets, caps, floors ---------------------


def boundaries(expr: ir.Expr, subj: ir.Expr) -> tuple[Decimal, ...]:
    """The constants the subject is compared with: tier boundaries."""
    out = set()
    for n in ir.walk(expr):
        if isinstance(n, ir.Cmp):
            if n.a == subj and isinstance(n.b, ir.Const):
                out.add(n.b.value)
            elif n.b == subj and isinstance(n.a, ir.Const):
                out.add(n.a.value)
    return tuple(sorted(out))


def targets(expr: ir.Expr, subj: ir.Expr) -> tuple[Decimal, ...]:
    """The constants subtracted from the subject: a ratio's target."""
    return tuple(sorted({n.b.value for n in ir.walk(expr)
                         if isinstance(n, ir.Bin) and n.op == "-" and n.a == subj and isinstance(n.b, ir.Const)}))


def clamps(expr: ir.Expr) -> tuple[tuple[Decimal, ...], tuple[Decimal, ...]]:
    """(caps, floors): the constants of the outermost min and max around the score."""
    caps: set[Decimal] = set()
    floors: set[Decimal] = set()
    e = expr
    while isinstance(e, (ir.Min, ir.Max, ir.Round)):
        if isinstance(e, ir.Round):
            e = e.a
            continue
        consts = {a.value for a in e.args if isinstance(a, ir.Const)}
        (caps if isinstance(e, ir.Min) else floors).update(consts)
        rest = [a for a in e.args if not isinstance(a, ir.Const)]
        if len(rest) != 1:
            break
        e = rest[0]
    return tuple(sorted(caps)), tuple(sorted(floors))


# ---- sampling ------------------------------------------------------------------------------


def nice_step(span: Decimal, most: int = 100) -> Decimal:
    return next((s for s in _NICE if span / s <= most), _NICE[-1])


def grid(low: Decimal, high: Decimal, step: Decimal) -> list[Decimal]:
    out = []
    x = (low / step).to_integral_value(decimal.ROUND_CEILING) * step
    while x <= high:
        out.append(x.normalize() if x else Decimal(0))
        x += step
    return out


def sample(f: Callable[[Decimal], Decimal | None], xs: Iterable[Decimal]) -> tuple[tuple[Decimal, Decimal], ...]:
    out = []
    for x in sorted(set(xs)):
        y = f(x)
        if y is not None:
            out.append((x, y))
    return tuple(out)


def _last_change(f: Callable[[Decimal], Decimal | None], xs: list[Decimal]) -> Decimal | None:
    last, prev = None, None
    for x in xs:
        y = f(x)
        if prev is not None and y != prev:
            last = x
        prev = y
    return last


def domain(subj: ir.Expr, columns: Mapping[str, ir.Column], f: Callable[[Decimal], Decimal | None],
           marks: tuple[Decimal, ...]) -> tuple[Decimal, Decimal, bool]:
    """(low, high, percent) for the x axis: a percent cell's whole range; otherwise from zero
    (or symmetric around it for a difference) to a little past the last value where the score
    still changes."""
    col = columns.get(subj.column) if isinstance(subj, ir.Cell) else None
    if col is not None and col.low is not None and col.high is not None:
        return col.low, col.high, col.unit == "percent"
    percent = (col is not None and col.unit == "percent") or (isinstance(subj, ir.Bin) and subj.op == "/")
    if isinstance(subj, ir.Bin) and subj.op == "-":
        reach = max((abs(m) for m in marks), default=Decimal("0.05")) * 2 or Decimal("0.1")
        return -reach, reach, True
    low = col.low if col is not None and col.low is not None else Decimal(0)
    integer = is_integer(subj, columns)
    probe = [Decimal(n) for n in range(0, 201)] if integer else grid(Decimal(0), Decimal(3), Decimal("0.01"))
    last = _last_change(f, probe) or Decimal(1)
    if last == probe[-1]:  # never levels off (a deduction with no floor): show it down to zero
        last = next((x for x in probe if (y := f(x)) is not None and y <= 0), Decimal(8))
    high = max([last * Decimal("1.25"), *[m * Decimal("1.25") for m in marks], Decimal(5) if integer else Decimal(1)])
    step = Decimal(1) if integer else nice_step(high - low, 20)
    high = (high / step).to_integral_value(decimal.ROUND_CEILING) * step
    return low, high, percent


def is_integer(subj: ir.Expr, columns: Mapping[str, ir.Column]) -> bool:
    """A count, or a sum of counts: sampled at whole numbers."""
    if isinstance(subj, ir.Cell):
        col = columns.get(subj.column)
        return col is not None and col.integer
    return isinstance(subj, ir.Bin) and subj.op == "+" and is_integer(subj.a, columns) and is_integer(subj.b, columns)


def curve_samples(f: Callable[[Decimal], Decimal | None], low: Decimal, high: Decimal, integer: bool, near: tuple[Decimal, ...]) -> tuple[tuple[Decimal, Decimal], ...]:
    """A grid, plus each boundary and its two sides, so a tier's step shows where it is."""
    step = Decimal(1) if integer and high - low <= 100 else nice_step(high - low)
    eps = Decimal(1) if integer else step / 10
    xs = grid(low, high, step)
    for b in near:
        xs += [x for x in (b - eps, b, b + eps) if low <= x <= high]
    return sample(f, xs)


def grade_bands(plan: ir.Plan, high: Decimal) -> tuple[Band, ...]:
    """The grade each total gets, as the evaluator's grade conditions decide at sampled totals."""
    if not plan.grades:
        return ()
    cuts = sorted({c for g in plan.grades if g.cond is not None for c in _consts(g.cond) if 0 <= c <= high})
    step = nice_step(high, 1000)
    xs = sorted(set(grid(Decimal(0), high, step)) | set(cuts))

    def grade_at(x: Decimal) -> str | None:
        for g in plan.grades:
            try:
                if g.cond is None or interpret.truth(g.cond, {}, {"total": x}):
                    return g.label or g.name
            except _ERRORS:
                return None
        return None

    bands: list[Band] = []
    for x in xs:
        name = grade_at(x)
        if name is None:
            continue
        if bands and bands[-1].grade == name:
            bands[-1] = Band(bands[-1].low, x, name)
        else:
            bands.append(Band(x, x, name))
    # a band runs up to where the next begins: 0-80 fail, 80-100 pass
    return tuple(Band(b.low, bands[i + 1].low if i + 1 < len(bands) else b.high, b.grade) for i, b in enumerate(bands))


def _consts(c: ir.Node) -> set[Decimal]:
    return {n.value for n in ir.walk(c) if isinstance(n, ir.Const)}


# ---- pixels ----------------------------------------------------------------------------------


def scale(v: Decimal, low: Decimal, high: Decimal, start: float, end: float) -> float:
    """A value's pixel position between ``start`` and ``end``: the one place floats appear."""
    if high == low:
        return start
    return round(start + float((v - low) / (high - low)) * (end - start), 2)
