"""``kpi fmt``: a rubric in the one canonical layout, keeping every comment.

The printing is ``printer.py``'s; this module adds what only a formatter needs:
the source's own facts (where each printed line's tokens were, whether a default
word or ``between`` was written), the comments, and blank lines.

Blank lines go around top-level sections and between groups of different
statement kinds (header, reuse, declarations, sections/items, results), and
before a top-level statement that has comments above it (so a banner comment
starts a paragraph).  Statements and clauses keep the order they were written in.

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
from dataclasses import dataclass, field
from typing import Any, cast

from kpidsl.syntax import ast
from kpidsl.syntax.grammar import scan_table_of_kpi
from kpidsl.syntax.parser import as_lines, parse
from kpidsl.syntax.printer import INDENT, Layout, source_lines

__all__ = ["format_text"]


def format_text(text: str, file: str = "<string>") -> str:
    """The canonical layout of ``text``. Raises ``KpiError`` if it does not parse."""
    text = as_lines(text)
    rubric = parse(text, file)
    tokens = _Tokens(text)
    printed = source_lines(rubric.statements, _SourceLayout(tokens))
    lines = [_Line(ln.depth, cast(int, ln.anchor), ln.text, ln.closing, top=ln.statement is not None) for ln in printed]
    _blank_lines(lines, [ln.statement for ln in printed if ln.statement is not None])
    return _render(lines, _place(tokens, lines, rubric.comments))


# ---- source tokens ------------------------------------------------------------------------


class _Tokens:
    """Every non-comment token of the source, with its (line, column) as lark counts them."""

    def __init__(self, text: str):
        self.values: list[str] = []
        self.pos: list[tuple[int, int]] = []
        pos, line, line_start, end = 0, 1, 0, len(text)
        scan = scan_table_of_kpi().regex
        while pos < end:
            m = scan.match(text, pos)
            kind = m.lastgroup if m is not None else None
            if m is None or kind is None:
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


# ---- the printer's questions ------------------------------------------------------------------


class _SourceLayout(Layout):
    """The printer's questions, answered from the source tokens: anchors are token indices."""

    def __init__(self, tokens: _Tokens):
        self.t = tokens

    def line(self, node: Any, word: str) -> int:
        return self.t.keyword(node.span, word, inclusive=isinstance(node, ast.Key))

    def closing(self, node: Any) -> int | None:
        t = self.t
        if isinstance(node, ast.Section):
            return t.closing(t.brace_after(t.start(node.span)))
        if isinstance(node, ast.Item):
            after_size = t.start(node.size.span) + 1
            return t.closing(after_size) if t.is_(after_size, "{") else None
        # tiers and progressive: the brace after the subject
        return t.closing(t.brace_after(t.end(node.subject.span)))

    def _body(self, item: ast.Item) -> tuple[int, int]:
        t = self.t
        after_size = t.start(item.size.span) + 1
        brace = t.closing(after_size) if t.is_(after_size, "{") else None
        return after_size, brace if brace is not None else len(t)

    def criteria(self, item: ast.Item) -> list:
        # criteria have no span: find `criteria "TEXT"` in the body, in order
        t = self.t
        after_size, body_end = self._body(item)
        found, k = [], after_size
        for text in item.criteria:
            while k < body_end and not (t.is_(k, "criteria", f'"{text}"') and not t.is_(k - 1, "veto")):
                k += 1
            found.append(k if k < body_end else after_size)
            k += 1
        return found

    def not_applicable(self, item: ast.Item) -> int:
        # `not applicable: spread …` has no span; the last one written is the one kept
        after_size, body_end = self._body(item)
        found = [j for j in range(after_size, body_end) if self.t.is_(j, "not", "applicable")]
        return found[-1] if found else after_size

    def written_between(self, band: ast.Band) -> bool:
        i = self.t.start(band.bounds[0].value.span) - 1
        if self.t.is_(i, "-"):
            i -= 1
        return self.t.is_(i, "between")

    def written_default(self, node: ast.Rounding | ast.Veto) -> bool:
        if isinstance(node, ast.Rounding):
            return self.t.is_(self.t.start(node.step.span) + 1, "half", "up")
        return self.t.is_(self.t.end(node.span) - 2, "zeroes", node.scope)


# ---- comments and blank lines ---------------------------------------------------------------------


@dataclass(eq=False)
class _Line:
    """A printed line as the formatter dresses it: blank line and comments added in place."""

    depth: int
    start: int  # index of the source token this line's run starts at
    text: str
    closing: bool = False  # a `}` line: comments before it belong one level deeper
    top: bool = False  # it starts a top-level statement
    blank: bool = False  # a blank line goes before it (and before its comments)
    leading: list[str] = field(default_factory=list)
    trailing: str | None = None


_HEADER = (ast.Setting, ast.Rounding, ast.TextList, ast.Note)
_DECLARATIONS = (ast.Input, ast.Metric, ast.Rater, ast.Key)
_BODY = (ast.Section, ast.Item, ast.Veto)


def _group(s: Any) -> str:
    if isinstance(s, _HEADER):
        return "header"
    if isinstance(s, ast.Use):
        return "use"
    if isinstance(s, _DECLARATIONS):
        return "declarations"
    if isinstance(s, _BODY):
        return "body"
    return "results"


def _blank_lines(lines: list[_Line], statements: list) -> None:
    """A blank line between groups of statement kinds and around top-level sections."""
    tops = [ln for ln in lines if ln.top]
    for i in range(1, len(tops)):
        prev, s = statements[i - 1], statements[i]
        tops[i].blank = (_group(prev) != _group(s) or isinstance(prev, ast.Section) or isinstance(s, ast.Section))


def _render(lines: list[_Line], eof: list[str]) -> str:
    out: list[str] = []
    for ln in lines:
        if (ln.blank or ln.top and ln.leading) and out:
            out.append("")
        pad = INDENT * (ln.depth + (1 if ln.closing else 0))
        out.extend(pad + c for c in ln.leading)
        text = INDENT * ln.depth + ln.text
        out.append(text + "  " + ln.trailing if ln.trailing is not None else text)
    out.extend(eof)
    return "\n".join(out) + "\n" if out else ""


def _place(t: _Tokens, lines: list[_Line], comments: Any) -> list[str]:
    """Attach each comment to a printed line; return those that end the file."""
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
