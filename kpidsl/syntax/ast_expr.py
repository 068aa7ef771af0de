"""The syntax tree's expressions and conditions: literals, formulas, bands and tests.
``kpidsl.syntax.ast`` re-exports every name here, so a node is always ``ast.Var`` etc."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kpidsl.diagnostics.span import Span
from kpidsl.syntax.ast_tables import Table, Tiers


@dataclass(frozen=True, slots=True)
class Comment:
    text: str
    span: Span


# ---- literals ---------------------------------------------------------------

# The suffix written after a number, mapped to the unit it denotes.
SUFFIX_UNITS = {
    "%": "percent",
    "pt": "points",
    "分": "points",
    "元": "money",
    "h": "hours",
    "小时": "hours",
    "d": "days",
    "天": "days",
    "次": "count",
}


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number as written. ``value`` is exact; a percent is kept as written
    (``90%`` has value 90), ``fraction`` gives the number it stands for."""

    value: Decimal
    suffix: str  # "" when the number was written bare
    span: Span

    @property
    def unit(self) -> str | None:
        return SUFFIX_UNITS.get(self.suffix)

    @property
    def magnitude(self) -> Decimal:
        """The value in the unit's own scale: 90% -> 0.9, 200元 -> 200."""
        return self.value / 100 if self.suffix == "%" else self.value

    def __str__(self) -> str:
        # format(…, "f"): str(Decimal) may say 1E-7, which is not .kpi
        return f"{format(self.value, 'f')}{self.suffix}"


# ---- expressions ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Number:
    quantity: Quantity
    span: Span


@dataclass(frozen=True, slots=True)
class Var:
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str  # one of + - * /
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Call:
    """``min(a, b)``, ``sum(sales over team)``, ``average(coefficient over year)``,
    ``round(x, 0.5, "half even")`` (``mode``: the quoted rounding mode, if written)."""

    func: str
    args: tuple[Expr, ...]
    over: str | None
    span: Span
    mode: str | None = None


@dataclass(frozen=True, slots=True)
class Bracket:
    start: Quantity | Expr  # a formula: the bracket starts where the row's data says
    rate: Quantity
    span: Span


@dataclass(frozen=True, slots=True)
class Progressive:
    """Bracketed rates, each on its own slice of ``subject``."""

    subject: Expr
    brackets: tuple[Bracket, ...]
    span: Span


Expr = Number | Var | BinOp | Neg | Call | Progressive | Tiers | Table


# ---- bands and conditions -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bound:
    op: str  # >= <= > < =
    value: Quantity | Expr  # a formula: a bound from the row's data (a quota per person)
    span: Span


@dataclass(frozen=True, slots=True)
class Band:
    """An interval of one value: one or two bounds, or ``between a and b``."""

    bounds: tuple[Bound, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Compare:
    left: Expr
    op: str
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Truth:
    expr: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class GradeTest:
    test: str  # "is", "below", "at least"
    grade: str
    span: Span


@dataclass(frozen=True, slots=True)
class BoolOp:
    """``left and right``, ``left or right``: conditions combined (``and`` binds tighter)."""

    op: str  # "and" or "or"
    left: Condition
    right: Condition
    span: Span


@dataclass(frozen=True, slots=True)
class Not:
    operand: Condition
    span: Span


Condition = Compare | Truth | GradeTest | BoolOp | Not
CONDITIONS = (Compare, Truth, GradeTest, BoolOp, Not)
