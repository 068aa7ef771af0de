"""Grammar rules -> AST nodes: the builder the LALR driver calls as each rule of kpi.lark is reduced.

One ``Builder`` per parse: it holds that parse's file name and the problems it
found, so parses in different threads never share one.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

from kpidsl.diagnostics.diagnostic import Diagnostic, error
from kpidsl.syntax import ast, ast_rank
from kpidsl.syntax.lexer import Tok


def _first(x):
    """(line, column) where ``x`` starts, or None if it has no position."""
    if type(x) is Tok:
        return x[2], x[3]
    span = getattr(x, "span", None)
    if span is not None:
        return span.line, span.column
    if isinstance(x, (tuple, list)):
        for y in x:
            found = _first(y)
            if found is not None:
                return found
    return None


def _last(x):
    """(line, column) where ``x`` ends, or None if it has no position."""
    if type(x) is Tok:
        return x[2], x[4]
    span = getattr(x, "span", None)
    if span is not None:
        return span.end_line, span.end_column
    if isinstance(x, (tuple, list)):
        for y in reversed(x):
            found = _last(y)
            if found is not None:
                return found
    return None


_ESCAPE = re.compile(r'\\(["\\])')


def _text(token: Tok) -> str:
    """A string's text: ``\\"`` is a quote, ``\\\\`` a backslash (any other backslash is itself)."""
    body = token.value[1:-1]
    return _ESCAPE.sub(r"\1", body) if "\\" in body else body


def _as_condition(x):
    """A formula where a condition stands (``when leave``, ``(leave) and …``): true when not zero."""
    return x if isinstance(x, ast.CONDITIONS) else ast.Truth(x, x.span)


_SUFFIX_CHARS = "".join(sorted(set("".join(ast.SUFFIX_UNITS))))


# lru_cache is thread-safe, and what it keeps (a Decimal and a str) never changes.
@lru_cache(maxsize=4096)
def _number(text: str) -> tuple[Decimal, str]:
    """A quantity's text -> (value, suffix). Rubrics repeat their numbers, and
    ``Decimal(str)`` is among the parser's dearest calls."""
    number = text.rstrip(_SUFFIX_CHARS)  # suffixes hold no digits, numbers hold no suffix letters
    return Decimal(number), text[len(number):]


# Spans and tokens are named tuples; building them straight from a tuple skips
# the generated __new__, which counts at 100,000 spans a large rubric.
_new = tuple.__new__
_Span = ast.Span


def _quantity(file: str, token: Tok) -> ast.Quantity:
    value, suffix = _number(token[1])
    return ast.Quantity(value, suffix, _new(_Span, (file, token[2], token[3], token[2], token[4])))


def _split(children, *types):
    """Pick children out by type, for rules with optional parts."""
    return [c for c in children if isinstance(c, types)]


_RULES = (ast.Scale, ast.Tiers, ast.Ratio, ast.Proportional, ast.Deduct, ast.Change,
          ast.Checklist, ast.EnteredBy)


def _binop(op: str):
    """The builder method of one binary operator's rule."""
    def build(self: Builder, c) -> ast.BinOp:
        return ast.BinOp(op, c[0], c[1], self._s(c))
    return build


class Builder:
    """Grammar rules -> AST nodes: one method per rule (or `-> alias`) of kpi.lark, called by
    the driver with the rule's kept children as each rule is reduced.  Make one per parse."""

    def __init__(self, file: str = "<string>"):
        self.file = file
        self.problems: list[Diagnostic] = []  # clauses the grammar allows but the meaning cannot hold

    def _once(self, children, what: str, test) -> None:
        """A clause that may appear once (a range, a weight, a bonus…): a second one is an error,
        never silently dropped."""
        self._twice([x for x in children if test(x)], what)

    def _twice(self, seen: list, what: str) -> None:
        for extra in seen[1:]:
            span = self._s([extra])
            self.problems.append(error("KPI106", f"{what} is given twice", span,
                                       "keep one: a second would be silently ignored"))

    # helpers
    def _s(self, children) -> ast.Span:
        """The span from the first to the last child that has a position.

        lark's own position tracking (propagate_positions) tripled parse time,
        so spans are rebuilt from the tokens and nodes each rule keeps; a
        statement's span therefore starts at its name, not its keyword.
        """
        if children:  # the common case: both ends are a token or a node
            a, b = children[0], children[-1]
            if type(a) is Tok:
                line, column = a[2], a[3]
            elif type(a) is not tuple and (span := getattr(a, "span", None)) is not None:
                line, column = span[1], span[2]
            else:
                return self._s_slow(children)
            if type(b) is Tok:
                return _new(_Span, (self.file, line, column, b[2], b[4]))
            if type(b) is not tuple and (span := getattr(b, "span", None)) is not None:
                return _new(_Span, (self.file, line, column, span[3], span[4]))
        return self._s_slow(children)

    def _s_slow(self, children) -> ast.Span:
        first = last = None
        for x in children:
            first = _first(x)
            if first is not None:
                break
        else:
            return _new(_Span, (self.file, 0, 0, 0, 0))
        for x in reversed(children):
            last = _last(x)
            if last is not None:
                break
        assert last is not None  # the child that gave ``first`` gives a last too
        return _new(_Span, (self.file, first[0], first[1], last[0], last[1]))

    def _t(self, token: Tok) -> ast.Span:
        """The span of one token."""
        return _new(_Span, (self.file, token[2], token[3], token[2], token[4]))

    def _q(self, token: Tok) -> ast.Quantity:
        return _quantity(self.file, token)

    def _name_label(self, children):
        name = children[0].value
        label = _text(children[1]) if len(children) > 1 and isinstance(children[1], Tok) and children[1].type == "STRING" else None
        return name, label

    def start(self, c):
        return list(c)

    # ---- header
    def rubric_title(self, c):
        return ast.Setting("rubric", _text(c[0]), self._s(c))

    def position(self, c):
        return ast.Setting("position", _text(c[0]), self._s(c))

    def period(self, c):
        return ast.Setting("period", c[0].value, self._s(c))

    def version(self, c):
        return ast.Setting("version", _text(c[0]), self._s(c))

    def currency(self, c):
        return ast.Setting("currency", c[0].value, self._s(c))

    def declared_total(self, c):
        return ast.Setting("total", self._q(c[0]), self._s(c))

    def round_mode(self, c):
        return " ".join(t.value for t in c)

    def rounding(self, c):
        mode = c[2] if len(c) > 2 else "half up"
        return ast.Rounding(c[0].value, self._q(c[1]), mode, self._s(c))

    def fields(self, c):
        return ast.TextList("fields", tuple(_text(t) for t in c), self._s(c))

    def signatures(self, c):
        return ast.TextList("signatures", tuple(_text(t) for t in c), self._s(c))

    def note(self, c):
        return ast.Note(_text(c[0]), self._s(c))

    def use_all(self, c):
        return ast.Use(_text(c[0]), None, self._s(c))

    def use_some(self, c):
        return ast.Use(_text(c[-1]), tuple(t.value for t in c[:-1]), self._s(c))

    # ---- inputs
    def unit(self, c):
        return "yes/no" if c[0].value == "yes/no" else c[0].value

    def range(self, c):
        return ast.Range(c[0], c[1] if len(c) > 1 else None, self._s(c))

    def source(self, c):
        return ast.Source(c[0].value, _text(c[1]) if len(c) > 1 else None, self._s(c))

    def direction(self, c):
        return ast.Direction(c[0].value.split()[0], self._s(c))

    def input_decl(self, c):
        self._once(c, "`range`", lambda x: isinstance(x, ast.Range))
        self._once(c, "`from`", lambda x: isinstance(x, ast.Source))
        self._once(c, "a direction", lambda x: isinstance(x, ast.Direction))
        name, label = self._name_label(c)
        unit = next(x for x in c if isinstance(x, str))
        rng = next(iter(_split(c, ast.Range)), None)
        src = next(iter(_split(c, ast.Source)), None)
        direction = next(iter(_split(c, ast.Direction)), None)
        return ast.Input(name, label, unit, rng, src, self._s(c), direction)

    def metric_decl(self, c):
        self._once(c, "`range`", lambda x: isinstance(x, ast.Range))
        self._once(c, "a direction", lambda x: isinstance(x, ast.Direction))
        for src in _split(c, ast.Source):
            self.problems.append(error("KPI106", "a metric is computed by its formula; `from` has no meaning here",
                                       src.span, "put `from` on the inputs the formula reads"))
        name, label = self._name_label(c)
        unit = next(x for x in c if isinstance(x, str))
        rng = next(iter(_split(c, ast.Range)), None)
        direction = next(iter(_split(c, ast.Direction)), None)
        return ast.Metric(name, label, unit, rng, c[-1], self._s(c), direction)

    def not_counted(self, c):
        return "not counted"

    def rater_decl(self, c):
        counted = c[-1] != "not counted"
        if not counted:
            c = c[:-1]
        name, label = self._name_label(c)
        weight = self._q(c[-1]) if c[-1].type == "QUANTITY" else None
        return ast.Rater(name, label, weight, self._s(c), counted)

    def key_decl(self, c):
        return ast.Key(c[0].value, c[1].value, _text(c[2]) if len(c) > 2 else None, self._s(c))

    # ---- sections and items
    def weight(self, c):
        return ("weight", self._q(c[0]))

    def out_of(self, c):
        return ("out_of", self._q(c[0]))

    def section(self, c):
        self._once(c, "`weight`", lambda x: type(x) is tuple and x[0] == "weight")
        self._once(c, "`out of`", lambda x: type(x) is tuple and x[0] == "out_of")
        name, label = self._name_label(c)
        opts: dict = dict(x for x in c if type(x) is tuple)
        members = tuple(x for x in c if isinstance(x, (ast.Item, ast.Section)))
        return ast.Section(name, label, opts.get("weight"), opts.get("out_of"), members,
                           tuple(_split(c, ast.Veto)), tuple(_split(c, ast.Note)), self._s(c))

    def points_size(self, c):
        return ("points", self._q(c[0]))

    def factor_size(self, c):
        return ("factor", self._q(c[0]))

    def criteria(self, c):
        return ("criteria", _text(c[0]))

    def bonus(self, c):
        return ("bonus", c[0])

    def entered_by(self, c):
        return ast.EnteredBy(c[0].value, self._s(c))

    def spread_proportionally(self, c):
        return ("proportionally", None)

    def spread_evenly(self, c):
        return ("evenly", None)

    def give_to(self, c):
        return ("give", c[0])

    def not_applicable(self, c):
        policy, target = c[-1]
        when = c[0] if len(c) > 1 else None
        return ast.NotApplicable(policy, target.value if target is not None else None, self._s(c), when)

    def veto(self, c):
        name, label = self._name_label(c)
        scope = c[-1].value if c[-1].type == "VETO_SCOPE" else "item"
        return ast.Veto(name, label, scope, self._s(c))

    def item(self, c):
        name, label = self._name_label(c)
        size_kind: Any = None  # always set: the grammar requires an item_size
        size: Any = None
        rules: list = []
        criteria, levels, vetoes, notes, bonuses, nas = [], [], [], [], [], []
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
        self._twice(bonuses, "`bonus up to`")
        self._twice(nas, "`not applicable`")
        bonus = bonuses[0][1] if bonuses else None
        na = nas[0] if nas else None
        if levels:
            first, last = levels[0].span, levels[-1].span
            span = ast.Span(first.file, first.line, first.column, last.end_line, last.end_column)
            rules.insert(0, ast.Levels(tuple(levels), span))
        return ast.Item(name, label, size_kind, size, tuple(rules), tuple(criteria), bonus, na,
                        tuple(vetoes), tuple(notes), self._s(c))

    # ---- rules
    def signed(self, c):
        return self._q(c[0])

    def negative(self, c):
        q = self._q(c[0])
        return ast.Quantity(-q.value, q.suffix, self._s(c))

    def level(self, c):
        return ast.Level(_text(c[0]), c[1], c[2] if len(c) > 2 else None, self._s(c))

    def scale_step(self, c):
        return ast.ScaleStep(self._q(c[0]), c[1], self._s(c))

    def scale(self, c):
        return ast.Scale(tuple(c), self._s(c))

    def cmp_op(self, c):
        op = c[0].value
        return {"≥": ">=", "≤": "<="}.get(op, op)

    def quantity(self, c):
        return self._q(c[0])

    def limit(self, c):
        # A number as written stays a Quantity (the checker proves what it can with it);
        # anything else is a formula of the row's data, read row by row.
        e = c[0]
        if isinstance(e, ast.Number):
            return e.quantity
        if isinstance(e, ast.Neg) and isinstance(e.operand, ast.Number):
            q = e.operand.quantity
            return ast.Quantity(-q.value, q.suffix, e.span)
        return e

    def bound(self, c):
        return ast.Bound(c[0], c[1], self._s(c))

    def band(self, c):
        return ast.Band(tuple(c), self._s(c))

    def between(self, c):
        s = self._s(c)
        return ast.Band((ast.Bound(">=", c[0], c[0].span), ast.Bound("<=", c[1], c[1].span)), s)

    def when_tier(self, c):
        return ast.Tier(c[0], c[1], self._s(c))

    def else_tier(self, c):
        return ast.Tier(None, c[0], self._s(c))

    def tiers(self, c):
        # an item's rule and a formula's value alike: the rule is this expression in the rule's place
        return ast.Tiers(c[0], tuple(c[1:]), self._s(c))

    def when_column(self, c):
        return ast.TableColumn(c[0], self._s(c))

    def else_column(self, c):
        return ast.TableColumn(None, self._t(c[0]))

    def table_columns(self, c):
        return tuple(c)

    def when_row(self, c):
        return ast.TableRow(c[0], tuple(c[1:]), self._s(c))

    def else_row(self, c):
        return ast.TableRow(None, tuple(c), self._s(c))

    def table(self, c):
        return ast.Table(c[0], c[1], c[2], tuple(c[3:]), self._s(c))

    def ratio(self, c):
        subject, target, _pm, step = c[0], c[1], c[2], self._q(c[3])
        per = base = None
        rest = c[4:]
        for x in rest:
            if isinstance(x, Tok):
                per = self._q(x)
            else:
                base = x
        return ast.Ratio(subject, target, step, per, base, self._s(c))

    def proportional(self, c):
        return ast.Proportional(c[0], self._s(c))

    def no_floor(self, c):
        return "no floor"

    def deduct(self, c):
        base = next((x for x in c[2:] if isinstance(x, ast.Quantity)), None)
        return ast.Deduct(self._q(c[0]), c[1], base, "no floor" not in c[2:], self._s(c))

    def change(self, c):
        return ast.Change(c[0], c[1], self._q(c[2]), c[3] if len(c) > 3 else None, self._s(c))

    def checklist(self, c):
        checks = tuple(_text(x) for x in c if isinstance(x, Tok))
        scores = tuple(x for x in c if isinstance(x, ast.Quantity))
        return ast.Checklist(checks, scores, self._s(c))

    # ---- results
    def grade_band(self, c):
        return c[0]

    def grade_otherwise(self, c):
        return "otherwise"

    def grade_top(self, c):
        return ("top", self._q(c[0]))

    def grade_bottom(self, c):
        return ("bottom", self._q(c[0]))

    def grade(self, c):
        name, label = self._name_label(c)
        band = next((x for x in c if isinstance(x, ast.Band)), None)
        coef = self._q(c[-1]) if isinstance(c[-1], Tok) and c[-1].type == "QUANTITY" else None
        ranked = next((x for x in c if type(x) is tuple), None)
        if ranked is not None:
            return ast_rank.RankedGrade(name, label, None, coef, self._s(c), ranked[0], ranked[1])
        return ast.Grade(name, label, band, coef, self._s(c))

    def share_rounding(self, c):
        return " ".join(t.value for t in c)

    def share_ties(self, c):
        return ("ties", tuple(c))

    best_ties = share_ties

    def distribution(self, c):
        return ast_rank.Distribution(c[0].value, c[1], c[2][1], self._s(c))

    def when_clause(self, c):
        return ("when", c[0])

    def best_of(self, c):
        if type(c[-1]) is tuple:
            return ast_rank.RankedBestOf(c[0], c[1].value, self._s(c), c[-1][1])
        return ast.BestOf(c[0], c[1].value, self._s(c))

    def requires(self, c):
        return ("requires", c[0].value)

    def award(self, c):
        self._once(c, "`when`", lambda x: type(x) is tuple and x[0] == "when")
        self._once(c, "`requires grade`", lambda x: type(x) is tuple and x[0] == "requires")
        self._once(c, "`to best`", lambda x: isinstance(x, ast.BestOf))
        name, label = self._name_label(c)
        amount = self._q(next(t for t in c if isinstance(t, Tok) and t.type == "QUANTITY"))
        opts: dict = dict(x for x in c if type(x) is tuple)
        best = next((x for x in c if isinstance(x, ast.BestOf)), None)
        return ast.Award(name, label, amount, opts.get("when"), best, opts.get("requires"), self._s(c))

    def pool(self, c):
        name, label = self._name_label(c)
        return ast.Pool(name, label, c[-2], c[-1].value, self._s(c))

    def pay(self, c):
        name, label = self._name_label(c)
        when = c[-1][1] if type(c[-1]) is tuple else None
        expr = c[-2] if when is not None else c[-1]
        return ast.Pay(name, label, expr, when, self._s(c))

    def exclude(self, c):
        reason = _text(c[1]) if len(c) > 1 else None
        return ast.Exclude(c[0], reason, self._s(c))

    def streak_award(self, c):
        return ("award", self._q(c[0]), None)

    def streak_flag(self, c):
        return ("flag", None, _text(c[0]))

    def streak(self, c):
        name, label = self._name_label(c)
        action, amount, flag = c[-1]
        cond = c[-3]
        return ast.Streak(name, label, cond, self._q(c[-2]), action, amount, flag, self._s(c))

    def quota(self, c):
        return ast.Quota(c[0].value, self._q(c[1]), c[2].value, tuple(c[3:]), self._s(c))

    def rank_flag(self, c):
        name, label = self._name_label(c)
        return ast.Flag(name, label, self._q(c[-2]), c[-1].value, self._s(c))

    def when_flag(self, c):
        name, label = self._name_label(c)
        return ast.WhenFlag(name, label, c[-1], self._s(c))

    # ---- conditions
    def condition(self, c):
        return _as_condition(c[0])

    def or_(self, c):
        return ast.BoolOp("or", _as_condition(c[0]), _as_condition(c[1]), self._s(c))

    def and_(self, c):
        return ast.BoolOp("and", _as_condition(c[0]), _as_condition(c[1]), self._s(c))

    def not_(self, c):
        return ast.Not(_as_condition(c[0]), self._s(c))

    def paren(self, c):
        # `( … )` in a formula: a grouped number stays a formula (the checker rejects a
        # condition where a number is needed); in a condition it is re-wrapped as needed
        inner = c[0]
        return inner.expr if isinstance(inner, ast.Truth) else inner

    def compare(self, c):
        return ast.Compare(c[0], c[1], c[2], self._s(c))

    def grade_test(self, c):
        return ast.GradeTest(" ".join(c[0].value.split()), c[1].value, self._s(c))

    def truth(self, c):
        # a parenthesised condition reaches here as a formula: it is already a condition
        return c[0] if isinstance(c[0], ast.CONDITIONS) else ast.Truth(c[0], self._s(c))

    # ---- expressions
    def number(self, c):
        q = self._q(c[0])
        return ast.Number(q, q.span)

    def var(self, c):
        return ast.Var(c[0].value, self._t(c[0]))

    add, sub, mul, div = _binop("+"), _binop("-"), _binop("*"), _binop("/")

    def neg(self, c):
        return ast.Neg(c[0], self._s(c))

    def call(self, c):
        over = c[-1].value if isinstance(c[-1], Tok) and c[-1].type == "NAME" else None
        rest = c[1:-1] if over is not None else c[1:]
        mode = next((_text(x) for x in rest if isinstance(x, Tok)), None)
        args = tuple(x for x in rest if not isinstance(x, Tok))
        return ast.Call(c[0].value, args, over, self._s(c), mode)

    def bracket(self, c):
        return ast.Bracket(c[0], self._q(c[1]), self._s(c))

    def progressive(self, c):
        return ast.Progressive(c[0], tuple(c[1:]), self._s(c))
