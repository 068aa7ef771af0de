"""Lowering rank-based grades: the ``distribute grades`` line and its ``top``/``bottom`` grades
to an ``ir.Distribution`` the batch applies; a ranked grade is never given row by row."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from kpidsl import ir
from kpidsl.syntax import ast
from kpidsl.syntax.ast_rank import Distribution, RankedGrade
from kpidsl.syntax.printer import expr_text

if TYPE_CHECKING:
    from kpidsl.lower.lowerer import Lowerer

# A ranked grade's condition row by row: never.  Scored alone (the form, the interpreter) a
# person holds the `otherwise` grade, as a form shows the grade before a quota moves it.
NEVER = ir.Cmp("=", ir.Const(Decimal(1)), ir.Const(Decimal(0)))
HUNDRED = Decimal(100)


def grade_cond(lw: Lowerer, g: ast.Grade) -> ir.Cond | None:
    if isinstance(g, RankedGrade):
        return NEVER
    return lw.band(g.band, ir.Ref("total")) if g.band else None


def lower_distribution(lw: Lowerer) -> ir.Distribution | None:
    """The distribution, its tie-break values emitted as score steps (they rank people
    before any result step runs)."""
    found: list[Distribution] = [s for s in lw.stmts if isinstance(s, Distribution)]  # type: ignore[misc]
    if not found:
        return None
    d = found[0]
    ranked = [(i, g) for i, g in enumerate(lw.grades) if isinstance(g, RankedGrade)]
    top = [ir.Slice(i, "top", g.share.value / HUNDRED) for i, g in ranked if g.side == "top"]
    bottom = [ir.Slice(i, "bottom", g.share.value / HUNDRED) for i, g in reversed(ranked) if g.side == "bottom"]
    ties = []
    for e in d.tie_by:
        lw._aux += 1
        ties.append(lw._emit(ir.Step(f"_rank{lw._aux}", "aux", lw.expr(e))))
    return ir.Distribution(d.per, tuple(top + bottom), d.rounding, tuple(ties), tuple(expr_text(e) for e in d.tie_by))
