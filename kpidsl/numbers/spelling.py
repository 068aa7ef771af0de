"""One spelling for one value, in every output (CSV, XLSX, JSON, explain, ``kpi test``,
messages, pages, charts and the form): a step the rubric rounds is written with its rounding's places
(``round total to 0.01`` -> ``85.50``); any other value without trailing zeros
(``93%`` and ``93.00%`` both give ``23``).  And text cells are kept from becoming
spreadsheet formulas.

``semantics.show`` stays the raw spelling (the digits as computed), which the
tests that hold the backends to each other compare.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from kpidsl import ir
from kpidsl.numbers.semantics import CONTEXT, show

# OWASP's CSV injection advice: a cell a spreadsheet would read as a formula starts
# with one of these; a leading apostrophe makes it text and is not shown.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
_HUNDRED = Decimal(100)


def declared_places(plan: ir.Plan) -> dict[str, int]:
    """Step name -> the exponent its declared rounding gives (-2 for 0.01), for steps
    whose every value comes from a ``round`` (or a constant, as a veto's 0)."""
    out: dict[str, int] = {}
    for s in (*plan.score_steps, *plan.result_steps):
        exponent = _rounded_exponent(s.expr)
        if exponent is not None:
            out[s.name] = exponent
    money = plan.money_round[0].as_tuple().exponent
    if isinstance(money, int):  # best-of and streak awards are rounded to money's places
        out.update({b.award: money for b in plan.best_of})
        out.update({s.name: money for s in plan.streaks if s.action == "award"})
    return out


def _rounded_exponent(e: ir.Expr) -> int | None:
    if isinstance(e, ir.Round):
        exponent = e.step.as_tuple().exponent
        return exponent if isinstance(exponent, int) else None
    if isinstance(e, ir.If):
        parts = [p for p in (e.then, e.else_) if not isinstance(p, ir.Const)]
        found = {_rounded_exponent(p) for p in parts}
        return found.pop() if len(found) == 1 else None
    return None


def spell(x: Decimal, exponent: int | None = None) -> str:
    """The canonical text of ``x``: at the declared places when the value has them
    exactly, else without trailing zeros; never ``-0``."""
    if exponent is not None:
        try:
            q = x.quantize(Decimal(1).scaleb(exponent), context=CONTEXT)
        except InvalidOperation:
            q = x
        if q == x:
            return show(q)
    return show(x.normalize(CONTEXT))


def percent(fraction: Decimal) -> str:
    """A fraction as the percent people read: 0.935 -> ``93.5%``, never ``-0%``."""
    return spell(CONTEXT.multiply(fraction, _HUNDRED)) + "%"


def in_unit(x: Decimal, unit: str | None) -> str:
    """A value as a message or page states it: a percent as a percent, else its digits."""
    return percent(x) if unit == "percent" else spell(x)


def safe_text(text: str) -> str:
    """A text cell a spreadsheet will show as text, never run as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


NOT_APPLICABLE = "不适用"  # what an item that does not apply shows where its points would be: never a 0
