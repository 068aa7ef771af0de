"""Lowering look-up tables: a ``tiers`` or a ``table`` becomes a chain of ``If``s over band
tests (``ir.Cmp``, ``ir.And``), so every backend computes it with what it has.  A value that
no band holds is a data error (``ir.Fail``) naming the key's value; the checker reports the
gap first."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from kpidsl import ir
from kpidsl.syntax import ast

Band = Callable[[ast.Band, ir.Expr], ir.Cond]


def tiers(band: Band, x: ir.Expr, chosen: tuple[ast.Tier, ...], value: Callable[[ast.Quantity], Decimal]) -> ir.Expr:
    """The first tier whose band holds ``x`` gives its value; ``else`` when none does.
    (An item's rule passes each tier's points as written; a formula, each value's magnitude.)"""
    fallback = next((t for t in chosen if t.band is None), None)
    out: ir.Expr = (ir.Const(value(fallback.points)) if fallback is not None
                    else ir.Fail("no tier covers this value", x))
    return _chain([(band(t.band, x), ir.Const(value(t.points))) for t in chosen if t.band is not None], out)


def _chain(arms: list[tuple[ir.Cond, ir.Expr]], otherwise: ir.Expr) -> ir.Expr:
    """If … else if … over ``arms``, each condition without the bounds the arms before it
    already decided: once `x >= 99%` has failed, `x >= 95% and x < 99%` is `x >= 95%`, and a
    last arm whose every bound is decided is taken unconditionally (its gap error can never
    happen).  Every backend then compares once per tier, as a hand-written chain does."""
    known: list[ir.Cmp] = []  # what the failed single-bound arms say: `x < 99%`
    kept: list[tuple[ir.Cond, ir.Expr]] = []
    for cond, then in arms:
        parts = cond.args if isinstance(cond, ir.And) else (cond,)
        left = tuple(p for p in parts if not any(_implies(k, p) for k in known))
        if not left:  # decided: this arm holds whenever it is reached
            otherwise = then
            break
        kept.append((left[0] if len(left) == 1 else ir.And(left), then))
        if len(left) == 1 and isinstance(left[0], ir.Cmp) and left[0].op in _NOT:
            known.append(ir.Cmp(_NOT[left[0].op], left[0].a, left[0].b))
    out = otherwise
    for cond, then in reversed(kept):
        out = ir.If(cond, then, out)
    return out


_NOT = {">=": "<", ">": "<=", "<": ">=", "<=": ">"}


def _implies(k: ir.Cmp, p: ir.Expr | ir.Cond) -> bool:
    """Whether a known bound `x OP a` makes the bound `x OP' b` true (both on the same value,
    against numbers written out)."""
    if not (isinstance(p, ir.Cmp) and p.a == k.a and isinstance(p.b, ir.Const) and isinstance(k.b, ir.Const)):
        return False
    a, b = k.b.value, p.b.value
    if k.op in ("<", "<=") and p.op in ("<", "<="):
        return a < b or a == b and (p.op == "<=" or k.op == "<")
    if k.op in (">", ">=") and p.op in (">", ">="):
        return a > b or a == b and (p.op == ">=" or k.op == ">")
    return False


def table(band: Band, rows_key: ir.Expr, columns_key: ir.Expr, t: ast.Table) -> ir.Expr:
    """The row whose band holds ``rows_key`` first, then in it the column whose band holds
    ``columns_key``: a chain over the columns inside each arm of the chain over the rows."""
    def row(r: ast.TableRow) -> ir.Expr:
        pairs = tuple(zip(t.columns, r.cells))
        fallback = next((q for c, q in pairs if c.band is None), None)
        out: ir.Expr = (ir.Const(fallback.magnitude) if fallback is not None
                        else ir.Fail("no column of the table covers this value", columns_key))
        return _chain([(band(c.band, columns_key), ir.Const(q.magnitude)) for c, q in pairs if c.band is not None],
                      out)

    last = next((r for r in t.rows if r.band is None), None)
    out = row(last) if last is not None else ir.Fail("no row of the table covers this value", rows_key)
    return _chain([(band(r.band, rows_key), row(r)) for r in t.rows if r.band is not None], out)
