"""The checker's shared state and words: the ``Context`` one check builds and its passes
read (symbols, diagnostics, the total's range), and how numbers and intervals are put in
a message."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kpidsl.analysis.units import DEFAULT_LOW, DEFAULT_RANGES
from kpidsl.diagnostics.diagnostic import Diagnostic
from kpidsl.numbers.intervals import INF, Interval, Range
from kpidsl.numbers.spelling import in_unit, spell
from kpidsl.syntax import ast
from kpidsl.syntax.loader import Program

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

# Keyed by unit; a message asks only for units it has established are known.
UNIT_WORDS: dict[Any, str] = {
    "percent": "a percent", "count": "a count", "money": "money", "hours": "hours",
    "days": "days", "points": "points", "number": "a plain number", "level": "a level",
    "yes/no": "a yes/no", "date": "a date",
}


def default_range(unit: str) -> Range:
    low, high = DEFAULT_RANGES.get(unit, (DEFAULT_LOW, None))
    return Range(low, INF if high is None else high)


def fmt(x: Decimal) -> str:
    if x.is_infinite():
        return "unbounded" if x > 0 else "-unbounded"
    return spell(x)


def fmt_in(x: Decimal, unit: str | None) -> str:
    if x.is_infinite():
        return fmt(x)
    return in_unit(x, unit)


def name_span(node: Any) -> ast.Span:
    s = node.span
    return ast.Span(s.file, s.line, s.column, s.line, s.column + len(getattr(node, "name", "") or " "))


def describe(iv: Interval, unit: str | None) -> str:
    """An interval in the language's own words: "exactly 1%", "values >= 79 and < 80"."""
    n = iv.normalized()
    if n.is_point():
        return "exactly " + fmt_in(n.lo, unit)  # type: ignore[arg-type]
    parts = []
    if n.lo is not None:
        parts.append((">= " if n.lo_closed else "> ") + fmt_in(n.lo, unit))
    if n.hi is not None:
        parts.append(("<= " if n.hi_closed else "< ") + fmt_in(n.hi, unit))
    return "values " + " and ".join(parts) if parts else "every value"


@dataclass
class Symbol:
    kind: str  # input metric rater key section item grade pay pool award streak flag
    node: Any  # the defining statement: any kind of AST node
    unit: str | None
    imported: bool = False
    used: bool = False
    range: Range | None = None


@dataclass
class Contribution:
    node: Any  # an item, a section or a rater
    amount: Decimal  # in the parent's scale
    span: ast.Span


@dataclass
class Context:
    """What one check builds and reads, created once per check.  The passes in
    ``checker.PASSES`` fill it in order: ``symbols`` first (names.collect), then every
    symbol's ``used`` and ``range`` as formulas and items are checked, ``contributions`` and
    ``total_range`` once the members are scored (weights.members)."""

    program: Program
    diagnostics: list[Diagnostic] = field(default_factory=list)
    symbols: dict[str, Symbol] = field(default_factory=dict)
    # the top-level sections and items, what each adds to the total
    contributions: list[Contribution] = field(default_factory=list)
    # None until the members are scored: a formula read before then cannot know the total
    total_range: Range | None = None
    # an undefined name is reported once at each place it is written
    reported_undefined: set[tuple[str, int, int]] = field(default_factory=set)
    is_library: bool = field(init=False)
    total: Decimal = field(init=False)

    def __post_init__(self) -> None:
        self.is_library = self.program.root.is_library
        total = self.program.root.setting("total")
        self.total = total.value if isinstance(total, ast.Quantity) else HUNDRED

    @property
    def stmts(self) -> tuple[ast.Statement, ...]:
        return self.program.statements

    def once(self, d: Diagnostic) -> None:
        """A formula is checked again by each pass that reads it; its note is said once."""
        if d not in self.diagnostics:
            self.diagnostics.append(d)

    def title_span(self) -> ast.Span:
        for s in self.program.root.statements:
            if isinstance(s, ast.Setting) and s.key == "rubric":
                return s.span
        first = self.program.root.statements
        return first[0].span if first else ast.Span(self.program.root.file, 1, 1, 1, 2)
