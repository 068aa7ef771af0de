"""Scoring people, row by row: the Python evaluator of a lowered rubric.

Per row it runs the compiled score steps (items, sections, total), picks the
grade and computes the result steps (coefficient, pay, awards); rows stream
through when the rubric has no batch rules.  Rules that need every row
(quotas, aggregates, best in group, pools, streaks, flags) are ``batch.py``'s.
Everything is ``Decimal``.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Iterable, Iterator
from decimal import Decimal

from kpidsl import interpret, ir
from kpidsl.backends.python.codegen import Compiled, compile_plan
from kpidsl.data.validate import DataError, DataProblems, Row
from kpidsl.engine.batch import AggFn, Batch
from kpidsl.engine.result import Result, note_not_applicable
from kpidsl.numbers.semantics import CONTEXT, ScoreError
from kpidsl.numbers.spelling import safe_text, spell


class Evaluator:
    def __init__(self, plan: ir.Plan, compiled: Compiled | None = None):
        self.plan = plan
        if compiled is not None:
            self.compiled = compiled
        self.score_names = [s.name for s in plan.score_steps]
        self.result_names = [s.name for s in plan.result_steps]
        self.batch = Batch(plan, self._result_steps, row_error)
        self.uses_agg = self.batch.uses_agg
        self.last_columns = self.batch.last_columns

    @functools.cached_property
    def compiled(self) -> Compiled:
        """The rubric's generated scoring code, made when first needed: the streaming
        loop has its own, and needs this one only for a row it hands back."""
        return compile_plan(self.plan)

    @property
    def needs_batch(self) -> bool:
        p = self.plan
        return bool(p.quotas or p.distribution or p.best_of or p.pools or p.streaks or p.flags or p.when_flags
                    or self.uses_agg or self.last_columns)

    def groups_needed(self) -> set[str]:
        p = self.plan
        out = {b.group for b in p.best_of} | {x.group for x in p.pools} | {q.group for q in p.quotas}
        out |= {f.group for f in p.flags} | ({p.distribution.group} if p.distribution else set())
        out |= {n.over for n in p.aggregates()}
        return out & set(p.groups)

    # ---- one row --------------------------------------------------------------------------
    def score(self, row: Row, in_context: bool = False) -> Result:
        for cond, reason in self.plan.exclude:
            if interpret.truth(cond, row.cells, {}):
                return Result(row, "excluded", reason or "excluded by the rubric")
        if self.batch.early:  # group figures feed the scores: every row is scored at once (groups.py)
            result = Result(row)
            self._veto_notes(result)
            return result
        values = (self.compiled.raw_score if in_context else self.compiled.score)(row.cells)
        steps = dict(zip(self.score_names, values))
        result = Result(row, steps=steps)
        self._veto_notes(result)
        note_not_applicable(self.plan, result)
        result.grade = self._grade(steps, row)
        return result

    def _veto_notes(self, result: Result) -> None:
        for column, label, zeroed in self.plan.vetoes:
            if result.row.cells.get(column):
                result.notes.append(f"veto {label}: {zeroed} = 0")

    def _grade(self, steps: dict[str, Decimal], row: Row) -> int | None:
        if not self.plan.grades:
            return None
        index = self.compiled.grade(row.cells, steps)
        if index is None:
            raise ScoreError(f"no grade for a total of {spell(steps['total'])}")
        return index

    def _result_steps(self, result: Result, agg: AggFn | None) -> None:
        if result.status != "scored" or not self.plan.result_steps:
            return
        steps = dict(result.steps)
        steps["grade"] = Decimal(result.grade if result.grade is not None else -1)
        values = self.compiled.result(result.row.cells, steps, agg)
        result.steps.update(zip(self.result_names, values))

    def stream(self, rows: Iterable[Row], errors: list[DataError]) -> Iterator[Result]:
        """Score rows one at a time, for rubrics with no batch rules: memory stays flat.
        A row that cannot be scored is reported in ``errors`` and skipped."""
        with decimal.localcontext(CONTEXT):  # entered once, not once a row
            for row in rows:
                try:
                    result = self.score(row, in_context=True)
                    self._result_steps(result, None)
                except (ScoreError, decimal.InvalidOperation, decimal.DivisionByZero) as e:
                    errors.append(row_error(row, e))
                    continue
                yield result

    @property
    def streams_lines(self) -> bool:
        """Rows can go straight from cells to output text: no batch rules, exclusions, vetoes or
        items that may not apply (shown as such, with a note)."""
        return not self.needs_batch and not self.plan.exclude and not self.plan.vetoes and not self.plan.not_applicable

    def stream_lines(self, rows: Iterable[Row], errors: list[DataError]) -> Iterator[list[str]]:
        """Output rows as text, one data row at a time, with the one-pass compiled function:
        the same columns and digits as writing ``stream()``'s results (a test holds them equal),
        without building a Result per row."""
        plan = self.plan
        before, after = plan.output_steps()
        n_before = len(before)
        total_at = before.index("total") if "total" in before else 0  # no total: no grades either
        labels = [safe_text(g.label or g.name) for g in plan.grades]
        groups = plan.groups
        outcome, outcome_text = self.compiled.outcome, self.compiled.outcome_text
        with decimal.localcontext(CONTEXT):
            for row in rows:
                try:
                    texts, g = outcome_text(row.cells)
                except (ScoreError, decimal.InvalidOperation, decimal.DivisionByZero) as e:
                    errors.append(row_error(row, e))
                    continue
                if labels:
                    if g is None:
                        values, _ = outcome(row.cells)
                        errors.append(DataError(row.file, row.number, None,
                                                f"no grade for a total of {spell(values[total_at])}"))
                        continue
                    texts.insert(n_before, labels[g])
                person, period = safe_text(row.person), safe_text(row.period)
                if groups:
                    yield [person, period, *[safe_text(row.groups.get(x, "")) for x in groups], *texts, "", "scored", ""]
                else:
                    yield [person, period, *texts, "", "scored", ""]

    # ---- the batch ----------------------------------------------------------------------------
    def evaluate(self, rows: Iterable[Row]) -> list[Result]:
        """Every row scored, then the batch rules over them; raises DataProblems."""
        rows = list(rows)
        self.batch.fill_last_period(rows)
        results: list[Result] = []
        errors: list[DataError] = []
        for row in rows:
            try:
                results.append(self.score(row))
            except (ScoreError, decimal.InvalidOperation, decimal.DivisionByZero) as e:
                errors.append(row_error(row, e))
        if errors:
            raise DataProblems(errors)
        with decimal.localcontext(CONTEXT):
            self.batch.apply([r for r in results if r.status == "scored"], errors)
        if errors:
            raise DataProblems(errors)
        return results


def row_error(row: Row, e: Exception) -> DataError:
    """A row a formula cannot score, in words."""
    return DataError(row.file, row.number, None, score_message(e))


def score_message(e: Exception) -> str:
    if isinstance(e, ScoreError):
        return str(e)
    return "a formula divides by zero for this row"


__all__ = ["Evaluator", "Result", "row_error", "score_message"]
