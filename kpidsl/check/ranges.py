"""Reachable ranges: what each item's rule can award, from the rule arithmetic in
``rules.py`` run on ranges (the same functions lowering runs on IR nodes), and
whether every item's maximum is reachable and none exceeds its points."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kpidsl.analysis import rules
from kpidsl.check.bands import data_bound, data_names, is_data, tiers
from kpidsl.check.base import ZERO, Context, fmt, name_span
from kpidsl.check.names import check_veto, lookup
from kpidsl.diagnostics.diagnostic import Related, error, info, warning
from kpidsl.numbers.intervals import INF, Range
from kpidsl.syntax import ast
from kpidsl.syntax.names import names_in
from kpidsl.syntax.printer import expr_text

if TYPE_CHECKING:
    from kpidsl.check.formulas import Formulas


def check_item(ctx: Context, f: Formulas, item: ast.Item) -> Range | None:
    for v in item.vetoes:
        check_veto(ctx, v)
    for todo in item.todos:
        ctx.diagnostics.append(warning(
            "KPI115", f"item `{item.name}` is unfinished: its scoring rule is still to be written "
            f"(未完成：尚未写出评分规则)", todo.span,
            "write the rule the text describes (tiers, deduct, ratio, level, …), or none if raters "
            "score it directly, then delete the `todo` line; kpi eval, test, sql, form and docs refuse "
            "the rubric until then"))
    size = item.size.value if item.size_kind == "factor" else f.points_like(item.size)
    bonus_range = _bonus(ctx, f, item)
    if bonus_range is None:
        return None
    bonus = bonus_range.hi  # what the checks below may allow at most
    cap = Range(size + bonus_range.lo, size + bonus_range.hi)
    if item.extra_rules:
        second = item.extra_rules[0]
        ctx.diagnostics.append(error(
            "KPI105", f"item `{item.name}` has {len(item.extra_rules) + 1} scoring rules; an item is scored one way",
            second.span, "split it into two items, or keep one rule (`entered by` may join levels, "
            "a scale or a checklist to say who picks)",
            (Related("the first rule is here", item.rule.span if item.rule is not None else item.span),)))
    if item.entered_by is not None and item.entered_by is not item.rule:
        lookup(ctx, item.entered_by.rater, item.entered_by.span, ("rater",), "a rater")
    if item.not_applicable is not None and item.not_applicable.policy == "give" and item.not_applicable.target:
        target = item.not_applicable.target
        sym = lookup(ctx, target, item.not_applicable.span, ("item",), "an item")
        if sym is not None and sym.node is item:
            ctx.diagnostics.append(error("KPI190", f"item `{item.name}` gives its weight to itself when not applicable",
                                          item.not_applicable.span, "name another item, or `spread proportionally`"))
    if item.not_applicable is not None and item.not_applicable.when is not None:
        _na_condition(ctx, f, item, item.not_applicable.when)
    rule = item.rule
    rng: Range | None
    if rule is None or isinstance(rule, ast.EnteredBy):
        if isinstance(rule, ast.EnteredBy):
            lookup(ctx, rule.rater, rule.span, ("rater",), "a rater")
        rng = Range(ZERO, size)
        clamped = True
    else:
        rng, clamped = _rule_range(ctx, f, item, rule, size, cap)
    if rng is None:  # a name or unit already reported: nothing more to prove
        return None
    if item.vetoes:
        rng = rng.hull(Range(ZERO, ZERO))
    sym = ctx.symbols.get(item.name)
    if sym is not None and sym.node is item:
        sym.range = rng
    _check_reach(ctx, f, item, rule, rng, size, bonus, clamped, is_data(item.bonus))
    return rng


def _bonus(ctx: Context, f: Formulas, item: ast.Item) -> Range | None:
    """What ``bonus up to`` can add to the item's points: a number, or a range when the cap
    comes from the row's data (a row whose cap comes out below zero is a data error, so the
    range starts at zero at least). None: already reported."""
    if item.bonus is None:
        return Range(ZERO, ZERO)
    if isinstance(item.bonus, ast.Quantity):
        b = f.points_like(item.bonus)
        return Range(b, b)
    unit = "points" if item.size_kind == "points" else None
    rng = data_bound(f, item.bonus, unit, " (the item's points)")
    if rng is None:
        return None
    ctx.once(info(
        "KPI126", f"item `{item.name}`'s bonus comes from data ({data_names([item.bonus])}): a row whose bonus "
        "comes out below zero is a data error", item.bonus.span,
        "write a number to have it proven here"))
    return Range(max(rng.lo, ZERO), max(rng.hi, ZERO))


def _na_condition(ctx: Context, f: Formulas, item: ast.Item, when: Any) -> None:
    """Whether an item applies is known before any item is scored: its condition reads
    inputs and metrics only."""
    f.condition(when)
    for name, span in names_in(when):
        sym = ctx.symbols.get(name)
        if sym is not None:
            if sym.kind in ("input", "metric"):
                continue
            what = f"{sym.kind} `{name}`"
        elif name in ("total", "coefficient", "grade"):
            what = f"the {name}"
        else:
            continue  # undefined: already reported
        ctx.diagnostics.append(error(
            "KPI191", f"whether `{item.name}` applies cannot depend on {what}, which is worked out "
            "after it is decided", span, "decide it from inputs and metrics, e.g. `when deliveries = 0`"))
        return


def _check_reach(ctx: Context, f: Formulas, item: ast.Item, rule: Any, rng: Range, size: Decimal, bonus: Decimal, clamped: bool,
                 data_bonus: bool = False) -> None:
    span = rule.span if rule is not None else name_span(item)
    unit = "" if item.size_kind == "points" else " (factor)"
    if rng.hi > size + bonus and not clamped:
        extra = "" if bonus == 0 else f" plus its bonus of {fmt(bonus)}"
        ctx.diagnostics.append(error(
            "KPI110", f"item `{item.name}` can award {fmt(rng.hi)}{unit}, more than its {fmt(size)}{extra}",
            span, f"lower the rule's top points to {fmt(size + bonus)}, or declare `bonus up to {fmt(rng.hi - size)}`",
            (Related(f"`{item.name}` is worth {fmt(size)}", item.size.span),)))
    elif rng.hi < size:
        ctx.diagnostics.append(warning(
            "KPI111", f"item `{item.name}` is worth {fmt(size)}{unit}, but its rule awards at most {fmt(rng.hi)}",
            span, f"raise the rule's best case to {fmt(size)}, or make the item worth {fmt(rng.hi)}",
            (Related(f"`{item.name}` is worth {fmt(size)}", item.size.span),)))
    elif bonus > 0 and rng.hi < size + bonus and not data_bonus and item.bonus is not None:
        ctx.diagnostics.append(warning(
            "KPI111", f"item `{item.name}` declares a bonus up to {fmt(bonus)}, but its rule can reach only "
            f"{fmt(rng.hi)} of {fmt(size + bonus)}", item.bonus.span,
            "widen the input's declared range (e.g. `range 0%..150%`) or lower the bonus"))
    if rng.lo < 0:
        floor = "without limit" if rng.lo == -INF else f"as low as {fmt(rng.lo)}"
        ctx.diagnostics.append(info(
            "KPI112", f"item `{item.name}` can go below zero, {floor}", span,
            "this takes points from the rest of the appraisal; say `base`/floor if that is not meant"))


def _rule_range(ctx: Context, f: Formulas, item: ast.Item, rule: Any, size: Decimal, cap: Range) -> tuple[Range | None, bool]:
    pts = f.points_like if item.size_kind == "points" else (lambda q: q.value)
    if isinstance(rule, ast.Levels):
        values = []
        for lv in rule.levels:
            lo = pts(lv.low)
            hi = pts(lv.high) if lv.high is not None else lo
            if hi < lo:
                ctx.diagnostics.append(error("KPI160", f"the level's range {lv.low}..{lv.high} runs backwards",
                                              lv.span, f"write `{lv.high}..{lv.low}`"))
                lo, hi = hi, lo
            values += [lo, hi]
        return Range(min(values), max(values)), False
    if isinstance(rule, ast.Scale):
        values = [pts(s.points) for s in rule.steps]
        return Range(min(values), max(values)), False
    if isinstance(rule, ast.Checklist):
        if len(rule.scores) != len(rule.checks) + 1:
            ctx.diagnostics.append(error(
                "KPI161", f"a checklist of {len(rule.checks)} checks needs {len(rule.checks) + 1} scores "
                f"(for 0 to {len(rule.checks)} failed), not {len(rule.scores)}", rule.span,
                "give one score for each number of failed checks, best first"))
        values = [pts(q) for q in rule.scores]
        return Range(min(values), max(values)), False
    if isinstance(rule, ast.Tiers):
        return tiers(f, rule, pts), False
    base_of = (lambda r: rules.base_or_size(pts(r.base) if r.base is not None else None, size))
    if isinstance(rule, ast.Ratio):
        unit, dom = f.expr(rule.subject)
        if unit is None or dom is None:
            return None, True
        u = unit if unit != "bare" else None
        target: Range | None
        if isinstance(rule.target, ast.Quantity):
            t = f.literal(rule.target, u, " (the target)")
            target = Range(t, t) if t is not None else None
        else:
            target = data_bound(f, rule.target, u, " (the target)")
        per = f.literal(rule.per, u) if rule.per is not None else rules.default_per(unit)
        if rule.per is None and unit != "percent" and getattr(rule.target, "suffix", "") == "%":
            # count / count is a plain number: its default step is 1, i.e. 100 percentage points
            ctx.diagnostics.append(warning(
                "KPI127", f"the target is a percent, but `{expr_text(rule.subject)}` is a plain number, so "
                f"±{rule.step} is per 1 (that is 100%), not per percentage point", rule.span,
                "write `per 1%` after the step, or make the value a percent metric"))
        if target is None or per is None:
            return None, True
        if per <= 0:
            ctx.diagnostics.append(error("KPI163", "`per` must be greater than zero",
                                          rule.per.span if rule.per is not None else rule.span))
            return None, True
        return rules.ratio(rules.RANGES, dom, target=target, step=f.points_like(rule.step), per=per,
                           base=base_of(rule), cap=cap).score, True
    if isinstance(rule, ast.Proportional):
        unit, dom = f.expr(rule.subject)
        if dom is None:
            return None, True
        return rules.proportional(rules.RANGES, dom, size=size, cap=cap).score, True
    if isinstance(rule, ast.Deduct):
        unit, dom = f.expr(rule.per)
        amount = f.points_like(rule.amount)
        base = base_of(rule)
        if dom is None:
            return None, False
        return rules.deduct(rules.RANGES, dom, amount=amount, base=base, floored=rule.floored).score, False
    if isinstance(rule, ast.Change):
        unit, dom = f.expr(rule.subject)
        if unit is None or dom is None:
            return None, True
        per = f.literal(rule.per, unit if unit != "bare" else None)
        by = f.points_like(rule.by)
        base = base_of(rule)
        if per is None:
            return None, True
        if per <= 0:
            ctx.diagnostics.append(error("KPI163", "`per` must be greater than zero", rule.per.span))
            return None, True
        # this period's value and last period's range over the same values
        return rules.change(rules.RANGES, dom, dom, by=by, per=per, base=base, cap=cap).score, True
    return Range(ZERO, size), True
