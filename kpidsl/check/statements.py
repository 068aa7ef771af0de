"""Checks of one kind of statement each: the header's settings, raters not counted, what a
rubric scores at all, and the pay, award, pool, exclusion, streak, quota and flag lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kpidsl.check import exclusion, phases
from kpidsl.check.base import UNIT_WORDS, Context
from kpidsl.check.names import lookup
from kpidsl.diagnostics.diagnostic import Related, error
from kpidsl.syntax import ast

if TYPE_CHECKING:
    from kpidsl.check.formulas import Formulas


def header(ctx: Context, f: Formulas) -> None:
    """Pass: a header setting or a rounding is given once (KPI106: a second one would win
    silently); a rounding step and the declared total are above zero (KPI170)."""
    stmts = ctx.stmts
    first: dict[str, ast.Setting | ast.Rounding] = {}
    for s in stmts:
        if not isinstance(s, (ast.Setting, ast.Rounding)):
            continue
        what = f"`round {s.level}`" if isinstance(s, ast.Rounding) else f"`{s.key}`"
        if what in first:
            was = first[what].span
            ctx.diagnostics.append(error(
                "KPI106", f"{what} is given twice (first at line {was.line})", s.span,
                "keep one: the rubric can hold only one, and the last would be used without a word",
                (Related(f"the first {what}", was),)))
        else:
            first[what] = s
    for s in stmts:
        if isinstance(s, ast.Rounding) and s.step.value <= 0:
            ctx.diagnostics.append(error("KPI170", "a rounding step must be greater than zero", s.step.span,
                                         "write e.g. `round total to 0.01`"))
        if (isinstance(s, ast.Setting) and s.key == "total" and isinstance(s.value, ast.Quantity)
                and (s.value.value < 0 or s.value.value == 0 and any(isinstance(x, (ast.Section, ast.Item))
                                                                        for x in stmts))):
            ctx.diagnostics.append(error("KPI170", "the declared total must be greater than zero", s.span))


def not_counted(ctx: Context, f: Formulas) -> None:
    """Pass: a rater `not counted` is recorded beside the counted ones: entering an item alone
    (`entered by`) would make their marks the item's score after all (KPI109)."""
    stmts = ctx.stmts
    recorded = {s.name: s for s in stmts if isinstance(s, ast.Rater) and not s.counted}
    if not recorded:
        return
    stack: list[Any] = [s for s in stmts if isinstance(s, (ast.Section, ast.Item))]
    while stack:
        m = stack.pop()
        if isinstance(m, ast.Section):
            stack.extend(m.members)
        elif m.entered_by is not None and m.entered_by.rater in recorded:
            r = recorded[m.entered_by.rater]
            ctx.diagnostics.append(error(
                "KPI109", f"item `{m.name}` is entered by `{r.name}`, a rater who is not counted", m.entered_by.span,
                f"`{r.name}` already marks every item the counted raters mark; name the person whose marks "
                "count, or drop `not counted`", (Related(f"`{r.name}` is not counted", r.span),)))


def scores_something(ctx: Context, f: Formulas) -> None:
    """Pass: a rubric that scores nothing would give everyone 0 without a word (KPI107).  (One
    without grades is fine: most of our users' scorecards give a total and no grade.)  A
    library is checked only when it is empty."""
    stmts = ctx.stmts
    if ctx.is_library and ctx.program.root.statements:
        return
    scored = any(isinstance(s, (ast.Section, ast.Item)) for s in stmts)
    if not scored and not any(isinstance(s, (ast.Pay, ast.Award, ast.Pool)) for s in stmts):
        ctx.diagnostics.append(error(
            "KPI107", "the rubric scores nothing: it has no items, and no pay or award", ctx.title_span(),
            'add the items it scores, e.g. `item quality "质量" points 100 { proportional rate }`'))


def no_points(ctx: Context, f: Formulas) -> None:
    """Pass: a rubric of pay lines only (a commission or merit sheet) is whole without items, but
    what ranks or grades people by their points has nothing to go on there (KPI108)."""
    stmts = ctx.stmts
    if ctx.is_library or any(isinstance(s, (ast.Section, ast.Item)) for s in stmts):
        return
    for s in stmts:
        if isinstance(s, (ast.Grade, ast.Quota, ast.Flag)):
            what = {ast.Grade: "a grade", ast.Quota: "a quota", ast.Flag: "a bottom-rank flag"}[type(s)]
            ctx.diagnostics.append(error(
                "KPI108", f"{what} is decided by the total, and this rubric scores no points", s.span,
                "add the items that score people, or drop it: pay lines alone need no total"))


def results_and_rules(ctx: Context, f: Formulas) -> None:
    """Pass: pay, award, pool, exclusion, streak, quota and flag lines, in the order of the
    file.  After the members: a pay may read the total, whose range is known by then."""
    for s in ctx.stmts:
        check = _BY_KIND.get(type(s))
        if check is not None:
            check(ctx, f, s)


def _award(ctx: Context, f: Formulas, a: ast.Award) -> None:
    if a.amount.suffix not in ("", "元"):
        ctx.diagnostics.append(error("KPI130", f"an award is money; `{a.amount}` is not", a.amount.span,
                                     f"write `{a.amount.value}元`"))
    if a.when is not None:
        f.condition(a.when)
    if a.best_of is not None:
        f.expr(a.best_of.expr)
        lookup(ctx, a.best_of.group, a.best_of.span, ("key",), "a group")
    if a.requires is not None:
        lookup(ctx, a.requires, a.span, ("grade",), "a grade")


def _pool(ctx: Context, f: Formulas, p: ast.Pool) -> None:
    f.expr(p.expr)
    lookup(ctx, p.shared_by, p.span, ("key",), "a group")


def _pay(ctx: Context, f: Formulas, p: ast.Pay) -> None:
    unit, _ = f.expr(p.expr)
    if unit not in (None, "bare", "money"):
        ctx.diagnostics.append(error(
            "KPI130", f"pay `{p.name}` is money, but its formula gives {UNIT_WORDS[unit]}", p.expr.span,
            "multiply by an amount of money, e.g. `* base_salary`"))
    if p.when is not None:
        f.condition(p.when)


def _exclude(ctx: Context, f: Formulas, x: ast.Exclude) -> None:
    f.condition(x.when)
    metrics = {n: s.node for n, s in ctx.symbols.items() if s.kind == "metric"}
    ctx.diagnostics.extend(phases.exclusion_reads_only_data(x, {n: s.kind for n, s in ctx.symbols.items()}, metrics))


def _streak(ctx: Context, f: Formulas, s: ast.Streak) -> None:
    f.condition(s.when)
    if s.periods.value < 2 or s.periods.value != s.periods.value.to_integral_value():
        ctx.diagnostics.append(error("KPI172", f"a streak runs over a whole number of periods, 2 or more; not {s.periods}",
                                     s.periods.span))


def _quota(ctx: Context, f: Formulas, q: ast.Quota) -> None:
    lookup(ctx, q.grade, q.span, ("grade",), "a grade")
    lookup(ctx, q.per, q.span, ("key",), "a group")
    if q.at_most.suffix == "%" and not (0 < q.at_most.value <= 100):
        ctx.diagnostics.append(error("KPI180", f"a quota of {q.at_most} is not a share of a team", q.at_most.span,
                                     "write a percent between 0% and 100%"))
    for e in q.tie_by:
        f.expr(e)


def _flag(ctx: Context, f: Formulas, fl: ast.Flag) -> None:
    lookup(ctx, fl.per, fl.span, ("key",), "a group")


def _when_flag(ctx: Context, f: Formulas, fl: ast.WhenFlag) -> None:
    f.condition(fl.when)


_BY_KIND: dict[type, Callable[[Context, Formulas, Any], None]] = {
    ast.Award: _award, ast.Pool: _pool, ast.Pay: _pay, ast.Exclude: _exclude, ast.ExcludeFrom: exclusion.exclude_from, ast.Streak: _streak,
    ast.Quota: _quota, ast.Flag: _flag, ast.WhenFlag: _when_flag,
}
