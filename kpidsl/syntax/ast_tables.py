"""Look-up tables in the syntax tree: ``tiers`` (one key, a value per band of it) and
``table`` (two keys, a value per pair of bands).  Both are expressions; ``tiers`` is
also an item's scoring rule (R4, R5), the same node in the rule's place.

Kept apart from ``ast.py`` (which re-exports every name here) by topic; the fields'
types (``Band``, ``Quantity``, ``Expr``, ``Span``) are ``ast.py``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kpidsl.diagnostics.span import Span
    from kpidsl.syntax.ast_expr import Band, Expr, Quantity


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
