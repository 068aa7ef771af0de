"""Printing formulas, conditions and bands: the layout a printer asks about the source,
the printed ``Line``, the atoms (quantities, quoted labels) and ``ExprPrinter``, the base
that ``printer.py``'s statement printer builds on.  Formulas get the fewest parentheses
their precedence allows; with ``one_line`` every operation brings its own."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from kpidsl.syntax import ast

# ---- what the tree does not say ---------------------------------------------------------------------


class Layout:
    """Answers about the source that the tree cannot give.  This one has no source:
    anchors are span positions (clauses without a span go first), defaults are
    left out and ``between`` is never used."""

    def line(self, node: Any, word: str) -> Any:
        """Where the printed line that starts with ``word`` for ``node`` began (any
        comparable value; lines are put in this order inside a block)."""
        return (node.span.line, node.span.column)

    def closing(self, node: Any) -> Any:
        """Where the ``}`` of ``node``'s block was, or None to use the last line's anchor."""
        return None

    def criteria(self, item: ast.Item) -> list:
        """One anchor for each of the item's ``criteria`` (they have no span)."""
        return [(0, 0)] * len(item.criteria)

    def not_applicable(self, item: ast.Item) -> Any:
        return (0, 0)

    def written_between(self, band: ast.Band) -> bool:
        return False

    def written_default(self, node: ast.Rounding | ast.Veto) -> bool:
        """Whether a default word (``half up``, ``zeroes item``) was written out."""
        return False


class Explicit(Layout):
    """For one-line texts: every default word spelled out."""

    def written_default(self, node: ast.Rounding | ast.Veto) -> bool:
        return True


@dataclass(frozen=True)
class Line:
    """One printed line, without its indentation."""

    depth: int
    text: str
    anchor: object  # the Layout's answer for what starts this line
    closing: bool = False  # a `}` line
    statement: object = None  # the top-level statement this line starts, if it starts one


# ---- atoms -----------------------------------------------------------------------------------------


def quantity_text(q: Any) -> str:
    """A number as written (``90%``, ``1pt``, ``0.5``): ``Quantity.__str__`` is its one spelling.
    A bound, target or cap may be a formula of the row's data instead (``quota``, ``2 * quota``):
    it is printed as a formula, so every reader of the outline sees it as written."""
    if isinstance(q, ast.Quantity):
        return str(q)
    return limit_text(q)


def limit_text(e: Any, one_line: bool = False) -> str:
    """A bound from data, target or cap as a formula on one line: ``2 * quota``."""
    p = ExprPrinter(Layout(), one_line or _holds_brackets(e))
    p.newline(0, None)
    p.expr(e)
    return p.text()


def _holds_brackets(e: Any) -> bool:
    # brackets print on lines of their own unless the whole formula is one line
    return any(isinstance(x, ast.Progressive) for x in _nodes(e))


def _nodes(e: Any) -> Iterator[Any]:
    yield e
    for child in (getattr(e, "left", None), getattr(e, "right", None), getattr(e, "operand", None),
                  getattr(e, "subject", None), *getattr(e, "args", ())):
        if child is not None:
            yield from _nodes(child)


q_text = quantity_text


def quoted(text: str) -> str:
    """A string literal for ``text``: a quote becomes ``\\"``, and a backslash the scanner
    would read as an escape (before a quote, a backslash or the closing quote) is doubled."""
    if "\\" in text:
        text = re.sub(r'\\(?=["\\]|$)', r"\\\\", text)
    return '"' + text.replace('"', '\\"') + '"'


def strings_text(texts: Iterable[str]) -> str:
    return ", ".join(quoted(t) for t in texts)


PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "or": 1, "and": 2}


def precedence(e: Any) -> int:
    """How tightly a formula or a condition binds (negation and `not` at 3)."""
    if isinstance(e, (ast.BinOp, ast.BoolOp)):
        return PREC[e.op]
    return 3 if isinstance(e, (ast.Neg, ast.Not)) else 4




# ---- the base printer: lines, bands, conditions, formulas ----------------------------------------


class ExprPrinter:
    def __init__(self, layout: Layout, one_line: bool = False):
        self.layout = layout
        self.one_line = one_line
        self.lines: list[Line] = []
        self.parts: list[list[str]] = []  # the text of each line, joined at the end

    # -- lines
    def newline(self, depth: int, anchor: Any, closing: bool = False, statement: object = None) -> None:
        self.lines.append(Line(depth, "", anchor, closing, statement))
        self.parts.append([])

    def w(self, text: str) -> None:
        self.parts[-1].append(text)

    def close(self, depth: int, node: Any) -> None:
        anchor = self.layout.closing(node)
        self.newline(depth, self.lines[-1].anchor if anchor is None else anchor, closing=True)
        self.w("}")

    def result(self) -> tuple[Line, ...]:
        return tuple(replace(ln, text="".join(p)) for ln, p in zip(self.lines, self.parts))

    def text(self) -> str:
        return "".join(self.parts[0]) if self.parts else ""

    def label(self, label: str | None) -> str:
        return "" if label is None or self.one_line else " " + quoted(label)


    # -- bands, conditions, expressions
    def band(self, b: ast.Band) -> str:
        lo_hi = b.bounds
        if (len(lo_hi) == 2 and lo_hi[0].op == ">=" and lo_hi[1].op == "<="
                and self.layout.written_between(b)):
            return f"between {self.limit(lo_hi[0].value)} and {self.limit(lo_hi[1].value)}"
        return " and ".join(f"{x.op} {self.limit(x.value)}" for x in lo_hi)

    def limit(self, x: Any, parens: bool = False) -> str:
        """A bound, bracket start, target or cap: a number, or a formula of the row's data
        (``parens``: where `±` follows, a formula other than a name is parenthesised)."""
        if isinstance(x, ast.Quantity):
            return q_text(x)
        text = limit_text(x, self.one_line)
        wrapped = isinstance(x, ast.Var) or (self.one_line and isinstance(x, ast.BinOp))
        return f"({text})" if parens and not wrapped else text

    def condition(self, c: Any) -> None:
        if isinstance(c, ast.GradeTest):
            self.w(f"grade {c.test} {c.grade}")
        elif isinstance(c, ast.Compare):
            self.expr(c.left)
            self.w(f" {c.op} ")
            self.expr(c.right)
        elif isinstance(c, ast.BoolOp):
            p = PREC[c.op]
            self.w("(" if self.one_line else "")
            self._operand(c.left, precedence(c.left) < p, self.condition)
            self.w(f" {c.op} ")
            self._operand(c.right, precedence(c.right) <= p, self.condition)  # and, or group to the left
            self.w(")" if self.one_line else "")
        elif isinstance(c, ast.Not):
            self.w("not ")
            self._operand(c.operand, precedence(c.operand) < 3, self.condition)
        else:
            self.expr(c.expr)

    def _operand(self, e: Any, parens: bool, print_: Callable[[Any], None] | None = None) -> None:
        # one line: every operation brings its own parentheses
        print_ = print_ or self.expr
        if parens and not self.one_line:
            self.w("(")
            print_(e)
            self.w(")")
        else:
            print_(e)

    def expr(self, e: Any) -> None:
        if isinstance(e, ast.Number):
            self.w(q_text(e.quantity))
        elif isinstance(e, ast.DateLit):
            self.w(e.text)
        elif isinstance(e, ast.Var):
            self.w(e.name)
        elif isinstance(e, ast.BinOp):
            p = PREC[e.op]
            self.w("(" if self.one_line else "")
            self._operand(e.left, precedence(e.left) < p)
            self.w(f" {e.op} ")
            self._operand(e.right, precedence(e.right) <= p)  # operators group to the left
            self.w(")" if self.one_line else "")
        elif isinstance(e, ast.Neg):
            self.w("-")
            self._operand(e.operand, precedence(e.operand) < 3)
        elif isinstance(e, ast.Call):
            self.w(f"{e.func}(")
            for i, a in enumerate(e.args):
                if i:
                    self.w(", ")
                self.expr(a)
                if i == 0 and e.over is not None and len(e.args) > 1:
                    self.w(f" over {e.over}")  # `percentile(score over department, 90%)`
            if e.mode is not None:
                self.w(f", {quoted(e.mode)}")
            if e.over is not None and len(e.args) < 2:
                self.w(f" over {e.over}")
            self.w(")")
        elif isinstance(e, ast.Progressive):
            self.w("progressive ")
            self.expr(e.subject)
            if self.one_line:
                self.w(" { " + ", ".join(f"from {self.limit(b.start)}: {q_text(b.rate)}" for b in e.brackets) + " }")
                return
            depth = self.lines[-1].depth
            self.w(" {")
            for b in e.brackets:
                self.newline(depth + 1, self.layout.line(b, "from"))
                self.w(f"from {self.limit(b.start)}: {q_text(b.rate)}")
            self.close(depth, e)
        elif isinstance(e, ast.Tiers):
            self.tiers(e, self.lines[-1].depth)
        elif isinstance(e, ast.Table):
            self.table(e)
        elif isinstance(e, ast.CONDITIONS):  # a condition where a number belongs: the checker says so
            self.w("(")
            self.condition(e)
            self.w(")")
        else:  # pragma: no cover - the parser builds no other expression
            raise TypeError(f"not an expression: {e!r}")

    # -- look-up tables: one `when` (or `else`) a line, a table's `columns` first
    def tiers(self, s: ast.Tiers, depth: int, rule: bool = False) -> None:
        self.w("tiers ")
        self.expr(s.subject)
        if self.one_line:  # an item's rule reads `tiers x: …`; inside a formula it keeps its braces
            body = "; ".join(f"{self._band_or_else(t.band)} → {q_text(t.points)}" for t in s.tiers)
            self.w(f": {body}" if rule else f" {{{body}}}")
            return
        self.w(" {")
        for tier in s.tiers:
            self.newline(depth + 1, self.layout.line(tier, "else" if tier.band is None else "when"))
            if tier.band is None:
                self.w(f"else: {q_text(tier.points)}")
            else:
                self.w(f"when {self.band(tier.band)}: {q_text(tier.points)}")
        self.close(depth, s)

    def table(self, t: ast.Table) -> None:
        self.w("table ")
        self.expr(t.row_key)
        self.w(", ")
        self.expr(t.column_key)

        def cells(r: ast.TableRow) -> str:
            return ", ".join(q_text(q) for q in r.cells)
        if self.one_line:
            columns = ", ".join(self._band_or_else(c.band) for c in t.columns)
            rows = "; ".join(f"{self._band_or_else(r.band)} → {cells(r)}" for r in t.rows)
            self.w(f" {{columns {columns}; {rows}}}")
            return
        depth = self.lines[-1].depth
        self.w(" {")
        self.newline(depth + 1, self.layout.line(t.columns[0], "columns"))
        self.w("columns " + ", ".join("else" if c.band is None else f"when {self.band(c.band)}" for c in t.columns))
        for r in t.rows:
            self.newline(depth + 1, self.layout.line(r, "else" if r.band is None else "when"))
            self.w(("else" if r.band is None else f"when {self.band(r.band)}") + f": {cells(r)}")
        self.close(depth, _Opened(t.column_key, t.span))  # the block opens after the column key

    def _band_or_else(self, b: ast.Band | None) -> str:
        return "else" if b is None else self.band(b)


class _Opened(NamedTuple):
    """What a layout asks of a block to find its braces: ``subject``, the formula the ``{``
    comes after (a tiers' subject, a progressive's, a table's column key)."""

    subject: object
    span: ast.Span
