"""SQL backend, batch rules: what needs other rows (``batch.py`` in Python) as window
functions over the scored rows: last period's value for ``x.last`` cells, grade
quotas, aggregates over a team or a year, best in group, team pools, streaks and
flags.

A row takes part in a batch rule only when it is scored (not excluded), as in
Python.  Periods are put in time order by their first two numbers ("2024-9"
before "2024-10"), then by their text: ``batch.period_key``'s order for periods
written alike.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sqlglot import exp

from .. import ir
from ..semantics import round_to
from .sql_values import Val, col, decimal_type, number

if TYPE_CHECKING:
    from .sql import Builder


def regexp_group(dialect: str, text: exp.Expr, pattern: str) -> exp.Expr:
    """The first group of ``pattern`` in ``text`` ('' or NULL when it does not match)."""
    if dialect == "postgres":  # substring(text from pattern) returns the first group
        return exp.Anonymous(this="SUBSTRING", expressions=[text, exp.Literal.string(pattern)])
    return exp.RegexpExtract(this=text, expression=exp.Literal.string(pattern), group=exp.Literal.number(1))


def whole_or_null(dialect: str, text: exp.Expr, pattern: str) -> exp.Expr:
    found = exp.Nullif(this=regexp_group(dialect, text, pattern), expression=exp.Literal.string(""))
    return exp.Cast(this=found, to=exp.DataType.build("BIGINT"))


class Windows:
    """Partitions and orders of the batch rules, over the columns of one plan."""

    def __init__(self, b: Builder):
        self.b = b
        self.plan = b.plan
        self.dialect = b.dialect.name

    @property
    def person(self) -> exp.Expr:
        return col(self.plan.person)

    @property
    def period(self) -> exp.Expr:
        return col(self.plan.period)

    def time_order(self) -> list[exp.Ordered]:
        p = self.period
        # NULLS FIRST: a period with fewer numbers sorts first, as a shorter key does in Python
        return [exp.Ordered(this=whole_or_null(self.dialect, p.copy(), r"^\D*(\d+)"), nulls_first=True),
                exp.Ordered(this=whole_or_null(self.dialect, p.copy(), r"^\D*\d+\D+(\d+)"), nulls_first=True),
                exp.Ordered(this=p.copy(), nulls_first=True)]

    def year(self) -> exp.Expr:
        return exp.Substring(this=self.period, start=exp.Literal.number(1), length=exp.Literal.number(4))

    def quarter(self) -> exp.Expr:
        """``batch._quarter``: a Q1..Q4 after the year, else the month's quarter (0 to 3)."""
        rest = exp.Substring(this=self.period, start=exp.Literal.number(5))
        named = whole_or_null(self.dialect, rest, r"[Qq]\s*([1-4])")
        month = exp.Coalesce(this=whole_or_null(self.dialect, rest.copy(), r"(\d+)"),
                             expressions=[exp.Literal.number(1)])
        of_month = exp.Cast(this=exp.Floor(this=exp.Div(
            this=exp.Cast(this=exp.Sub(this=month, expression=exp.Literal.number(1)), to=exp.DataType.build("DECIMAL(10, 2)")),
            expression=exp.Literal.number(3))), to=exp.DataType.build("BIGINT"))
        return exp.Coalesce(this=exp.Sub(this=named, expression=exp.Literal.number(1)), expressions=[of_month])

    def partition(self, over: str) -> list[exp.Expr]:
        if over == "year":
            return [self.person, self.year()]
        if over == "quarter":
            return [self.person, self.year(), self.quarter()]
        if over == "period":
            return [self.period]
        if over == "month":
            return [self.person, self.period]
        return [self.period, col(over)]

    def window(self, fn: exp.Expr, partition: list[exp.Expr], order: list[exp.Ordered] | None = None,
               running: bool = False) -> exp.Window:
        spec = None
        if running:
            spec = exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW")
        return exp.Window(this=fn, partition_by=partition, order=exp.Order(expressions=order) if order else None,
                          spec=spec)


def scored_only(b: Builder, v: exp.Expr) -> exp.Expr:
    """``v`` for a scored row, NULL for an excluded one: aggregates skip excluded rows."""
    if b.excluded is None:
        return v
    return exp.Case(ifs=[exp.If(this=b.excluded.copy(), true=exp.Null())], default=v)


def aggregate(b: Builder, e: ir.Agg) -> Val:
    """An aggregate in a result step: the window over the rows sharing ``e.over``."""
    w = Windows(b)
    step = b.t.steps[e.step]
    part = w.partition(e.over)
    level = max(step.level, b.excluded_level) + 1
    if e.func == "count":
        n = w.window(exp.Count(this=scored_only(b, exp.Literal.number(1))), part)
        name = b.layers.add(exp.Cast(this=n, to=b.dialect.integer), level, "a")
        return Val(col(name), 0, level)
    if e.func in ("sum", "average"):
        total = b.layers.add(w.window(exp.Sum(this=scored_only(b, step.sql)), part), level, "a")
        total_v = Val(exp.Cast(this=col(total), to=b.dialect.integer), step.scale, level)
        if e.func == "sum":
            return total_v
        count = b.layers.add(exp.Cast(this=w.window(exp.Count(this=scored_only(b, exp.Literal.number(1))), part),
                                      to=b.dialect.integer), level, "a")
        return b.t.divide(total_v, Val(col(count), 0, level))
    fn = exp.Max if e.func == "max" else exp.Min
    name = b.layers.add(w.window(fn(this=scored_only(b, step.sql)), part), level, "a")
    return Val(col(name), step.scale, level)


def last_periods(b: Builder) -> None:
    """``x.last`` cells the data leaves blank come from the person's previous row."""
    w = Windows(b)
    for c in b.plan.columns:
        if not (c.optional and c.name.endswith(".last")):
            continue
        source = c.name[: -len(".last")]
        previous = w.window(exp.Anonymous(this="LAG", expressions=[col(source)]), [w.person], w.time_order())
        name = b.layers.add(exp.Coalesce(this=col(c.name), expressions=[previous]), 1, "last")
        b.t.renamed[c.name] = name
        missing = exp.Concat(expressions=[exp.Literal.string(f"needs last period's {source!r} and the data has none")])
        b.errors.append(exp.Case(ifs=[exp.If(this=exp.Is(this=col(name), expression=exp.Null()), true=missing)]))
    b.need(1)


def money(b: Builder, amount: Decimal) -> Decimal:
    step, mode = b.plan.money_round
    return round_to(amount, step, mode)


def quotas(b: Builder, grade: exp.Expr) -> exp.Expr:
    """Each quota moves the holders of its grade past the allowed number down one grade,
    ranked by its tie-break steps, then total, then person, as ``Batch._quota`` does."""
    plan, w = b.plan, Windows(b)
    for q in plan.quotas:
        index = next(i for i, g in enumerate(plan.grades) if g.name == q.grade)
        if index + 1 >= len(plan.grades):
            continue  # no grade below: nothing to move to
        holds: exp.Expr = exp.EQ(this=grade.copy(), expression=exp.Literal.number(index))
        if b.excluded is not None:
            holds = exp.And(this=holds, expression=exp.Not(this=exp.Paren(this=b.excluded.copy())))
        part = [*w.partition(q.group), exp.Paren(this=holds.copy())]
        order = [exp.Ordered(this=b.t.steps[t].sql, desc=True, nulls_first=True) for t in q.tie_by]
        order += [exp.Ordered(this=b.t.steps["total"].sql, desc=True, nulls_first=True),
                  exp.Ordered(this=w.person, nulls_first=True)]
        level = b.level + 1
        rank = b.layers.add(w.window(exp.RowNumber(), part, order), level, "q")
        members = b.layers.add(w.window(exp.Count(this=scored_only(b, exp.Literal.number(1))), w.partition(q.group)),
                               level, "q")
        holders = b.layers.add(w.window(exp.Count(this=exp.Literal.number(1)), part), level, "q")
        if q.is_share:
            floor = exp.Floor(this=exp.Mul(this=number(q.at_most),
                                           expression=exp.Cast(this=col(members), to=decimal_type(0))))
            allowed: exp.Expr = exp.Cast(this=floor, to=exp.DataType.build("BIGINT"))
        else:
            allowed = exp.Literal.number(int(q.at_most))
        moved = b.layers.add(exp.And(this=holds, expression=exp.GT(this=col(rank), expression=allowed)), level + 1, "q")
        moved_grade = b.layers.add(exp.Case(ifs=[exp.If(this=col(moved), true=exp.Literal.number(index + 1))],
                                            default=grade.copy()), level + 2, "g")
        b.need(level + 2)
        grade = col(moved_grade)
        b.notes.append(exp.Case(ifs=[exp.If(this=col(moved), true=_quota_note(plan, q, index, allowed, members,
                                                                                  rank, holders))]))
    return grade


def _text(x: exp.Expr) -> exp.Expr:
    return exp.Cast(this=x, to=exp.DataType.build("VARCHAR"))


def _quota_note(plan: ir.Plan, q: ir.Quota, index: int, allowed: exp.Expr, members: str, rank: str,
                holders: str) -> exp.Expr:
    """``Batch._quota``'s note on a row moved down a grade, word for word."""
    grade, below = plan.grades[index], plan.grades[index + 1]
    label = grade.label or q.grade
    limit: exp.Expr = exp.Literal.string(f"{(q.at_most * 100).normalize():f}%") if q.is_share else _text(allowed.copy())
    by = f" by {', '.join(q.tie_text or q.tie_by)}" if q.tie_by else " by total"
    parts: list[exp.Expr] = [
        exp.Literal.string(f"moved from {label} to {below.label or below.name}: at most "), limit,
        exp.Literal.string(f" of {q.group} '"), _text(col(q.group)), exp.Literal.string(f"' may be {label} ("),
        _text(allowed.copy()), exp.Literal.string(" of "), _text(col(members)), exp.Literal.string("); ranked "),
        _text(col(rank)), exp.Literal.string(" of "), _text(col(holders)), exp.Literal.string(by)]
    out = parts[0]
    for p in parts[1:]:
        out = exp.DPipe(this=out, expression=p)
    return out
    return grade


def awards(b: Builder) -> list[tuple[str, exp.Expr]]:
    """Best-in-group awards: the eligible rows with the group's top value get the amount."""
    plan, w = b.plan, Windows(b)
    out: list[tuple[str, exp.Expr]] = []
    for a in plan.best_of:
        eligible: exp.Expr = exp.EQ(this=b.t.steps[a.eligible].sql, expression=b.t.integer(1))
        if b.excluded is not None:
            eligible = exp.And(this=eligible, expression=exp.Not(this=exp.Paren(this=b.excluded.copy())))
        value = b.t.steps[a.step]
        top = w.window(exp.Max(this=exp.Case(ifs=[exp.If(this=eligible.copy(), true=value.sql)])), w.partition(a.group))
        wins = exp.And(this=eligible, expression=exp.EQ(this=value.sql.copy(), expression=top))
        level = b.level + 1
        name = b.layers.add(exp.Case(ifs=[exp.If(this=wins, true=number(money(b, a.amount)))],
                                     default=number(money(b, Decimal(0)))), level, "b")
        b.need(level)
        out.append((a.award, col(name)))
    return out


def streaks(b: Builder) -> tuple[list[tuple[str, exp.Expr]], list[exp.Expr]]:
    """A streak fires on the Nth consecutive period its condition holds, then starts afresh:
    on every Nth row of a run of holding rows, counted since the last row that did not hold."""
    plan, w = b.plan, Windows(b)
    amounts: list[tuple[str, exp.Expr]] = []
    flags: list[exp.Expr] = []
    for s in plan.streaks:
        holds = exp.EQ(this=b.t.steps[s.step].sql, expression=b.t.integer(1))
        level = b.level + 1
        breaks = exp.Case(ifs=[exp.If(this=holds.copy(), true=exp.Literal.number(0))], default=exp.Literal.number(1))
        run_id = b.layers.add(w.window(exp.Sum(this=breaks), [w.person], w.time_order(), running=True), level, "r")
        holding = exp.Case(ifs=[exp.If(this=holds.copy(), true=exp.Literal.number(1))], default=exp.Literal.number(0))
        position = b.layers.add(w.window(exp.Sum(this=holding), [w.person, col(run_id)], w.time_order(), running=True),
                                level + 1, "r")
        fires = exp.And(this=holds.copy(), expression=exp.EQ(
            this=exp.Mod(this=col(position), expression=exp.Literal.number(s.periods)), expression=exp.Literal.number(0)))
        name = b.layers.add(fires, level + 2, "r")
        b.need(level + 2)
        if s.action == "award":
            amount = money(b, s.amount if s.amount is not None else Decimal(0))
            amounts.append((s.name, exp.Case(ifs=[exp.If(this=col(name), true=number(amount))],
                                             default=number(money(b, Decimal(0))))))
        else:
            flags.append(exp.Case(ifs=[exp.If(this=col(name), true=exp.Literal.string(s.flag or s.label or s.name))]))
    return amounts, flags


def bottom_flags(b: Builder) -> list[exp.Expr]:
    """The lowest totals of each group (ties by person) are flagged."""
    plan, w = b.plan, Windows(b)
    out: list[exp.Expr] = []
    for f in plan.flags:
        scored = exp.Literal.number(1) if b.excluded is None else exp.Not(this=exp.Paren(this=b.excluded.copy()))
        part = [*w.partition(f.group), exp.Paren(this=scored)]
        rank = w.window(exp.RowNumber(), part, [exp.Ordered(this=b.t.steps["total"].sql, nulls_first=True),
                                                exp.Ordered(this=w.person, nulls_first=True)])
        members = w.window(exp.Count(this=scored_only(b, exp.Literal.number(1))), w.partition(f.group))
        n: exp.Expr = exp.Floor(this=exp.Mul(this=number(f.bottom), expression=exp.Cast(
            this=members, to=exp.DataType.build("DECIMAL(38, 0)")))) if f.is_share else exp.Literal.number(int(f.bottom))
        out.append(exp.Case(ifs=[exp.If(this=exp.LTE(this=rank, expression=n), true=exp.Literal.string(f.label or f.name))]))
    for wf in plan.when_flags:
        out.append(exp.Case(ifs=[exp.If(this=exp.EQ(this=b.t.steps[wf.step].sql, expression=b.t.integer(1)),
                                        true=exp.Literal.string(wf.label or wf.name))]))
    return out


def pools(b: Builder) -> None:
    """Every row of a team must state the same pool amount: the first row (in input order)
    that differs from the team's first row is an error, in ``Batch._pool``'s words."""
    plan, w = b.plan, Windows(b)
    if not plan.pools:
        return
    if not b.row_column:
        return  # no row numbers to name: the engine cannot say which row differs
    for p in plan.pools:
        value = b.t.steps[p.step]
        shown = b.t.show(value)
        order = [exp.Ordered(this=col(b.row_column), nulls_first=True)]
        part = w.partition(p.group)
        first_value = w.window(exp.FirstValue(this=value.sql), part, order)
        first_row = w.window(exp.FirstValue(this=col(b.row_column)), part, order)
        level = b.level + 1
        fv = b.layers.add(first_value, level, "p")
        fr = b.layers.add(first_row, level, "p")
        fshown = b.t.show(Val(col(fv), value.scale, level))
        differs = b.layers.add(exp.NEQ(this=value.sql.copy(), expression=col(fv)), level + 1, "p")
        first_differing = w.window(exp.Min(this=exp.Case(ifs=[exp.If(this=col(differs), true=col(b.row_column))])), part)
        fd = b.layers.add(first_differing, level + 2, "p")
        b.need(level + 2)
        team = exp.Cast(this=col(p.group), to=exp.DataType.build("VARCHAR"))
        message = exp.Concat(expressions=[
            exp.Literal.string(f"the pool {p.label or p.name!r} for {p.group} '"), team,
            exp.Literal.string("' is "), shown, exp.Literal.string(" here but "), fshown,
            exp.Literal.string(" in row "), exp.Cast(this=col(fr), to=exp.DataType.build("VARCHAR"))])
        b.batch_errors.append(exp.Case(ifs=[exp.If(this=exp.EQ(this=col(fd), expression=col(b.row_column)),
                                                   true=message)]))
