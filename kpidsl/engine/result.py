"""One person's result for one period: what every engine (Python, streaming, DuckDB) hands
to the outputs, the batch rules and ``--explain``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kpidsl.data.validate import Row


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

    @property
    def person(self) -> str:
        return self.row.person

    @property
    def period(self) -> str:
        return self.row.period
