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

from dataclasses import fields, is_dataclass
from typing import Any

from kpidsl.check import phases
from kpidsl.check.base import UNIT_WORDS, ZERO, Contribution
from kpidsl.check.direction import Direction
from kpidsl.check.ranking import check_ranking
from kpidsl.diagnostics.diagnostic import Diagnostic, Related, error
from kpidsl.numbers.intervals import Range
from kpidsl.syntax import ast
from kpidsl.syntax.ast_rank import RankedGrade
from kpidsl.syntax.gcpause import cycle_gc_paused
from kpidsl.syntax.loader import Program


class Checker(Direction):
    """One pass over a loaded program; each concern's checks live in ``kpidsl/checks/``."""

    def run(self) -> list[Diagnostic]:
        stmts = self.program.statements
        deep = _too_deep(stmts)
        if deep is not None:  # every later pass recurses over formulas: refuse before they run
            self.diagnostics.append(error(
                "KPI145", f"this formula is nested more than {MAX_DEPTH} levels deep", deep.span,
                "split it into metrics, each a step of the calculation"))
            return self.diagnostics
        self._collect(stmts)
        self._check_header(stmts)
        self._check_raters(stmts)
        self._check_not_counted(stmts)
        for s in stmts:
            if isinstance(s, ast.Input):
                self._check_input(s)
            elif isinstance(s, ast.Metric):
                self._check_metric(s)
        contributions: list[Contribution] = []
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
        grades = [s for s in stmts if isinstance(s, ast.Grade)]
        self._check_grades([g for g in grades if not isinstance(g, RankedGrade)])
        check_ranking(self, stmts)
        if not self.is_library or not self.program.root.statements:
            self._check_scores_something(stmts)
        if not self.is_library and not any(isinstance(s, (ast.Section, ast.Item)) for s in stmts):
            self._check_no_points(stmts)
        for s in stmts:
            check = getattr(self, f"_check_{type(s).__name__.lower()}", None)
            if check is not None and isinstance(s, (ast.Award, ast.Pool, ast.Pay, ast.Exclude,
                                                     ast.Streak, ast.Quota, ast.Flag, ast.WhenFlag)):
                check(s)
        self._check_cycles(stmts)
        self._check_directions(stmts)
        if not self.is_library:
            self._check_unused()
        return sorted(self.diagnostics, key=Diagnostic.sort_key)

    def _check_not_counted(self, stmts) -> None:
        """A rater `not counted` is recorded beside the counted ones: entering an item alone
        (`entered by`) would make their marks the item's score after all."""
        recorded = {s.name: s for s in stmts if isinstance(s, ast.Rater) and not s.counted}
        if not recorded:
            return
        stack = [s for s in stmts if isinstance(s, (ast.Section, ast.Item))]
        while stack:
            m = stack.pop()
            if isinstance(m, ast.Section):
                stack.extend(m.members)
            elif m.entered_by is not None and m.entered_by.rater in recorded:
                r = recorded[m.entered_by.rater]
                self.diagnostics.append(error(
                    "KPI109", f"item `{m.name}` is entered by `{r.name}`, a rater who is not counted", m.entered_by.span,
                    f"`{r.name}` already marks every item the counted raters mark; name the person whose marks "
                    "count, or drop `not counted`", (Related(f"`{r.name}` is not counted", r.span),)))

    def _check_scores_something(self, stmts) -> None:
        """A rubric that scores nothing would give everyone 0 without a word.  (One without
        grades is fine: most of our users' scorecards give a total and no grade.)"""
        scored = any(isinstance(s, (ast.Section, ast.Item)) for s in stmts)
        if not scored and not any(isinstance(s, (ast.Pay, ast.Award, ast.Pool)) for s in stmts):
            self.diagnostics.append(error(
                "KPI107", "the rubric scores nothing: it has no items, and no pay or award", self._title_span(),
                'add the items it scores, e.g. `item quality "质量" points 100 { proportional rate }`'))

    def _check_no_points(self, stmts) -> None:
        """A rubric of pay lines only (a commission or merit sheet) is whole without items, but
        what ranks or grades people by their points has nothing to go on there."""
        for s in stmts:
            if isinstance(s, (ast.Grade, ast.Quota, ast.Flag)):
                what = {ast.Grade: "a grade", ast.Quota: "a quota", ast.Flag: "a bottom-rank flag"}[type(s)]
                self.diagnostics.append(error(
                    "KPI108", f"{what} is decided by the total, and this rubric scores no points", s.span,
                    "add the items that score people, or drop it: pay lines alone need no total"))

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
            if (isinstance(s, ast.Setting) and s.key == "total" and isinstance(s.value, ast.Quantity)
                    and (s.value.value < 0 or s.value.value == 0 and any(isinstance(x, (ast.Section, ast.Item))
                                                                            for x in stmts))):
                self.diagnostics.append(error("KPI170", "the declared total must be greater than zero", s.span))

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
        metrics = {n: s.node for n, s in self.symbols.items() if s.kind == "metric"}
        self.diagnostics.extend(phases.exclusion_reads_only_data(x, {n: s.kind for n, s in self.symbols.items()}, metrics))

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

    def _check_whenflag(self, f: ast.WhenFlag) -> None:
        self._condition(f.when)


# Deeper formulas would exhaust the checker's, the evaluator's and the generated code's
# recursion (Python's own parser refuses 200 nested parentheses); no real rubric comes near.
MAX_DEPTH = 64


def _too_deep(stmts) -> Any:
    """The first node more than MAX_DEPTH formula levels deep, found without recursion."""
    stack: list[tuple[object, int]] = [(s, 0) for s in reversed(stmts)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, tuple):
            stack.extend((x, depth) for x in reversed(node))
            continue
        if not is_dataclass(node):
            continue
        if isinstance(node, _FORMULA_NODES):
            depth += 1
            if depth > MAX_DEPTH:
                return node
        stack.extend((getattr(node, f.name), depth) for f in reversed(fields(node)) if f.name != "span")
    return None


_FORMULA_NODES = (ast.BinOp, ast.Neg, ast.Call, ast.Progressive, ast.Compare, ast.Truth, ast.BoolOp, ast.Not)


def check(program: Program) -> list[Diagnostic]:
    with cycle_gc_paused():
        return Checker(program).run()
