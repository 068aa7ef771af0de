"""``exclude from grading when …``: its condition, and what it needs to mean something.

It takes a person out of the grades only (``lower/exclusion.py``), so a rubric without grades
has nothing to take them out of, and grades by rank or quota (which count the people in each
grade) do not yet know how to leave a person out of the count: both are refused (KPI274)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kpidsl.diagnostics.diagnostic import error
from kpidsl.syntax import ast, ast_rank

if TYPE_CHECKING:
    from kpidsl.check.base import Context
    from kpidsl.check.formulas import Formulas


def exclude_from(ctx: Context, f: Formulas, x: ast.ExcludeFrom) -> None:
    f.condition(x.when)
    if not any(isinstance(s, ast.Grade) for s in ctx.stmts):
        ctx.diagnostics.append(error(
            "KPI274", "`exclude from grading`, but the rubric gives no grade to leave anyone out of", x.span,
            "declare the grades (`grade A \"优秀\" when >= 90` …), or use `exclude when …` to leave the "
            "person out of everything"))
    elif any(isinstance(s, (ast.Quota, ast_rank.Distribution)) for s in ctx.stmts):
        ctx.diagnostics.append(error(
            "KPI274", "`exclude from grading` with grades by rank or by quota: who is left out of the count "
            "is not yet something kpi can say", x.span,
            "grade by the total's bands, or use `exclude when …` to leave the person out of everything"))
