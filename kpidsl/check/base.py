"""The checker's shared state and words: symbols, diagnostics, and how numbers and
intervals are put in a message.  Every concern of the checker (``names``,
``bands``, ``ranges``, ``weights``) builds on the class here."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kpidsl.analysis.units import DEFAULT_LOW, DEFAULT_RANGES
from kpidsl.diagnostics.diagnostic import Diagnostic
from kpidsl.numbers.intervals import INF, Interval, Range
from kpidsl.syntax import ast
from kpidsl.syntax.loader import Program

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

# Keyed by unit; a message asks only for units it has established are known.
UNIT_WORDS: dict[Any, str] = {
    "percent": "a percent", "count": "a count", "money": "money", "hours": "hours",
    "days": "days", "points": "points", "number": "a plain number", "level": "a level",
    "yes/no": "a yes/no",
}


def default_range(unit: str) -> Range:
    low, high = DEFAULT_RANGES.get(unit, (DEFAULT_LOW, None))
    return Range(low, INF if high is None else high)


def fmt(x: Decimal) -> str:
    if x.is_infinite():
        return "unbounded" if x > 0 else "-unbounded"
    return format(x.normalize(), "f")


def fmt_in(x: Decimal, unit: str | None) -> str:
    if unit == "percent":
        return fmt(x * 100) + "%"
    return fmt(x)


def name_span(node) -> ast.Span:
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
class CheckerBase:
    program: Program
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __post_init__(self):
        self.symbols: dict[str, Symbol] = {}
        self.is_library = self.program.root.is_library
        total = self.program.root.setting("total")
        self.total = total.value if isinstance(total, ast.Quantity) else HUNDRED
        self.total_range: Range | None = None
        self._reported_undefined: set[tuple[str, int, int]] = set()
