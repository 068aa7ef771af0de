"""What an input's unit allows, shared by the checker (which reasons about it)
and the lowering (which holds the data to it), so the two never disagree.

Kept apart from ``ir`` so that ``kpi check`` need not import the IR.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from kpidsl.numbers import dates

# The values an input may take when the rubric declares no `range`.
# (A percent above 100%, like 超额完成, needs `range 0%..150%`.)
DEFAULT_RANGES: dict[str, tuple[Decimal, Decimal | None]] = {
    "percent": (Decimal(0), Decimal(1)),
    "level": (Decimal(1), Decimal(5)),
    "yes/no": (Decimal(0), Decimal(1)),
    # a date is a day number (numbers/dates.py): any day kpi reads, before 1970 too
    "date": (Decimal(dates.FIRST_DAY), Decimal(dates.LAST_DAY)),
}
DEFAULT_LOW = Decimal(0)  # every other unit: from zero, unbounded above

# Units whose values are whole numbers: a tier `> 3` on a count starts at 4.
INTEGER_UNITS = frozenset({"count", "level", "yes/no", "date"})

# What a formula's unit is, worked out once for the checker (which also reports
# clashes) and for the lowering (which needs it for a ratio's default `per`).
DIMENSIONLESS = frozenset({"percent", "number"})
BUILTIN_UNITS = {"total": "points", "coefficient": "number"}
# The first and last day of the row's period (from its period cell and the `period` line).
PERIOD_EDGES = {"period_start": "start", "period_end": "end"}
# Whole months or years from one date to another.
DATE_FUNCTIONS = frozenset({"full_months", "full_years"})


def compatible(a: str, b: str) -> bool:
    return a == b or (a in DIMENSIONLESS and b in DIMENSIONLESS)


def known(unit: str | None) -> bool:
    """A definite unit, as opposed to unknown (None) or a bare number that takes any unit."""
    return unit is not None and unit != "bare"


class UnitClash(Exception):
    """Quantities of two units added, subtracted or mixed in one call."""


def combine(op: str, lu: str | None, ru: str | None) -> str | None:
    """The unit of ``l op r`` (``bare`` for a plain literal, ``None`` for unknown)."""
    if "date" in (lu, ru):
        return _date_unit(op, lu, ru)
    if op in "+-":
        if known(lu) and known(ru) and not compatible(lu, ru):  # type: ignore[arg-type]
            raise UnitClash(op)
        return lu if known(lu) else ru
    if op == "*":
        if lu in DIMENSIONLESS or lu == "bare":
            return ru
        if ru in DIMENSIONLESS or ru == "bare":
            return lu
        return None
    # division: a unit over itself is a plain number; over a plain number it stays
    if lu is not None and lu == ru and lu != "bare":
        return "number"
    if ru in DIMENSIONLESS or ru == "bare":
        return lu
    return None


def _date_unit(op: str, lu: str | None, ru: str | None) -> str:
    """date − date is days; date ± days and days + date are dates; nothing else is (KPI270)."""
    if op == "-" and lu == ru == "date":
        return "days"
    if (op in "+-" and (lu, ru) == ("date", "days")) or (op == "+" and (lu, ru) == ("days", "date")):
        return "date"
    raise UnitClash(op)


# Rounding functions and the modes they take: floor(x), ceil(x), round(x, step[, "mode"]).
ROUNDING_FUNCTIONS = {"floor": "down", "ceil": "up", "round": "half up"}
ROUND_MODES = ("half up", "half even", "up", "down")


def call_unit(func: str, arg_units: list[str | None]) -> str | None:
    """The unit of ``func(args)``; ``None`` when an argument's unit is unknown.

    ``floor``, ``ceil`` and ``round`` keep their value's unit (a rounded count is a
    count); ``round``'s step is in that unit, or bare.  ``number(x)`` is ``x`` as a
    plain number, whatever its unit."""
    if func == "count":
        return "count"
    if func == "number" or func in DATE_FUNCTIONS:
        return "number"
    if func in ROUNDING_FUNCTIONS:
        arg_units = arg_units[:2]
    if any(u is None for u in arg_units):
        return None
    units = {u for u in arg_units if u is not None and u != "bare"}
    if len(units) > 1 and not units <= DIMENSIONLESS:
        raise UnitClash(func)
    return next(iter(sorted(units)), "bare")


def table_unit(quantities: Any) -> str | None:
    """The unit of the values of a ``tiers`` or ``table`` written as a formula: the one unit
    written on them (``bare`` when none is), ``None`` when two units are mixed."""
    units = {q.unit for q in quantities if q.unit is not None}
    if len(units) > 1 and not units <= DIMENSIONLESS:
        return None
    return next(iter(sorted(units)), "bare")


def expr_unit(e: Any, unit_of_name: Callable[[str], str | None]) -> str | None:
    """The unit of an AST formula, given each name's unit; ``None`` where unknown or clashing."""
    from kpidsl.syntax import ast

    try:
        if isinstance(e, ast.Number):
            return e.quantity.unit or "bare"
        if isinstance(e, ast.DateLit):
            return "date"
        if isinstance(e, ast.Var):
            return unit_of_name(e.name) or ("date" if e.name in PERIOD_EDGES else None)
        if isinstance(e, ast.Neg):
            return expr_unit(e.operand, unit_of_name)
        if isinstance(e, ast.BinOp):
            return combine(e.op, expr_unit(e.left, unit_of_name), expr_unit(e.right, unit_of_name))
        if isinstance(e, ast.Call):
            return call_unit(e.func, [expr_unit(a, unit_of_name) for a in e.args])
        if isinstance(e, ast.Progressive):
            return "money"
        if isinstance(e, ast.Tiers):
            return table_unit([t.points for t in e.tiers])
        if isinstance(e, ast.Table):
            return table_unit([q for r in e.rows for q in r.cells])
    except UnitClash:
        return None
    return None
