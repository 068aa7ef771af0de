"""Grammar rules -> AST nodes, part one: the span helpers every rule uses and the rules of
formulas, conditions, bands, tiers and tables (``builder.Builder`` adds the statements).

One ``Builder`` per parse: it holds that parse's file name and the problems it
found, so parses in different threads never share one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any

from kpidsl.diagnostics.diagnostic import Diagnostic, error
from kpidsl.syntax import ast
from kpidsl.syntax.lexer import Tok


def _first(x: Any) -> tuple[int, int] | None:
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


def _last(x: Any) -> tuple[int, int] | None:
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


def string_text(token: Tok) -> str:
    """A string's text: ``\\"`` is a quote, ``\\\\`` a backslash (any other backslash is itself)."""
    body = token.value[1:-1]
    return _ESCAPE.sub(r"\1", body) if "\\" in body else body


def _as_condition(x: Any) -> Any:
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


def split_children(children: list[Any], *types: type) -> list[Any]:
    """Pick children out by type, for rules with optional parts."""
    return [c for c in children if isinstance(c, types)]


def _binop(op: str) -> Callable[[RuleBuilder, list[Any]], ast.BinOp]:
    """The builder method of one binary operator's rule."""
    def build(self: RuleBuilder, c: list[Any]) -> ast.BinOp:
        return ast.BinOp(op, c[0], c[1], self._s(c))
    return build


class RuleBuilder:
    """The span helpers and the rules of formulas, conditions, bands and tables; one per parse."""

    def __init__(self, file: str = "<string>") -> None:
        self.file = file
        self.problems: list[Diagnostic] = []  # clauses the grammar allows but the meaning cannot hold

    def _once(self, children: list[Any], what: str, test: Callable[[Any], bool]) -> None:
        """A clause that may appear once (a range, a weight, a bonus…): a second one is an error,
        never silently dropped."""
        self._twice([x for x in children if test(x)], what)

    def _twice(self, seen: list[Any], what: str) -> None:
        for extra in seen[1:]:
            span = self._s([extra])
            self.problems.append(error("KPI106", f"{what} is given twice", span,
                                       "keep one: a second would be silently ignored"))

    # helpers
    def _s(self, children: list[Any]) -> ast.Span:
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

    def _s_slow(self, children: list[Any]) -> ast.Span:
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

    def _name_label(self, children: list[Any]) -> tuple[str, str | None]:
        name = children[0].value
        label = string_text(children[1]) if len(children) > 1 and isinstance(children[1], Tok) and children[1].type == "STRING" else None
        return name, label

    # ---- rules
    def signed(self, c: list[Any]) -> ast.Quantity:
        return self._q(c[0])

    def negative(self, c: list[Any]) -> ast.Quantity:
        q = self._q(c[0])
        return ast.Quantity(-q.value, q.suffix, self._s(c))

    def cmp_op(self, c: list[Any]) -> str:
        op = c[0].value
        return {"≥": ">=", "≤": "<="}.get(op, op)

    def quantity(self, c: list[Any]) -> ast.Quantity:
        return self._q(c[0])

    def limit(self, c: list[Any]) -> Any:
        # A number as written stays a Quantity (the checker proves what it can with it);
        # anything else is a formula of the row's data, read row by row.
        e = c[0]
        if isinstance(e, ast.Number):
            return e.quantity
        if isinstance(e, ast.Neg) and isinstance(e.operand, ast.Number):
            q = e.operand.quantity
            return ast.Quantity(-q.value, q.suffix, e.span)
        return e

    def bound(self, c: list[Any]) -> ast.Bound:
        return ast.Bound(c[0], c[1], self._s(c))

    def band(self, c: list[Any]) -> ast.Band:
        return ast.Band(tuple(c), self._s(c))

    def between(self, c: list[Any]) -> ast.Band:
        s = self._s(c)
        return ast.Band((ast.Bound(">=", c[0], c[0].span), ast.Bound("<=", c[1], c[1].span)), s)

    def when_tier(self, c: list[Any]) -> ast.Tier:
        return ast.Tier(c[0], c[1], self._s(c))

    def else_tier(self, c: list[Any]) -> ast.Tier:
        return ast.Tier(None, c[0], self._s(c))

    def tiers(self, c: list[Any]) -> ast.Tiers:
        # an item's rule and a formula's value alike: the rule is this expression in the rule's place
        return ast.Tiers(c[0], tuple(c[1:]), self._s(c))

    def when_column(self, c: list[Any]) -> ast.TableColumn:
        return ast.TableColumn(c[0], self._s(c))

    def else_column(self, c: list[Any]) -> ast.TableColumn:
        return ast.TableColumn(None, self._t(c[0]))

    def table_columns(self, c: list[Any]) -> tuple[Any, ...]:
        return tuple(c)

    def when_row(self, c: list[Any]) -> ast.TableRow:
        return ast.TableRow(c[0], tuple(c[1:]), self._s(c))

    def else_row(self, c: list[Any]) -> ast.TableRow:
        return ast.TableRow(None, tuple(c), self._s(c))

    def table(self, c: list[Any]) -> ast.Table:
        return ast.Table(c[0], c[1], c[2], tuple(c[3:]), self._s(c))

    # ---- conditions
    def condition(self, c: list[Any]) -> Any:
        return _as_condition(c[0])

    def or_(self, c: list[Any]) -> ast.BoolOp:
        return ast.BoolOp("or", _as_condition(c[0]), _as_condition(c[1]), self._s(c))

    def and_(self, c: list[Any]) -> ast.BoolOp:
        return ast.BoolOp("and", _as_condition(c[0]), _as_condition(c[1]), self._s(c))

    def not_(self, c: list[Any]) -> ast.Not:
        return ast.Not(_as_condition(c[0]), self._s(c))

    def paren(self, c: list[Any]) -> Any:
        # `( … )` in a formula: a grouped number stays a formula (the checker rejects a
        # condition where a number is needed); in a condition it is re-wrapped as needed
        inner = c[0]
        return inner.expr if isinstance(inner, ast.Truth) else inner

    def compare(self, c: list[Any]) -> ast.Compare:
        return ast.Compare(c[0], c[1], c[2], self._s(c))

    def grade_test(self, c: list[Any]) -> ast.GradeTest:
        return ast.GradeTest(" ".join(c[0].value.split()), c[1].value, self._s(c))

    def truth(self, c: list[Any]) -> Any:
        # a parenthesised condition reaches here as a formula: it is already a condition
        return c[0] if isinstance(c[0], ast.CONDITIONS) else ast.Truth(c[0], self._s(c))

    # ---- expressions
    def number(self, c: list[Any]) -> ast.Number:
        q = self._q(c[0])
        return ast.Number(q, q.span)

    def date(self, c: list[Any]) -> ast.DateLit:
        return ast.DateLit(c[0].value, self._t(c[0]))

    def var(self, c: list[Any]) -> ast.Var:
        return ast.Var(c[0].value, self._t(c[0]))

    add, sub, mul, div = _binop("+"), _binop("-"), _binop("*"), _binop("/")

    def neg(self, c: list[Any]) -> ast.Neg:
        return ast.Neg(c[0], self._s(c))

    def call(self, c: list[Any]) -> ast.Call:
        over = c[-1].value if isinstance(c[-1], Tok) and c[-1].type == "NAME" else None
        rest = c[1:-1] if over is not None else c[1:]
        mode = next((string_text(x) for x in rest if isinstance(x, Tok)), None)
        args = tuple(x for x in rest if not isinstance(x, Tok))
        return ast.Call(c[0].value, args, over, self._s(c), mode)

    def call_at(self, c: list[Any]) -> ast.Call:
        """``percentile(score over department, 90%)``: a group statistic with a parameter."""
        return ast.Call(c[0].value, (c[1], c[3]), c[2].value, self._s(c))

    def bracket(self, c: list[Any]) -> ast.Bracket:
        return ast.Bracket(c[0], self._q(c[1]), self._s(c))

    def progressive(self, c: list[Any]) -> ast.Progressive:
        return ast.Progressive(c[0], tuple(c[1:]), self._s(c))
