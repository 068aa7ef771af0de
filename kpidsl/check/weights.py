"""Weights: rater weights add up to 100%, and each level of sections and items adds
up to its parent's points (a section's ``%`` of its parent, or its ``out of``)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from kpidsl.analysis import rules
from kpidsl.check.base import HUNDRED, ONE, ZERO, Context, Contribution, fmt, name_span
from kpidsl.check.names import check_veto
from kpidsl.check.ranges import check_item
from kpidsl.diagnostics.diagnostic import Related, error
from kpidsl.numbers.intervals import Range
from kpidsl.syntax import ast

if TYPE_CHECKING:
    from kpidsl.check.formulas import Formulas


def raters(ctx: Context, f: Formulas) -> None:
    """Pass: the rater weights add up to 100% (KPI103)."""
    weighted = [s for s in ctx.stmts if isinstance(s, ast.Rater) and s.weight is not None]
    if not weighted:
        return
    contributions = []
    for r in weighted:
        assert r.weight is not None
        f.points_like(r.weight, allow_percent=True)
        amount = r.weight.value  # 40% and 40 both mean forty out of a hundred
        contributions.append(Contribution(r, amount, r.span))
    check_sum(ctx, contributions, HUNDRED, "KPI103", "the rater weights", weighted[0].span, unit="%", more="")


def _weight_points(f: Formulas, q: ast.Quantity, parent_scale: Decimal) -> Decimal:
    if q.suffix == "%":
        return rules.weight_points(q.value, True, parent_scale)
    return f.points_like(q)


def member(ctx: Context, f: Formulas, m: ast.Section | ast.Item, parent_scale: Decimal,
           vetoes: tuple[ast.Veto, ...]) -> tuple[Contribution | None, Range | None]:
    if isinstance(m, ast.Item):
        rng = check_item(ctx, f, m)
        if m.size_kind == "factor":
            return None, None
        points = f.points_like(m.size)
        return Contribution(m, points, name_span(m)), rng
    # a section
    for v in m.vetoes:
        check_veto(ctx, v)
    weight = _weight_points(f, m.weight, parent_scale) if m.weight is not None else None
    out_of = f.points_like(m.out_of) if m.out_of is not None else None
    if m.out_of is not None:
        if weight is None:
            ctx.diagnostics.append(error(
                "KPI104", f"section `{m.name}` says `out of {m.out_of}` but has no weight", name_span(m),
                "`out of` rescales a weighted section: add e.g. `weight 30%`"))
    scale = rules.member_scale(weight, out_of, parent_scale)
    contributions, ranges = [], []
    for child in m.members:
        c, r = member(ctx, f, child, scale, vetoes + m.vetoes)
        if c is not None:
            contributions.append(c)
        if r is not None:
            ranges.append(r)
    inner = Range(ZERO, ZERO)
    for r in ranges:
        inner = inner + r
    if m.vetoes:
        inner = inner.hull(Range(ZERO, ZERO))
    if (weight is not None or out_of is not None) and contributions:
        check_sum(ctx, contributions, scale, "KPI102", f"the members of section `{m.name}`", name_span(m))
    sym = ctx.symbols.get(m.name)
    if weight is None:
        total = sum((c.amount for c in contributions), ZERO)
        if sym is not None and sym.node is m:
            sym.range = inner
        return Contribution(m, total, name_span(m)), inner
    factor = rules.rescale(weight, out_of) or ONE
    scaled = inner * Range(factor, factor)
    if sym is not None and sym.node is m:
        sym.range = scaled
    return Contribution(m, weight, name_span(m)), scaled


def check_sum(ctx: Context, contributions: list[Contribution], expected: Decimal, code: str,
               what: str, span: ast.Span, unit: str = "", more: str = ", or add an item") -> None:
    actual = sum((c.amount for c in contributions), ZERO)
    if actual == expected:
        return
    diff = actual - expected
    related = tuple(
        Related(f"`{c.node.name}` {fmt(c.amount)}{unit}", c.span) for c in contributions)
    biggest = sorted(contributions, key=lambda c: -c.amount)[:2]
    names = " or ".join(f"`{c.node.name}` ({fmt(c.amount)}{unit})" for c in biggest)
    if diff > 0:
        hint = f"{fmt(diff)}{unit} too many: take {fmt(diff)}{unit} from one of them, e.g. {names}"
    else:
        hint = f"{fmt(-diff)}{unit} missing: add {fmt(-diff)}{unit} to one of them, e.g. {names}{more}"
    ctx.diagnostics.append(error(
        code, f"{what} add up to {fmt(actual)}{unit}, not {fmt(expected)}{unit}", span, hint, related))


def members(ctx: Context, f: Formulas) -> None:
    """Pass: every section and item, depth first in the order of the file (each item's rule,
    its reach, each section's sum); then what the top level adds to the total
    (``ctx.contributions``) and the total's range (``ctx.total_range``), for what reads it."""
    ranges: list[Range] = []
    for s in ctx.stmts:
        if isinstance(s, (ast.Section, ast.Item)):
            c, r = member(ctx, f, s, ctx.total, ())
            if c is not None:
                ctx.contributions.append(c)
            if r is not None:
                ranges.append(r)
    if ranges:
        total = Range(ZERO, ZERO)
        for r in ranges:
            total = total + r
        if any(isinstance(s, ast.Veto) and s.scope == "appraisal" for s in ctx.stmts):
            total = total.hull(Range(ZERO, ZERO))
        ctx.total_range = total


def top_level(ctx: Context, f: Formulas) -> None:
    """Pass: the top-level sections and items add up to the total (KPI101); a library's
    members are weighed where it is used."""
    if not ctx.is_library and ctx.contributions:
        check_sum(ctx, ctx.contributions, ctx.total, "KPI101", "the top-level sections and items", ctx.title_span())
