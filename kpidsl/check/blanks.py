"""Optional inputs and lists: the checker's proof that no rule reads a blank it does not
handle, and the units and ranges of the functions over values that may be blank.

An input may be blank when it says what a blank means (``when blank: skip`` or ``when blank:
not applicable``) or when it is a list (``columns peer1..peer7``).  Where it may be read:

* a list, and an input whose blank is skipped, only as a value of ``count``, ``sum``,
  ``average``, ``min``, ``max``, ``median`` or ``trimmed_mean``, which leave a blank out
  (KPI210 anywhere else);
* an input whose blank makes an item not applicable, only in items' rules, directly or
  through metrics, and each such item must say where its points go (KPI211).

Functions that need a value (an average of nothing is no number) need at least one value
given whatever is blank (KPI212); ``count`` of values that are never blank is the number of
its arguments, which is almost always a mistake (KPI213, a warning).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kpidsl.analysis.units import UnitClash, call_unit
from kpidsl.check.base import UNIT_WORDS, ZERO, Context
from kpidsl.check.names import lookup
from kpidsl.diagnostics.diagnostic import error, warning
from kpidsl.numbers.intervals import INF, Range
from kpidsl.syntax import ast
from kpidsl.syntax.names import names_in

if TYPE_CHECKING:
    from kpidsl.check.formulas import Formulas, Info

LIST_FUNCTIONS = frozenset({"count", "sum", "average", "min", "max", "median", "trimmed_mean"})
NEED_ONE = LIST_FUNCTIONS - {"count", "sum"}
# The most values one list may hold: the median and the trimmed mean compare every pair.
MAX_COLUMNS = 30
FUNCTION_WORDS = "count, sum, average, min, max, median or trimmed_mean"


def blankable(s: Any) -> str | None:
    """What a blank of input ``s`` means: "skip", "not applicable", or None (never blank)."""
    if not isinstance(s, ast.Input):
        return None
    if s.columns is not None:
        return "skip" if s.blank is None or s.blank.action != "error" else None
    return s.blank.action if s.blank is not None and s.blank.action != "error" else None


def least_given(s: ast.Input) -> int:
    """How many values of list ``s`` every row holds."""
    assert s.columns is not None
    if blankable(s) is None:
        return len(s.columns.columns)
    return int(s.columns.at_least.value) if s.columns.at_least is not None else 1


def declarations(ctx: Context) -> None:
    """Pass: each list's columns and least count, and no column named for two values."""
    taken = {s.name for s in ctx.stmts if isinstance(s, ast.Input) and s.columns is None}
    seen: dict[str, str] = {}
    for s in ctx.stmts:
        if not isinstance(s, ast.Input) or s.columns is None:
            continue
        cols = s.columns
        problem = None
        if len(cols.columns) < 2:
            problem = "a list reads at least two columns"
        elif len(cols.columns) > MAX_COLUMNS:
            problem = f"a list reads at most {MAX_COLUMNS} columns; `{cols.written}` is {len(cols.columns)}"
        elif len(set(cols.columns)) < len(cols.columns):
            problem = f"`{cols.written}` names a column twice"
        elif cols.at_least is not None and (cols.at_least.suffix or cols.at_least.value != int(cols.at_least.value)
                                            or cols.at_least.value > len(cols.columns)):
            problem = (f"`at least {cols.at_least}` must be a whole number of values, at most the "
                       f"{len(cols.columns)} columns of the list")
        else:
            clash = next((c for c in cols.columns if c in taken or c in seen), None)
            if clash is not None:
                problem = f"the column `{clash}` is also " + (f"the input `{clash}`" if clash in taken
                                                               else f"a column of `{seen[clash]}`")
        if problem is not None:
            ctx.diagnostics.append(error("KPI214", problem, cols.span,
                                         "list the columns once, e.g. `columns peer1..peer7 at least 3`"))
        for c in cols.columns:
            seen.setdefault(c, s.name)


def read(ctx: Context, sym: Any, e: ast.Var) -> None:
    """A plain read of an input (not a value of a function over a list): refused where it may be blank."""
    how = blankable(sym.node)
    if how is None or how == "not applicable":  # not applicable: the item's rule may read it (reads())
        return
    s = sym.node
    if s.columns is not None:
        message = f"`{e.name}` is a list of values ({s.columns.written}); a formula reads it through a function"
        hint = f"e.g. `average({e.name})`: {FUNCTION_WORDS}"
    else:
        message = f"`{e.name}` may be blank (`when blank: skip`), and a blank is read here as no number"
        hint = (f"read it where a blank is left out, e.g. `sum({e.name})` or `count({e.name})`, or say "
                f"`when blank: not applicable` to leave out the item that reads it")
    ctx.once(error("KPI210", message, e.span, hint))


def call(f: Formulas, e: ast.Call) -> Info | None:
    """The unit and range of a function over values that may be blank; None for the plain
    function of values always given (``formulas.Formulas.call`` works it out)."""
    ctx = f.ctx
    if e.over is not None or e.func not in LIST_FUNCTIONS:
        return None
    values = e.args[:1] if e.func == "trimmed_mean" else e.args
    syms = [ctx.symbols.get(a.name) if isinstance(a, ast.Var) else None for a in values]
    any_blank = any(s is not None and blankable(s.node) == "skip" for s in syms)
    if e.func == "trimmed_mean" and not _trim_shape(ctx, e, syms[0] if syms else None):
        for a in e.args:
            f.expr(a)
        return None, None
    if not any_blank and e.func not in ("median", "trimmed_mean"):
        if e.func == "count":
            ctx.once(warning("KPI213", f"`count` of {len(e.args)} values that are never blank is always {len(e.args)}",
                             e.span, "declare the inputs that may be blank with `when blank: skip`, or read a "
                             "list: `input peer …: points columns peer1..peer7`"))
        return None
    units: list[str | None] = []
    least, most = 0, 0
    lo_sum, hi_sum = ZERO, ZERO
    lo, hi = INF, -INF
    for a, sym in zip(values, syms):
        if isinstance(a, ast.Var) and sym is not None and sym.kind == "input" and blankable(sym.node) == "skip":
            lookup(ctx, a.name, a.span, ("input",))  # marks it used, as a plain read would
            s = sym.node
            r = f.symbol_range(sym) or Range(-INF, INF)
            a_least, a_most = (least_given(s), len(s.columns.columns)) if s.columns is not None else (0, 1)
            units.append(s.unit)
        else:
            u, rr = f.expr(a)
            r = rr if rr is not None else Range(-INF, INF)
            a_least, a_most = 1, 1
            units.append(u)
        least, most = least + a_least, most + a_most
        lo_sum += min(_times(a_least, r.lo), _times(a_most, r.lo))
        hi_sum += max(_times(a_least, r.hi), _times(a_most, r.hi))
        lo, hi = min(lo, r.lo), max(hi, r.hi)
    try:
        unit = call_unit(e.func, units)
    except UnitClash:
        named = {u for u in units if u not in (None, "bare")}
        ctx.diagnostics.append(error("KPI130", f"`{e.func}` mixes " + " and ".join(UNIT_WORDS[u] for u in sorted(named)),
                                     e.span, "give every value the same unit"))
        return None, None
    if e.func == "count":
        return "count", Range(Decimal(least), Decimal(most))
    if e.func == "sum":
        return unit, Range(lo_sum, hi_sum)
    if least == 0:
        ctx.once(error("KPI212", f"every value of `{e.func}` here may be blank, and the {e.func} of no value is "
                       "no number", e.span, "declare how many values a list holds, e.g. `columns peer1..peer7 "
                       "at least 3`, or give it a value that is never blank"))
        return unit, None
    return unit, Range(lo, hi)


def _times(n: int, x: Decimal) -> Decimal:
    return ZERO if n == 0 else n * x


def _trim_shape(ctx: Context, e: ast.Call, sym: Any) -> bool:
    """``trimmed_mean(LIST, DROP[, FROM])``: a list, and whole numbers written out."""
    problem = None
    args = e.args
    numbers = [a.quantity.value for a in args[1:] if isinstance(a, ast.Number)]
    if not 2 <= len(args) <= 3:
        problem = "`trimmed_mean` takes a list, how many values to drop at each end, and how many must be given to drop them"
    elif sym is None or sym.kind != "input" or sym.node.columns is None:
        problem = "the first value of `trimmed_mean` is a list input (`columns peer1..peer7`)"
    elif not all(_whole(a) for a in args[1:]):
        problem = "how many to drop, and from how many values, are whole numbers written out, e.g. `trimmed_mean(peer, 1, 5)`"
    elif numbers[0] < 1:
        problem = "`trimmed_mean` drops at least one value at each end"
    elif len(numbers) == 2 and numbers[1] < 2 * numbers[0] + 1:
        drop = numbers[0]
        problem = f"dropping {drop} at each end leaves a value only from {2 * drop + 1} values on"
    if problem is None:
        return True
    ctx.once(error("KPI215", problem, e.span, "e.g. `trimmed_mean(peer, 1, 5)`: drop the highest and the lowest "
                   "when 5 or more are given, else average them all"))
    return False


def _whole(a: Any) -> bool:
    return isinstance(a, ast.Number) and not a.quantity.suffix and a.quantity.value == int(a.quantity.value)


def reads(ctx: Context) -> None:
    """Pass: an input whose blank makes an item not applicable is read only by items' rules
    (directly or through metrics), each item with a `not applicable:` of its own (KPI211);
    and no `change` rule compares a value that may be blank with last period's (KPI210)."""
    metrics = {s.name: s for s in ctx.stmts if isinstance(s, ast.Metric)}
    maybe = {s.name for s in ctx.stmts if isinstance(s, ast.Input) and blankable(s) is not None}
    reach = _reaching(maybe, metrics) if maybe else {}
    for _, where, rule in _readers(ctx.stmts):
        if where == "rule" and isinstance(rule, ast.Change) and reach:
            hit = next(((n, span) for n, span in names_in(rule.subject) if n in reach), None)
            if hit is not None:
                ctx.once(error("KPI210", f"`change` compares `{hit[0]}` with last period's value, and a value that "
                               "may be blank has no last period's value to compare", hit[1],
                               "score this period's value on its own, e.g. with `proportional` or `tiers`"))
    na = {s.name for s in ctx.stmts if isinstance(s, ast.Input) and blankable(s) == "not applicable"}
    if not na:
        return
    reach = _reaching(na, metrics)
    for node, where, formula in _readers(ctx.stmts):
        for name, span in names_in(formula):
            if name not in reach:
                continue
            source = reach[name]
            if where == "rule" and node.not_applicable is not None:
                continue
            if where == "rule":
                message = (f"item `{node.name}` reads `{source}`, which may be blank (`when blank: not applicable`), "
                           "but does not say where its points go when it does not apply")
                hint = "add `not applicable: spread proportionally` (or `spread evenly`, `give to ITEM`) to the item"
            else:
                message = (f"`{source}` may be blank (`when blank: not applicable`); only an item's rule may read "
                           f"it{'' if name == source else f' (here through `{name}`)'}, not {where}")
                hint = "read it in an item with `not applicable:`, or say `when blank: skip` and read it through sum or count"
            ctx.once(error("KPI211", message, span, hint))


def _reaching(na: set[str], metrics: dict[str, Any]) -> dict[str, str]:
    """Each name that reads (or is) a not-applicable input, with the input it reads."""
    out = {n: n for n in na}
    changed = True
    while changed:
        changed = False
        for m, s in metrics.items():
            if m in out:
                continue
            hit = next((out[n] for n, _ in names_in(s.expr) if n in out), None)
            if hit is not None:
                out[m] = hit
                changed = True
    return out


def _readers(stmts: Any) -> Any:
    """(statement, where, formula) for every formula outside the metrics: "rule" for an item's rule."""
    for s in stmts:
        if isinstance(s, (ast.Section, ast.Item)):
            yield from _members([s])
        elif isinstance(s, (ast.Input, ast.Metric, ast.Rater, ast.Key)):
            continue
        else:
            yield s, f"`{type(s).__name__.lower()}`", s


def _members(members: Any) -> Any:
    for m in members:
        if isinstance(m, ast.Section):
            yield from _members(m.members)
        elif isinstance(m, ast.Item):
            if m.rule is not None:
                yield m, "rule", m.rule
            if m.not_applicable is not None and m.not_applicable.when is not None:
                yield m, "whether an item applies", m.not_applicable.when
