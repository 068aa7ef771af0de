"""Scoring people: the Python evaluator of a lowered rubric.

Per row it runs the compiled score steps (items, sections, total), picks the
grade, and then the batch rules that need every row: grade quotas, result
steps (coefficient, pay, awards, yearly averages), best-in-group awards,
team pools, streaks and bottom-rank flags.  Everything is ``Decimal``.
"""

from __future__ import annotations

import decimal
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from . import interpret, ir
from .backends.python import Compiled, compile_plan, output_steps
from .data import DataError, DataProblems, Row
from .semantics import CONTEXT, ScoreError, div, round_to, show

ZERO = Decimal(0)
_F = itertools.repeat("f")
_signed = Decimal.is_signed


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


class Evaluator:
    def __init__(self, plan: ir.Plan, compiled: Compiled | None = None):
        self.plan = plan
        self.compiled = compiled or compile_plan(plan)
        self.score_names = [s.name for s in plan.score_steps]
        self.result_names = [s.name for s in plan.result_steps]
        self.uses_agg = any(isinstance(n, ir.Agg) for s in plan.result_steps for n in ir.walk(s.expr))
        self.last_columns = [c for c in plan.columns if c.optional and c.name.endswith(".last")]

    @property
    def needs_batch(self) -> bool:
        p = self.plan
        return bool(p.quotas or p.best_of or p.pools or p.streaks or p.flags or self.uses_agg or self.last_columns)

    def groups_needed(self) -> set[str]:
        p = self.plan
        out = {b.group for b in p.best_of} | {x.group for x in p.pools} | {q.group for q in p.quotas}
        out |= {f.group for f in p.flags}
        out |= {n.over for s in p.result_steps for n in ir.walk(s.expr) if isinstance(n, ir.Agg)}
        return out & set(p.groups)

    # ---- one row --------------------------------------------------------------------------
    def score(self, row: Row, in_context: bool = False) -> Result:
        for cond, reason in self.plan.exclude:
            if interpret.truth(cond, row.cells, {}):
                return Result(row, "excluded", reason or "excluded by the rubric")
        values = (self.compiled.raw_score if in_context else self.compiled.score)(row.cells)
        steps = dict(zip(self.score_names, values))
        result = Result(row, steps=steps)
        for column, label, zeroed in self.plan.vetoes:
            if row.cells.get(column):
                result.notes.append(f"veto {label}: {zeroed} = 0")
        result.grade = self._grade(steps, row)
        return result

    def _grade(self, steps, row: Row) -> int | None:
        if not self.plan.grades:
            return None
        index = self.compiled.grade(row.cells, steps)
        if index is None:
            raise ScoreError(f"no grade for a total of {show(steps['total'].normalize())}")
        return index

    def _result_steps(self, result: Result, agg) -> None:
        if result.status != "scored" or not self.plan.result_steps:
            return
        steps = dict(result.steps)
        steps["grade"] = Decimal(result.grade if result.grade is not None else -1)
        values = self.compiled.result(result.row.cells, steps, agg)
        result.steps.update(zip(self.result_names, values))

    def stream(self, rows: Iterable[Row], errors: list[DataError]) -> Iterable[Result]:
        """Score rows one at a time, for rubrics with no batch rules: memory stays flat.
        A row that cannot be scored is reported in ``errors`` and skipped."""
        with decimal.localcontext(CONTEXT):  # entered once, not once a row
            for row in rows:
                try:
                    result = self.score(row, in_context=True)
                    self._result_steps(result, None)
                except (ScoreError, decimal.InvalidOperation, decimal.DivisionByZero) as e:
                    errors.append(DataError(row.file, row.number, None, _score_message(e)))
                    continue
                yield result

    @property
    def streams_lines(self) -> bool:
        """Rows can go straight from cells to output text: no batch rules, exclusions or vetoes."""
        return not self.needs_batch and not self.plan.exclude and not self.plan.vetoes

    def stream_lines(self, rows: Iterable[Row], errors: list[DataError]):
        """Output rows as text, one data row at a time, with the one-pass compiled function:
        the same columns and digits as writing ``stream()``'s results (a test holds them equal),
        without building a Result per row."""
        plan = self.plan
        before, _ = output_steps(plan)
        n_before = len(before)
        total_at = before.index("total")
        labels = [g.label or g.name for g in plan.grades]
        groups = plan.groups
        outcome = self.compiled.outcome
        with decimal.localcontext(CONTEXT):
            for row in rows:
                try:
                    values, g = outcome(row.cells)
                except (ScoreError, decimal.InvalidOperation, decimal.DivisionByZero) as e:
                    errors.append(DataError(row.file, row.number, None, _score_message(e)))
                    continue
                if labels and g is None:
                    errors.append(DataError(row.file, row.number, None,
                                            f"no grade for a total of {show(values[total_at].normalize())}"))
                    continue
                # format() in C for every value; show() only where a zero may carry a sign
                texts = [show(v) for v in values] if any(map(_signed, values)) else list(map(format, values, _F))
                if labels:
                    texts.insert(n_before, labels[g])
                if groups:
                    yield [row.person, row.period, *[row.groups.get(x, "") for x in groups], *texts, "", "scored", ""]
                else:
                    yield [row.person, row.period, *texts, "", "scored", ""]

    # ---- the batch ----------------------------------------------------------------------------
    def evaluate(self, rows: Iterable[Row]) -> list[Result]:
        rows = list(rows)
        self._fill_last_period(rows)
        results: list[Result] = []
        errors: list[DataError] = []
        for row in rows:
            try:
                results.append(self.score(row))
            except (ScoreError, decimal.InvalidOperation, decimal.DivisionByZero) as e:
                errors.append(DataError(row.file, row.number, None, _score_message(e)))
        if errors:
            raise DataProblems(errors)
        with decimal.localcontext(CONTEXT):
            scored = [r for r in results if r.status == "scored"]
            for q in self.plan.quotas:
                self._quota(q, scored)
            self._all_result_steps(scored, errors)
            if errors:
                raise DataProblems(errors)
            for b in self.plan.best_of:
                self._best_of(b, scored)
            for p in self.plan.pools:
                self._pool(p, scored, errors)
            for s in self.plan.streaks:
                self._streak(s, scored)
            for f in self.plan.flags:
                self._flag(f, scored)
        if errors:
            raise DataProblems(errors)
        return results

    def _fill_last_period(self, rows: list[Row]) -> None:
        """``x.last`` cells the data does not give come from the person's previous period."""
        if not self.last_columns:
            return
        by_person: dict[str, list[Row]] = {}
        for r in rows:
            by_person.setdefault(r.person, []).append(r)
        errors = []
        for history in by_person.values():
            history.sort(key=lambda r: period_key(r.period))
            for prev, row in zip([None] + history[:-1], history):
                for col in self.last_columns:
                    if col.name in row.cells:
                        continue
                    source = col.name[: -len(".last")]
                    if prev is None or source not in prev.cells:
                        errors.append(DataError(row.file, row.number, col.name,
                                                f"needs last period's {source!r} and the data has none",
                                                col.line, f"add a {col.name!r} column, or the previous period's row"))
                        continue
                    row.cells[col.name] = prev.cells[source]
        if errors:
            raise DataProblems(errors)

    def _peers(self, scored: list[Result], group: str) -> dict[tuple, list[Result]]:
        out: dict[tuple, list[Result]] = {}
        for r in scored:
            out.setdefault((r.period, r.row.groups.get(group, "")), []).append(r)
        return out

    def _quota(self, q: ir.Quota, scored: list[Result]) -> None:
        index = next(i for i, g in enumerate(self.plan.grades) if g.name == q.grade)
        label = self.plan.grades[index].label or q.grade
        below = self.plan.grades[index + 1] if index + 1 < len(self.plan.grades) else None
        for (_period, team), members in self._peers(scored, q.group).items():
            holders = [r for r in members if r.grade == index]
            allowed = int((q.at_most * len(members)).to_integral_value(ROUND_FLOOR)) if q.is_share else int(q.at_most)
            if len(holders) <= allowed or below is None:
                continue
            for r in holders:  # tie-break values are score-phase formulas
                r.steps.update({t: interpret.value(self._step(t).expr, r.row.cells, r.steps) for t in q.tie_by})
            ranked = sorted(holders, key=lambda r: tuple([-r.steps[t] for t in q.tie_by] + [-r.steps["total"], r.person]))
            limit = f"{(q.at_most * 100).normalize():f}%" if q.is_share else str(allowed)
            for rank, r in enumerate(ranked[allowed:], start=allowed + 1):
                r.grade = index + 1
                r.notes.append(
                    f"moved from {label} to {below.label or below.name}: at most {limit} of {q.group} "
                    f"{team!r} may be {label} ({allowed} of {len(members)}); ranked {rank} of {len(holders)}"
                    + (f" by {', '.join(q.tie_text or q.tie_by)}" if q.tie_by else " by total"))

    def _step(self, name: str) -> ir.Step:
        return next(s for s in self.plan.result_steps + self.plan.score_steps if s.name == name)

    def _all_result_steps(self, scored: list[Result], errors: list[DataError]) -> None:
        if not self.uses_agg:
            for r in scored:
                try:
                    self._result_steps(r, None)
                except (ScoreError, decimal.InvalidOperation) as e:
                    errors.append(DataError(r.row.file, r.row.number, None, _score_message(e)))
            return
        # Aggregates (a yearly average of monthly coefficients) need other rows'
        # values: compute every row's result steps lazily, in order, memoized.
        order = [s for s in self.plan.result_steps]
        memo: dict[int, dict[str, Decimal]] = {}

        def upto(r: Result, name: str) -> Decimal:
            done = memo.setdefault(id(r), {**r.steps, "grade": Decimal(r.grade if r.grade is not None else -1)})
            for s in order:
                if s.name in done:
                    if s.name == name:
                        return done[name]
                    continue
                done[s.name] = interpret.value(s.expr, r.row.cells, done, agg_for(r))
                if s.name == name:
                    return done[name]
            return done[name]

        def agg_for(r: Result):
            def agg(func: str, step: str, over: str) -> Decimal:
                peers = [p for p in scored if _same(p, r, over)]
                values = [upto(p, step) for p in peers]
                return _aggregate(func, values)
            return agg

        for r in scored:
            try:
                for s in order:
                    upto(r, s.name)
                r.steps.update({k: v for k, v in memo[id(r)].items() if k != "grade"})
            except (ScoreError, decimal.InvalidOperation) as e:
                errors.append(DataError(r.row.file, r.row.number, None, _score_message(e)))

    def _best_of(self, b: ir.BestOf, scored: list[Result]) -> None:
        for r in scored:
            r.awards.setdefault(b.award, round_to(ZERO, *self.plan.money_round))
        for _, members in self._peers(scored, b.group).items():
            eligible = [r for r in members if r.steps[b.eligible] == 1]
            if not eligible:
                continue
            top = max(r.steps[b.step] for r in eligible)
            winners = [r for r in eligible if r.steps[b.step] == top]
            for r in winners:
                r.awards[b.award] = round_to(b.amount, *self.plan.money_round)
                if len(winners) > 1:
                    r.notes.append(f"{b.label or b.award}: tied with " +
                                   ", ".join(w.person for w in winners if w is not r))

    def _pool(self, p: ir.Pool, scored: list[Result], errors: list[DataError]) -> None:
        """Every row of a team must state the same team amount; the share itself is a step."""
        for (_period, team), members in self._peers(scored, p.group).items():
            first = members[0]
            other = next((r for r in members if r.steps[p.step] != first.steps[p.step]), None)
            if other is not None:
                errors.append(DataError(other.row.file, other.row.number, None,
                                        f"the pool {p.label or p.name!r} for {p.group} {team!r} is "
                                        f"{show(other.steps[p.step].normalize())} here but "
                                        f"{show(first.steps[p.step].normalize())} in row {first.row.number}",
                                        hint="a team amount must be the same on every row of the team"))

    def _streak(self, s: ir.Streak, scored: list[Result]) -> None:
        by_person: dict[str, list[Result]] = {}
        for r in scored:
            by_person.setdefault(r.person, []).append(r)
        for history in by_person.values():
            history.sort(key=lambda r: period_key(r.period))
            run = 0
            for r in history:
                run = run + 1 if r.steps[s.step] == 1 else 0
                if s.action == "award":
                    r.awards.setdefault(s.name, round_to(ZERO, *self.plan.money_round))
                if run == s.periods:
                    run = 0  # a streak pays once; the next one starts afresh
                    if s.action == "award":
                        r.awards[s.name] = round_to(s.amount, *self.plan.money_round)
                    else:
                        r.flags.append(s.flag or s.label or s.name)

    def _flag(self, f: ir.Flag, scored: list[Result]) -> None:
        for _, members in self._peers(scored, f.group).items():
            n = int((f.bottom * len(members)).to_integral_value(ROUND_FLOOR)) if f.is_share else int(f.bottom)
            ranked = sorted(members, key=lambda r: (r.steps["total"], r.person))
            for r in ranked[:n]:
                r.flags.append(f.label or f.name)


def _same(a: Result, b: Result, over: str) -> bool:
    if over == "year":
        return a.person == b.person and a.period[:4] == b.period[:4]
    if over == "quarter":
        return a.person == b.person and a.period[:4] == b.period[:4] and _quarter(a.period) == _quarter(b.period)
    if over == "period":
        return a.period == b.period
    if over == "month":
        return a.person == b.person and a.period == b.period
    return a.period == b.period and a.row.groups.get(over) == b.row.groups.get(over)


def _quarter(period: str) -> int:
    """The quarter of "2024Q2", "2024-Q2" or a month such as "2024-05" (0 to 3)."""
    m = re.search(r"[Qq]\s*([1-4])", period[4:])
    if m:
        return int(m.group(1)) - 1
    digits = re.findall(r"\d+", period[4:])
    month = int(digits[0]) if digits else 1
    return (month - 1) // 3


def period_key(period: str) -> tuple:
    """Periods in time order: "2024-9" before "2024-10" (numbers compared as numbers)."""
    return tuple(int(p) if p.isdigit() else p for p in re.findall(r"\d+|\D+", period))


def _aggregate(func: str, values: list[Decimal]) -> Decimal:
    if func == "count":
        return Decimal(len(values))
    if not values:
        raise ScoreError(f"{func} over no rows")
    if func == "sum":
        return sum(values, ZERO)
    if func == "average":
        return div(sum(values, ZERO), Decimal(len(values)))
    if func == "max":
        return max(values)
    return min(values)


def _score_message(e: Exception) -> str:
    if isinstance(e, ScoreError):
        return str(e)
    return "a formula divides by zero for this row"
