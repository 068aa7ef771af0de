"""Lowering, part one: the lowerer's state, and formulas, conditions, bands, metrics and
columns lowered to IR expressions (``lowerer.Lowerer`` adds items, sections and the plan)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from kpidsl import ir
from kpidsl.analysis.units import BUILTIN_UNITS, DEFAULT_LOW, DEFAULT_RANGES, INTEGER_UNITS, ROUNDING_FUNCTIONS, expr_unit
from kpidsl.lower import bounds, dates, lists, tables
from kpidsl.lower.steps import MetricGuards
from kpidsl.numbers.spelling import in_unit
from kpidsl.syntax import ast
from kpidsl.syntax.loader import Program
from kpidsl.syntax.names import aggregated, names_in
from kpidsl.syntax.printer import expr_text

ZERO = ir.Const(Decimal(0))
ONE = ir.Const(Decimal(1))
HUNDRED = Decimal(100)
RATER_RULES = (type(None), ast.Levels, ast.Scale, ast.Checklist)


def const(v: Decimal | int | str) -> ir.Const:
    return ir.Const(Decimal(v))


def sum_of(terms: Sequence[ir.Expr]) -> ir.Expr:
    if not terms:
        return ZERO
    out = terms[0]
    for t in terms[1:]:
        out = ir.Bin("+", out, t)
    return out


class IRAlgebra:
    """Formulas as IR expressions: what backends compute."""

    def const(self, v: Decimal) -> ir.Expr:
        return ir.Const(v)

    def add(self, a: ir.Expr, b: ir.Expr) -> ir.Expr:
        return ir.Bin("+", a, b)

    def sub(self, a: ir.Expr, b: ir.Expr) -> ir.Expr:
        return ir.Bin("-", a, b)

    def mul(self, a: ir.Expr, b: ir.Expr) -> ir.Expr:
        return ir.Bin("*", a, b)

    def max(self, a: ir.Expr, b: ir.Expr) -> ir.Expr:
        return ir.Max((a, b))

    def clamp(self, x: ir.Expr, lo: ir.Expr, hi: ir.Expr) -> ir.Expr:
        return ir.Min((ir.Max((x, lo)), hi))


IR = IRAlgebra()


class LoweringError(Exception):
    """The rubric is not checked clean; lowering is only defined for sound rubrics."""


class ExprLowerer:
    """Formulas and conditions -> IR, and the columns and metric steps they read."""

    def __init__(self, program: Program):
        self.program = program
        self.stmts = program.statements
        self.inputs = {s.name: s for s in self.stmts if isinstance(s, ast.Input)}
        self.metrics = {s.name: s for s in self.stmts if isinstance(s, ast.Metric)}
        self.pays = {s.name: s for s in self.stmts if isinstance(s, (ast.Pay, ast.Pool, ast.Award))}
        self.raters = [s for s in self.stmts if isinstance(s, ast.Rater) and s.weight is not None]
        self.recorded = [s for s in self.stmts if isinstance(s, ast.Rater) and not s.counted]
        # While lowering a `not counted` rater's own view: their marks stand in for the counted ones
        self._view: ast.Rater | None = None
        self.grades = [s for s in self.stmts if isinstance(s, ast.Grade)]
        self.early = self._read_early()
        keys = [s for s in self.stmts if isinstance(s, ast.Key)]
        self.person = next((k.name for k in keys if k.kind == "person"), "id")
        self.groups = tuple(k.name for k in keys if k.kind == "group")
        self.rounding = {s.level: (s.step.magnitude, s.mode) for s in self.stmts if isinstance(s, ast.Rounding)}
        self.columns: dict[str, ir.Column] = {}
        self.score_steps: list[ir.Step] = []
        self.result_steps: list[ir.Step] = []
        self._lowered_metrics: set[str] = set()
        self.guards = MetricGuards()
        self._reader: tuple[str, object] = ("any", None)  # who is reading, for guards
        self._aux = 0
        self._phase = "score"
        self.vetoes: list[tuple[str, str, str]] = []  # (column, label, what it zeroes)
        # item -> (weighted rater, or None for the one person who fills it; column), for the outline
        self.fills: dict[str, tuple[tuple[str | None, str], ...]] = {}
        self.na_flags: dict[str, ir.Expr] = {}  # item -> 1 when it does not apply in this row, else 0
        self.na_spread: dict[str, tuple[str | None, str]] = {}  # item -> its label, where its points go, in words

    def _read_early(self) -> set[str]:
        """The metrics the scores or the grades read, themselves or through other metrics: a
        group figure among them is taken in the score phase (engine/groups.py), not with pay."""
        todo = [n for s in self.stmts if isinstance(s, (ast.Item, ast.Section, ast.Grade)) for n, _ in names_in(s)]
        seen: set[str] = set()
        while todo:
            name = todo.pop()
            if name in seen or name not in self.metrics:
                continue
            seen.add(name)
            todo += [n for n, _ in names_in(self.metrics[name].expr)]
        return seen

    # ---- helpers ------------------------------------------------------------------------
    def _named(self, name: str, kind: str) -> tuple[str, str]:
        """A score step's name and kind, in a recorded rater's view an aux step of its own."""
        return (name, kind) if self._view is None else (f"{name}@{self._view.name}", "aux")

    def _emit(self, step: ir.Step) -> str:
        (self.score_steps if self._phase == "score" else self.result_steps).append(step)
        return step.name

    def _column(self, name: str, unit: str, label: str | None, span: ast.Span, *,
                low: Decimal | None = None, high: Decimal | None = None, allowed: tuple[Decimal, ...] | None = None,
                allowed_ranges: tuple[tuple[Decimal, Decimal], ...] | None = None, optional: bool = False,
                may_be_na: bool = False, source: tuple[str, str | None] | None = None,
                levels: tuple[tuple[str, Decimal, Decimal], ...] = (), blank: bool = False) -> ir.Cell:
        if name not in self.columns:
            integer = unit in INTEGER_UNITS
            self.columns[name] = ir.Column(name, label, unit, low, high, allowed, allowed_ranges,
                                           integer, span.line, span.file, optional, may_be_na, source, levels=levels, blank=blank)
        return ir.Cell(name)

    def _input_cell(self, name: str, column: str | None = None, label: str | None = None) -> ir.Cell:
        """The cell of input ``name``; of a list input, its ``column`` (titled ``label``)."""
        s = self.inputs[name]
        if s.range is not None:
            low = s.range.low.magnitude
            high = s.range.high.magnitude if s.range.high is not None else None
        else:
            low, high = DEFAULT_RANGES.get(s.unit, (DEFAULT_LOW, None))
        source = (s.source.who, s.source.detail) if s.source is not None else None
        blank = s.optional and (s.blank is None or s.blank.action != "error")
        return self._column(column or name, s.unit, label if column else s.label, s.span, low=low, high=high,
                            source=source, blank=blank)

    def _list_call(self, e: ast.Call) -> ir.Expr | None:
        """A function over values that may be blank (``lower/lists.py``): a list input's, or
        optional inputs'; None where every value is always given (the plain arithmetic)."""
        if e.over is not None or e.func not in lists.LIST_FUNCTIONS:
            return None
        values = e.args[:1] if e.func == "trimmed_mean" else e.args
        inputs = [self.inputs.get(a.name) if isinstance(a, ast.Var) else None for a in values]
        if e.func not in ("median", "trimmed_mean") and not any(s is not None and s.optional for s in inputs):
            return None
        members: list[lists.Member] = []
        guards: list[tuple[ir.Expr, int, str]] = []
        for a, s in zip(values, inputs):
            if s is not None and s.columns is not None:
                own: list[lists.Member] = []
                for k, column in enumerate(s.columns.columns, 1):
                    cell = self._input_cell(s.name, column, f"{s.label or s.name}{k}")
                    own.append((cell, ir.Given(column) if self.columns[column].blank else None))
                members += own
                least = int(s.columns.at_least.value) if s.columns.at_least is not None else 1
                guards.append((lists.count(own), least, f"{s.label or s.name} ({s.columns.written})"))
            elif s is not None and s.optional:
                cell = self._input_cell(s.name)
                members.append((cell, ir.Given(cell.column)))
            else:
                members.append((self.expr(a), None))
        trim = None
        if e.func == "trimmed_mean":
            drop = e.args[1]
            assert isinstance(drop, ast.Number)  # the checker insists on numbers written out (KPI215)
            given = e.args[2] if len(e.args) > 2 else None
            assert given is None or isinstance(given, ast.Number)
            d = drop.quantity.value
            trim = (d, given.quantity.value if given is not None else 2 * d + 1)
        out = lists.lower(e.func, members, trim)
        for n, least_count, what in guards:
            out = lists.at_least(out, n, least_count, what)
        return out

    # ---- expressions ---------------------------------------------------------------------
    def expr(self, e: Any) -> ir.Expr:
        if isinstance(e, ast.Number):
            return ir.Const(e.quantity.magnitude)
        if isinstance(e, ast.DateLit):
            return dates.literal(e)
        if isinstance(e, ast.Var) and e.name in dates.PERIOD_EDGES and e.name not in self.inputs | self.metrics:
            return dates.period_edge(self, e)
        if isinstance(e, ast.Var):
            n = e.name
            if n in self.inputs:
                return self._input_cell(n)
            if n in self.metrics:
                self.guards.read(n, self._reader)
                self._metric(n)
                return ir.Ref(n)
            return ir.Ref(n)  # items, sections, total, coefficient, pays: steps by the same name
        if isinstance(e, ast.Neg):
            return ir.Neg(self.expr(e.operand))
        if isinstance(e, ast.BinOp):
            return ir.Bin(e.op, self.expr(e.left), self.expr(e.right))
        if isinstance(e, ast.Call):
            listed = self._list_call(e)
            return listed if listed is not None else self._call(e, [self.expr(a) for a in e.args])
        if isinstance(e, ast.Progressive):
            return bounds.progressive(self, e, self.expr(e.subject))
        if isinstance(e, ast.Tiers):
            return tables.tiers(self.band, self.expr(e.subject), e.tiers, lambda q: q.magnitude)
        if isinstance(e, ast.Table):
            return tables.table(self.band, self.expr(e.row_key), self.expr(e.column_key), e)
        raise LoweringError(f"cannot lower {type(e).__name__}")

    def _call(self, e: ast.Call, args: list[ir.Expr]) -> ir.Expr:
        if e.over is not None:
            self._aux += 1
            name = f"_agg{self._aux}"
            # the aggregated value is computed per row first, in the phase it belongs to
            self._emit(ir.Step(name, "aux", args[0] if args else ONE))
            at = e.args[1] if e.func == "percentile" else None  # the checker made it a written percent
            return ir.Agg(e.func, name, e.over, at.quantity.magnitude if isinstance(at, ast.Number) else None)
        if e.func == "sqrt":
            return ir.Sqrt(args[0])
        if e.func == "min":
            return ir.Min(tuple(args))
        if e.func == "max":
            return ir.Max(tuple(args))
        if e.func == "abs":
            return ir.Max((args[0], ir.Neg(args[0])))
        if e.func == "sum":
            return sum_of(args)
        if e.func == "average":
            return ir.Bin("/", sum_of(args), const(len(args)))
        if e.func == "count":
            return const(len(args))
        if e.func == "number":
            return args[0]
        if e.func in ("full_months", "full_years"):
            return dates.full(self, e, args[0], args[1])
        if e.func in ROUNDING_FUNCTIONS:
            if e.func == "round":
                step = e.args[1]
                assert isinstance(step, ast.Number)  # the checker insists on a literal step
                return ir.Round(args[0], step.quantity.magnitude, e.mode or ROUNDING_FUNCTIONS["round"])
            return ir.Round(args[0], Decimal(1), ROUNDING_FUNCTIONS[e.func])
        raise LoweringError(f"unknown function {e.func}")

    def _metric(self, name: str) -> None:
        if name in self._lowered_metrics:
            return
        self._lowered_metrics.add(name)
        m = self.metrics[name]
        # a metric of an aggregate that no score or grade reads is worked out with pay, as it
        # always was; one that feeds a score is a group figure of the score phase
        late = aggregated(name, self.metrics) and name not in self.early
        phase, self._phase = self._phase, "result" if late else "score"
        reader, self._reader = self._reader, ("metric", name)
        start = len(self.score_steps)
        value = self._held_to_range(name, m, self.expr(m.expr))
        self._emit(ir.Step(name, "metric", value, m.label, m.span.line, why=f"metric {expr_text(m.expr)}"))
        if self._phase == "score":  # its own steps, not those of the metrics it read
            inner = {x for k in self.guards.steps.values() for x in k}
            self.guards.owns(name, [x.name for x in self.score_steps[start:] if x.name not in inner])
        self._phase, self._reader = phase, reader

    def _held_to_range(self, name: str, m: ast.Metric, value: ir.Expr) -> ir.Expr:
        """The checker proves every rule over a metric's declared range (its unit's default
        range when it declares none); a row whose metric falls outside is a data error."""
        if m.range is not None:
            low = m.range.low.magnitude
            high = m.range.high.magnitude if m.range.high is not None else None
        else:
            low, high = DEFAULT_RANGES.get(m.unit, (DEFAULT_LOW, None))
        if isinstance(value, ir.Const):
            return value
        self._aux += 1
        raw = ir.Ref(self._emit(ir.Step(f"_raw{self._aux}", "aux", value)))

        def text(x: Decimal | None) -> str:
            if x is None:
                return ""
            return in_unit(x, m.unit)
        message = (f"metric `{name}` comes out outside its range {text(low)}..{text(high)}, over which the "
                   f"rubric was checked (declare a wider `range` on it)")
        held: ir.Expr = raw
        if high is not None:
            held = ir.If(ir.Cmp(">", raw, ir.Const(high)), ir.Fail(message, raw), held)
        if low is not None:
            held = ir.If(ir.Cmp("<", raw, ir.Const(low)), ir.Fail(message, raw), held)
        return held

    def cond(self, c: Any) -> ir.Cond:
        if isinstance(c, ast.BoolOp):
            parts: list[ir.Cond] = []
            for side in (c.left, c.right):  # `a and b and c` is one And of three
                lowered = self.cond(side)
                same = ir.And if c.op == "and" else ir.Or
                parts.extend(lowered.args if isinstance(lowered, same) else (lowered,))
            return ir.And(tuple(parts)) if c.op == "and" else ir.Or(tuple(parts))
        if isinstance(c, ast.Not):
            return ir.Not(self.cond(c.operand))
        if isinstance(c, ast.Compare):
            return ir.Cmp(c.op, self.expr(c.left), self.expr(c.right))
        if isinstance(c, ast.Truth):
            return ir.IsTrue(self.expr(c.expr))
        if isinstance(c, ast.GradeTest):
            index = next(i for i, g in enumerate(self.grades) if g.name == c.grade)
            op = {"is": "=", "at least": "<=", "below": ">"}[c.test]  # grade 0 is the best
            return ir.Cmp(op, ir.Ref("grade"), const(index))
        raise LoweringError(f"cannot lower condition {type(c).__name__}")

    def band(self, band: ast.Band, x: ir.Expr) -> ir.Cond:
        parts = tuple(ir.Cmp(b.op, x, bounds.limit(self, b.value)) for b in band.bounds)
        return parts[0] if len(parts) == 1 else ir.And(parts)

    # ---- items and sections ---------------------------------------------------------------
    def _rounded(self, level: str, x: ir.Expr) -> ir.Expr:
        if level in self.rounding:
            step, mode = self.rounding[level]
            return ir.Round(x, step, mode)
        return x

    def _last(self, e: Any) -> ir.Expr:
        """The same formula over last period's values: ``name.last`` columns, which the
        evaluator fills from the person's previous period when the data has no such column."""
        if isinstance(e, ast.Var) and e.name in self.inputs:
            s = self.inputs[e.name]
            # last period's value lies in the same range as this period's, as the checker assumed
            this = self.columns.get(e.name)
            return self._column(f"{e.name}.last", s.unit, f"{s.label or s.name}.last", s.span, optional=True,
                                low=this.low if this else None, high=this.high if this else None)
        if isinstance(e, ast.Var) and e.name in self.metrics:
            return self._last(self.metrics[e.name].expr)
        if isinstance(e, ast.BinOp):
            return ir.Bin(e.op, self._last(e.left), self._last(e.right))
        if isinstance(e, ast.Neg):
            return ir.Neg(self._last(e.operand))
        # floor(x), min(x, y)…: the function of last period's values, not of this period's
        if isinstance(e, ast.Call) and e.over is None:
            return self._call(e, [self._last(a) for a in e.args])
        if isinstance(e, ast.Progressive):
            return bounds.progressive(self, e, self._last(e.subject))
        if isinstance(e, ast.Tiers):
            return tables.tiers(self.band, self._last(e.subject), e.tiers, lambda q: q.magnitude)
        if isinstance(e, ast.Table):
            return tables.table(self.band, self._last(e.row_key), self._last(e.column_key), e)
        return self.expr(e)

    def _unit_of(self, e: Any) -> str | None:
        """A formula's unit by the checker's own rules (``units.expr_unit``): a ratio on
        ``(a + b) / 2`` of percents steps per percentage point, as the checker assumed."""
        def name_unit(name: str) -> str | None:
            s = self.inputs.get(name) or self.metrics.get(name)
            return s.unit if s is not None else BUILTIN_UNITS.get(name)
        return expr_unit(e, name_unit)
