"""The syntax tree's expressions and conditions: literals, formulas, bands and tests, and
the look-up tables: ``tiers`` (one key, a value per band of it; also an item's scoring
rule, R4 and R5, the same node in the rule's place) and ``table`` (two keys).
``kpidsl.syntax.ast`` re-exports every name here, so a node is always ``ast.Var`` etc."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kpidsl.diagnostics.span import Span


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
class DateLit:
    """A date written in a formula, ``2026-06-30``, as written; its day number is
    ``numbers.dates.literal`` of the text (the checker refuses one that is no date)."""
    text: str
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


# ---- look-up tables and tiers, as values ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tier:
    band: Band | None  # None for ``else``
    points: Quantity  # the tier's value: points in an item's rule, any quantity in a formula
    span: Span


@dataclass(frozen=True, slots=True)
class Tiers:
    """``tiers SUBJECT { when BAND: VALUE … else: VALUE }``: the first tier whose band holds
    the subject gives the value."""

    subject: Expr
    tiers: tuple[Tier, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class TableColumn:
    """One column of a table: a band of the column key, or ``else`` (``band`` None)."""

    band: Band | None
    span: Span


@dataclass(frozen=True, slots=True)
class TableRow:
    """One row: a band of the row key (``else``: None) and a value per column, in order."""

    band: Band | None
    cells: tuple[Quantity, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Table:
    """``table ROW_KEY, COLUMN_KEY { columns when …, … when BAND: V, V … else: V, V }``:
    the value in the row whose band holds the row key and the column whose band holds the
    column key (a merit-increase matrix: rating × compa-ratio -> increase %)."""

    row_key: Expr
    column_key: Expr
    columns: tuple[TableColumn, ...]
    rows: tuple[TableRow, ...]
    span: Span


Expr = Number | DateLit | Var | BinOp | Neg | Call | Progressive | Tiers | Table


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
