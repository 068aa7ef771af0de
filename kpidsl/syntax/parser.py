"""Source text -> ``ast.Rubric``, or diagnostics that a person can act on: the parser's entry points.

lark analyses the grammar (grammar.py); text that parses goes through the fast
LALR driver (lalr.py), which calls a fresh ``builder.Builder`` for each parse;
text that does not is parsed again by lark's own driver, whose exceptions
syntax_errors.py turns into words that never mention lark's internals.

Safe to call from many threads at once: a parse writes only to its own builder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

from kpidsl.diagnostics.diagnostic import Diagnostic, KpiError, error, info
from kpidsl.syntax import ast
from kpidsl.syntax.builder import Builder
from kpidsl.syntax.errors import describe_unexpected_char, describe_unexpected_token
from kpidsl.syntax.gcpause import cycle_gc_paused
from kpidsl.syntax.grammar import compiled, parse_table, scan_table_for, statement_words
from kpidsl.syntax.lalr import Driver, Rejected
from kpidsl.syntax.lexer import Scanner, Tok


# Built once and never changed (lru_cache is thread-safe): the driver and the
# statement keywords serve every parse.
@lru_cache(maxsize=1)
def _driver() -> Driver:
    lark = compiled()
    table = parse_table(lark)
    return Driver(table, Scanner(scan_table_for(lark), table.states), Builder)


@lru_cache(maxsize=1)
def _statement_words() -> frozenset[str]:
    return statement_words(compiled())


# ---- public entry points -----------------------------------------------------------


def parse(text: str, file: str = "<string>") -> ast.Rubric:
    """Parse one file. Raises ``KpiError`` with every syntax problem found."""
    text = as_lines(text)
    comments: list[Tok] = []
    builder = Builder(file)
    try:
        with cycle_gc_paused():
            statements = _driver().parse(text, builder, comments.append)
    except Rejected:
        # lark's own driver, on the same table, says where and why
        raise KpiError(_collect_syntax_errors(text, file)) from None
    if builder.problems:
        raise KpiError(builder.problems)
    return ast.Rubric(file, tuple(statements),
                      tuple(ast.Comment(t.value, ast.Span(file, t.line, t.column, t.end_line, t.end_column))
                            for t in comments))


def _diagnose(exc: UnexpectedInput, text: str, file: str) -> Diagnostic:
    if isinstance(exc, UnexpectedCharacters):
        message, hint, width = describe_unexpected_char(exc, text)
        line, col = exc.line, exc.column
    else:
        message, hint, width = describe_unexpected_token(exc, text)
        token = getattr(exc, "token", None)
        if isinstance(exc, UnexpectedEOF) or token is None or getattr(token, "type", "") == "$END":
            lines = text.split("\n")
            line, col = len(lines), len(lines[-1]) + 1
            width = 1
        else:
            line, col = token.line, token.column
    span = ast.Span(file, line, col, line, col + max(width, 1))
    return error("KPI001", message, span, hint)


MAX_SYNTAX_ERRORS = 100  # past this a file is not a rubric with typos; the rest is noise


def _collect_syntax_errors(text: str, file: str) -> list[Diagnostic]:
    """Report one diagnostic per broken top-level statement, not a cascade.

    The file is cut where a statement keyword starts a line outside any
    braces; each piece is parsed alone and its positions moved to where the
    piece starts, so the work grows with the file, not with its square.
    """
    parser, driver = compiled(), _driver()
    found: list[Diagnostic] = []
    for start_line, chunk in _statement_chunks(text):
        try:
            driver.parse(chunk, Builder(file))  # most pieces are fine: the fast driver says so sooner
            continue
        except Rejected:
            pass
        try:
            parser.parse(chunk)
        except UnexpectedInput as exc:
            found.append(_moved(_diagnose(exc, chunk, file), start_line - 1))
        if len(found) == MAX_SYNTAX_ERRORS:
            found.append(info("KPI001", f"stopped after {MAX_SYNTAX_ERRORS} syntax errors",
                              ast.Span(file, start_line, 1, start_line, 2),
                              "fix the ones above first: the rest of the file was not read"))
            break
    if not found:  # pieces parse alone but not together; report the whole
        try:
            parser.parse(text)
        except UnexpectedInput as exc:
            found.append(_diagnose(exc, text, file))
    return found


def _moved(d: Diagnostic, lines: int) -> Diagnostic:
    s = d.span
    return replace(d, span=ast.Span(s.file, s.line + lines, s.column, s.end_line + lines, s.end_column))


def _statement_chunks(text: str) -> Iterator[tuple[int, str]]:
    words = _statement_words()
    lines = text.split("\n")
    depth = 0
    start = 0
    for i, line in enumerate(lines):
        word = line.split(None, 1)[0] if line.strip() else ""
        if depth <= 0 and i > start and word in words and line[:1] not in " \t":
            yield start + 1, "\n".join(lines[start:i])
            start = i
            depth = 0
        depth += _brace_delta(line)
    yield start + 1, "\n".join(lines[start:])


def _brace_delta(line: str) -> int:
    delta, in_string = 0, False
    for ch in line:
        if ch == '"':
            in_string = not in_string
        elif in_string:
            continue
        elif ch == "#":
            break
        elif ch == "{":
            delta += 1
        elif ch == "}":
            delta -= 1
    return delta


# A lone CR (an old Mac file) is a line break to every editor and to the language server
# protocol: read as one, so a `#` comment stops where the editor shows it stop and line
# numbers match.  Unicode's other breaks (U+2028 …) end a comment (the grammar's COMMENT)
# and are refused outside a string, where they stand.
_CR = re.compile("\r\n?")


def as_lines(text: str) -> str:
    """``text`` with every CR or CRLF written as ``\\n``."""
    return _CR.sub("\n", text) if "\r" in text else text


def read_source(path: str | Path) -> str:
    """A .kpi file's text: UTF-8, read past a byte-order mark (Windows Notepad writes one),
    every CR or CRLF as ``\\n``.  Every reader of a rubric file goes through here.  Text that is
    not UTF-8 raises UnicodeDecodeError with the file's name in ``filename``."""
    data = Path(path).read_bytes()
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        return as_lines(data[bom:].decode("utf-8"))
    except UnicodeDecodeError as e:
        # positions in the file as it is on disk, its mark counted ("utf-8-sig" counts from after it)
        error = UnicodeDecodeError("utf-8", data, e.start + bom, e.end + bom, e.reason)
        error.filename = str(path)  # type: ignore[attr-defined]  # read by the messages that name the file
        raise error from None
