"""Square roots and group statistics in formulas (``sqrt``, ``stddev_pop(x over G)``,
``percentile(x over G, 90%)``…): their shape (KPI250), their unit and range, and a square
root of what can be negative (KPI251).  ``Formulas.call`` hands these calls here.

A group statistic always names its group with ``over``; ``median`` without ``over`` is
not one (a list's median is another function's, ``Formulas`` decides it)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from kpidsl.check.base import ZERO, fmt_in
from kpidsl.check.names import lookup
from kpidsl.diagnostics.diagnostic import error, warning
from kpidsl.numbers.intervals import INF, Range
from kpidsl.numbers.stats import sqrt
from kpidsl.syntax import ast
from kpidsl.syntax.names import GROUP_STATS

if TYPE_CHECKING:
    from kpidsl.check.formulas import Formulas, Info

ONE = Decimal(1)
# names people try for a standard deviation or a variance: which one they mean must be said
AMBIGUOUS = {"stddev": "stddev", "stdev": "stddev", "sd": "stddev", "std": "stddev",
             "variance": "variance", "var": "variance"}


def handles(e: ast.Call) -> bool:
    """Whether the call is this module's to check."""
    if e.func == "median":
        return e.over is not None
    return e.func == "sqrt" or e.func in GROUP_STATS or e.func in AMBIGUOUS


def call(f: Formulas, e: ast.Call) -> Info:
    if e.func == "sqrt":
        return _sqrt(f, e)
    problem = _shape(f, e)
    if problem is not None:
        f.ctx.diagnostics.append(error("KPI250", problem[0], e.span, problem[1]))
        for a in e.args:
            f.expr(a)
        return None, None
    assert e.over is not None  # _shape made sure
    if e.over not in ("year", "quarter", "month", "period"):
        lookup(f.ctx, e.over, e.span, ("key",), "a group")
    unit, rng = f.expr(e.args[0])
    if e.func == "percent_rank":
        return "percent", Range(ZERO, ONE)
    if unit is None:
        return None, None
    if e.func.startswith("variance"):
        # a variance is in the square of its values' unit, which no unit is: a plain number
        width = None if rng is None else rng.hi - rng.lo
        return "number", Range(ZERO, INF if width is None or width.is_infinite() else width * width)
    if e.func.startswith("stddev"):
        width = None if rng is None else rng.hi - rng.lo
        return unit, Range(ZERO, INF if width is None or width.is_infinite() else width)
    return unit, rng  # a median or a percentile is within one person's range


def _shape(f: Formulas, e: ast.Call) -> tuple[str, str] | None:
    """What is wrong with a group statistic's shape, and the fix; None if nothing."""
    if e.func in AMBIGUOUS:
        which = AMBIGUOUS[e.func]
        return (f"`{e.func}` does not say which {'standard deviation' if which == 'stddev' else 'variance'} it means",
                f"write `{which}_pop(…)` over the whole group (divides by n) or `{which}_sample(…)` for a sample "
                "(divides by n − 1)")
    if e.over is None:
        return (f"`{e.func}` is a statistic of a group and needs `over`",
                f"name the group, e.g. `{e.func}(score over department" + (", 90%)`" if e.func == "percentile" else ")`"))
    if e.func == "percentile":
        if len(e.args) != 2:
            return ("`percentile` takes a value, its group and the percentile",
                    "e.g. `percentile(score over department, 90%)`")
        at = e.args[1]
        if not (isinstance(at, ast.Number) and at.quantity.suffix == "%" and ZERO <= at.quantity.magnitude <= ONE):
            return ("the percentile is a percent from 0% to 100%, written out",
                    "e.g. `percentile(score over department, 90%)`; the median is `50%`")
        return None
    if len(e.args) != 1:
        return (f"`{e.func}` takes one value and its group", f"e.g. `{e.func}(score over department)`")
    return None


def _sqrt(f: Formulas, e: ast.Call) -> Info:
    if len(e.args) != 1 or e.over is not None or e.mode is not None:
        f.ctx.diagnostics.append(error("KPI250", "`sqrt` takes one value", e.span, "e.g. `sqrt(variance_pop(score over department))`"))
        for a in e.args:
            f.expr(a)
        return None, None
    unit, rng = f.expr(e.args[0])
    if rng is not None and rng.lo < 0:
        f.ctx.diagnostics.append(warning(
            "KPI251", f"the square root of a value that can be negative (down to {fmt_in(rng.lo, unit)}); a row "
            "where it is stops with a data error", e.span,
            "take the root of what cannot be negative, e.g. a variance, or hold it with `max(…, 0)`"))
    if unit is None:
        return None, None
    out = unit if unit in ("bare", "number") else "number"
    if rng is None:
        return out, None

    def root(x: Decimal) -> Decimal:
        if x.is_infinite():
            return x if x > 0 else ZERO
        return sqrt(max(x, ZERO))
    return out, Range(root(rng.lo), root(rng.hi))
