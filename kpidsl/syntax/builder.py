"""Grammar rules -> AST nodes: the builder the LALR driver calls as each rule of kpi.lark is reduced.

One ``Builder`` per parse: it holds that parse's file name and the problems it
found, so parses in different threads never share one.  The rules of formulas,
conditions and tables, and the span helpers, are ``builder_expr.RuleBuilder``'s.
"""

from __future__ import annotations

import re
from typing import Any

from kpidsl.diagnostics.diagnostic import error
from kpidsl.syntax import ast, ast_rank
from kpidsl.syntax.builder_expr import RuleBuilder, split_children, string_text
from kpidsl.syntax.lexer import Tok

_RULES = (ast.Scale, ast.Tiers, ast.Ratio, ast.Proportional, ast.Deduct, ast.Change,
          ast.Checklist, ast.EnteredBy)

class Builder(RuleBuilder):
    """Grammar rules -> AST nodes: one method per rule (or `-> alias`) of kpi.lark, called by
    the driver with the rule's kept children as each rule is reduced.  Make one per parse."""

    def start(self, c: list[Any]) -> list[Any]:
        return list(c)

    # ---- header
    def rubric_title(self, c: list[Any]) -> ast.Setting:
        return ast.Setting("rubric", string_text(c[0]), self._s(c))

    def position(self, c: list[Any]) -> ast.Setting:
        return ast.Setting("position", string_text(c[0]), self._s(c))

    def period(self, c: list[Any]) -> ast.Setting:
        return ast.Setting("period", c[0].value, self._s(c))

    def version(self, c: list[Any]) -> ast.Setting:
        return ast.Setting("version", string_text(c[0]), self._s(c))

    def currency(self, c: list[Any]) -> ast.Setting:
        return ast.Setting("currency", c[0].value, self._s(c))

    def declared_total(self, c: list[Any]) -> ast.Setting:
        return ast.Setting("total", self._q(c[0]), self._s(c))

    def round_mode(self, c: list[Any]) -> str:
        return " ".join(t.value for t in c)

    def rounding(self, c: list[Any]) -> ast.Rounding:
        mode = c[2] if len(c) > 2 else "half up"
        return ast.Rounding(c[0].value, self._q(c[1]), mode, self._s(c))

    def fields(self, c: list[Any]) -> ast.TextList:
        return ast.TextList("fields", tuple(string_text(t) for t in c), self._s(c))

    def signatures(self, c: list[Any]) -> ast.TextList:
        return ast.TextList("signatures", tuple(string_text(t) for t in c), self._s(c))

    def note(self, c: list[Any]) -> ast.Note:
        return ast.Note(string_text(c[0]), self._s(c))

    def use_all(self, c: list[Any]) -> ast.Use:
        return ast.Use(string_text(c[0]), None, self._s(c))

    def use_some(self, c: list[Any]) -> ast.Use:
        return ast.Use(string_text(c[-1]), tuple(t.value for t in c[:-1]), self._s(c))

    # ---- inputs
    def unit(self, c: list[Any]) -> str:
        return "yes/no" if c[0].value == "yes/no" else c[0].value

    def range(self, c: list[Any]) -> ast.Range:
        return ast.Range(c[0], c[1] if len(c) > 1 else None, self._s(c))

    def source(self, c: list[Any]) -> ast.Source:
        return ast.Source(c[0].value, string_text(c[1]) if len(c) > 1 else None, self._s(c))

    def direction(self, c: list[Any]) -> ast.Direction:
        return ast.Direction(c[0].value.split()[0], self._s(c))

    def input_decl(self, c: list[Any]) -> ast.Input:
        self._once(c, "`range`", lambda x: isinstance(x, ast.Range))
        self._once(c, "`from`", lambda x: isinstance(x, ast.Source))
        self._once(c, "a direction", lambda x: isinstance(x, ast.Direction))
        self._once(c, "`when blank`", lambda x: isinstance(x, ast.Blank))
        self._once(c, "`columns`", lambda x: isinstance(x, ast.ListColumns))
        name, label = self._name_label(c)
        unit = next(x for x in c if isinstance(x, str))
        rng = next(iter(split_children(c, ast.Range)), None)
        src = next(iter(split_children(c, ast.Source)), None)
        direction = next(iter(split_children(c, ast.Direction)), None)
        blank = next(iter(split_children(c, ast.Blank)), None)
        columns = next(iter(split_children(c, ast.ListColumns)), None)
        return ast.Input(name, label, unit, rng, src, self._s(c), direction, blank, columns)

    # ---- optional inputs and lists
    def blank_action(self, c: list[Any]) -> ast.Blank:
        return ast.Blank(" ".join(t.value for t in c), self._s(c))

    def blank_rule(self, c: list[Any]) -> ast.Blank:
        return c[0]

    def column_range(self, c: list[Any]) -> tuple[tuple[str, ...], str, ast.Span]:
        """``peer1..peer7``: the names between, counting the number the two end in."""
        first, last = c[0].value, c[1].value
        a, b = re.fullmatch(r"(.*?)(\d+)", first), re.fullmatch(r"(.*?)(\d+)", last)
        span = self._s(c)
        if a is None or b is None or a[1] != b[1] or int(a[2]) >= int(b[2]):
            self.problems.append(error("KPI214", f"`{first}..{last}` is not a run of numbered columns", span,
                                       "number the columns, e.g. `peer1..peer7`, or list them: `columns a, b, c`"))
            return (first, last), f"{first}..{last}", span
        return tuple(f"{a[1]}{k}" for k in range(int(a[2]), int(b[2]) + 1)), f"{first}..{last}", span

    def column_list(self, c: list[Any]) -> tuple[tuple[str, ...], str, ast.Span]:
        names = tuple(t.value for t in c)
        return names, ", ".join(names), self._s(c)

    def at_least(self, c: list[Any]) -> ast.Quantity:
        return self._q(c[0])

    def list_columns(self, c: list[Any]) -> ast.ListColumns:
        names, written, span = c[0]
        at_least = c[1] if len(c) > 1 else None
        return ast.ListColumns(names, written, at_least, self._s([span, at_least]) if at_least else span)

    def metric_decl(self, c: list[Any]) -> ast.Metric:
        self._once(c, "`range`", lambda x: isinstance(x, ast.Range))
        self._once(c, "a direction", lambda x: isinstance(x, ast.Direction))
        for src in split_children(c, ast.Source):
            self.problems.append(error("KPI106", "a metric is computed by its formula; `from` has no meaning here",
                                       src.span, "put `from` on the inputs the formula reads"))
        for extra in split_children(c, ast.Blank, ast.ListColumns):
            what = "`when blank`" if isinstance(extra, ast.Blank) else "`columns`"
            self.problems.append(error("KPI106", f"a metric is computed by its formula; {what} has no meaning here",
                                       extra.span, "put it on the inputs the formula reads"))
        name, label = self._name_label(c)
        unit = next(x for x in c if isinstance(x, str))
        rng = next(iter(split_children(c, ast.Range)), None)
        direction = next(iter(split_children(c, ast.Direction)), None)
        return ast.Metric(name, label, unit, rng, c[-1], self._s(c), direction)

    def not_counted(self, c: list[Any]) -> str:
        return "not counted"

    def rater_decl(self, c: list[Any]) -> ast.Rater:
        counted = c[-1] != "not counted"
        if not counted:
            c = c[:-1]
        name, label = self._name_label(c)
        weight = self._q(c[-1]) if c[-1].type == "QUANTITY" else None
        return ast.Rater(name, label, weight, self._s(c), counted)

    def key_decl(self, c: list[Any]) -> ast.Key:
        return ast.Key(c[0].value, c[1].value, string_text(c[2]) if len(c) > 2 else None, self._s(c))

    # ---- sections and items
    def weight(self, c: list[Any]) -> tuple[str, ast.Quantity]:
        return ("weight", self._q(c[0]))

    def out_of(self, c: list[Any]) -> tuple[str, ast.Quantity]:
        return ("out_of", self._q(c[0]))

    def section(self, c: list[Any]) -> ast.Section:
        self._once(c, "`weight`", lambda x: type(x) is tuple and x[0] == "weight")
        self._once(c, "`out of`", lambda x: type(x) is tuple and x[0] == "out_of")
        name, label = self._name_label(c)
        opts: dict = dict(x for x in c if type(x) is tuple)
        members = tuple(x for x in c if isinstance(x, (ast.Item, ast.Section)))
        return ast.Section(name, label, opts.get("weight"), opts.get("out_of"), members,
                           tuple(split_children(c, ast.Veto)), tuple(split_children(c, ast.Note)), self._s(c))

    def points_size(self, c: list[Any]) -> tuple[str, ast.Quantity]:
        return ("points", self._q(c[0]))

    def factor_size(self, c: list[Any]) -> tuple[str, ast.Quantity]:
        return ("factor", self._q(c[0]))

    def criteria(self, c: list[Any]) -> tuple[str, str]:
        return ("criteria", string_text(c[0]))

    def todo(self, c: list[Any]) -> ast.Todo:
        return ast.Todo(string_text(c[0]), self._s(c))

    def bonus(self, c: list[Any]) -> tuple[str, Any]:
        return ("bonus", c[0])

    def entered_by(self, c: list[Any]) -> ast.EnteredBy:
        return ast.EnteredBy(c[0].value, self._s(c))

    def spread_proportionally(self, c: list[Any]) -> tuple[str, None]:
        return ("proportionally", None)

    def spread_evenly(self, c: list[Any]) -> tuple[str, None]:
        return ("evenly", None)

    def give_to(self, c: list[Any]) -> tuple[str, Any]:
        return ("give", c[0])

    def not_applicable(self, c: list[Any]) -> ast.NotApplicable:
        policy, target = c[-1]
        when = c[0] if len(c) > 1 else None
        return ast.NotApplicable(policy, target.value if target is not None else None, self._s(c), when)

    def veto(self, c: list[Any]) -> ast.Veto:
        name, label = self._name_label(c)
        scope = c[-1].value if c[-1].type == "VETO_SCOPE" else "item"
        return ast.Veto(name, label, scope, self._s(c))

    def item(self, c: list[Any]) -> ast.Item:
        name, label = self._name_label(c)
        size_kind: Any = None  # always set: the grammar requires an item_size
        size: Any = None
        rules: list = []
        criteria, levels, vetoes, notes, bonuses, nas, todos = [], [], [], [], [], [], []
        for x in c:  # one pass: this runs once per item, 10,000 times in a large rubric
            if type(x) is tuple:
                key, value = x
                if key == "criteria":
                    criteria.append(value)
                elif key == "bonus":
                    bonuses.append(x)
                else:
                    size_kind, size = key, value
            elif isinstance(x, ast.Level):
                levels.append(x)  # consecutive `level` lines form one descriptive-levels rule
            elif isinstance(x, _RULES):
                rules.append(x)
            elif isinstance(x, ast.Veto):
                vetoes.append(x)
            elif isinstance(x, ast.Note):
                notes.append(x)
            elif isinstance(x, ast.NotApplicable):
                nas.append(x)
            elif isinstance(x, ast.Todo):
                todos.append(x)
        self._twice(bonuses, "`bonus up to`")
        self._twice(nas, "`not applicable`")
        bonus = bonuses[0][1] if bonuses else None
        na = nas[0] if nas else None
        if levels:
            first, last = levels[0].span, levels[-1].span
            span = ast.Span(first.file, first.line, first.column, last.end_line, last.end_column)
            rules.insert(0, ast.Levels(tuple(levels), span))
        return ast.Item(name, label, size_kind, size, tuple(rules), tuple(criteria), bonus, na,
                        tuple(vetoes), tuple(notes), self._s(c), tuple(todos))

    def level(self, c: list[Any]) -> ast.Level:
        return ast.Level(string_text(c[0]), c[1], c[2] if len(c) > 2 else None, self._s(c))

    def scale_step(self, c: list[Any]) -> ast.ScaleStep:
        return ast.ScaleStep(self._q(c[0]), c[1], self._s(c))

    def scale(self, c: list[Any]) -> ast.Scale:
        return ast.Scale(tuple(c), self._s(c))

    def ratio(self, c: list[Any]) -> ast.Ratio:
        subject, target, _pm, step = c[0], c[1], c[2], self._q(c[3])
        per = base = None
        rest = c[4:]
        for x in rest:
            if isinstance(x, Tok):
                per = self._q(x)
            else:
                base = x
        return ast.Ratio(subject, target, step, per, base, self._s(c))

    def proportional(self, c: list[Any]) -> ast.Proportional:
        return ast.Proportional(c[0], self._s(c))

    def no_floor(self, c: list[Any]) -> str:
        return "no floor"

    def deduct(self, c: list[Any]) -> ast.Deduct:
        base = next((x for x in c[2:] if isinstance(x, ast.Quantity)), None)
        return ast.Deduct(self._q(c[0]), c[1], base, "no floor" not in c[2:], self._s(c))

    def change(self, c: list[Any]) -> ast.Change:
        return ast.Change(c[0], c[1], self._q(c[2]), c[3] if len(c) > 3 else None, self._s(c))

    def checklist(self, c: list[Any]) -> ast.Checklist:
        checks = tuple(string_text(x) for x in c if isinstance(x, Tok))
        scores = tuple(x for x in c if isinstance(x, ast.Quantity))
        return ast.Checklist(checks, scores, self._s(c))

    # ---- results
    def grade_band(self, c: list[Any]) -> Any:
        return c[0]

    def grade_otherwise(self, c: list[Any]) -> str:
        return "otherwise"

    def grade_top(self, c: list[Any]) -> tuple[str, ast.Quantity]:
        return ("top", self._q(c[0]))

    def grade_bottom(self, c: list[Any]) -> tuple[str, ast.Quantity]:
        return ("bottom", self._q(c[0]))

    def grade(self, c: list[Any]) -> ast.Grade | ast_rank.RankedGrade:
        name, label = self._name_label(c)
        band = next((x for x in c if isinstance(x, ast.Band)), None)
        coef = self._q(c[-1]) if isinstance(c[-1], Tok) and c[-1].type == "QUANTITY" else None
        ranked = next((x for x in c if type(x) is tuple), None)
        if ranked is not None:
            return ast_rank.RankedGrade(name, label, None, coef, self._s(c), ranked[0], ranked[1])
        return ast.Grade(name, label, band, coef, self._s(c))

    def share_rounding(self, c: list[Any]) -> str:
        return " ".join(t.value for t in c)

    def share_ties(self, c: list[Any]) -> tuple[str, tuple[Any, ...]]:
        return ("ties", tuple(c))

    def best_ties(self, c: list[Any]) -> tuple[str, tuple[Any, ...], tuple[str, Any] | None]:
        pick = c[-1] if c and type(c[-1]) is tuple else None
        return ("ties", tuple(c[:-1] if pick else c), pick)

    def pick_one(self, c: list[Any]) -> tuple[str, Any]:
        return (c[0].value, self._s(c))

    def distribution(self, c: list[Any]) -> ast_rank.Distribution:
        return ast_rank.Distribution(c[0].value, c[1], c[2][1], self._s(c))

    def when_clause(self, c: list[Any]) -> tuple[str, Any]:
        return ("when", c[0])

    def best_of(self, c: list[Any]) -> ast_rank.RankedBestOf | ast.BestOf:
        if type(c[-1]) is tuple:
            pick = c[-1][2]
            return ast_rank.RankedBestOf(c[0], c[1].value, self._s(c), c[-1][1],
                                         pick[0] if pick else None, pick[1] if pick else None)
        return ast.BestOf(c[0], c[1].value, self._s(c))

    def requires(self, c: list[Any]) -> tuple[str, str]:
        return ("requires", c[0].value)

    def award(self, c: list[Any]) -> ast.Award:
        self._once(c, "`when`", lambda x: type(x) is tuple and x[0] == "when")
        self._once(c, "`requires grade`", lambda x: type(x) is tuple and x[0] == "requires")
        self._once(c, "`to best`", lambda x: isinstance(x, ast.BestOf))
        name, label = self._name_label(c)
        amount = self._q(next(t for t in c if isinstance(t, Tok) and t.type == "QUANTITY"))
        opts: dict = dict(x for x in c if type(x) is tuple)
        best = next((x for x in c if isinstance(x, ast.BestOf)), None)
        return ast.Award(name, label, amount, opts.get("when"), best, opts.get("requires"), self._s(c))

    def pool(self, c: list[Any]) -> ast.Pool:
        name, label = self._name_label(c)
        return ast.Pool(name, label, c[-2], c[-1].value, self._s(c))

    def pay(self, c: list[Any]) -> ast.Pay:
        name, label = self._name_label(c)
        when = c[-1][1] if type(c[-1]) is tuple else None
        expr = c[-2] if when is not None else c[-1]
        return ast.Pay(name, label, expr, when, self._s(c))

    def exclude(self, c: list[Any]) -> ast.Exclude:
        reason = string_text(c[1]) if len(c) > 1 else None
        return ast.Exclude(c[0], reason, self._s(c))

    def exclude_from(self, c: list[Any]) -> ast.ExcludeFrom:
        reason = string_text(c[2]) if len(c) > 2 else None
        return ast.ExcludeFrom(c[0].value, c[1], reason, self._s(c))

    def streak_award(self, c: list[Any]) -> tuple[str, ast.Quantity, None]:
        return ("award", self._q(c[0]), None)

    def streak_flag(self, c: list[Any]) -> tuple[str, None, str]:
        return ("flag", None, string_text(c[0]))

    def streak(self, c: list[Any]) -> ast.Streak:
        name, label = self._name_label(c)
        action, amount, flag = c[-1]
        cond = c[-3]
        return ast.Streak(name, label, cond, self._q(c[-2]), action, amount, flag, self._s(c))

    def quota(self, c: list[Any]) -> ast.Quota:
        return ast.Quota(c[0].value, self._q(c[1]), c[2].value, tuple(c[3:]), self._s(c))

    def rank_flag(self, c: list[Any]) -> ast.Flag:
        name, label = self._name_label(c)
        return ast.Flag(name, label, self._q(c[-2]), c[-1].value, self._s(c))

    def when_flag(self, c: list[Any]) -> ast.WhenFlag:
        name, label = self._name_label(c)
        return ast.WhenFlag(name, label, c[-1], self._s(c))
