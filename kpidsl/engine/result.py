"""One person's result for one period: what every engine (Python, streaming, DuckDB) hands
to the outputs, the batch rules and ``--explain``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kpidsl import interpret, ir
from kpidsl.data.validate import Row
from kpidsl.numbers.spelling import NOT_APPLICABLE

__all__ = ["NOT_APPLICABLE", "Result", "not_applicable"]


@dataclass
class Result:
    row: Row
    status: str = "scored"  # scored | excluded
    reason: str | None = None
    steps: dict[str, Decimal] = field(default_factory=dict)
    grade: int | None = None  # index into plan.grades, 0 the best
    awards: dict[str, Decimal] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    not_applicable: list[str] = field(default_factory=list)  # items that do not apply in this row

    @property
    def person(self) -> str:
        return self.row.person

    @property
    def period(self) -> str:
        return self.row.period


def not_applicable(plan: ir.Plan, cells: dict[str, Decimal | None], steps: dict[str, Decimal]) -> list[ir.NotApplicable]:
    """The items that do not apply in a row, from its cells (the Python engines' way; SQL
    computes the same flags in its query)."""
    return [na for na in plan.not_applicable if interpret.value(na.flag, cells, steps) == 1]


def note_not_applicable(plan: ir.Plan, result: Result) -> None:
    """Mark the items that do not apply in a scored row, each with the note of where its
    points went; after the row's score steps are known (row by row, or a stage at a time)."""
    for na in not_applicable(plan, result.row.cells, result.steps):
        result.not_applicable.append(na.item)
        result.notes.append(na.note)
