"""One document's parse and check, its definitions, and where each name is written.

Pure data, no LSP types: ``analyze`` loads a document (and every file it ``use``s,
preferring an editor's unsaved text over the disk), checks it, and indexes each
definition's name.  Names are found in the source by a small scanner that skips
strings, comments and numbers, so references and renames work even in a document
that is mid-edit and does not parse.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from kpidsl.analysis import rules
from kpidsl.check.checker import check
from kpidsl.diagnostics.diagnostic import Diagnostic
from kpidsl.syntax import ast
from kpidsl.syntax.loader import Loader, Program
from kpidsl.syntax.parser import read_source

# Strings, comments and numbers (with their unit suffix) are matched only to be skipped.
_SCAN = re.compile(r'"[^"\n]*"|#[^\n]*|\d+(?:\.\d+)?\w*|(?P<word>yes/no(?!\w)|[^\W\d]\w*)')

DEFAULT_TOTAL = Decimal(100)


@dataclass(frozen=True, slots=True)
class Word:
    """A name-like word in the source: 0-based line, and character columns [start, end)."""

    text: str
    line: int
    start: int
    end: int


def words(text: str) -> list[Word]:
    out: list[Word] = []
    for n, line in enumerate(text.split("\n")):
        for m in _SCAN.finditer(line):
            if m.group("word"):
                out.append(Word(m.group("word"), n, m.start(), m.end()))
    return out


def word_at(text: str, line: int, character: int) -> Word | None:
    """The word under (or just before) a 0-based cursor, if any."""
    lines = text.split("\n")
    if not 0 <= line < len(lines):
        return None
    for m in _SCAN.finditer(lines[line]):
        if m.group("word") and m.start() <= character <= m.end():
            return Word(m.group("word"), line, m.start(), m.end())
    return None


@dataclass(frozen=True, slots=True)
class Definition:
    """A named thing the rubric declares, and where its name is written (``span``, 1-based)."""

    name: str
    kind: str  # input metric rater person group section item grade award pool pay streak flag
    node: object
    span: ast.Span
    section: ast.Section | None = None  # the section an item or section adds to
    share: Decimal | None = None  # an item's (or section's) points in the rubric's total


@dataclass(frozen=True)
class Analysis:
    path: str
    text: str
    program: Program | None
    diagnostics: tuple[Diagnostic, ...]
    texts: Mapping[str, str]  # every file read: this document and what it uses, by path
    definitions: Mapping[str, Definition] = field(default_factory=dict)
    total: Decimal = DEFAULT_TOTAL

    @property
    def parsed(self) -> bool:
        return self.program is not None


_KINDS: tuple[tuple[type, str], ...] = (
    (ast.Input, "input"), (ast.Metric, "metric"), (ast.Rater, "rater"), (ast.Section, "section"),
    (ast.Item, "item"), (ast.Grade, "grade"), (ast.Award, "award"), (ast.Pool, "pool"),
    (ast.Pay, "pay"), (ast.Streak, "streak"), (ast.Flag, "flag"),
)


def kind_of(node: Any) -> str | None:
    if isinstance(node, ast.Key):
        return node.kind
    return next((k for t, k in _KINDS if isinstance(node, t)), None)


@lru_cache(maxsize=16)
def lines_of(text: str) -> tuple[str, ...]:
    """``text`` cut into lines once: a large document asks for its lines once per name,
    span and symbol, and cutting it each time made an outline cost the square of its size."""
    return tuple(text.split("\n"))


def name_span(node: Any, texts: Mapping[str, str]) -> ast.Span:
    """Where ``node``'s name is written: the first word equal to it from the node's start."""
    s, name = node.span, node.name
    lines = lines_of(texts.get(s.file, ""))
    if 0 < s.line <= len(lines):
        for m in _SCAN.finditer(lines[s.line - 1], max(s.column - 1, 0)):
            if m.group("word") == name:
                return ast.Span(s.file, s.line, m.start() + 1, s.line, m.end() + 1)
    return ast.Span(s.file, s.line, s.column, s.line, s.column + len(name))


def _definitions(program: Program, texts: Mapping[str, str], total: Decimal) -> dict[str, Definition]:
    found: dict[str, Definition] = {}

    def add(node: Any, section: ast.Section | None, share: Decimal | None) -> None:
        kind = kind_of(node)
        if kind is not None and node.name not in found:  # the checker reports duplicates
            found[node.name] = Definition(node.name, kind, node, name_span(node, texts), section, share)

    def visit(node: Any, section: ast.Section | None, scale: Decimal, factor: Decimal) -> None:
        if isinstance(node, ast.Item):
            points = node.size.value if node.size_kind == "points" else None
            add(node, section, None if points is None else points * factor)
            return
        if not isinstance(node, ast.Section):
            add(node, section, None)
            return
        weight = (rules.weight_points(node.weight.value, node.weight.suffix == "%", scale)
                  if node.weight is not None else None)
        out_of = node.out_of.value if node.out_of is not None else None
        inner = rules.member_scale(weight, out_of, scale)
        add(node, section, None if weight is None else weight * factor)
        inner_factor = factor * (rules.rescale(weight, out_of) or Decimal(1))
        for m in node.members:
            visit(m, node, inner, inner_factor)

    for s in program.statements:
        visit(s, None, total, Decimal(1))
    return found


class _Reader:
    """Reads a used file from the editor's open documents first, then the disk; keeps every text."""

    def __init__(self, open_texts: Callable[[str], str | None]):
        self._open = open_texts
        self.texts: dict[str, str] = {}

    def __call__(self, path: Path) -> str:
        text = self._open(str(path))
        if text is None:
            text = read_source(path)
        self.texts[str(path)] = text
        return text


def analyze(path: str, text: str, open_texts: Callable[[str], str | None] = lambda p: None) -> Analysis:
    """Parse, load and check ``text`` as the file ``path``; never raises for bad input."""
    text = text.replace("\r\n", "\n")
    reader = _Reader(open_texts)
    loader = Loader(read=reader)
    program = loader.load_text(text, path)
    texts = {path: text, **reader.texts}
    diags = list(loader.diagnostics)
    if program is not None and not diags:
        diags = check(program)
    if program is None:
        return Analysis(path, text, None, tuple(diags), texts)
    declared = program.root.setting("total")
    total = declared.value if isinstance(declared, ast.Quantity) else DEFAULT_TOTAL
    return Analysis(path, text, program, tuple(diags), texts, _definitions(program, texts, total), total)


def occurrences(name: str, text: str) -> list[Word]:
    return [w for w in words(text) if w.text == name]


def nodes(program: Program) -> Iterator[Any]:
    """Every statement, and every section member, depth first."""
    def visit(node: Any) -> Iterator[Any]:
        yield node
        if isinstance(node, ast.Section):
            for m in node.members:
                yield from visit(m)
    for s in program.statements:
        yield from visit(s)


_BRACES = re.compile(r'"[^"\n]*"|#[^\n]*|[{}]')


def block_end(node: Any, texts: Mapping[str, str]) -> tuple[int, int] | None:
    """(line, column), 1-based, just past the ``}`` that closes a section's or item's block:
    the AST's span ends at the last clause.  None for an item written without braces."""
    s = node.span
    lines = lines_of(texts.get(s.file, ""))
    depth = 0
    for n in range(s.line - 1, len(lines)):
        for m in _BRACES.finditer(lines[n], s.column - 1 if n == s.line - 1 else 0):
            if m.group() == "{":
                if depth == 0 and isinstance(node, ast.Item) and (n + 1, m.start() + 1) > (s.end_line, s.end_column):
                    return None  # the first brace is past the item: it has none of its own
                depth += 1
            elif m.group() == "}":
                depth -= 1
                if depth == 0:
                    return n + 1, m.end() + 1
                if depth < 0:
                    return None
    return None
