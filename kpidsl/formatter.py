"""``kpi fmt``: print a rubric in one canonical layout, keeping every comment.

The layout: two spaces of indentation inside braces, one statement or clause a
line, one ``when`` a line inside ``tiers``, one ``from`` a line inside
``progressive``, and a blank line around top-level sections and between
groups of different statement kinds (header, reuse, declarations,
sections/items, results), and before a top-level statement that has comments
above it (so a banner comment starts a paragraph).  Quantities print as written (``0.50``, ``90%``,
``200元``); expressions get the fewest parentheses their precedence allows and
ASCII operators (``×`` -> ``*``, ``÷`` -> ``/``, ``≥`` -> ``>=``, ``+-`` -> ``±``).
Statements and clauses keep the order they were written in.

Comments are placed by source position.  The source's tokens are cut into
runs, one run per printed line, each starting at the keyword (or ``}``) that
starts that line.  A comment that ends a source line after some token goes at
the end of the printed line that owns that token; a comment alone on its line
goes, at the right indentation, before the printed line that owns the next
token (or at the end of the file).  In the formatter's own output both rules
put every comment back where it is, so formatting is idempotent.

The AST's spans start at a statement's name or first operand, not at its
keyword, and a few clauses (``criteria``, ``not applicable: spread …``) have no
span; the keyword and brace positions are therefore recovered from the source
tokens, found with the same scanner the parser's lexer uses.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal
from pathlib import Path

from . import ast
from .lexer import _SCAN
from .parser import parse, read_source

__all__ = ["format_text", "format_file", "strip_spans", "ast_equal"]

INDENT = "  "


# ---- public entry points ---------------------------------------------------------------


def format_text(text: str, file: str = "<string>") -> str:
    """The canonical layout of ``text``. Raises ``KpiError`` if it does not parse."""
    text = text.replace("\r\n", "\n")
    rubric = parse(text, file)
    printer = _Printer(_Tokens(text))
    printer.rubric(rubric)
    return printer.render(rubric.comments)


def format_file(path: str | Path) -> str:
    path = Path(path)
    return format_text(read_source(path), str(path))


def strip_spans(node):
    """A plain, comparable value for an AST node, without spans or comments.

    Numbers compare by their digits as written (``0.50`` differs from ``0.5``),
    so a test built on this also proves that quantities print as written.
    """
    if isinstance(node, ast.Rubric):
        return ("Rubric", strip_spans(node.statements))
    if is_dataclass(node) and not isinstance(node, type):
        return (type(node).__name__,) + tuple(
            (f.name, strip_spans(getattr(node, f.name))) for f in fields(node) if f.name != "span")
    if isinstance(node, (tuple, list)):
        return tuple(strip_spans(x) for x in node)
    if isinstance(node, Decimal):
        return ("Decimal", node.as_tuple())
    return node


def ast_equal(a, b) -> bool:
    """True when two ASTs say the same thing, wherever it was written and whatever the comments."""
    return strip_spans(a) == strip_spans(b)


# ---- source tokens ------------------------------------------------------------------------


class _Tokens:
    """Every non-comment token of the source, with its (line, column) as lark counts them."""

    def __init__(self, text: str):
        self.values: list[str] = []
        self.pos: list[tuple[int, int]] = []
        pos, line, line_start, end = 0, 1, 0, len(text)
        while pos < end:
            m = _SCAN.match(text, pos)
            kind = m.lastgroup
            if kind is None:
                break
            start = m.start(kind)
            nl = text.count("\n", pos, start)
            if nl:
                line += nl
                line_start = text.rindex("\n", pos, start) + 1
            value, npos = m.group(kind), m.end()
            if kind != "COMMENT":
                self.values.append(value)
                self.pos.append((line, start - line_start + 1))
            pos = npos

    def __len__(self) -> int:
        return len(self.values)

    def at(self, line: int, column: int) -> int:
        """Index of the first token at or after a position."""
        return bisect.bisect_left(self.pos, (line, column))

    def start(self, span: ast.Span) -> int:
        return self.at(span.line, span.column)

    def end(self, span: ast.Span) -> int:
        """Index of the first token after a span."""
        return self.at(span.end_line, span.end_column)

    def keyword(self, span: ast.Span, word: str, inclusive: bool = False) -> int:
        """The keyword ``word`` that a node whose span starts at ``span`` was written after."""
        i = self.start(span)
        j = i if inclusive else i - 1
        stop = max(-1, j - 64)
        while j > stop:
            if self.values[j] == word:
                return j
            j -= 1
        return i

    def brace_after(self, i: int) -> int | None:
        while i < len(self.values):
            if self.values[i] == "{":
                return i
            i += 1
        return None

    def closing(self, i: int | None) -> int | None:
        """The ``}`` that matches the ``{`` at index ``i``."""
        if i is None:
            return None
        depth = 0
        for j in range(i, len(self.values)):
            v = self.values[j]
            if v == "{":
                depth += 1
            elif v == "}":
                depth -= 1
                if depth == 0:
                    return j
        return None

    def is_(self, i: int, *words: str) -> bool:
        return all(0 <= i + k < len(self.values) and self.values[i + k] == w for k, w in enumerate(words))


# ---- printing ------------------------------------------------------------------------------


@dataclass(eq=False)
class _Line:
    depth: int
    start: int  # index of the source token this line's run starts at
    text: str = ""
    closing: bool = False  # a `}` line: comments before it belong one level deeper
    blank: bool = False  # a blank line goes before it (and before its comments)
    top: bool = False  # it starts a top-level statement
    leading: list[str] = field(default_factory=list)
    trailing: str | None = None


def _q(q: ast.Quantity) -> str:
    return format(q.value, "f") + q.suffix


def _label(label: str | None) -> str:
    return "" if label is None else f' "{label}"'


def _strings(texts) -> str:
    return ", ".join(f'"{t}"' for t in texts)


_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


def _prec(e) -> int:
    if isinstance(e, ast.BinOp):
        return _PREC[e.op]
    if isinstance(e, ast.Neg):
        return 3
    return 4


_HEADER = (ast.Setting, ast.Rounding, ast.TextList, ast.Note)
_DECLARATIONS = (ast.Input, ast.Metric, ast.Rater, ast.Key)
_BODY = (ast.Section, ast.Item, ast.Veto)


def _group(s) -> str:
    if isinstance(s, _HEADER):
        return "header"
    if isinstance(s, ast.Use):
        return "use"
    if isinstance(s, _DECLARATIONS):
        return "declarations"
    if isinstance(s, _BODY):
        return "body"
    return "results"


_KEYWORDS = {
    ast.Rounding: "round", ast.Note: "note", ast.Use: "use", ast.Input: "input", ast.Metric: "metric",
    ast.Rater: "rater", ast.Section: "section", ast.Item: "item", ast.Veto: "veto", ast.Grade: "grade",
    ast.Award: "award", ast.Pool: "pool", ast.Pay: "pay", ast.Exclude: "exclude", ast.Streak: "streak",
    ast.Quota: "quota", ast.Flag: "flag", ast.Level: "level", ast.Scale: "scale", ast.Tiers: "tiers",
    ast.Ratio: "ratio", ast.Proportional: "proportional", ast.Deduct: "deduct", ast.Change: "change",
    ast.Checklist: "checklist", ast.EnteredBy: "entered",
}


class _Printer:
    def __init__(self, tokens: _Tokens):
        self.t = tokens
        self.lines: list[_Line] = []

    # -- lines
    def newline(self, depth: int, start: int, closing: bool = False, blank: bool = False) -> None:
        self.lines.append(_Line(depth, start, closing=closing, blank=blank))

    def w(self, text: str) -> None:
        self.lines[-1].text += text

    def close(self, depth: int, brace: int | None, fallback: int) -> None:
        self.newline(depth, brace if brace is not None else fallback, closing=True)
        self.w("}")

    def keyword_of(self, node) -> int:
        if isinstance(node, ast.Setting):
            return self.t.keyword(node.span, node.key)
        if isinstance(node, ast.TextList):
            return self.t.keyword(node.span, node.kind)
        if isinstance(node, ast.Key):
            return self.t.keyword(node.span, node.kind, inclusive=True)
        return self.t.keyword(node.span, _KEYWORDS[type(node)])

    # -- the file
    def rubric(self, rubric: ast.Rubric) -> None:
        prev = None
        for s in rubric.statements:
            blank = prev is not None and (
                _group(prev) != _group(s) or isinstance(prev, ast.Section) or isinstance(s, ast.Section))
            self.statement(s, 0, blank)
            prev = s

    def statement(self, s, depth: int, blank: bool = False) -> None:
        self.newline(depth, self.keyword_of(s), blank=blank)
        self.lines[-1].top = depth == 0
        getattr(self, "_" + type(s).__name__)(s, depth)

    def render(self, comments) -> str:
        eof = self._place(comments)
        out: list[str] = []
        for ln in self.lines:
            if (ln.blank or ln.top and ln.leading) and out:
                out.append("")
            pad = INDENT * (ln.depth + (1 if ln.closing else 0))
            out.extend(pad + c for c in ln.leading)
            text = INDENT * ln.depth + ln.text
            out.append(text + "  " + ln.trailing if ln.trailing is not None else text)
        out.extend(eof)
        return "\n".join(out) + "\n" if out else ""

    def _place(self, comments) -> list[str]:
        """Attach each comment to a printed line; return those that end the file."""
        t, lines = self.t, self.lines
        order = sorted(range(len(lines)), key=lambda i: lines[i].start)
        starts = [lines[i].start for i in order]

        def owner(tok: int) -> int:
            return order[max(bisect.bisect_right(starts, tok) - 1, 0)]

        eof: list[str] = []
        for c in sorted(comments, key=lambda c: (c.span.line, c.span.column)):
            text = c.text.rstrip()
            n = t.at(c.span.line, c.span.column)  # the first token after the comment
            if not lines:
                eof.append(text)
            elif n > 0 and t.pos[n - 1][0] == c.span.line:  # it ends a line: stays there
                i = owner(n - 1)
                if lines[i].trailing is None:
                    lines[i].trailing = text
                elif i + 1 < len(lines):  # a second one for the same printed line
                    lines[i + 1].leading.append(text)
                else:
                    eof.append(text)
            elif n >= len(t):
                eof.append(text)
            else:
                lines[owner(n)].leading.append(text)
        return eof

    # -- header
    def _Setting(self, s: ast.Setting, depth: int) -> None:
        if s.key == "total":
            self.w(f"total {_q(s.value)}")
        elif s.key in ("period", "currency"):
            self.w(f"{s.key} {s.value}")
        else:
            self.w(f'{s.key} "{s.value}"')

    def _Rounding(self, s: ast.Rounding, depth: int) -> None:
        self.w(f"round {s.level} to {_q(s.step)}")
        after = self.t.start(s.step.span) + 1
        if s.mode != "half up" or self.t.is_(after, "half", "up"):
            self.w(f" {s.mode}")

    def _TextList(self, s: ast.TextList, depth: int) -> None:
        self.w(f"{s.kind} {_strings(s.texts)}")

    def _Note(self, s: ast.Note, depth: int) -> None:
        self.w(f'note "{s.text}"')

    def _Use(self, s: ast.Use, depth: int) -> None:
        if s.names is None:
            self.w(f'use "{s.path}"')
        else:
            self.w(f'use {", ".join(s.names)} from "{s.path}"')

    # -- declarations
    def _range(self, r: ast.Range | None) -> None:
        if r is not None:
            self.w(f" range {_q(r.low)}..{_q(r.high) if r.high is not None else ''}")

    def _Input(self, s: ast.Input, depth: int) -> None:
        self.w(f"input {s.name}{_label(s.label)}: {s.unit}")
        self._range(s.range)
        if s.source is not None:
            self.w(f" from {s.source.who}{_label(s.source.detail)}")

    def _Metric(self, s: ast.Metric, depth: int) -> None:
        self.w(f"metric {s.name}{_label(s.label)}: {s.unit}")
        self._range(s.range)
        self.w(" = ")
        self.expr(s.expr)

    def _Rater(self, s: ast.Rater, depth: int) -> None:
        self.w(f"rater {s.name}{_label(s.label)}")
        if s.weight is not None:
            self.w(f" weight {_q(s.weight)}")

    def _Key(self, s: ast.Key, depth: int) -> None:
        self.w(f"{s.kind} {s.name}{_label(s.label)}")

    # -- sections and items
    def _Section(self, s: ast.Section, depth: int) -> None:
        self.w(f"section {s.name}{_label(s.label)}")
        if s.weight is not None:
            self.w(f" weight {_q(s.weight)}")
        if s.out_of is not None:
            self.w(f" out of {_q(s.out_of)}")
        self.w(" {")
        brace = self.t.closing(self.t.brace_after(self.t.start(s.span)))
        members = sorted((*s.members, *s.vetoes, *s.notes), key=self.keyword_of)
        for m in members:
            self.statement(m, depth + 1)
        self.close(depth, brace, self.lines[-1].start)

    def _Veto(self, s: ast.Veto, depth: int) -> None:
        self.w(f"veto {s.condition}{_label(s.label)}")
        written = self.t.is_(self.t.end(s.span) - 2, "zeroes", s.scope)
        if s.scope != "item" or written:
            self.w(f" zeroes {s.scope}")

    def _Item(self, s: ast.Item, depth: int) -> None:
        self.w(f"item {s.name}{_label(s.label)} {s.size_kind} {_q(s.size)}")
        t = self.t
        after_size = t.start(s.size.span) + 1
        brace = t.closing(after_size) if t.is_(after_size, "{") else None
        body_end = brace if brace is not None else len(t)

        clauses: list[tuple[int, str, object]] = []  # (keyword token, kind, node)
        # criteria have no span: find `criteria "TEXT"` in the body, in order
        k = after_size
        for text in s.criteria:
            while k < body_end and not (t.is_(k, "criteria", f'"{text}"') and not t.is_(k - 1, "veto")):
                k += 1
            clauses.append((k if k < body_end else after_size, "criteria", text))
            k += 1
        if s.bonus is not None:
            clauses.append((t.keyword(s.bonus.span, "bonus"), "bonus", s.bonus))
        for rule in s.rules:
            for node in rule.levels if isinstance(rule, ast.Levels) else (rule,):
                clauses.append((self.keyword_of(node), "rule", node))
        if s.not_applicable is not None:
            # `not applicable: spread …` has no span; the last one written is the one kept
            found = [j for j in range(after_size, body_end) if t.is_(j, "not", "applicable")]
            clauses.append((found[-1] if found else after_size, "na", s.not_applicable))
        clauses += [(self.keyword_of(v), "rule", v) for v in s.vetoes]
        clauses += [(self.keyword_of(n), "rule", n) for n in s.notes]
        if not clauses:
            return  # `{ }` or no braces at all: one line

        self.w(" {")
        for start, kind, node in sorted(clauses, key=lambda c: c[0]):
            self.newline(depth + 1, start)
            if kind == "criteria":
                self.w(f'criteria "{node}"')
            elif kind == "bonus":
                self.w(f"bonus up to {_q(node)}")
            elif kind == "na":
                self._NotApplicable(node)
            else:
                getattr(self, "_" + type(node).__name__)(node, depth + 1)
        self.close(depth, brace, self.lines[-1].start)

    def _NotApplicable(self, s: ast.NotApplicable) -> None:
        policy = {"proportionally": "spread proportionally", "evenly": "spread evenly"}.get(s.policy)
        self.w(f"not applicable: {policy or 'give to ' + str(s.target)}")

    # -- scoring rules
    def _EnteredBy(self, s: ast.EnteredBy, depth: int) -> None:
        self.w(f"entered by {s.rater}")

    def _Level(self, s: ast.Level, depth: int) -> None:
        self.w(f'level "{s.text}": {_q(s.low)}')
        if s.high is not None:
            self.w(f"..{_q(s.high)}")

    def _Scale(self, s: ast.Scale, depth: int) -> None:
        self.w("scale " + ", ".join(f"{_q(st.step)}: {_q(st.points)}" for st in s.steps))

    def _Tiers(self, s: ast.Tiers, depth: int) -> None:
        self.w("tiers ")
        self.expr(s.subject)
        self.w(" {")
        t = self.t
        brace = t.closing(t.brace_after(t.end(s.subject.span)))
        for tier in s.tiers:
            self.newline(depth + 1, t.keyword(tier.span, "else" if tier.band is None else "when"))
            if tier.band is None:
                self.w(f"else: {_q(tier.points)}")
            else:
                self.w(f"when {self.band(tier.band)}: {_q(tier.points)}")
        self.close(depth, brace, self.lines[-1].start)

    def _Ratio(self, s: ast.Ratio, depth: int) -> None:
        self.w("ratio ")
        self.expr(s.subject)
        self.w(f" target {_q(s.target)} ±{_q(s.step)}")
        if s.per is not None:
            self.w(f" per {_q(s.per)}")
        if s.base is not None:
            self.w(f" base {_q(s.base)}")

    def _Proportional(self, s: ast.Proportional, depth: int) -> None:
        self.w("proportional ")
        self.expr(s.subject)

    def _Deduct(self, s: ast.Deduct, depth: int) -> None:
        self.w(f"deduct {_q(s.amount)} per ")
        self.expr(s.per)
        if s.base is not None:
            self.w(f" base {_q(s.base)}")
        if not s.floored:
            self.w(" no floor")

    def _Change(self, s: ast.Change, depth: int) -> None:
        self.w("change ")
        self.expr(s.subject)
        self.w(f" by {_q(s.by)} per {_q(s.per)}")
        if s.base is not None:
            self.w(f" base {_q(s.base)}")

    def _Checklist(self, s: ast.Checklist, depth: int) -> None:
        self.w(f"checklist {_strings(s.checks)} scores {', '.join(map(_q, s.scores))}")

    # -- results
    def _Grade(self, s: ast.Grade, depth: int) -> None:
        self.w(f"grade {s.name}{_label(s.label)} ")
        self.w("otherwise" if s.band is None else f"when {self.band(s.band)}")
        if s.coefficient is not None:
            self.w(f" coefficient {_q(s.coefficient)}")

    def _Award(self, s: ast.Award, depth: int) -> None:
        self.w(f"award {s.name}{_label(s.label)} {_q(s.amount)}")
        parts = [p for p in (s.best_of, s.when) if p is not None]
        # in the order written, so lines that a `progressive` adds stay in source order
        for p in sorted(parts, key=lambda p: (p.span.line, p.span.column)):
            if isinstance(p, ast.BestOf):
                self.w(" to best ")
                self.expr(p.expr)
                self.w(f" per {p.group}")
            else:
                self.w(" when ")
                self.condition(p)
        if s.requires is not None:
            self.w(f" requires grade {s.requires}")

    def _Pool(self, s: ast.Pool, depth: int) -> None:
        self.w(f"pool {s.name}{_label(s.label)} = ")
        self.expr(s.expr)
        self.w(f" shared by {s.shared_by}")

    def _Pay(self, s: ast.Pay, depth: int) -> None:
        self.w(f"pay {s.name}{_label(s.label)} = ")
        self.expr(s.expr)
        if s.when is not None:
            self.w(" when ")
            self.condition(s.when)

    def _Exclude(self, s: ast.Exclude, depth: int) -> None:
        self.w("exclude when ")
        self.condition(s.when)
        self.w(_label(s.reason))

    def _Streak(self, s: ast.Streak, depth: int) -> None:
        self.w(f"streak {s.name}{_label(s.label)} when ")
        self.condition(s.when)
        self.w(f" for {_q(s.periods)} periods ")
        self.w(f"award {_q(s.amount)}" if s.action == "award" else f'flag "{s.flag}"')

    def _Quota(self, s: ast.Quota, depth: int) -> None:
        self.w(f"quota {s.grade} at most {_q(s.at_most)} per {s.per}")
        for i, e in enumerate(s.tie_by):
            self.w(", " if i else " tie by ")
            self.expr(e)

    def _Flag(self, s: ast.Flag, depth: int) -> None:
        self.w(f"flag {s.name}{_label(s.label)} bottom {_q(s.bottom)} per {s.per}")

    # -- bands, conditions, expressions
    def band(self, b: ast.Band) -> str:
        lo_hi = b.bounds
        if (len(lo_hi) == 2 and lo_hi[0].op == ">=" and lo_hi[1].op == "<="
                and self._written_between(lo_hi[0].value)):
            return f"between {_q(lo_hi[0].value)} and {_q(lo_hi[1].value)}"
        return " and ".join(f"{x.op} {_q(x.value)}" for x in lo_hi)

    def _written_between(self, low: ast.Quantity) -> bool:
        i = self.t.start(low.span) - 1
        if self.t.is_(i, "-"):
            i -= 1
        return self.t.is_(i, "between")

    def condition(self, c) -> None:
        if isinstance(c, ast.GradeTest):
            self.w(f"grade {c.test} {c.grade}")
        elif isinstance(c, ast.Compare):
            self.expr(c.left)
            self.w(f" {c.op} ")
            self.expr(c.right)
        else:
            self.expr(c.expr)

    def _operand(self, e, parens: bool) -> None:
        if parens:
            self.w("(")
            self.expr(e)
            self.w(")")
        else:
            self.expr(e)

    def expr(self, e) -> None:
        if isinstance(e, ast.Number):
            self.w(_q(e.quantity))
        elif isinstance(e, ast.Var):
            self.w(e.name)
        elif isinstance(e, ast.BinOp):
            p = _PREC[e.op]
            self._operand(e.left, _prec(e.left) < p)
            self.w(f" {e.op} ")
            self._operand(e.right, _prec(e.right) <= p)  # operators group to the left
        elif isinstance(e, ast.Neg):
            self.w("-")
            self._operand(e.operand, _prec(e.operand) < 3)
        elif isinstance(e, ast.Call):
            self.w(f"{e.func}(")
            for i, a in enumerate(e.args):
                if i:
                    self.w(", ")
                self.expr(a)
            if e.over is not None:
                self.w(f" over {e.over}")
            self.w(")")
        elif isinstance(e, ast.Progressive):
            depth = self.lines[-1].depth
            self.w("progressive ")
            self.expr(e.subject)
            self.w(" {")
            t = self.t
            brace = t.closing(t.brace_after(t.end(e.subject.span)))
            for b in e.brackets:
                self.newline(depth + 1, t.keyword(b.span, "from"))
                self.w(f"from {_q(b.start)}: {_q(b.rate)}")
            self.close(depth, brace, self.lines[-1].start)
        else:  # pragma: no cover - the parser builds no other expression
            raise TypeError(f"not an expression: {e!r}")
