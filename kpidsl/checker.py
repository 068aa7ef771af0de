"""The checker: proves a rubric is sound, or says exactly where it is not.

One pass over a loaded ``Program``.  It resolves names, infers units, works
out the range of points every rule can award, and checks that weights add up,
tiers and grade bands leave no gaps or contradictions, and every maximum is
reachable.  Its output is diagnostics only; it never raises for bad input.

Where one mistake could set off several checks (an undefined name inside a
tier, a bare ``90`` on a percent), the first diagnostic wins and the checks
that would only echo it are skipped.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal

from . import ast
from .diagnostics import Diagnostic, Related, error, info, warning
from .gcpause import cycle_gc_paused
from .intervals import INF, Interval, Range, gaps
from .loader import Program
from .units import DEFAULT_LOW, DEFAULT_RANGES, INTEGER_UNITS

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

DIMENSIONLESS = {"percent", "number"}
UNIT_WORDS = {
    "percent": "a percent", "count": "a count", "money": "money", "hours": "hours",
    "days": "days", "points": "points", "number": "a plain number", "level": "a level",
    "yes/no": "a yes/no",
}
AGGREGATES = {"sum", "average", "count", "max", "min"}
FUNCTIONS = AGGREGATES | {"abs"}
PERIOD_WORDS = {"year", "quarter", "month", "period"}
BUILTINS = {"total": "points", "coefficient": "number"}


def default_range(unit: str) -> Range:
    low, high = DEFAULT_RANGES.get(unit, (DEFAULT_LOW, None))
    return Range(low, INF if high is None else high)


def _fmt(x: Decimal) -> str:
    if x.is_infinite():
        return "unbounded" if x > 0 else "-unbounded"
    return format(x.normalize(), "f")


def _fmt_in(x: Decimal, unit: str | None) -> str:
    if unit == "percent":
        return _fmt(x * 100) + "%"
    return _fmt(x)


def _name_span(node) -> ast.Span:
    s = node.span
    return ast.Span(s.file, s.line, s.column, s.line, s.column + len(getattr(node, "name", "") or " "))


@dataclass
class Symbol:
    kind: str  # input metric rater key section item grade pay pool award streak flag
    node: object
    unit: str | None
    imported: bool = False
    used: bool = False
    range: Range | None = None


@dataclass
class _Contribution:
    node: object
    amount: Decimal  # in the parent's scale
    span: ast.Span


@dataclass
class Checker:
    program: Program
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __post_init__(self):
        self.symbols: dict[str, Symbol] = {}
        self.is_library = self.program.root.is_library
        total = self.program.root.setting("total")
        self.total = total.value if isinstance(total, ast.Quantity) else HUNDRED
        self.total_range: Range | None = None
        self._reported_undefined: set[tuple[str, int, int]] = set()

    # ---- entry point -----------------------------------------------------------
    def run(self) -> list[Diagnostic]:
        stmts = self.program.statements
        self._collect(stmts)
        self._check_header(stmts)
        self._check_raters(stmts)
        for s in stmts:
            if isinstance(s, ast.Input):
                self._check_input(s)
            elif isinstance(s, ast.Metric):
                self._check_metric(s)
        contributions: list[_Contribution] = []
        ranges: list[Range] = []
        for s in stmts:
            if isinstance(s, (ast.Section, ast.Item)):
                c, r = self._check_member(s, self.total, ())
                if c is not None:
                    contributions.append(c)
                if r is not None:
                    ranges.append(r)
        if ranges:
            total = Range(ZERO, ZERO)
            for r in ranges:
                total = total + r
            if any(isinstance(s, ast.Veto) and s.scope == "appraisal" for s in self._all_vetoes()):
                total = total.hull(Range(ZERO, ZERO))
            self.total_range = total
        if not self.is_library and contributions:
            self._check_sum(contributions, self.total, "KPI101", "the top-level sections and items",
                            self._title_span())
        for s in stmts:
            if isinstance(s, ast.Veto):
                self._check_veto(s)
        self._check_grades([s for s in stmts if isinstance(s, ast.Grade)])
        for s in stmts:
            check = getattr(self, f"_check_{type(s).__name__.lower()}", None)
            if check is not None and isinstance(s, (ast.Award, ast.Pool, ast.Pay, ast.Exclude,
                                                     ast.Streak, ast.Quota, ast.Flag)):
                check(s)
        self._check_cycles(stmts)
        if not self.is_library:
            self._check_unused()
        return sorted(self.diagnostics, key=Diagnostic.sort_key)

    def _check_cycles(self, stmts) -> None:
        """Metrics, pays and pools that need each other's value can never be computed."""
        formulas = {s.name: s for s in stmts if isinstance(s, (ast.Metric, ast.Pay, ast.Pool))}
        uses = {n: {v.name for v in _vars(s.expr)} & formulas.keys() for n, s in formulas.items()}
        state: dict[str, int] = {}

        def visit(n: str, path: list[str]) -> None:
            state[n] = 1
            for m in sorted(uses[n]):
                if state.get(m) == 1:
                    cycle = path[path.index(m):] + [m] if m in path else [n, m]
                    self.diagnostics.append(error(
                        "KPI144", "formulas refer to each other in a circle: " + " → ".join(f"`{x}`" for x in cycle),
                        _name_span(formulas[m]), "one of them must be computed from the others, not the reverse"))
                elif m not in state:
                    visit(m, path + [m])
            state[n] = 2

        for n in formulas:
            if n not in state:
                visit(n, [n])

    # ---- symbols -------------------------------------------------------------------
    def _collect(self, stmts) -> None:
        def add(kind, node, unit):
            name = node.name
            imported = id(node) in self.program.imported
            prev = self.symbols.get(name)
            if prev is not None:
                if prev.node is node:
                    return
                self.diagnostics.append(error(
                    "KPI142", f"`{name}` is defined twice", _name_span(node),
                    "every input, metric, section, item, rater, grade and pay needs its own name",
                    (Related(f"`{name}` was first defined here, as {prev.kind}", _name_span(prev.node)),)))
                return
            self.symbols[name] = Symbol(kind, node, unit, imported)

        def walk(members):
            for m in members:
                if isinstance(m, ast.Section):
                    add("section", m, "points")
                    walk(m.members)
                elif isinstance(m, ast.Item):
                    add("item", m, "points" if m.size_kind == "points" else "number")

        for s in stmts:
            if isinstance(s, ast.Input):
                add("input", s, s.unit)
            elif isinstance(s, ast.Metric):
                add("metric", s, s.unit)
            elif isinstance(s, ast.Rater):
                add("rater", s, None)
            elif isinstance(s, ast.Key):
                add("key", s, None)
            elif isinstance(s, (ast.Section, ast.Item)):
                walk([s])
            elif isinstance(s, ast.Grade):
                add("grade", s, None)
            elif isinstance(s, (ast.Pay, ast.Pool)):
                add("pay" if isinstance(s, ast.Pay) else "pool", s, "money")
            elif isinstance(s, ast.Award):
                add("award", s, "money")
            elif isinstance(s, ast.Streak):
                add("streak", s, None)
            elif isinstance(s, ast.Flag):
                add("flag", s, None)

    def _lookup(self, name: str, span: ast.Span, kinds: tuple[str, ...] | None = None,
                what: str = "name") -> Symbol | None:
        sym = self.symbols.get(name)
        if sym is not None and (kinds is None or sym.kind in kinds):
            sym.used = True
            return sym
        key = (name, span.line, span.column)
        if key in self._reported_undefined:
            return None
        self._reported_undefined.add(key)
        candidates = [n for n, s in self.symbols.items() if kinds is None or s.kind in kinds]
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
        if sym is not None:
            message = f"`{name}` is {sym.kind if sym.kind != 'input' else 'an input'}, not {what}"
        else:
            message = f"`{name}` is not defined"
            if what != "name":
                message = f"{what} `{name}` is not defined"
        hint = f"did you mean `{close[0]}`?" if close else None
        if hint is None and sym is None and kinds and "input" in kinds:
            hint = f'declare it first, e.g. `input {name} "…": count`'
        self.diagnostics.append(error("KPI140", message, span, hint))
        return None

    # ---- header and declarations ---------------------------------------------------------------
    def _title_span(self) -> ast.Span:
        for s in self.program.root.statements:
            if isinstance(s, ast.Setting) and s.key == "rubric":
                return s.span
        first = self.program.root.statements
        return first[0].span if first else ast.Span(self.program.root.file, 1, 1, 1, 2)

    def _check_header(self, stmts) -> None:
        for s in stmts:
            if isinstance(s, ast.Rounding) and s.step.value <= 0:
                self.diagnostics.append(error("KPI170", "a rounding step must be greater than zero", s.step.span,
                                              "write e.g. `round total to 0.01`"))
            if isinstance(s, ast.Setting) and s.key == "total" and s.value.value <= 0:
                self.diagnostics.append(error("KPI170", "the declared total must be greater than zero", s.span))

    def _check_raters(self, stmts) -> None:
        weighted = [s for s in stmts if isinstance(s, ast.Rater) and s.weight is not None]
        if not weighted:
            return
        contributions = []
        for r in weighted:
            self._points_like(r.weight, allow_percent=True)
            amount = r.weight.value  # 40% and 40 both mean forty out of a hundred
            contributions.append(_Contribution(r, amount, r.span))
        self._check_sum(contributions, HUNDRED, "KPI103", "the rater weights", weighted[0].span, unit="%", more="")

    def _check_input(self, s: ast.Input) -> None:
        if s.range is not None:
            self._range_of(s.unit, s.range)
        if s.source is not None and s.source.who != "system":
            self._lookup(s.source.who, s.source.span, ("rater",), "a rater")

    def _check_metric(self, s: ast.Metric) -> None:
        unit, _ = self._expr(s.expr)
        if s.range is not None:
            self._range_of(s.unit, s.range)
        if _known(unit) and not _compatible(unit, s.unit):
            self.diagnostics.append(error(
                "KPI130", f"`{s.name}` is declared as {UNIT_WORDS[s.unit]} but its formula gives {UNIT_WORDS[unit]}",
                s.expr.span, f"change the declared unit to `{unit}` or fix the formula"))

    def _range_of(self, unit: str, r: ast.Range | None) -> Range:
        if r is None:
            return default_range(unit)
        lo = self._literal(r.low, unit)
        hi = self._literal(r.high, unit) if r.high is not None else INF
        if lo is None or hi is None:
            return default_range(unit)
        if lo > hi:
            self.diagnostics.append(error("KPI160", f"the range {r.low}..{r.high} runs backwards", r.span,
                                          f"write `{r.high}..{r.low}`"))
            return Range(hi, lo)
        return Range(lo, hi)

    def _symbol_range(self, sym: Symbol) -> Range | None:
        node = sym.node
        if sym.kind in ("input", "metric") and sym.range is None:
            sym.range = default_range(node.unit) if node.range is None else self._quiet_range(node.unit, node.range)
        return sym.range

    @staticmethod
    def _quiet_range(unit: str, r: ast.Range) -> Range:
        # The declaration reports mistakes in its range once; each use stays quiet.
        def value(q: ast.Quantity) -> Decimal:
            return q.value / 100 if unit == "percent" and not q.suffix else q.magnitude
        lo = value(r.low)
        hi = value(r.high) if r.high is not None else INF
        return Range(min(lo, hi), max(lo, hi))

    # ---- literals and units ---------------------------------------------------------------------
    def _literal(self, q: ast.Quantity, unit: str | None, context: str = "") -> Decimal | None:
        """A number compared with something of ``unit``: its value in that unit's scale.

        A bare number on a percent is an error (90 means 9000%); it is read as
        the percent that was surely meant, so later checks do not echo it."""
        if unit == "percent" and q.suffix == "":
            if q.value != 0:
                self.diagnostics.append(error(
                    "KPI131", f"`{q}` is compared with a percent{context}; a bare number here means {q.value * 100}%",
                    q.span, f"write `{q.value}%`"))
            return q.value / 100
        if q.unit is not None and unit is not None and not _compatible(q.unit, unit):
            self.diagnostics.append(error(
                "KPI130", f"`{q}` is {UNIT_WORDS[q.unit]}, but it is compared with {UNIT_WORDS[unit]}{context}",
                q.span, _unit_hint(unit)))
            return None
        return q.magnitude

    def _points_like(self, q: ast.Quantity, allow_percent: bool = False) -> Decimal:
        if q.suffix in ("", "pt", "分") or (allow_percent and q.suffix == "%"):
            return q.value
        self.diagnostics.append(error(
            "KPI130", f"`{q}` is {UNIT_WORDS[q.unit]}, but points are expected here", q.span,
            f"write the number of points, e.g. `{q.value}`"))
        return q.value

    def _expr(self, e) -> tuple[str | None, Range | None]:
        """Unit and range of a formula; ``None`` where unknown. Reports undefined names and unit clashes."""
        if isinstance(e, ast.Number):
            q = e.quantity
            v = q.magnitude
            return (q.unit or "bare"), Range(v, v)
        if isinstance(e, ast.Var):
            if e.name in BUILTINS and e.name not in self.symbols:
                if e.name == "total":
                    return "points", self.total_range
                return BUILTINS[e.name], Range(ZERO, INF)
            sym = self._lookup(e.name, e.span, ("input", "metric", "item", "section", "pay", "pool", "award"))
            if sym is None:
                return None, None
            return sym.unit, self._symbol_range(sym)
        if isinstance(e, ast.Neg):
            u, r = self._expr(e.operand)
            return u, (-r if r is not None else None)
        if isinstance(e, ast.BinOp):
            lu, lr = self._expr(e.left)
            ru, rr = self._expr(e.right)
            rng = None
            if lr is not None and rr is not None:
                rng = {"+": lambda: lr + rr, "-": lambda: lr - rr, "*": lambda: lr * rr,
                       "/": lambda: lr / rr}[e.op]()
            if e.op in "+-":
                if lu not in (None, "bare") and ru not in (None, "bare") and not _compatible(lu, ru):
                    verb = "adds" if e.op == "+" else "subtracts"
                    self.diagnostics.append(error(
                        "KPI130", f"this formula {verb} {UNIT_WORDS[ru]} {'to' if e.op == '+' else 'from'} {UNIT_WORDS[lu]}",
                        e.span, "only quantities of one unit can be added or subtracted; convert one side first"))
                    return None, rng
                return (lu if lu not in (None, "bare") else ru), rng
            if e.op == "*":
                if lu in DIMENSIONLESS or lu == "bare":
                    return ru, rng
                if ru in DIMENSIONLESS or ru == "bare":
                    return lu, rng
                return None, rng
            # division
            if lu is not None and lu == ru and lu != "bare":
                return "number", rng
            if ru in DIMENSIONLESS or ru == "bare":
                return lu, rng
            return None, rng
        if isinstance(e, ast.Call):
            return self._call(e)
        if isinstance(e, ast.Progressive):
            unit, _ = self._expr(e.subject)
            prev = None
            for b in e.brackets:
                start = self._literal(b.start, unit if unit not in (None, "bare") else None)
                if b.rate.suffix != "%":
                    self.diagnostics.append(error("KPI130", f"a bracket's rate is a percent; `{b.rate}` is not",
                                                  b.rate.span, f"write `{b.rate.value}%`"))
                if start is not None and prev is not None and start <= prev:
                    self.diagnostics.append(error(
                        "KPI162", f"brackets must rise: {b.start} does not come after the bracket before it",
                        b.span, "list brackets from the lowest amount to the highest"))
                prev = start if start is not None else prev
            return "money", Range(ZERO, INF)
        return None, None

    def _call(self, e: ast.Call) -> tuple[str | None, Range | None]:
        if e.func not in FUNCTIONS:
            close = difflib.get_close_matches(e.func, sorted(FUNCTIONS), n=1)
            self.diagnostics.append(error(
                "KPI143", f"unknown function `{e.func}`", e.span,
                f"did you mean `{close[0]}`?" if close else "functions: " + ", ".join(sorted(FUNCTIONS))))
            for a in e.args:
                self._expr(a)
            return None, None
        if e.over is not None:
            if e.func not in AGGREGATES:
                self.diagnostics.append(error("KPI143", f"`{e.func}` does not take `over`", e.span))
            elif e.over not in PERIOD_WORDS:
                self._lookup(e.over, e.span, ("key",), "a group")
        infos = [self._expr(a) for a in e.args]
        if e.func == "count":
            return "count", Range(ZERO, INF)
        if any(u is None for u, _ in infos):  # an argument already reported, or of unknown unit
            return None, None
        units = {u for u, _ in infos if u not in (None, "bare")}
        if len(units) > 1 and not all(u in DIMENSIONLESS for u in units):
            self.diagnostics.append(error("KPI130", f"`{e.func}` mixes " + " and ".join(UNIT_WORDS[u] for u in sorted(units)),
                                          e.span, "give every argument the same unit"))
            return None, None
        unit = next(iter(units), "bare")
        rngs = [r for _, r in infos]
        if None in rngs or not rngs:
            return unit, None
        if e.func in ("max", "min") and e.over is None:
            pick = max if e.func == "max" else min
            return unit, Range(pick(r.lo for r in rngs), pick(r.hi for r in rngs))
        if e.func == "sum":  # a sum over a group of unknown size
            r = rngs[0]
            return unit, Range(-INF if r.lo < 0 else ZERO, INF if r.hi > 0 else ZERO)
        return unit, rngs[0]  # an average, max or min stays within one person's range

    def _condition(self, c) -> None:
        if isinstance(c, ast.Compare):
            lu, _ = self._expr(c.left)
            ru, _ = self._expr(c.right)
            if isinstance(c.right, ast.Number) and lu not in (None, "bare"):
                self._literal(c.right.quantity, lu)
            elif isinstance(c.left, ast.Number) and ru not in (None, "bare"):
                self._literal(c.left.quantity, ru)
            elif lu not in (None, "bare") and ru not in (None, "bare") and not _compatible(lu, ru):
                self.diagnostics.append(error(
                    "KPI130", f"this compares {UNIT_WORDS[lu]} with {UNIT_WORDS[ru]}", c.span,
                    "compare quantities of one unit"))
        elif isinstance(c, ast.Truth):
            unit, _ = self._expr(c.expr)
            if unit is not None and unit != "yes/no":
                self.diagnostics.append(error(
                    "KPI171", f"a condition needs a yes/no or a comparison; this is {UNIT_WORDS.get(unit, unit)}",
                    c.span, "compare it, e.g. `when absent_days > 2`"))
        elif isinstance(c, ast.GradeTest):
            self._lookup(c.grade, c.span, ("grade",), "a grade")

    # ---- sections, items and their weights ---------------------------------------------------
    def _weight_points(self, q: ast.Quantity, parent_scale: Decimal) -> Decimal:
        if q.suffix == "%":
            return q.value * parent_scale / HUNDRED
        return self._points_like(q)

    def _check_member(self, m, parent_scale: Decimal, vetoes) -> tuple[_Contribution | None, Range | None]:
        if isinstance(m, ast.Item):
            rng = self._check_item(m)
            if m.size_kind == "factor":
                return None, None
            points = self._points_like(m.size)
            return _Contribution(m, points, _name_span(m)), rng
        # a section
        for v in m.vetoes:
            self._check_veto(v)
        weight = self._weight_points(m.weight, parent_scale) if m.weight is not None else None
        scale = None
        if m.out_of is not None:
            scale = self._points_like(m.out_of)
            if weight is None:
                self.diagnostics.append(error(
                    "KPI104", f"section `{m.name}` says `out of {m.out_of}` but has no weight", _name_span(m),
                    "`out of` rescales a weighted section: add e.g. `weight 30%`"))
        elif weight is not None:
            scale = weight
        contributions, ranges = [], []
        for child in m.members:
            c, r = self._check_member(child, scale if scale is not None else parent_scale, vetoes + m.vetoes)
            if c is not None:
                contributions.append(c)
            if r is not None:
                ranges.append(r)
        inner = Range(ZERO, ZERO)
        for r in ranges:
            inner = inner + r
        if m.vetoes:
            inner = inner.hull(Range(ZERO, ZERO))
        if scale is not None and contributions:
            self._check_sum(contributions, scale, "KPI102", f"the members of section `{m.name}`", _name_span(m))
        sym = self.symbols.get(m.name)
        if weight is None:
            total = sum((c.amount for c in contributions), ZERO)
            if sym is not None and sym.node is m:
                sym.range = inner
            return _Contribution(m, total, _name_span(m)), inner
        factor = weight / scale if scale else ONE
        scaled = inner * Range(factor, factor)
        if sym is not None and sym.node is m:
            sym.range = scaled
        return _Contribution(m, weight, _name_span(m)), scaled

    def _check_sum(self, contributions: list[_Contribution], expected: Decimal, code: str,
                   what: str, span: ast.Span, unit: str = "", more: str = ", or add an item") -> None:
        actual = sum((c.amount for c in contributions), ZERO)
        if actual == expected:
            return
        diff = actual - expected
        related = tuple(
            Related(f"`{c.node.name}` {_fmt(c.amount)}{unit}", c.span) for c in contributions)
        biggest = sorted(contributions, key=lambda c: -c.amount)[:2]
        names = " or ".join(f"`{c.node.name}` ({_fmt(c.amount)}{unit})" for c in biggest)
        if diff > 0:
            hint = f"{_fmt(diff)}{unit} too many: take {_fmt(diff)}{unit} from one of them, e.g. {names}"
        else:
            hint = f"{_fmt(-diff)}{unit} missing: add {_fmt(-diff)}{unit} to one of them, e.g. {names}{more}"
        self.diagnostics.append(error(
            code, f"{what} add up to {_fmt(actual)}{unit}, not {_fmt(expected)}{unit}", span, hint, related))

    def _check_item(self, item: ast.Item) -> Range | None:
        for v in item.vetoes:
            self._check_veto(v)
        size = item.size.value if item.size_kind == "factor" else self._points_like(item.size)
        bonus = self._points_like(item.bonus) if item.bonus is not None else ZERO
        cap = size + bonus
        if item.extra_rules:
            second = item.extra_rules[0]
            self.diagnostics.append(error(
                "KPI105", f"item `{item.name}` has {len(item.extra_rules) + 1} scoring rules; an item is scored one way",
                second.span, "split it into two items, or keep one rule (`entered by` may join levels, "
                "a scale or a checklist to say who picks)",
                (Related("the first rule is here", item.rule.span),)))
        if item.entered_by is not None and item.entered_by is not item.rule:
            self._lookup(item.entered_by.rater, item.entered_by.span, ("rater",), "a rater")
        if item.not_applicable is not None and item.not_applicable.policy == "give":
            target = item.not_applicable.target
            sym = self._lookup(target, item.not_applicable.span, ("item",), "an item")
            if sym is not None and sym.node is item:
                self.diagnostics.append(error("KPI190", f"item `{item.name}` gives its weight to itself when not applicable",
                                              item.not_applicable.span, "name another item, or `spread proportionally`"))
        rule = item.rule
        if rule is None or isinstance(rule, ast.EnteredBy):
            if isinstance(rule, ast.EnteredBy):
                self._lookup(rule.rater, rule.span, ("rater",), "a rater")
            rng = Range(ZERO, size)
            clamped = True
        else:
            rng, clamped = self._rule_range(item, rule, size, cap)
        if rng is None:
            return None
        if item.vetoes:
            rng = rng.hull(Range(ZERO, ZERO))
        sym = self.symbols.get(item.name)
        if sym is not None and sym.node is item:
            sym.range = rng
        self._check_reach(item, rule, rng, size, bonus, clamped)
        return rng

    def _check_reach(self, item, rule, rng: Range, size: Decimal, bonus: Decimal, clamped: bool) -> None:
        span = rule.span if rule is not None else _name_span(item)
        unit = "" if item.size_kind == "points" else " (factor)"
        if rng.hi > size + bonus and not clamped:
            extra = "" if bonus == 0 else f" plus its bonus of {_fmt(bonus)}"
            self.diagnostics.append(error(
                "KPI110", f"item `{item.name}` can award {_fmt(rng.hi)}{unit}, more than its {_fmt(size)}{extra}",
                span, f"lower the rule's top points to {_fmt(size + bonus)}, or declare `bonus up to {_fmt(rng.hi - size)}`",
                (Related(f"`{item.name}` is worth {_fmt(size)}", item.size.span),)))
        elif rng.hi < size:
            self.diagnostics.append(warning(
                "KPI111", f"item `{item.name}` is worth {_fmt(size)}{unit}, but its rule awards at most {_fmt(rng.hi)}",
                span, f"raise the rule's best case to {_fmt(size)}, or make the item worth {_fmt(rng.hi)}",
                (Related(f"`{item.name}` is worth {_fmt(size)}", item.size.span),)))
        elif bonus > 0 and rng.hi < size + bonus:
            self.diagnostics.append(warning(
                "KPI111", f"item `{item.name}` declares a bonus up to {_fmt(bonus)}, but its rule can reach only "
                f"{_fmt(rng.hi)} of {_fmt(size + bonus)}", item.bonus.span,
                "widen the input's declared range (e.g. `range 0%..150%`) or lower the bonus"))
        if rng.lo < 0:
            floor = "without limit" if rng.lo == -INF else f"as low as {_fmt(rng.lo)}"
            self.diagnostics.append(info(
                "KPI112", f"item `{item.name}` can go below zero, {floor}", span,
                "this takes points from the rest of the appraisal; say `base`/floor if that is not meant"))

    def _rule_range(self, item: ast.Item, rule, size: Decimal, cap: Decimal) -> tuple[Range | None, bool]:
        pts = self._points_like if item.size_kind == "points" else (lambda q: q.value)
        if isinstance(rule, ast.Levels):
            values = []
            for lv in rule.levels:
                lo = pts(lv.low)
                hi = pts(lv.high) if lv.high is not None else lo
                if hi < lo:
                    self.diagnostics.append(error("KPI160", f"the level's range {lv.low}..{lv.high} runs backwards",
                                                  lv.span, f"write `{lv.high}..{lv.low}`"))
                    lo, hi = hi, lo
                values += [lo, hi]
            return Range(min(values), max(values)), False
        if isinstance(rule, ast.Scale):
            values = [pts(s.points) for s in rule.steps]
            return Range(min(values), max(values)), False
        if isinstance(rule, ast.Checklist):
            if len(rule.scores) != len(rule.checks) + 1:
                self.diagnostics.append(error(
                    "KPI161", f"a checklist of {len(rule.checks)} checks needs {len(rule.checks) + 1} scores "
                    f"(for 0 to {len(rule.checks)} failed), not {len(rule.scores)}", rule.span,
                    "give one score for each number of failed checks, best first"))
            values = [pts(q) for q in rule.scores]
            return Range(min(values), max(values)), False
        if isinstance(rule, ast.Tiers):
            return self._tiers(rule, pts), False
        if isinstance(rule, ast.Ratio):
            unit, dom = self._expr(rule.subject)
            if unit is None or dom is None:
                return None, True
            u = unit if unit != "bare" else None
            target = self._literal(rule.target, u, " (the target)")
            step = self._points_like(rule.step)
            per = self._literal(rule.per, u) if rule.per is not None else (Decimal("0.01") if unit == "percent" else ONE)
            base = pts(rule.base) if rule.base is not None else size
            if target is None or per is None:
                return None, True
            if per <= 0:
                self.diagnostics.append(error("KPI163", "`per` must be greater than zero", rule.per.span))
                return None, True
            raw = Range(base, base) + (dom - Range(target, target)) * Range(step / per, step / per)
            return raw.clamp(ZERO, cap), True
        if isinstance(rule, ast.Proportional):
            unit, dom = self._expr(rule.subject)
            if dom is None:
                return None, True
            return (Range(size, size) * dom).clamp(ZERO, cap), True
        if isinstance(rule, ast.Deduct):
            unit, dom = self._expr(rule.per)
            amount = self._points_like(rule.amount)
            base = pts(rule.base) if rule.base is not None else size
            if dom is None:
                return None, False
            raw = Range(base, base) - dom * Range(amount, amount)
            if rule.floored:
                raw = Range(max(raw.lo, ZERO), max(raw.hi, ZERO))
            return raw, False
        if isinstance(rule, ast.Change):
            unit, dom = self._expr(rule.subject)
            if unit is None or dom is None:
                return None, True
            per = self._literal(rule.per, unit if unit != "bare" else None)
            by = self._points_like(rule.by)
            base = pts(rule.base) if rule.base is not None else size
            if per is None:
                return None, True
            if per <= 0:
                self.diagnostics.append(error("KPI163", "`per` must be greater than zero", rule.per.span))
                return None, True
            delta = dom - dom  # this period's value minus last period's
            raw = Range(base, base) + delta * Range(by / per, by / per)
            return raw.clamp(ZERO, cap), True
        return Range(ZERO, size), True

    # ---- tiers and bands -------------------------------------------------------------------------
    def _band(self, band: ast.Band, unit: str | None, integer: bool) -> Interval | None:
        lo = hi = None
        lo_c = hi_c = False
        for b in band.bounds:
            v = self._literal(b.value, unit)
            if v is None:
                return None
            if b.op in (">", ">="):
                lo, lo_c = v, b.op == ">="
            elif b.op in ("<", "<="):
                hi, hi_c = v, b.op == "<="
            else:  # "="
                lo = hi = v
                lo_c = hi_c = True
        return Interval(lo, hi, lo_c, hi_c, integer)

    def _tiers(self, rule: ast.Tiers, pts) -> Range | None:
        unit, dom = self._expr(rule.subject)
        points = [pts(t.points) for t in rule.tiers]
        full = Range(min(points), max(points))
        if unit is None or dom is None:
            return full
        u = unit if unit != "bare" else None
        integer = unit in INTEGER_UNITS
        domain = Interval(dom.lo if dom.lo != -INF else None, dom.hi if dom.hi != INF else None,
                          dom.lo != -INF, dom.hi != INF, integer)
        bands: list[tuple[ast.Tier, Interval, Decimal]] = []
        has_else = False
        broken = False
        for t, p in zip(rule.tiers, points):
            if t.band is None:
                has_else = True
                continue
            iv = self._band(t.band, u, integer)
            if iv is None:
                broken = True
                continue
            bands.append((t, iv, p))
        if broken:
            return full
        reachable = []
        overlapping = False
        for t, iv, p in bands:
            if iv.is_empty():
                self.diagnostics.append(warning("KPI123", "this tier can never apply: its bounds leave no value", t.span,
                                                "check the direction of `>` and `<`"))
            elif not iv.overlaps(domain):
                self.diagnostics.append(warning(
                    "KPI123", f"this tier can never apply: `{_subject_text(rule.subject)}` lies in "
                    f"{_fmt_in(dom.lo, unit)}..{_fmt_in(dom.hi, unit)}", t.span,
                    "declare a wider range on the input, or remove the tier"))
            else:
                reachable.append(p)
        for i, (t1, a, p1) in enumerate(bands):
            for t2, b, p2 in bands[i + 1:]:
                common = a.intersect(b)
                if common.is_empty():  # the usual answer: leave the domain out of it
                    continue
                common = common.intersect(domain)
                if common.is_empty():
                    continue
                at = _describe(common, unit)
                overlapping = True
                if p1 != p2:
                    self.diagnostics.append(error(
                        "KPI121", f"two tiers contradict each other: for {at} one gives {_fmt(p1)} and the other {_fmt(p2)}",
                        t2.span, "make the bands exclusive, e.g. `> 3` and `<= 3`",
                        (Related("the other tier", t1.span),)))
                else:
                    self.diagnostics.append(warning(
                        "KPI122", f"two tiers overlap (for {at}), both giving {_fmt(p1)}", t2.span,
                        "merge them or make the bands exclusive", (Related("the other tier", t1.span),)))
        if not has_else:
            holes = gaps(domain, [iv for _, iv, _ in bands])
            if holes:
                hole = holes[0]
                verb = "gets" if hole.is_point() else "get"
                self.diagnostics.append(error(
                    "KPI120", f"the tiers leave a gap: {_describe(hole, unit)} {verb} no tier",
                    rule.span, "add a tier for it, widen a neighbouring bound (`>=` for `>`), or add `else: 0`"))
                reachable.append(ZERO)  # the evaluator refuses such a value; count it as nothing
        else:
            reachable += [p for t, p in zip(rule.tiers, points) if t.band is None]
        if len(bands) >= 3 and not overlapping:  # with overlaps there is no order to speak of
            ordered = sorted(bands, key=lambda b: (b[1].lo if b[1].lo is not None else -INF))
            seq = [p for _, _, p in ordered]
            ups = any(b > a for a, b in zip(seq, seq[1:]))
            downs = any(b < a for a, b in zip(seq, seq[1:]))
            if ups and downs:
                self.diagnostics.append(warning(
                    "KPI124", "the tiers' points go up and down as the value rises: "
                    + ", ".join(_fmt(p) for p in seq), rule.span,
                    "a better result should not score less; check each tier's points"))
        if not reachable:
            return full
        return Range(min(reachable), max(reachable))

    def _check_grades(self, grades: list[ast.Grade]) -> None:
        if not grades:
            return
        bands = []
        otherwise = False
        for g in grades:
            if g.band is None:
                otherwise = True
                continue
            iv = self._band(g.band, "points", False)
            if iv is not None:
                bands.append((g, iv))
        for i, (g1, a) in enumerate(bands):
            for g2, b in bands[i + 1:]:
                common = a.intersect(b)
                if not common.is_empty():
                    w = common.witness()
                    self.diagnostics.append(error(
                        "KPI151", f"grades `{g1.name}` and `{g2.name}` overlap: a total of {_fmt(w)} is both",
                        g2.band.span, "make the bands exclusive, e.g. `>= 80 and < 90` below `>= 90`",
                        (Related(f"`{g1.name}` is here", g1.band.span),)))
        if otherwise or self.total_range is None:
            return
        r = self.total_range
        domain = Interval(r.lo if r.lo != -INF else None, r.hi if r.hi != INF else None,
                          r.lo != -INF, r.hi != INF)
        holes = gaps(domain, [iv for _, iv in bands])
        if holes:
            hole = holes[0]
            self.diagnostics.append(error(
                "KPI150", f"the grade bands leave a gap: totals {_describe(hole, 'points').removeprefix('values ')} get no grade "
                f"(totals run {_fmt(r.lo)}..{_fmt(r.hi)})", grades[-1].span,
                "extend a band to meet its neighbour, or end with `grade … otherwise`"))

    # ---- results -----------------------------------------------------------------------------------------
    def _all_vetoes(self):
        return [s for s in self.program.statements if isinstance(s, ast.Veto)]

    def _check_veto(self, v: ast.Veto) -> None:
        sym = self._lookup(v.condition, v.span, ("input",), "an input")
        if sym is not None and sym.unit != "yes/no":
            self.diagnostics.append(error(
                "KPI171", f"a veto needs a yes/no input; `{v.condition}` is {UNIT_WORDS[sym.unit]}", v.span,
                f'declare it as `input {v.condition} "…": yes/no`'))

    def _check_award(self, a: ast.Award) -> None:
        if a.amount.suffix not in ("", "元"):
            self.diagnostics.append(error("KPI130", f"an award is money; `{a.amount}` is not", a.amount.span,
                                          f"write `{a.amount.value}元`"))
        if a.when is not None:
            self._condition(a.when)
        if a.best_of is not None:
            self._expr(a.best_of.expr)
            self._lookup(a.best_of.group, a.best_of.span, ("key",), "a group")
        if a.requires is not None:
            self._lookup(a.requires, a.span, ("grade",), "a grade")

    def _check_pool(self, p: ast.Pool) -> None:
        self._expr(p.expr)
        self._lookup(p.shared_by, p.span, ("key",), "a group")

    def _check_pay(self, p: ast.Pay) -> None:
        unit, _ = self._expr(p.expr)
        if unit not in (None, "bare", "money"):
            self.diagnostics.append(error(
                "KPI130", f"pay `{p.name}` is money, but its formula gives {UNIT_WORDS[unit]}", p.expr.span,
                "multiply by an amount of money, e.g. `* base_salary`"))
        if p.when is not None:
            self._condition(p.when)

    def _check_exclude(self, x: ast.Exclude) -> None:
        self._condition(x.when)

    def _check_streak(self, s: ast.Streak) -> None:
        self._condition(s.when)
        if s.periods.value < 2 or s.periods.value != s.periods.value.to_integral_value():
            self.diagnostics.append(error("KPI172", f"a streak runs over a whole number of periods, 2 or more; not {s.periods}",
                                          s.periods.span))

    def _check_quota(self, q: ast.Quota) -> None:
        self._lookup(q.grade, q.span, ("grade",), "a grade")
        self._lookup(q.per, q.span, ("key",), "a group")
        if q.at_most.suffix == "%" and not (0 < q.at_most.value <= 100):
            self.diagnostics.append(error("KPI180", f"a quota of {q.at_most} is not a share of a team", q.at_most.span,
                                          "write a percent between 0% and 100%"))
        for e in q.tie_by:
            self._expr(e)

    def _check_flag(self, f: ast.Flag) -> None:
        self._lookup(f.per, f.span, ("key",), "a group")

    def _check_unused(self) -> None:
        # A name another rule needs only at evaluation (a rater, a key) is not "unused".
        for name, sym in self.symbols.items():
            if sym.used or sym.imported or sym.kind not in ("input", "metric"):
                continue
            if sym.node.span.file != self.program.root.file:
                continue
            self.diagnostics.append(warning(
                "KPI141", f"{sym.kind} `{name}` is never used", _name_span(sym.node),
                "remove it, or use it in a rule or formula"))


def _vars(e):
    """Every name a formula reads."""
    if isinstance(e, ast.Var):
        yield e
    elif isinstance(e, ast.BinOp):
        yield from _vars(e.left)
        yield from _vars(e.right)
    elif isinstance(e, ast.Neg):
        yield from _vars(e.operand)
    elif isinstance(e, ast.Call):
        for a in e.args:
            yield from _vars(a)
    elif isinstance(e, ast.Progressive):
        yield from _vars(e.subject)


def _known(unit: str | None) -> bool:
    """A definite unit, as opposed to unknown (None) or a bare number that takes any unit."""
    return unit is not None and unit != "bare"


def _compatible(a: str, b: str) -> bool:
    if a == b:
        return True
    return a in DIMENSIONLESS and b in DIMENSIONLESS


def _unit_hint(unit: str) -> str:
    return {
        "percent": "write it as a percent, e.g. `90%`",
        "count": "write a plain count, e.g. `3`",
        "money": "write an amount, e.g. `200元` or `200`",
        "hours": "write hours, e.g. `24h`",
        "days": "write days, e.g. `3d`",
        "points": "write points, e.g. `5`",
    }.get(unit, "use the unit of the value it is compared with")


def _subject_text(e) -> str:
    if isinstance(e, ast.Var):
        return e.name
    return "the value"


def _describe(iv: Interval, unit: str | None) -> str:
    """An interval in the language's own words: "exactly 1%", "values >= 79 and < 80"."""
    n = iv.normalized()
    if n.is_point():
        return "exactly " + _fmt_in(n.lo, unit)
    parts = []
    if n.lo is not None:
        parts.append((">= " if n.lo_closed else "> ") + _fmt_in(n.lo, unit))
    if n.hi is not None:
        parts.append(("<= " if n.hi_closed else "< ") + _fmt_in(n.hi, unit))
    return "values " + " and ".join(parts) if parts else "every value"


def check(program: Program) -> list[Diagnostic]:
    with cycle_gc_paused():
        return Checker(program).run()
