"""Dates lowered to the IR's arithmetic: a date is a whole number of days since 1970-01-01
(``numbers/dates.py``), so a date literal is a constant, the period's first or last day is
a cell read from the period cell, ``date − date`` is a subtraction, and ``full_months`` /
``full_years`` are worked out from each date's year, month and day, found with floor
divisions (the proleptic Gregorian calendar in 400-year eras, as civil calendars are
computed from a day count).  No backend has a date type or a date function to disagree
on: every engine runs the same exact arithmetic."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from kpidsl import ir
from kpidsl.analysis.units import DEFAULT_RANGES, PERIOD_EDGES
from kpidsl.numbers import dates
from kpidsl.syntax import ast

if TYPE_CHECKING:
    from kpidsl.lower.exprs import ExprLowerer

ONE, ZERO = ir.Const(Decimal(1)), ir.Const(Decimal(0))
PERIOD_LABELS = {"start": "考核期初 (period start)", "end": "考核期末 (period end)"}


def _c(n: int) -> ir.Const:
    return ir.Const(Decimal(n))


def _floor_div(x: ir.Expr, k: int) -> ir.Expr:
    # exact: x is whole and k at most 146097, so x / k is never within 10^-20 of the next whole number
    return ir.Round(ir.Bin("/", x, _c(k)), Decimal(1), "down")


def literal(e: ast.DateLit) -> ir.Const:
    return _c(dates.literal(e.text))


def period_edge(lw: ExprLowerer, e: ast.Var) -> ir.Cell:
    edge = PERIOD_EDGES[e.name]
    if e.name not in lw.columns:
        low, high = DEFAULT_RANGES["date"]
        lw.columns[e.name] = ir.Column(e.name, PERIOD_LABELS[edge], "date", low, high, None, None, True,
                                       e.span.line, e.span.file, period_edge=edge)
    return ir.Cell(e.name)


def _step(lw: ExprLowerer, what: str, value: ir.Expr) -> ir.Ref:
    lw._aux += 1
    return ir.Ref(lw._emit(ir.Step(f"_date{lw._aux}_{what}", "aux", value)))


def _civil(lw: ExprLowerer, n: ir.Expr) -> tuple[ir.Expr, ir.Ref]:
    """(12 × year + month, day of month) of day number ``n``, as steps."""
    z = _step(lw, "z", ir.Bin("+", n, _c(719468)))  # days since 0000-03-01
    era = _step(lw, "era", _floor_div(z, 146097))  # 400-year eras, each 146097 days
    doe = _step(lw, "doe", ir.Bin("-", z, ir.Bin("*", era, _c(146097))))
    # the year of the era: 365 days a year, less the leap days of every 4th, 100th, 400th year
    yoe = _step(lw, "yoe", _floor_div(ir.Bin("-", ir.Bin("+", ir.Bin("-", doe, _floor_div(doe, 1460)),
                                                            _floor_div(doe, 36524)), _floor_div(doe, 146096)), 365))
    doy = _step(lw, "doy", ir.Bin("-", doe, ir.Bin("-", ir.Bin("+", ir.Bin("*", _c(365), yoe), _floor_div(yoe, 4)),
                                                  _floor_div(yoe, 100))))
    mp = _step(lw, "mp", _floor_div(ir.Bin("+", ir.Bin("*", _c(5), doy), _c(2)), 153))  # month from March, 0 to 11
    day = _step(lw, "day", ir.Bin("+", ir.Bin("-", doy, _floor_div(ir.Bin("+", ir.Bin("*", _c(153), mp), _c(2)), 5)), ONE))
    # March-based: mp 10 and 11 are January and February of the next year, which 12 × year + month
    # counts alike as (year of March) × 12 + 12 + 1 or 2: one index with no year step of its own
    year = ir.Bin("+", yoe, ir.Bin("*", era, _c(400)))
    months = ir.Bin("+", ir.Bin("*", _c(12), year), ir.Bin("+", mp, _c(3)))
    return _step(lw, "month", months), day


def full(lw: ExprLowerer, e: ast.Call, a: ir.Expr, b: ir.Expr) -> ir.Expr:
    """``full_months(a, b)`` or ``full_years(a, b)``: whole months (years) from ``a`` to ``b``;
    negative, the same count the other way, when ``b`` comes first."""
    ma, da = _civil(lw, a)
    mb, db = _civil(lw, b)

    def forward(m1: ir.Expr, d1: ir.Expr, m2: ir.Expr, d2: ir.Expr) -> ir.Expr:
        # a month is full when the day of the month is reached again: 1-15 to 2-15, not 2-14
        months = ir.Bin("-", ir.Bin("-", m2, m1), ir.If(ir.Cmp("<", d2, d1), ONE, ZERO))
        return months if e.func == "full_months" else _floor_div(months, 12)
    return ir.If(ir.Cmp("<", b, a), ir.Neg(forward(mb, db, ma, da)), forward(ma, da, mb, db))
