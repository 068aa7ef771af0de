"""Units and ranges of formulas: every formula's unit worked out (by the rules in
``analysis/units.py``), the range of values it can take, and every literal read in the
unit of what it is compared with.  ``Formulas`` is what every pass that reads a formula
asks; look-up tables (``tables.py``) and brackets from data (``bands.py``) are its too.

It keeps no state of its own: what it learns (a name used, a symbol's range) goes into
the check's ``Context``."""

from __future__ import annotations

import difflib
from decimal import Decimal
from typing import Any

from kpidsl.analysis.units import (
    BUILTIN_UNITS,
    INTEGER_UNITS,
    ROUND_MODES,
    ROUNDING_FUNCTIONS,
    UnitClash,
    call_unit,
    combine,
    compatible,
    known,
)
from kpidsl.check import bands, blanks, dates, stats, tables
from kpidsl.check.base import UNIT_WORDS, ZERO, Context, Symbol, default_range
from kpidsl.check.names import lookup
from kpidsl.diagnostics.diagnostic import error
from kpidsl.numbers.intervals import INF, Range
from kpidsl.numbers.semantics import round_to
from kpidsl.syntax import ast
from kpidsl.syntax.names import AGGREGATES, GROUP_STATS

FUNCTIONS = AGGREGATES | {"abs", "number", "full_months", "full_years", "median", "trimmed_mean"} | set(ROUNDING_FUNCTIONS)
KNOWN = FUNCTIONS | GROUP_STATS | {"sqrt"}  # what an unknown function's hint offers
# How many values each function takes (None: any number); aggregates take one with `over`.
ARITY = {"abs": 1, "number": 1, "floor": 1, "ceil": 1, "round": 2}
PERIOD_WORDS = {"year", "quarter", "month", "period"}

Info = tuple[str | None, Range | None]  # a formula's unit and range; None where unknown


def declarations(ctx: Context, f: Formulas) -> None:
    """Pass: each input's range and rater, each metric's formula against its declared unit,
    in the order of the file."""
    for s in ctx.stmts:
        if isinstance(s, ast.Input):
            if s.range is not None:
                f.range_of(s.unit, s.range)
            if s.source is not None and s.source.who != "system":
                lookup(ctx, s.source.who, s.source.span, ("rater",), "a rater")
        elif isinstance(s, ast.Metric):
            unit, _ = f.expr(s.expr)
            if s.range is not None:
                f.range_of(s.unit, s.range)
            if unit is not None and known(unit) and not compatible(unit, s.unit):
                ctx.diagnostics.append(error(
                    "KPI130", f"`{s.name}` is declared as {UNIT_WORDS[s.unit]} but its formula gives {UNIT_WORDS[unit]}",
                    s.expr.span, f"change the declared unit to `{unit}` or fix the formula"))


class Formulas:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def whole(self, e: Any, seen: frozenset[str] = frozenset()) -> bool:
        """Whether a formula gives whole numbers only: counts, levels and yes/no combined by
        +, -, ×, abs, max, min, sum or count (a division or an average may not)."""
        if isinstance(e, ast.Number):
            return e.quantity.suffix != "%" and e.quantity.value == e.quantity.value.to_integral_value()
        if isinstance(e, ast.Var):
            sym = self.ctx.symbols.get(e.name)
            if sym is None or sym.unit not in INTEGER_UNITS:
                return False
            if sym.kind == "metric" and e.name not in seen:
                return self.whole(sym.node.expr, seen | {e.name})
            return sym.kind in ("input", "metric")
        if isinstance(e, ast.Neg):
            return self.whole(e.operand, seen)
        if isinstance(e, ast.BinOp):
            return e.op != "/" and self.whole(e.left, seen) and self.whole(e.right, seen)
        if isinstance(e, ast.Call):
            if e.func in ("count", "floor", "ceil"):
                return True
            if e.func == "round":  # whole when the step is
                step = e.args[1] if len(e.args) == 2 else None
                return isinstance(step, ast.Number) and step.quantity.suffix != "%" and \
                    step.quantity.value == step.quantity.value.to_integral_value()
            return e.func in ("abs", "max", "min", "sum", "number") and all(self.whole(a, seen) for a in e.args)
        return False

    def range_of(self, unit: str, r: ast.Range | None) -> Range:
        if r is None:
            return default_range(unit)
        lo = self.literal(r.low, unit)
        hi = self.literal(r.high, unit) if r.high is not None else INF
        if lo is None or hi is None:
            return default_range(unit)
        if lo > hi:
            self.ctx.diagnostics.append(error("KPI160", f"the range {r.low}..{r.high} runs backwards", r.span,
                                          f"write `{r.high}..{r.low}`"))
            return Range(hi, lo)
        return Range(lo, hi)

    def symbol_range(self, sym: Symbol) -> Range | None:
        node = sym.node
        if sym.kind in ("input", "metric") and sym.range is None:
            sym.range = default_range(node.unit) if node.range is None else self.quiet_range(node.unit, node.range)
        return sym.range

    @staticmethod
    def quiet_range(unit: str, r: ast.Range) -> Range:
        # The declaration reports mistakes in its range once; each use stays quiet.
        def value(q: ast.Quantity) -> Decimal:
            return q.value / 100 if unit == "percent" and not q.suffix else q.magnitude
        lo = value(r.low)
        hi = value(r.high) if r.high is not None else INF
        return Range(min(lo, hi), max(lo, hi))

    def literal(self, q: ast.Quantity, unit: str | None, context: str = "") -> Decimal | None:
        """A number compared with something of ``unit``: its value in that unit's scale.

        A bare number on a percent is an error (90 means 9000%); it is read as
        the percent that was surely meant, so later checks do not echo it."""
        if unit == "date":
            self.ctx.diagnostics.append(error(
                "KPI270", f"`{q}` is compared with a date{context}: a date is a day, not a number", q.span,
                "write a date, e.g. `2020-01-01`, or compare the days between two dates"))
            return None
        if unit == "percent" and q.suffix == "":
            if q.value != 0:
                self.ctx.diagnostics.append(error(
                    "KPI131", f"`{q}` is compared with a percent{context}; a bare number here means {q.value * 100}%",
                    q.span, f"write `{q.value}%`"))
            return q.value / 100
        if q.unit is not None and unit is not None and not compatible(q.unit, unit):
            self.ctx.diagnostics.append(error(
                "KPI130", f"`{q}` is {UNIT_WORDS[q.unit]}, but it is compared with {UNIT_WORDS[unit]}{context}",
                q.span, _unit_hint(unit)))
            return None
        return q.magnitude

    def points_like(self, q: ast.Quantity, allow_percent: bool = False) -> Decimal:
        if q.suffix in ("", "pt", "分") or (allow_percent and q.suffix == "%"):
            return q.value
        self.ctx.diagnostics.append(error(
            "KPI130", f"`{q}` is {UNIT_WORDS[q.unit]}, but points are expected here", q.span,
            f"write the number of points, e.g. `{q.value}`"))
        return q.value

    def expr(self, e: Any) -> Info:
        """Unit and range of a formula; ``None`` where unknown. Reports undefined names and unit clashes."""
        if isinstance(e, ast.Tiers):
            return tables.tiers_value(self, e)
        if isinstance(e, ast.Table):
            return tables.table_value(self, e)
        if isinstance(e, ast.Progressive) and any(bands.is_data(b.start) for b in e.brackets):
            return bands.data_brackets(self, e)
        if isinstance(e, ast.Number):
            q = e.quantity
            v = q.magnitude
            return (q.unit or "bare"), Range(v, v)
        if isinstance(e, ast.DateLit):
            return dates.literal(self, e)
        if isinstance(e, ast.Var) and dates.is_period_edge(self, e):
            return dates.period_edge(self, e)
        if isinstance(e, ast.Var):
            if e.name in BUILTIN_UNITS and e.name not in self.ctx.symbols:
                if e.name == "total":
                    return "points", self.ctx.total_range
                return BUILTIN_UNITS[e.name], Range(ZERO, INF)
            sym = lookup(self.ctx, e.name, e.span, ("input", "metric", "item", "section", "pay", "pool", "award"))
            if sym is None:
                return None, None
            if sym.kind == "award" and sym.node.best_of is not None:
                # decided across the whole group once every row is scored, after every formula
                self.ctx.diagnostics.append(error(
                    "KPI146", f"`{e.name}` goes to the best of each `{sym.node.best_of.group}`, which is known only "
                    "after every formula is computed; a formula cannot use it", e.span,
                    "give the pay its own condition instead, e.g. `when total >= 90`"))
                return None, None
            if sym.kind == "input":
                blanks.read(self.ctx, sym, e)
            return sym.unit, self.symbol_range(sym)
        if isinstance(e, ast.Neg):
            u, r = self.expr(e.operand)
            return u, (-r if r is not None else None)
        if isinstance(e, ast.BinOp):
            lu, lr = self.expr(e.left)
            ru, rr = self.expr(e.right)
            rng = None
            if "date" in (lu, ru):  # a day: only date − date and date ± days (KPI270)
                unit = dates.binop(self, e, lu, ru)
                return unit, (lr - rr if e.op == "-" else lr + rr) if unit and lr is not None and rr is not None else None
            if lr is not None and rr is not None:
                rng = {"+": lambda: lr + rr, "-": lambda: lr - rr, "*": lambda: lr * rr,
                       "/": lambda: lr / rr}[e.op]()
            try:
                return combine(e.op, lu, ru), rng
            except UnitClash:
                verb = "adds" if e.op == "+" else "subtracts"
                self.ctx.diagnostics.append(error(
                    "KPI130", f"this formula {verb} {UNIT_WORDS[ru]} {'to' if e.op == '+' else 'from'} {UNIT_WORDS[lu]}",
                    e.span, "only quantities of one unit can be added or subtracted; convert one side first"))
                return None, rng
        if isinstance(e, ast.Call):
            return self.call(e)
        if isinstance(e, ast.Progressive):
            unit, _ = self.expr(e.subject)
            prev = None
            for b in e.brackets:
                assert isinstance(b.start, ast.Quantity)  # starts from data: bands.data_brackets
                start = self.literal(b.start, unit if unit not in (None, "bare") else None)
                if b.rate.suffix != "%":
                    self.ctx.diagnostics.append(error("KPI130", f"a bracket's rate is a percent; `{b.rate}` is not",
                                                  b.rate.span, f"write `{b.rate.value}%`"))
                if start is not None and prev is not None and start <= prev:
                    self.ctx.diagnostics.append(error(
                        "KPI162", f"brackets must rise: {b.start} does not come after the bracket before it",
                        b.span, "list brackets from the lowest amount to the highest"))
                prev = start if start is not None else prev
            return "money", Range(ZERO, INF)
        if isinstance(e, ast.CONDITIONS):
            self.condition(e)
            self.ctx.diagnostics.append(error(
                "KPI173", "this is a condition, true or false, where a number belongs", e.span,
                "move it after `when`, e.g. `pay p = 100元 when sales > 10000元`"))
        return None, None

    def call(self, e: ast.Call) -> Info:
        if dates.is_date_call(e):
            return dates.call(self, e)
        if stats.handles(e):  # sqrt and the statistics of a group
            return stats.call(self, e)
        if e.func not in FUNCTIONS:
            close = difflib.get_close_matches(e.func, sorted(KNOWN), n=1)
            self.ctx.diagnostics.append(error(
                "KPI143", f"unknown function `{e.func}`", e.span,
                f"did you mean `{close[0]}`?" if close else "functions: " + ", ".join(sorted(KNOWN))))
            for a in e.args:
                self.expr(a)
            return None, None
        if not self.call_shape(e):
            for a in e.args:
                self.expr(a)
            return None, None
        listed = blanks.call(self, e)
        if listed is not None:
            return listed
        if e.over is not None:
            if e.func not in AGGREGATES:
                self.ctx.diagnostics.append(error("KPI143", f"`{e.func}` does not take `over`", e.span))
            elif e.over not in PERIOD_WORDS:
                lookup(self.ctx, e.over, e.span, ("key",), "a group")
        infos = [self.expr(a) for a in e.args]
        if any(u == "date" for u, _ in infos):  # min/max of dates aside, a date is no number to compute with
            if e.func not in ("min", "max") or any(u != "date" for u, _ in infos) or e.over is not None:
                return dates.not_a_number(self, e)
            return "date", None
        try:
            unit = call_unit(e.func, [u for u, _ in infos])
        except UnitClash:
            units = {u for u, _ in infos if u not in (None, "bare")}
            self.ctx.diagnostics.append(error("KPI130", f"`{e.func}` mixes " + " and ".join(UNIT_WORDS[u] for u in sorted(units)),
                                          e.span, "give every argument the same unit"))
            return None, None
        if e.func == "count":
            return unit, Range(ZERO, INF)
        if unit is None:  # an argument already reported, or of unknown unit
            return None, None
        if e.func in ROUNDING_FUNCTIONS:
            return unit, _rounded_range(e, infos[0][1])
        if e.func == "number":
            return unit, infos[0][1]
        rngs = [r for _, r in infos if r is not None]
        if len(rngs) < len(infos) or not rngs:
            return unit, None
        if e.func in ("max", "min") and e.over is None:
            pick = max if e.func == "max" else min
            return unit, Range(pick(r.lo for r in rngs), pick(r.hi for r in rngs))
        if e.func == "sum":  # a sum over a group of unknown size
            r = rngs[0]
            return unit, Range(-INF if r.lo < 0 else ZERO, INF if r.hi > 0 else ZERO)
        return unit, rngs[0]  # an average, max or min stays within one person's range

    def call_shape(self, e: ast.Call) -> bool:
        """The right number of values, a literal step for ``round`` and a mode only there."""
        want = ARITY.get(e.func)
        problem = None
        if want is not None and len(e.args) != want:
            shape = {"round": "a value and a step, e.g. `round(total / 3, 0.5)`",
                     "number": "one value, e.g. `number(late)`"}.get(e.func, f"one value, e.g. `{e.func}(late / 3)`")
            problem = f"`{e.func}` takes {shape}"
        elif e.func == "round" and not (isinstance(e.args[1], ast.Number) and e.args[1].quantity.value > 0):
            problem = "the step of `round` is a number greater than zero, written out, e.g. `0.5`"
        elif e.mode is not None and e.func != "round":
            problem = f"only `round` takes a rounding mode; `{e.func}` does not"
        elif e.mode is not None and e.mode not in ROUND_MODES:
            problem = f"`{e.mode}` is not a rounding mode"
        elif e.over is not None and e.func in ARITY:
            problem = f"`{e.func}` does not take `over`"
        if problem is None:
            return True
        self.ctx.diagnostics.append(error("KPI143", problem, e.span,
                                      "rounding modes: " + ", ".join(f'"{m}"' for m in ROUND_MODES)
                                      if e.mode is not None else None))
        return False

    def condition(self, c: Any) -> None:
        if isinstance(c, ast.BoolOp):
            self.condition(c.left)
            self.condition(c.right)
            return
        if isinstance(c, ast.Not):
            self.condition(c.operand)
            return
        if isinstance(c, ast.Compare):
            lu, _ = self.expr(c.left)
            ru, _ = self.expr(c.right)
            if dates.compared(self, c, lu, ru):
                return
            if isinstance(c.right, ast.Number) and lu not in (None, "bare"):
                self.literal(c.right.quantity, lu)
            elif isinstance(c.left, ast.Number) and ru not in (None, "bare"):
                self.literal(c.left.quantity, ru)
            elif lu not in (None, "bare") and ru not in (None, "bare") and not compatible(lu, ru):
                self.ctx.diagnostics.append(error(
                    "KPI130", f"this compares {UNIT_WORDS[lu]} with {UNIT_WORDS[ru]}", c.span,
                    "compare quantities of one unit"))
        elif isinstance(c, ast.Truth):
            unit, _ = self.expr(c.expr)
            if unit is not None and unit != "yes/no":
                self.ctx.diagnostics.append(error(
                    "KPI171", f"a condition needs a yes/no or a comparison; this is {UNIT_WORDS.get(unit, unit)}",
                    c.span, "compare it, e.g. `when absent_days > 2`"))
        elif isinstance(c, ast.GradeTest):
            lookup(self.ctx, c.grade, c.span, ("grade",), "a grade")



def _rounded_range(e: ast.Call, r: Range | None) -> Range | None:
    """What floor, ceil or round can give for a value in ``r``: each is monotonic,
    so rounding both ends is exact."""
    if r is None:
        return None
    if e.func == "round":
        step = e.args[1]
        assert isinstance(step, ast.Number)  # _call_shape made sure
        at, mode = step.quantity.magnitude, e.mode or ROUNDING_FUNCTIONS["round"]
    else:
        at, mode = Decimal(1), ROUNDING_FUNCTIONS[e.func]

    def end(x: Decimal) -> Decimal:
        return x if x.is_infinite() else round_to(x, at, mode)
    return Range(end(r.lo), end(r.hi))


def _unit_hint(unit: str) -> str:
    return {
        "percent": "write it as a percent, e.g. `90%`",
        "count": "write a plain count, e.g. `3`",
        "money": "write an amount, e.g. `200元` or `200`",
        "hours": "write hours, e.g. `24h`",
        "days": "write days, e.g. `3d`",
        "points": "write points, e.g. `5`",
    }.get(unit, "use the unit of the value it is compared with")
