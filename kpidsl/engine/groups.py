"""Group figures that feed scores: a rubric whose metric, item or grade reads an aggregate
over a group or the periods (``75 + 10 * (score - average(score over department)) /
stddev_pop(score over department)``) is scored step by step across the whole batch.

Each score step is worked out for every row before the next one is, in the plan's step
order (a group figure's step comes after the step it aggregates), so a group figure reads
its group's values complete.  The checker refuses a group figure that needs itself
(KPI144).  A row that cannot be scored stops the batch before the next group figure is
taken, as a row that fails stops it before the batch rules: a figure is never taken over
a group with a missing value.  Then each row's grade is picked, also with the figures.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from kpidsl import interpret, ir
from kpidsl.data.validate import DataError, Row
from kpidsl.engine.result import Result, note_not_applicable
from kpidsl.numbers.semantics import ScoreError
from kpidsl.numbers.spelling import spell

if TYPE_CHECKING:
    from kpidsl.engine.batch import AggFn

# the aggregate function a row's formulas call, given the row and a step's values by row
AggFor = Callable[["Result", Callable[["Result", str], Decimal]], "AggFn"]


def score_in_stages(plan: ir.Plan, scored: list[Result], errors: list[DataError], agg_for: AggFor,
                    row_error: Callable[[Row, Exception], DataError]) -> None:
    """Every scored row's score steps and grade, a step at a time over all rows."""
    live = list(scored)

    def value_of(r: Result, step: str) -> Decimal:
        return r.steps[step]

    for s in plan.score_steps:
        reads_group = any(isinstance(n, ir.Agg) for n in ir.walk(s.expr))
        if reads_group and errors:
            return  # a group figure over rows one of which failed: not taken
        failed: set[int] = set()
        for r in live:
            try:
                r.steps[s.name] = interpret.value(s.expr, r.row.cells, r.steps, agg_for(r, value_of))
            except (ScoreError, InvalidOperation) as e:
                errors.append(row_error(r.row, e))
                failed.add(id(r))
        live = [r for r in live if id(r) not in failed]
    if not errors:
        for r in live:
            note_not_applicable(plan, r)
    if errors or not plan.grades:
        return
    for r in live:
        try:
            r.grade = next((i for i, g in enumerate(plan.grades)
                            if g.cond is None or interpret.truth(g.cond, r.row.cells, r.steps, agg_for(r, value_of))),
                           None)
            if r.grade is None:
                raise ScoreError(f"no grade for a total of {spell(r.steps['total'])}")
        except (ScoreError, InvalidOperation) as e:
            errors.append(row_error(r.row, e))
