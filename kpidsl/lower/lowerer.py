"""Lowering: a checked ``Program`` -> the scoring IR (``ir.Plan``).

Each scoring rule becomes plain arithmetic here, once, so every
backend agrees on what a rule means:

* levels (R1/R2): the points the rater gave, validated against the levels;
* scale (R3), checklist (R12): the rater's step / number of failed checks,
  looked up in the rule's table;
* tiers (R4/R5): a conditional chain; a value no tier covers is a data error;
* ratio (R6): clamp(base + step × (value − target) ÷ per, 0, points + bonus);
* proportional (R7/R8): clamp(points × value, 0, points + bonus);
* deduct (R9/R10): base − amount × count, floored at 0 unless ``no floor``;
* change (R11): clamp(base + by × (value − last value) ÷ per, 0, points + bonus);
* entered by / no rule (R14): the entered points, 0..points;
* factor items (R15): as their rule says, in coefficient units;
* vetoes (R13) zero their item, section or the whole appraisal.

Items a rater fills in (levels, scale, checklist, no rule) get one data
column per weighted rater (``discipline.self``, ``discipline.supervisor``)
and are combined by the raters' weights; with no weighted raters, one column
named after the item.
A rater ``not counted`` gets a column of their own beside those
(``discipline.self``), and a ``recorded`` step named after them: the sections and
items lowered again over their marks (aux steps ``NAME@RATER``), summed into nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from kpidsl import ir
from kpidsl.analysis import rules
from kpidsl.lower import bounds, exclusion, outline, results, tables
from kpidsl.lower import rank as lower_rank
from kpidsl.lower.exprs import HUNDRED, IR, ONE, RATER_RULES, ZERO, ExprLowerer, LoweringError, const, sum_of
from kpidsl.lower.steps import in_dependency_order
from kpidsl.numbers.spelling import NOT_APPLICABLE, spell
from kpidsl.syntax import ast
from kpidsl.syntax.loader import Program
from kpidsl.syntax.names import names_in
from kpidsl.syntax.printer import condition_text, rule_text


class Lowerer(ExprLowerer):
    """A checked program -> its ``ir.Plan``: items, sections, raters, grades and results."""

    def _veto(self, vetoes: Iterable[ast.Veto], x: ir.Expr, scope: str = "") -> ir.Expr:
        for v in vetoes:
            x = ir.If(ir.IsTrue(self._input_cell(v.condition)), ZERO, x)
            self.vetoes.append((v.condition, v.label or v.condition, scope))
        return x

    def _na_flag(self, it: ast.Item) -> ir.Expr | None:
        """1 when the item does not apply in this row: its condition, or its ``.na`` cell."""
        na = it.not_applicable
        if na is None or it.size_kind != "points":  # a factor item's points are not re-spread
            return None
        if it.name in self.na_flags:  # a recorded rater's view: decided once, for every view
            return self.na_flags[it.name]
        # an input the rule reads that is blank (`when blank: not applicable`) leaves the item out too
        blanks = tuple(ir.Not(ir.Given(self._input_cell(n).column)) for n in self._blank_reads(it.rule))
        if na.when is None:  # the column is declared with its siblings' re-spreading (_not_applicable)
            flag: ir.Expr = ir.Cell(f"{it.name}.na")
            if blanks:
                out = ir.Or((ir.IsTrue(flag), *blanks))
                flag = ir.Ref(self._emit(ir.Step(f"_na_{it.name}", "aux", ir.If(out, ONE, ZERO))))
        else:
            cond = self.cond(na.when)
            if blanks:  # the blank first: the condition may read the input too
                cond = ir.Or((*blanks, cond))
            flag = ir.Ref(self._emit(ir.Step(f"_na_{it.name}", "aux", ir.If(cond, ONE, ZERO))))
        self.na_flags[it.name] = flag
        return flag

    def _blank_reads(self, node: Any, seen: frozenset[str] = frozenset()) -> list[str]:
        """The inputs declared `when blank: not applicable` that ``node`` reads, through metrics too."""
        out: list[str] = []
        for name, _ in names_in(node):
            s = self.inputs.get(name)
            if s is not None and s.blank is not None and s.blank.action == "not applicable" and s.columns is None:
                out.append(name)
            elif name in self.metrics and name not in seen:
                out += self._blank_reads(self.metrics[name].expr, seen | {name})
        return list(dict.fromkeys(out))

    def item(self, it: ast.Item) -> str:
        if self._view is not None and (not isinstance(it.rule, RATER_RULES) or it.entered_by is not None):
            return it.name  # computed, or one named person's: the same in every rater's view
        na_flag = self._na_flag(it)  # first: an item that does not apply is not computed at all
        size = it.size.value
        cap = bounds.cap(self, it)
        rule = it.rule
        trace: list[tuple[str, ir.Expr]] = []
        why = ""
        if isinstance(rule, RATER_RULES):
            score = self._rater_entered(it, rule)
            why = {type(None): "entered by the raters", ast.Levels: "levels", ast.Scale: "scale",
                   ast.Checklist: "checklist, by failed checks"}[type(rule)]
            if it.entered_by is not None:
                why += f", picked by {it.entered_by.rater}"
        elif isinstance(rule, ast.EnteredBy):
            score = self._column(it.name, "points", it.label, it.span, low=Decimal(0), high=size)
            self.fills[it.name] = ((None, score.column),)
            why = f"entered by {rule.rater}"
        else:
            # what the rule reads is needed only where the item applies (lower/steps.py)
            reader, self._reader = self._reader, ("guard", na_flag) if na_flag is not None else ("any", None)
            score, trace = self._computed(rule, size, cap, f"item `{it.name}`")
            self._reader = reader
            why = rule_text(rule)
        score = self._veto([v for v in it.vetoes if v.scope == "item"], score, it.label or it.name)
        if it.size_kind == "points":  # a factor (R15) is a coefficient, not points to round
            score = self._rounded("items", score)
        if na_flag is not None:
            score = ir.If(ir.IsTrue(na_flag), ZERO, score)
            if it.not_applicable is not None and it.not_applicable.when is not None:
                why += f"; not applicable when {condition_text(it.not_applicable.when)}"
        name, kind = self._named(it.name, "item")
        return self._emit(ir.Step(name, kind, score, it.label, it.span.line, why=why, trace=tuple(trace)))

    def _rater_cells(self, it: ast.Item, rule: Any) -> list[tuple[Decimal, ir.Cell]]:
        size = it.size.value
        kwargs: dict = {"low": Decimal(0), "high": size}
        unit = "points"
        if isinstance(rule, ast.Levels):
            # what a rater picks may be written as the level's text, as well as its points
            levels = tuple((lv.text, lv.low.value, (lv.high or lv.low).value) for lv in rule.levels)
            if any(lv.high is not None for lv in rule.levels):
                kwargs = {"allowed_ranges": tuple((lo, hi) for _, lo, hi in levels), "levels": levels}
            else:
                kwargs = {"allowed": tuple(sorted({lo for _, lo, _ in levels})), "levels": levels}
        elif isinstance(rule, ast.Scale):
            unit = "level"
            kwargs = {"allowed": tuple(s.step.value for s in rule.steps)}
        elif isinstance(rule, ast.Checklist):
            unit = "count"
            kwargs = {"low": Decimal(0), "high": Decimal(len(rule.checks))}
        def rater_column(r: ast.Rater) -> ir.Cell:
            return self._column(f"{it.name}.{r.name}", unit, f"{it.label or it.name}.{r.label or r.name}",
                                it.span, **kwargs)
        if self._view is not None:  # lower() made the recorded columns with the counted ones
            return [(HUNDRED, rater_column(self._view))]
        if not self.raters or it.entered_by is not None:  # one person picks: one column
            cell = self._column(it.name, unit, it.label, it.span, **kwargs)
            fills: tuple[tuple[str | None, str], ...] = ((None, cell.column),)
            counted = [(HUNDRED, cell)]
        else:
            cells = [(r, rater_column(r)) for r in self.raters]
            fills = tuple((r.name, c.column) for r, c in cells)
            counted = [(r.weight.value, c) for r, c in cells if r.weight is not None]
        if it.entered_by is None:  # raters not counted fill what the counted ones fill, beside them
            fills += tuple((r.name, rater_column(r).column) for r in self.recorded)
        self.fills[it.name] = fills
        return counted

    def _rater_entered(self, it: ast.Item, rule: Any) -> ir.Expr:
        terms = []
        for weight, cell in self._rater_cells(it, rule):
            value: ir.Expr = cell
            if isinstance(rule, ast.Scale):
                value = self._table(cell, [(s.step.value, s.points.value) for s in rule.steps], "step")
            elif isinstance(rule, ast.Checklist):
                value = self._table(cell, list(enumerate(q.value for q in rule.scores)), "failed checks")
            terms.append(value if weight == HUNDRED else ir.Bin("*", value, ir.Const(weight / HUNDRED)))
        return sum_of(terms)

    def _table(self, x: ir.Expr, pairs: Any, what: str) -> ir.Expr:
        out: ir.Expr = ir.Fail(f"no score for this {what}", x)
        for key, value in reversed(pairs):
            out = ir.If(ir.Cmp("=", x, const(key)), const(value), out)
        return out

    def _computed(self, rule: Any, size: Decimal, cap: Decimal | ir.Expr, owner: str) -> tuple[ir.Expr, list[tuple[str, Any]]]:
        base = rules.base_or_size(rule.base.value if getattr(rule, "base", None) is not None else None, size)
        if isinstance(rule, ast.Tiers) and any(bounds.is_data(b.value) for t in rule.tiers if t.band is not None
                                               for b in t.band.bounds):
            x = self.expr(rule.subject)
            return bounds.tiers(self, rule, x, owner), [(self._shown("value", rule.subject), x)]
        if isinstance(rule, ast.Tiers):
            x = self.expr(rule.subject)  # the formula's tiers, its values points as written
            out = tables.tiers(self.band, x, rule.tiers, lambda q: q.value)
            return out, [(self._shown("value", rule.subject), x)]
        if isinstance(rule, ast.Ratio):
            x = self.expr(rule.subject)
            per = rule.per.magnitude if rule.per is not None else rules.default_per(self._unit_of(rule.subject))
            r = rules.ratio(IR, x, target=bounds.limit(self, rule.target), step=rule.step.value, per=per, base=base, cap=cap)
            return r.score, [(self._shown("value", rule.subject), x), ("before clamping", r.raw)]
        if isinstance(rule, ast.Proportional):
            x = self.expr(rule.subject)
            return rules.proportional(IR, x, size=size, cap=cap).score, [("ratio %", x)]
        if isinstance(rule, ast.Deduct):
            n = self.expr(rule.per)
            return rules.deduct(IR, n, amount=rule.amount.value, base=base, floored=rule.floored).score, [("count", n)]
        if isinstance(rule, ast.Change):
            x = self.expr(rule.subject)
            last = self._last(rule.subject)
            r = rules.change(IR, x, last, by=rule.by.value, per=rule.per.magnitude, base=base, cap=cap)
            return r.score, [(self._shown("this period", rule.subject), x),
                             (self._shown("last period", rule.subject), last)]
        raise LoweringError(f"cannot lower rule {type(rule).__name__}")

    def _shown(self, name: str, subject: Any) -> str:
        """A trace label; a trailing " %" asks explanations to print the value as a percent."""
        return name + " %" if self._unit_of(subject) == "percent" else name

    def members(self, members: Iterable[Any], parent_scale: Decimal) -> tuple[list[tuple[Any, Decimal, ir.Expr]], ir.Expr]:
        """Lower each member; return (node, points in the parent's scale, contribution) for each,
        and their sum with the points of members that do not apply re-spread."""
        out: list[tuple[Any, Decimal, ir.Expr]] = []
        for m in members:
            if isinstance(m, ast.Item):
                name = self.item(m)
                if m.size_kind == "points":
                    out.append((m, m.size.value, ir.Ref(name)))
            else:
                out.append(self.section(m, parent_scale))
        return out, self._not_applicable(out)

    def _not_applicable(self, out: list[tuple[Any, Decimal, ir.Expr]]) -> ir.Expr:
        """The members' sum, the points of items that do not apply re-spread as each declares.

        An item that does not apply already scores 0 (``item``), so the sum of the others is
        the plain sum; each item's spread share is then one term, multiplied out before its one
        division, so a whole result stays whole: (4 + 50) × 40 ÷ 60 is exactly 36."""
        plain = sum_of([c for _, _, c in out])
        na_items = [(node, node.not_applicable, pts) for node, pts, _ in out
                    if isinstance(node, ast.Item) and node.not_applicable is not None]
        if not na_items:
            return plain
        for node, na, _ in na_items:
            if na.when is None:
                self._column(f"{node.name}.na", "yes/no", f"{node.label or node.name}.不适用", na.span,
                              low=Decimal(0), high=Decimal(1), optional=True, may_be_na=True)
        flags = {node.name: self.na_flags[node.name] for node, _, _ in na_items}
        applicable = {node.name: (ir.Bin("-", ONE, flags[node.name]) if node.name in flags else ONE)
                      for node, _, _ in out}
        terms = [plain]
        for k, na, pk in na_items:
            others = [(n, p, c) for n, p, c in out if n is not k]
            self.na_spread.setdefault(k.name, (k.label, _spread_words(na, pk, others)))
            if na.policy == "give":
                _, p, c = next(x for x in others if x[0].name == na.target)
                moved: ir.Expr = ir.Bin("/", ir.Bin("*", c, ir.Const(pk)), ir.Const(p))
            elif na.policy == "proportionally":
                live = sum_of([ir.Bin("*", applicable[n.name], ir.Const(p)) for n, p, _ in others])
                moved = ir.Bin("/", ir.Bin("*", sum_of([c for _, _, c in others]), ir.Const(pk)), live)
            else:  # evenly: each applicable member gets an equal share, of its own points' worth
                live = sum_of([applicable[n.name] for n, _, _ in others])
                per_point = sum_of([ir.Bin("/", ir.Bin("*", c, ir.Const(pk)), ir.Const(p)) for _, p, c in others])
                moved = ir.Bin("/", per_point, live)
            # only when k does not apply: were every other member out too, `live` would be 0
            terms.append(ir.If(ir.IsTrue(flags[k.name]), moved, ZERO))
        return sum_of(terms)

    def section(self, s: ast.Section, parent_scale: Decimal) -> tuple[object, Decimal, ir.Expr]:
        weight = None
        if s.weight is not None:
            weight = rules.weight_points(s.weight.value, s.weight.suffix == "%", parent_scale)
        out_of = s.out_of.value if s.out_of is not None else None
        parts, inner = self.members(s.members, rules.member_scale(weight, out_of, parent_scale))
        factor = rules.rescale(weight, out_of)
        vetoes = [v for v in s.vetoes if v.scope != "appraisal"] + [
            v for m in s.members if isinstance(m, ast.Item) for v in m.vetoes if v.scope == "section"]
        if factor is not None and out_of is not None and weight is not None:
            # the section's own score, out of its `out of`, as its sheet prints it beside the weighted one
            own = self._rounded("sections", self._veto(vetoes, inner, s.label or s.name))
            self._emit(ir.Step(*self._named(f"{s.name}.score", "section_score"), own,
                               f"{s.label or s.name}（满分{spell(out_of)}）", s.span.line,
                               why=f"the members' points, out of {s.out_of}"))
            if factor * out_of == weight:  # the factor terminates (0.7, 1.6): one multiplication
                inner = ir.Bin("*", inner, ir.Const(factor))
            else:  # 20 out of 30: multiply first and divide once, so 15 × 20 / 30 is exactly 10
                inner = ir.Bin("/", ir.Bin("*", inner, ir.Const(weight)), ir.Const(out_of))
        value = self._rounded("sections", self._veto(vetoes, inner, s.label or s.name))
        why = f"weight {s.weight}" + (f" out of {s.out_of}" if s.out_of else "") if s.weight else "group"
        name = self._emit(ir.Step(*self._named(s.name, "section"), value, s.label, s.span.line, why=why))
        points = weight if weight is not None else sum((p for _, p, _ in parts), Decimal(0))
        return (s, points, ir.Ref(name))

    def _recorded_total(self, r: ast.Rater, top: Any, total_scale: Decimal, vetoes: Any) -> None:
        """A `not counted` rater's total: the rubric scored again with their marks in place of
        the counted raters' (computed items as computed), recorded beside the total."""
        filled = [item for item, cells in self.fills.items() if any(who == r.name for who, _ in cells)]
        if not filled:
            return
        self._view = r
        _, own = self.members(top, total_scale)
        own = self._rounded("total", self._veto(vetoes, own, "总分"))
        self._view = None
        self._emit(ir.Step(r.name, "recorded", own, r.label or r.name, r.span.line,
                           why="their own marks in place of the counted raters'; recorded, not summed",
                           trace=tuple((item, ir.Ref(f"{item}@{r.name}")) for item in filled)))

    # ---- the plan --------------------------------------------------------------------------
    def lower(self) -> ir.Plan:
        unfinished = [i.name for i in _all_items(self.stmts) if i.todos]
        if unfinished:  # the checker warns (KPI115); nothing is scored from a draft
            raise LoweringError(f"unfinished items (todo) cannot be scored: {', '.join(unfinished)}")
        total_setting = self.program.root.setting("total")
        total_scale = total_setting.value if isinstance(total_setting, ast.Quantity) else HUNDRED
        top = [s for s in self.stmts if isinstance(s, (ast.Section, ast.Item))]
        _, total = self.members(top, total_scale)
        # A veto at the top level, or one that says `zeroes appraisal` anywhere, zeroes the total.
        vetoes = [v for v in self.stmts if isinstance(v, ast.Veto)] + [
            v for v in _all_vetoes(top) if v.scope == "appraisal"]
        total = self._rounded("total", self._veto(vetoes, total, "总分"))
        # A rubric of pay lines only (a commission sheet) has no total to show: the step stays,
        # as 0, for formulas that name it, but is no output column.
        kind = "total" if top else "aux"
        self._emit(ir.Step("total", kind, total, "总分", why="sum of the weighted sections and items"))
        for r in self.recorded:
            self._recorded_total(r, top, total_scale, vetoes)
        grades = tuple(ir.Grade(g.name, g.label, lower_rank.grade_cond(self, g),
                                g.coefficient.value if g.coefficient is not None else None)
                       for g in self.grades)
        distribution = lower_rank.lower_distribution(self)
        # decided before a row is scored: the metrics it reads are inlined as their formulas
        # (KPI192 keeps everything but inputs and metrics out)
        conds = [(self.cond(x.when), x.reason) for x in self.stmts if isinstance(x, ast.Exclude)]
        known = {s.name: s.expr for s in self.score_steps}  # metrics and their raw values
        excludes = tuple((ir.inline(c, known), reason) for c, reason in conds)
        not_applicable = tuple(ir.NotApplicable(item, label, ir.inline(self.na_flags[item], known), words,
                                                f"{label or item} {NOT_APPLICABLE}: {words}")
                               for item, (label, words) in self.na_spread.items())

        self._phase = "result"
        money = self.rounding.get("money", (Decimal("0.01"), "half up"))
        grades, ungraded = exclusion.from_grading(self, grades)  # before the coefficient: the ungraded have none
        if any(g.coefficient is not None for g in grades):
            coef: ir.Expr = const(grades[-1].coefficient or 0)
            for i in range(len(grades) - 2, -1, -1):
                coef = ir.If(ir.Cmp("=", ir.Ref("grade"), const(i)), const(grades[i].coefficient or 0), coef)
            self._emit(ir.Step("coefficient", "coefficient", coef, "绩效系数", why="the grade's coefficient"))
        best_of, pools, streaks, flags, quotas, when_flags = results.lower_results(self, money)
        when_flags += ungraded
        title = self.program.root.setting("rubric") or ""
        return ir.Plan(
            title=str(title), person=self.person, period="period", groups=self.groups,
            columns=tuple(self.columns.values()), score_steps=in_dependency_order(self.guards.wrap(self.score_steps)), grades=grades,
            result_steps=in_dependency_order(self.result_steps), exclude=excludes, best_of=tuple(best_of),
            pools=tuple(pools), quotas=tuple(quotas), streaks=tuple(streaks), flags=tuple(flags),
            when_flags=tuple(when_flags), distribution=distribution,
            money_round=money, vetoes=tuple(dict.fromkeys(self.vetoes)),
            key_labels=tuple((k.name, k.label) for k in self.stmts if isinstance(k, ast.Key) and k.label),
            outline=outline.build(self.program, self.fills), not_applicable=not_applicable,
        )


def _spread_words(na: ast.NotApplicable, points: Decimal, others: list[tuple[Any, Decimal, ir.Expr]]) -> str:
    """Where the points of an item that does not apply go, for explanations."""
    names = ", ".join(n.label or n.name for n, _, _ in others)
    if na.policy == "give":
        to = next((n.label or n.name for n, _, _ in others if n.name == na.target), na.target)
        return f"its {spell(points)} points given to {to}"
    if na.policy == "proportionally":
        return f"its {spell(points)} points spread over {names} (those that apply), in proportion to their points"
    return f"its {spell(points)} points spread evenly over {names} (those that apply)"


def _all_vetoes(members: Iterable[Any]) -> Iterator[ast.Veto]:
    for m in members:
        yield from m.vetoes
        if isinstance(m, ast.Section):
            yield from _all_vetoes(m.members)


def _all_items(members: Iterable[Any]) -> Iterator[ast.Item]:
    for m in members:
        if isinstance(m, ast.Item):
            yield m
        elif isinstance(m, ast.Section):
            yield from _all_items(m.members)


def lower(program: Program) -> ir.Plan:
    return Lowerer(program).lower()
