"""Dates in formulas: what may be done with a date, and the words when it is not.

A date is a day (``numbers/dates.py``): one date may be taken from another (the days
between them), days may be added to or taken from a date (another date), dates compare
with dates, and ``full_months``/``full_years`` count whole months or years from one date to
another.  Anything else treats a date as the number it is stored as, which is never what
was meant (``2026-06-30 - hired`` with a number ``hired`` would be 20634 − hired), so it
is refused (KPI270).  The unit rules themselves are ``analysis/units.py``'s."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kpidsl.analysis.units import DATE_FUNCTIONS, PERIOD_EDGES
from kpidsl.check.base import UNIT_WORDS
from kpidsl.diagnostics.diagnostic import error
from kpidsl.numbers import dates
from kpidsl.numbers.intervals import Range
from kpidsl.syntax import ast

if TYPE_CHECKING:
    from kpidsl.check.formulas import Formulas, Info

DATE = "date"
_HINT = ("take one date from another for the days between them (`period_end - hired`), add days written "
         "with `d` (`hired + 90d`), or count `full_years(hired, period_end)`")


def literal(f: Formulas, e: ast.DateLit) -> Info:
    try:
        day = dates.literal(e.text)
    except dates.NotADate as why:
        f.ctx.diagnostics.append(error("KPI271", f"`{e.text}`{why}", e.span, f"write a date that exists, e.g. {dates.SPELLINGS}"))
        return DATE, None
    return DATE, Range(Decimal(day), Decimal(day))


def binop(f: Formulas, e: ast.BinOp, lu: str | None, ru: str | None) -> str | None:
    """The unit of ``e``, one of whose sides is a date; reports what makes no sense."""
    if e.op == "-" and lu == ru == DATE:
        return "days"
    if e.op in "+-" and lu == DATE and ru == "days":
        return DATE
    if e.op == "+" and lu == "days" and ru == DATE:
        return DATE
    if lu is None or ru is None:  # the other side is already reported
        return None
    other = ru if lu == DATE else lu
    what = {"+": "adds", "-": "subtracts", "*": "multiplies", "/": "divides"}[e.op]
    said = "another date" if other == DATE else UNIT_WORDS.get(other, "a plain number")
    f.ctx.diagnostics.append(error("KPI270", f"this formula {what} a date and {said}: a date is a day, not a number",
                                   e.span, _HINT))
    return None


def compared(f: Formulas, c: ast.Compare, lu: str | None, ru: str | None) -> bool:
    """Whether the comparison involves a date (and is then fully checked here)."""
    if DATE not in (lu, ru):
        return False
    if lu != ru and lu is not None and ru is not None:
        other = ru if lu == DATE else lu
        f.ctx.diagnostics.append(error(
            "KPI270", f"this compares a date with {UNIT_WORDS.get(other, 'a plain number')}", c.span,
            "compare a date with a date (`hired < 2020-01-01`), or the days between two dates with days "
            "(`period_end - hired < 90d`)"))
    return True


def call(f: Formulas, e: ast.Call) -> Info:
    """``full_months(from, to)`` and ``full_years(from, to)``: whole months or years from one
    date to the other (negative when ``to`` comes first)."""
    units = [f.expr(a)[0] for a in e.args]
    if len(e.args) != 2 or e.over is not None or any(u not in (DATE, None) for u in units):
        f.ctx.diagnostics.append(error(
            "KPI272", f"`{e.func}` counts from one date to another and takes two dates", e.span,
            f"write e.g. `{e.func}(hired, period_end)`"))
        return None, None
    top = Range(Decimal(-12 * 8100), Decimal(12 * 8100))  # 1900 to 9999, either way
    return "number", (top if e.func == "full_months" else Range(top.lo / 12, top.hi / 12))


def period_edge(f: Formulas, e: ast.Var) -> Info:
    if f.ctx.program.root.setting("period") is None:
        f.ctx.diagnostics.append(error(
            "KPI273", f"`{e.name}` is a day of the period, but the rubric does not say what its period is",
            e.span, "declare it, e.g. `period quarterly`: each row's period (2026Q2) then gives its start and end"))
    return DATE, Range(Decimal(dates.FIRST_DAY), Decimal(dates.LAST_DAY))


def is_period_edge(f: Formulas, e: Any) -> bool:
    return isinstance(e, ast.Var) and e.name in PERIOD_EDGES and e.name not in f.ctx.symbols


def is_date_call(e: ast.Call) -> bool:
    return e.func in DATE_FUNCTIONS


def not_a_number(f: Formulas, e: ast.Call) -> Info:
    f.ctx.diagnostics.append(error("KPI270", f"`{e.func}` of a date: a date is a day, not a number", e.span, _HINT))
    return None, None
