"""Partial exclusion: ``exclude from grading when … "试用期"``.

A person it holds for is scored and paid as anyone else, but gets no grade: every grade's
condition is gated by "not excluded", and one last grade, named by the reason, takes the
excluded (it has no coefficient, so a coefficient reads 0).  A condition flag with the same
reason says why in the flags column.  Both are IR every engine already runs, so no engine
needs a case of its own."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from kpidsl import ir
from kpidsl.syntax import ast
from kpidsl.syntax.printer import condition_text

if TYPE_CHECKING:
    from kpidsl.lower.lowerer import Lowerer

UNGRADED = "不参与评级 (not graded)"


def from_grading(lw: Lowerer, grades: tuple[ir.Grade, ...]) -> tuple[tuple[ir.Grade, ...], list[ir.WhenFlag]]:
    """The grades gated by each ``exclude from grading``, and the flags that say why."""
    found = [s for s in lw.stmts if isinstance(s, ast.ExcludeFrom) and s.scope == "grading"]
    if not found or not grades:
        return grades, []
    flags: list[ir.WhenFlag] = []
    conds: list[ir.Cond] = []
    for n, s in enumerate(found, start=1):
        # in the score phase: the steps a condition may need (full_years…) come before any grade
        phase, lw._phase = lw._phase, "score"
        cond = lw.cond(s.when)
        lw._phase = phase
        conds.append(cond)
        name = f"ungraded{n}"
        step = lw._emit(ir.Step(f"_flag_{name}", "flag", ir.If(cond, _const(1), _const(0)), s.reason, s.span.line,
                                why=f"exclude from grading when {condition_text(s.when)}"))
        flags.append(ir.WhenFlag(name, s.reason or UNGRADED, step))
    excluded: ir.Cond = conds[0] if len(conds) == 1 else ir.Or(tuple(conds))
    graded = ir.Not(excluded)
    gated = tuple(ir.Grade(g.name, g.label, graded if g.cond is None else ir.And((graded, g.cond)), g.coefficient)
                  for g in grades)
    reasons = "; ".join(dict.fromkeys(s.reason for s in found if s.reason)) or None
    return (*gated, ir.Grade("ungraded", reasons or UNGRADED, None, None)), flags


def _const(n: int) -> ir.Const:
    return ir.Const(Decimal(n))
