"""Lowering look-up tables: a ``tiers`` or a ``table`` becomes a chain of ``If``s over band
tests (``ir.Cmp``, ``ir.And``), so every backend computes it with what it has.  A value that
no band holds is a data error (``ir.Fail``) naming the key's value; the checker reports the
gap first."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from . import ast, ir

Band = Callable[[ast.Band, ir.Expr], ir.Cond]


def tiers(band: Band, x: ir.Expr, chosen: tuple[ast.Tier, ...], value: Callable[[ast.Quantity], Decimal]) -> ir.Expr:
    """The first tier whose band holds ``x`` gives its value; ``else`` when none does.
    (An item's rule passes each tier's points as written; a formula, each value's magnitude.)"""
    fallback = next((t for t in chosen if t.band is None), None)
    out: ir.Expr = (ir.Const(value(fallback.points)) if fallback is not None
                    else ir.Fail("no tier covers this value", x))
    for t in reversed(chosen):
        if t.band is not None:
            out = ir.If(band(t.band, x), ir.Const(value(t.points)), out)
    return out


def table(band: Band, rows_key: ir.Expr, columns_key: ir.Expr, t: ast.Table) -> ir.Expr:
    """The row whose band holds ``rows_key`` first, then in it the column whose band holds
    ``columns_key``: a chain over the columns inside each arm of the chain over the rows."""
    def row(r: ast.TableRow) -> ir.Expr:
        pairs = tuple(zip(t.columns, r.cells))
        fallback = next((q for c, q in pairs if c.band is None), None)
        out: ir.Expr = (ir.Const(fallback.magnitude) if fallback is not None
                        else ir.Fail("no column of the table covers this value", columns_key))
        for c, q in reversed(pairs):
            if c.band is not None:
                out = ir.If(band(c.band, columns_key), ir.Const(q.magnitude), out)
        return out

    last = next((r for r in t.rows if r.band is None), None)
    out = row(last) if last is not None else ir.Fail("no row of the table covers this value", rows_key)
    for r in reversed(t.rows):
        if r.band is not None:
            out = ir.If(band(r.band, rows_key), row(r), out)
    return out
