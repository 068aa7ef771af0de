"""Rank-based grades: shares that are shares, one ``distribute grades`` line, the grades in the
order they are cut (top…, one ``otherwise``, bottom…), and tie-breaks that read only what is
known before the grade (a distribution) or that the award's check has not seen."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kpidsl.check.base import Context
from kpidsl.check.names import lookup
from kpidsl.diagnostics.diagnostic import Related, error
from kpidsl.numbers.spelling import spell
from kpidsl.syntax import ast
from kpidsl.syntax.ast_rank import Distribution, RankedBestOf, RankedGrade
from kpidsl.syntax.names import names_in

if TYPE_CHECKING:
    from kpidsl.check.formulas import Formulas

HUNDRED = Decimal(100)
# Values computed after the grade: a distribution, which decides it, cannot rank by them.
AFTER_GRADE_KINDS = ("pay", "pool", "award", "grade")


def ranking(ctx: Context, f: Formulas) -> None:
    """Pass: every rank-based check, over the statements of one program."""
    stmts: tuple[Any, ...] = ctx.stmts  # a `distribute grades` line is not in ast.Statement
    person = next((k.name for k in stmts if isinstance(k, ast.Key) and k.kind == "person"), "id")
    for s in stmts:
        if isinstance(s, ast.Award) and isinstance(s.best_of, RankedBestOf):
            for e in s.best_of.tie_by:
                f.expr(e)
            if s.best_of.pick_by is not None:
                _check_pick(ctx, s.best_of, person)
    grades = [s for s in stmts if isinstance(s, ast.Grade)]
    ranked = [g for g in grades if isinstance(g, RankedGrade)]
    lines = [s for s in stmts if isinstance(s, Distribution)]
    for g in ranked:
        if g.share.suffix != "%" or not (0 <= g.share.value <= HUNDRED):
            ctx.diagnostics.append(error(
                "KPI181", f"grade `{g.name}` goes to the {g.side} {g.share} of each group: a share is a percent "
                "from 0% to 100%", g.share.span, f"write e.g. `{g.side} 20%`"))
    shares = [g for g in ranked if g.share.suffix == "%" and 0 <= g.share.value <= HUNDRED]
    if len(shares) == len(ranked) and sum((g.share.value for g in shares), Decimal(0)) > HUNDRED:
        ctx.diagnostics.append(error(
            "KPI182", "the ranked grades' shares add up to " + "+".join(str(g.share) for g in shares)
            + " = " + f"{spell(sum((g.share.value for g in shares), Decimal(0)))}%, more than the whole group",
            shares[-1].span, "make the top and bottom shares add up to 100% or less; `otherwise` takes the rest",
            tuple(Related(f"`{g.name}`: {g.side} {g.share}", g.span) for g in shares[:-1])))
    if ranked and not lines:
        ctx.diagnostics.append(error(
            "KPI183", f"grade `{ranked[0].name}` goes by rank, and no `distribute grades` line says how", ranked[0].span,
            "add e.g. `distribute grades per team rounded half up ties share the better grade`"))
    for extra in lines[1:]:
        ctx.diagnostics.append(error(
            "KPI183", "the grades are distributed twice", extra.span, "keep one `distribute grades` line",
            (Related("first distributed here", lines[0].span),)))
    if lines and not ranked:
        ctx.diagnostics.append(error(
            "KPI183", "`distribute grades` has no grade to give: none goes to a `top` or `bottom` share",
            lines[0].span, 'write the grades by rank, e.g. `grade a "优秀" top 20%`'))
    if ranked:
        _check_order(ctx, grades, stmts)
    for d in lines:
        lookup(ctx, d.per, d.span, ("key",), "a group")
        for e in d.tie_by:
            f.expr(e)
            for name, span in names_in(e):
                sym = ctx.symbols.get(name)
                if name in ("grade", "coefficient") or (sym is not None and sym.kind in AFTER_GRADE_KINDS):
                    ctx.diagnostics.append(error(
                        "KPI185", f"the distribution ranks by `{name}`, which is known only after the grade it decides",
                        span, "rank by inputs, metrics, items, sections or the total"))


def _check_pick(ctx: Context, b: RankedBestOf, person: str) -> None:
    """`pick one by KEY` names the person key: within a group and a period only its values are
    unique, so only it picks exactly one (any other value could tie again)."""
    span = b.pick_span or b.span
    if b.pick_by == person:
        if person in ctx.symbols:
            lookup(ctx, person, span, ("key",), "the person key")
        return
    ctx.diagnostics.append(error(
        "KPI186", f"one of the tied is picked by `{b.pick_by}`, which is not the person key `{person}`: only the "
        "person key tells everyone in a group apart", span,
        f"write `pick one by {person}`; to rank the tied by `{b.pick_by}` first, write "
        f"`ties by {b.pick_by} then pick one by {person}`"))


def _check_order(ctx: Context, grades: list[ast.Grade], stmts: tuple[ast.Statement, ...]) -> None:
    """Ranked grades are written in the order of the ranking: top shares best first, one
    `otherwise` for everyone between, bottom shares worst last; no band, no quota."""
    order = {"top": 0, "otherwise": 1, "bottom": 2}
    seen = 0
    for g in grades:
        if g.band is not None:
            ctx.diagnostics.append(error(
                "KPI184", f"grade `{g.name}` goes by total while the others go by rank", g.span,
                "give every grade a `top` or `bottom` share, and one grade `otherwise`"))
            return
        place = order[g.side] if isinstance(g, RankedGrade) else 1
        if place < seen or (place == 1 and seen == 1):
            ctx.diagnostics.append(error(
                "KPI184", f"grade `{g.name}` is out of order: ranked grades go top shares, one `otherwise`, "
                "then bottom shares", g.span, "write the grades best first, as the ranking cuts them"))
            return
        seen = max(seen, place) if place != 1 else 1
    if not any(g.band is None and not isinstance(g, RankedGrade) for g in grades):
        ctx.diagnostics.append(error(
            "KPI184", "ranked grades need one grade `otherwise`, for everyone no share takes", grades[-1].span,
            'add e.g. `grade pass "合格" otherwise` between the top and the bottom grades'))
    for q in stmts:
        if isinstance(q, ast.Quota):
            ctx.diagnostics.append(error(
                "KPI184", "a quota on ranked grades: the distribution already says how many get each", q.span,
                "drop the quota, or grade by total"))
