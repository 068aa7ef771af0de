"""Batch rules: what needs every row of the batch at once — last period's values for
``x.last`` cells, grade quotas and distributions (``batch_rank.py``), result steps that
aggregate over rows (a yearly average), best in group, team pools, streaks and bottom-rank
flags.

Per-row scoring is ``evaluate.py``'s; the batch runs after every row is scored.  The
rules that need time order (``x.last``, streaks, ``over year``/``over quarter``) read
each period as a calendar period (``periods.py``): consecutive means one month (quarter,
year) after the other, so a missing or excluded period breaks a streak.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import TYPE_CHECKING, TypeVar

from kpidsl import interpret, ir
from kpidsl.data import periods
from kpidsl.data.periods import Period
from kpidsl.data.problems import A_YEAR, CANNOT_ORDER, NOT_CALENDAR, NOT_OF_KIND, POOL_HINT, missing_last, period_hint
from kpidsl.data.validate import DataError, DataProblems, Row
from kpidsl.engine import batch_rank, groups
from kpidsl.numbers.semantics import ScoreError, div, round_to
from kpidsl.numbers.spelling import percent, spell
from kpidsl.numbers.stats import STATS, statistic

if TYPE_CHECKING:
    from kpidsl.engine.result import Result

ZERO = Decimal(0)
T = TypeVar("T")
AggFn = Callable[[str, str, str, Decimal | None], Decimal]  # func, step, over, a percentile's fraction


class Batch:
    """The batch rules of one plan.  ``result_steps`` computes a scored row's result steps
    (with an aggregate function, or None); ``row_error`` words a row that cannot be scored."""

    def __init__(self, plan: ir.Plan, result_steps: Callable[[Result, AggFn | None], None],
                 row_error: Callable[[Row, Exception], DataError]):
        self.plan = plan
        self.result_steps = result_steps
        self.row_error = row_error
        overs = {n.over for n in plan.aggregates()}
        self.uses_agg = bool(overs)
        self.early = bool(plan.aggregates(early=True))  # group figures feed scores: groups.py
        self.late = any(isinstance(n, ir.Agg) for s in plan.result_steps for n in ir.walk(s.expr))
        self.quarters = "quarter" in overs
        self.in_time = bool(plan.streaks) or bool(overs & {"year", "quarter"})  # scored rows in calendar order
        self.kind = periods.kind_of(plan.outline.period)
        self.last_columns = [c for c in plan.columns if c.optional and c.name.endswith(".last")]

    def fill_last_period(self, rows: list[Row]) -> None:
        """``x.last`` cells the data does not give come from the person's previous calendar
        period: the row of the month (quarter, year) just before, when there is one."""
        if not self.last_columns:
            return
        # only a person with a cell to fill needs periods in order: with every x.last given,
        # any text (or none) may name the period
        needy = {r.person for r in rows if any(c.name not in r.cells for c in self.last_columns)}
        rows = [r for r in rows if r.person in needy]
        errors: list[DataError] = []
        when = calendar(rows, self.kind, lambda r: r, errors, self.quarters)
        if errors:
            raise DataProblems(errors)
        for history in by_person(rows, lambda r: r).values():
            history.sort(key=lambda r: _index(when, r))
            for prev, row in zip([None, *history[:-1]], history):
                if prev is not None and _index(when, prev) != _index(when, row) - 1:
                    prev = None  # a gap: last period has no row
                for col in self.last_columns:
                    if col.name in row.cells:
                        continue
                    source = col.name[: -len(".last")]
                    if prev is None or source not in prev.cells:
                        problem, hint = missing_last(col)
                        errors.append(DataError(row.file, row.number, col.name, problem, col.line, hint))
                        continue
                    row.cells[col.name] = prev.cells[source]
        if errors:
            raise DataProblems(errors)

    def apply(self, scored: list[Result], errors: list[DataError]) -> None:
        """Every rule over the scored rows, in order; problems go to ``errors`` (the caller
        holds the decimal context and raises them)."""
        when: dict[int, Period] = {}
        if self.in_time:
            when = calendar(scored, self.kind, _row_of, errors, self.quarters)
            if errors:
                return
        if self.early:
            groups.score_in_stages(self.plan, scored, errors,
                                   lambda r, value_of: group_agg(scored, r, when, value_of), self.row_error)
            if errors:
                return
        d = self.plan.distribution
        if d is not None:
            for (_period, team), members in self._peers(scored, d.group).items():
                batch_rank.distribute(self.plan, d, team, members)
        for q in self.plan.quotas:
            self._quota(q, scored)
        self._all_result_steps(scored, errors, when)
        if errors:
            return  # awards and pools read result steps: not from rows that have none
        for b in self.plan.best_of:
            self._best_of(b, scored)
        for p in self.plan.pools:
            self._pool(p, scored, errors)
        for s in self.plan.streaks:
            self._streak(s, scored, when)
        for f in self.plan.flags:
            self._flag(f, scored)
        for w in self.plan.when_flags:  # per period: each row on its own
            for r in scored:
                if r.steps[w.step] == 1:
                    r.flags.append(w.label or w.name)

    def _peers(self, scored: list[Result], group: str) -> dict[tuple[str, str], list[Result]]:
        out: dict[tuple[str, str], list[Result]] = {}
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
            limit = percent(q.at_most) if q.is_share else str(allowed)
            for rank, r in enumerate(ranked[allowed:], start=allowed + 1):
                r.grade = index + 1
                r.notes.append(
                    f"moved from {label} to {below.label or below.name}: at most {limit} of {q.group} "
                    f"{team!r} may be {label} ({allowed} of {len(members)}); ranked {rank} of {len(holders)}"
                    + (f" by {', '.join(q.tie_text or q.tie_by)}" if q.tie_by else " by total"))

    def _step(self, name: str) -> ir.Step:
        return next(s for s in self.plan.result_steps + self.plan.score_steps if s.name == name)

    def _all_result_steps(self, scored: list[Result], errors: list[DataError], when: dict[int, Period]) -> None:
        if not self.late:
            for r in scored:
                try:
                    self.result_steps(r, None)
                except (ScoreError, InvalidOperation) as e:
                    errors.append(self.row_error(r.row, e))
            return
        # Aggregates (a yearly average of monthly coefficients) need other rows'
        # values: compute every row's result steps lazily, in order, memoized.
        order = list(self.plan.result_steps)
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

        def agg_for(r: Result) -> AggFn:
            return group_agg(scored, r, when, upto)

        for r in scored:
            try:
                for s in order:
                    upto(r, s.name)
                r.steps.update({k: v for k, v in memo[id(r)].items() if k != "grade"})
            except (ScoreError, InvalidOperation) as e:
                errors.append(self.row_error(r.row, e))

    def _best_of(self, b: ir.BestOf, scored: list[Result]) -> None:
        for r in scored:
            r.awards.setdefault(b.award, round_to(ZERO, *self.plan.money_round))
        for _, members in self._peers(scored, b.group).items():
            eligible = [r for r in members if r.steps[b.eligible] == 1]
            if not eligible:
                continue
            tied = batch_rank.tied(b, eligible)
            winners = batch_rank.winners(b, tied)
            for r in winners:
                r.awards[b.award] = round_to(b.amount, *self.plan.money_round)
            if len(tied) > 1:
                picked = f"; given to {winners[0].person}, the first by {b.pick_by}" if b.pick_by else ""
                for r in tied:
                    r.notes.append(f"{b.label or b.award}: tied with " +
                                   ", ".join(w.person for w in tied if w is not r) + picked)

    def _pool(self, p: ir.Pool, scored: list[Result], errors: list[DataError]) -> None:
        """Every row of a team must state the same team amount; the share itself is a step."""
        for (_period, team), members in self._peers(scored, p.group).items():
            first = members[0]
            other = next((r for r in members if r.steps[p.step] != first.steps[p.step]), None)
            if other is not None:
                errors.append(DataError(other.row.file, other.row.number, None,
                                        f"the pool {p.label or p.name!r} for {p.group} {team!r} is "
                                        f"{spell(other.steps[p.step])} here but "
                                        f"{spell(first.steps[p.step])} in row {first.row.number}",
                                        hint=POOL_HINT))

    def _streak(self, s: ir.Streak, scored: list[Result], when: dict[int, Period]) -> None:
        """A run counts consecutive calendar periods: a period with no scored row (missing,
        or excluded) ends it, as a period whose condition fails does."""
        for history in by_person(scored, _row_of).values():
            history.sort(key=lambda r: _index(when, r))
            run, last = 0, None
            for r in history:
                index = _index(when, r)
                if last is not None and index != last + 1:
                    run = 0
                last = index
                run = run + 1 if r.steps[s.step] == 1 else 0
                if s.action == "award":
                    r.awards.setdefault(s.name, round_to(ZERO, *self.plan.money_round))
                if run == s.periods:
                    run = 0  # a streak pays once; the next one starts afresh
                    if s.action == "award" and s.amount is not None:
                        r.awards[s.name] = round_to(s.amount, *self.plan.money_round)
                    elif s.action != "award":
                        r.flags.append(s.flag or s.label or s.name)

    def _flag(self, f: ir.Flag, scored: list[Result]) -> None:
        for _, members in self._peers(scored, f.group).items():
            n = int((f.bottom * len(members)).to_integral_value(ROUND_FLOOR)) if f.is_share else int(f.bottom)
            ranked = sorted(members, key=lambda r: (r.steps["total"], r.person))
            for r in ranked[:n]:
                r.flags.append(f.label or f.name)


def group_agg(scored: list[Result], r: Result, when: dict[int, Period],
              value_of: Callable[[Result, str], Decimal]) -> AggFn:
    """The aggregates row ``r``'s formulas read: over the scored rows sharing its group (or
    its year, quarter), each value of a step as ``value_of`` gives it."""
    def agg(func: str, step: str, over: str, at: Decimal | None) -> Decimal:
        values = [value_of(p, step) for p in scored if _same(p, r, over, when)]
        if func in STATS:
            return statistic(func, over, values, value_of(r, step), at)
        return _aggregate(func, values)
    return agg


def _row_of(r: Result) -> Row:
    return r.row


def _same(a: Result, b: Result, over: str, when: dict[int, Period]) -> bool:
    if over in ("year", "quarter"):
        if a.person != b.person or a is b:
            return a is b  # (a person's only row: its period was not read)
        pa, pb = when[id(a)], when[id(b)]
        return pa.year == pb.year and (over == "year" or pa.quarter == pb.quarter)
    if over == "period":
        return a.period == b.period
    if over == "month":
        return a.person == b.person and a.period == b.period
    return a.period == b.period and a.row.groups.get(over) == b.row.groups.get(over)


def _index(when: dict[int, Period], item: object) -> int:
    """The calendar index of a row (or result); a person's only row, whose period is not
    read, has nothing to be ordered against."""
    p = when.get(id(item))
    return p.index if p is not None else 0


def by_person(items: list[T], row_of: Callable[[T], Row]) -> dict[str, list[T]]:
    """Each person's rows (or results), in input order."""
    out: dict[str, list[T]] = {}
    for item in items:
        out.setdefault(row_of(item).person, []).append(item)
    return out


def calendar(items: list[T], kind: str | None, row_of: Callable[[T], Row], errors: list[DataError],
             quarters: bool = False) -> dict[int, Period]:
    """Every row's (or result's) period read as a calendar period, by ``id``; a period that
    cannot be is a data error naming the row and column.  ``kind`` is the rubric's (None: a
    person's periods need only be of one kind, the kind of their first row); ``quarters``:
    a year, which has no quarter, is an error too.  A person's only row has nothing to be
    ordered against: its period is not read (a month's sheet may have no period column).
    ``sql_batch.Calendar`` says the same in SQL."""
    out: dict[int, Period] = {}
    for history in by_person(items, row_of).values():
        if len(history) == 1:
            continue
        first = row_of(history[0])
        first_period = periods.read(first.period, kind)
        seen: dict[int, Row] = {}
        for item in history:
            row = row_of(item)
            p = periods.read(row.period, kind)
            if p is not None:
                seen.setdefault(p.index, row)
            said = f"{row.person}'s period {row.period!r}"
            problem = None
            if p is None and kind is not None:
                problem = f"{said} is not a {kind}{NOT_OF_KIND}{periods.SETTING[kind]}"
            elif p is None and (row is first or first_period is None):
                problem = f"{said}{NOT_CALENDAR}"
            elif first_period is not None and (p is None or p.kind != first_period.kind):
                problem = f"{said} is not written like {first.period!r} (row {first.number}){CANNOT_ORDER}"
            elif p is not None and quarters and p.kind == periods.YEAR:
                problem = f"{said}{A_YEAR}"
            elif p is not None and seen[p.index] is not row:
                other = seen[p.index]
                problem = f"{said} is the same {p.kind} as {other.period!r} (row {other.number})"
            if problem is not None:
                errors.append(DataError(row.file, row.number, "period", problem, hint=period_hint(problem, kind)))
            elif p is not None:
                out[id(item)] = p
    return out


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
