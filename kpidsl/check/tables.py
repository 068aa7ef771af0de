"""Look-up tables as values: a ``tiers`` or a ``table`` in a formula.  Its values share one
unit, which is the formula's; its bands are checked along each key as an item's tiers are
(``bands.check_axis``), and the values some row can reach are the formula's range."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from kpidsl.analysis.units import compatible, table_unit
from kpidsl.check.bands import Axis, AxisBand, check_axis, tiers
from kpidsl.check.base import UNIT_WORDS
from kpidsl.diagnostics.diagnostic import Related, error
from kpidsl.numbers.intervals import Range
from kpidsl.syntax import ast

if TYPE_CHECKING:
    from kpidsl.check.formulas import Formulas, Info


def _values(f: Formulas, quantities: list[ast.Quantity]) -> tuple[str | None, list[Decimal | None]]:
    """The one unit a table's values share (``bare`` when none is written), and each value
    in it; values of two units are KPI129, a bare number among percents KPI131."""
    unit = table_unit(quantities)
    if unit is None:
        first = next(q for q in quantities if q.unit is not None)
        other = next(q for q in quantities if q.unit is not None and not compatible(q.unit, first.unit or ""))
        f.ctx.diagnostics.append(error(
            "KPI129", f"the values mix units: `{str(first)}` is {UNIT_WORDS[first.unit]}, "
            f"`{str(other)}` is {UNIT_WORDS[other.unit]}", other.span,
            "a look-up gives one kind of value: write every value in one unit",
            (Related("the first value of another unit", first.span),)))
        return None, [None] * len(quantities)
    u = unit if unit != "bare" else None
    return unit, [f.literal(q, u, ", the unit of the other values") for q in quantities]


def tiers_value(f: Formulas, e: ast.Tiers) -> Info:
    unit, values = _values(f, [t.points for t in e.tiers])
    if unit is None or any(v is None for v in values):
        f.expr(e.subject)
        return None, None
    by_value = {id(t.points): v for t, v in zip(e.tiers, values) if v is not None}
    return unit, tiers(f, e, lambda q: by_value[id(q)], "values")


def table_value(f: Formulas, e: ast.Table) -> Info:
    width = len(e.columns)
    rows = []
    for r in e.rows:
        if len(r.cells) != width:
            f.ctx.diagnostics.append(error(
                "KPI128", f"the row on line {r.span.line} has {len(r.cells)} value{'s' * (len(r.cells) != 1)}, "
                f"but the table has {width} column{'s' * (width != 1)}", r.span,
                "give one value for each column, in the order of `columns`"))
        else:
            rows.append(r)
    unit, flat = _values(f, [q for r in e.rows for q in r.cells])
    if unit is None or any(v is None for v in flat) or len(rows) != len(e.rows):
        f.expr(e.row_key)
        f.expr(e.column_key)
        return unit, None
    values = [tuple(v for v in flat[k:k + width] if v is not None) for k in range(0, len(flat), width)]

    def shown(qs: Iterable[ast.Quantity]) -> str:
        return ", ".join(str(q) for q in qs)
    by_row = check_axis(f, e.row_key, [AxisBand(r.band, r.span, v, shown(r.cells)) for r, v in zip(rows, values)],
                        e.span, "row")
    by_column = check_axis(
        f, e.column_key, [AxisBand(c.band, c.span, tuple(v[j] for v in values), shown(r.cells[j] for r in rows))
                          for j, c in enumerate(e.columns)], e.span, "column")
    reach = _reach(by_row, len(rows)), _reach(by_column, width)
    cells = [values[i][j] for i in reach[0] for j in reach[1]] or [v for vs in values for v in vs]
    return unit, Range(min(cells), max(cells))


def _reach(axis: Axis | None, n: int) -> list[int]:
    """The entries a key can reach: all of them when its bands could not be checked."""
    return list(range(n)) if axis is None else axis.reachable
