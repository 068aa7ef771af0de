"""SQL backend, batch rules: what needs other rows (``batch.py`` in Python) as window
functions over the scored rows: last period's value for ``x.last`` cells, grade
quotas, aggregates over a team or a year, best in group, team pools, streaks and
flags.

A row takes part in a batch rule only when it is scored (not excluded), as in
Python.  Periods are calendar periods, read by the spellings of ``periods.py`` (the
same regular expressions) into an index, year*12 + month - 1 for a month (year*4 +
quarter - 1, year): time order is the index's, and a gap in it breaks a streak.
``Calendar`` checks the periods as the Python engine's ``batch.calendar`` does, in the words of data/problems.py.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlglot import exp

from kpidsl import ir
from kpidsl.backends.sql import rank as sql_rank
from kpidsl.backends.sql.rank import is_one, money
from kpidsl.backends.sql.values import Val, col, decimal_type, first, number
from kpidsl.data import periods, problems
from kpidsl.numbers.spelling import percent

if TYPE_CHECKING:
    from kpidsl.backends.sql.query import Builder


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

    def partition(self, over: str) -> list[exp.Expr]:
        if over in ("year", "quarter"):
            cal = Calendar(self.b)
            return [self.person, col(cal.year)] + ([col(cal.quarter)] if over == "quarter" else [])
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


def _lit(text: str) -> exp.Expr:
    return exp.Literal.string(text)


def _text(e: exp.Expr) -> exp.Expr:
    return exp.Cast(this=e, to=exp.DataType.build("VARCHAR"))


def _concat(*parts: exp.Expr) -> exp.Expr:
    return exp.Concat(expressions=list(parts))


class Calendar:
    """The period column read as a calendar period (``periods.read`` in SQL), in columns of
    the first layers, made once a query: its kind ('month', 'quarter', 'year'; NULL when it
    cannot be read), year, month or quarter, and index.  ``check`` adds ``batch.calendar``'s
    data errors, once."""

    def __init__(self, b: Builder):
        self.b = b
        self.kind_of = periods.kind_of(b.plan.outline.period)
        found = {name[: name.rindex("_") + 1]: name for defs in b.layers.defs for name, _ in defs
                 if name.startswith(("_kpi_calkind_", "_kpi_calyear_", "_kpi_calpart_", "_kpi_calindex_",
                                     "_kpi_calquarter_"))}
        if not found:
            kind, year, part, index = read(b.dialect.name, col(b.plan.period), self.kind_of)
            found = {f"_kpi_cal{what}_": b.layers.add(e, 1, f"cal{what}_")
                     for what, e in (("kind", kind), ("year", year), ("part", part), ("index", index))}
            quarter = exp.Case(ifs=[exp.If(this=exp.EQ(this=col(found["_kpi_calkind_"]), expression=_lit(k)), true=q)
                                    for k, q in ((periods.MONTH, _month_quarter(col(found["_kpi_calpart_"]))),
                                                 (periods.QUARTER, exp.Sub(this=col(found["_kpi_calpart_"]),
                                                                           expression=exp.Literal.number(1))))])
            found["_kpi_calquarter_"] = b.layers.add(quarter, 2, "calquarter_")  # reads the kind: layer 2
        self.kind, self.year, self.index = found["_kpi_calkind_"], found["_kpi_calyear_"], found["_kpi_calindex_"]
        self.quarter = found["_kpi_calquarter_"]

    def check(self, scoped: bool, needed: exp.Expr | None = None) -> None:
        """The periods' data errors, per row, in ``batch.calendar``'s words, once per scope
        (``scoped``: among the scored rows, as streaks and aggregates read them; else among
        all rows, for ``x.last``).  ``needed``: a window that is true for the rows whose
        periods must be read (a person with an ``x.last`` cell to fill)."""
        b = self.b
        prefix = "calcheck" + ("scored" if scoped else "all") + "_"
        if any(name.startswith("_kpi_" + prefix) for defs in b.layers.defs for name, _ in defs):
            return
        period, person, row = col(b.plan.period), col(b.plan.person), b.row_column
        by: list[exp.Expr] = [person]
        level = 2
        if scoped and b.excluded is not None:
            by.append(exp.Paren(this=b.excluded.copy()))
            level = max(level, b.excluded_level + 1)
        order = [exp.Ordered(this=col(row) if row else period.copy(), nulls_first=True)]
        w = Windows(b)
        index = col(self.index)
        window_defs: dict[str, exp.Expr] = {
            "fkind": w.window(exp.FirstValue(this=col(self.kind)), by, order),
            "fperiod": w.window(exp.FirstValue(this=period.copy()), by, order),
            "dperiod": w.window(exp.FirstValue(this=period.copy()), [*by, index.copy()], order),
        }
        if row:
            window_defs["frow"] = w.window(exp.FirstValue(this=col(row)), by, order)
            window_defs["drow"] = w.window(exp.FirstValue(this=col(row)), [*by, index.copy()], order)
        window_defs["rows"] = w.window(exp.Count(this=exp.Star()), by)
        if needed is not None:
            window_defs["needed"] = needed
        names = {k: b.layers.add(v, level, prefix) for k, v in window_defs.items()}
        said = _concat(_text(person.copy()), _lit("'s period '"), period.copy(), _lit("'"))
        kind = self.kind_of
        ifs: list[exp.If] = []
        unread = exp.Is(this=index.copy(), expression=exp.Null())
        if kind is not None:
            ifs.append(exp.If(this=unread, true=_concat(
                said.copy(), _lit(f" is not a {kind}{problems.NOT_OF_KIND}{periods.SETTING[kind]}"))))
        else:
            me = exp.EQ(this=col(row), expression=col(names["frow"])) if row else exp.EQ(
                this=period.copy(), expression=col(names["fperiod"]))
            no_first = exp.Is(this=col(names["fkind"]), expression=exp.Null())
            ifs.append(exp.If(this=exp.And(this=unread.copy(), expression=exp.Paren(this=exp.Or(this=me, expression=no_first))),
                              true=_concat(said.copy(), _lit(problems.NOT_CALENDAR))))
            other_kind = exp.Or(this=unread.copy(), expression=exp.NEQ(this=col(self.kind), expression=col(names["fkind"])))
            at = [_lit(" (row "), _text(col(names["frow"])), _lit(")")] if row else []
            ifs.append(exp.If(this=exp.And(this=exp.Not(this=no_first.copy()), expression=exp.Paren(this=other_kind)),
                              true=_concat(said.copy(), _lit(" is not written like '"), col(names["fperiod"]), _lit("'"),
                                           *at, _lit(problems.CANNOT_ORDER))))
        if _overs(b.plan) >= {"quarter"}:
            ifs.append(exp.If(this=exp.EQ(this=col(self.kind), expression=_lit(periods.YEAR)),
                              true=_concat(said.copy(), _lit(problems.A_YEAR))))
        twice = exp.NEQ(this=col(row), expression=col(names["drow"])) if row else exp.NEQ(
            this=period.copy(), expression=col(names["dperiod"]))
        at = [_lit(" (row "), _text(col(names["drow"])), _lit(")")] if row else []
        ifs.append(exp.If(this=exp.And(this=exp.Not(this=unread.copy()), expression=twice),
                          true=_concat(said.copy(), _lit(" is the same "), col(self.kind), _lit(" as '"),
                                       col(names["dperiod"]), _lit("'"), *at)))
        # a person's only row has nothing to be ordered against: its period is not read
        applies: exp.Expr = exp.GT(this=col(names["rows"]), expression=exp.Literal.number(1))
        if needed is not None:
            applies = exp.And(this=applies, expression=col(names["needed"]))
        error = exp.Case(ifs=[exp.If(this=applies, true=exp.Case(ifs=ifs))])
        b.error_about(col(b.layers.add(error, level + 1, prefix)), "period")
        b.need(level + 1)


def read(dialect: str, period: exp.Expr, kind: str | None) -> tuple[exp.Expr, exp.Expr, exp.Expr, exp.Expr]:
    """(kind, year, month or quarter, index) of ``period``, each NULL when it cannot be read
    as ``kind`` (any kind when None): ``periods.read``, the same patterns in the same order."""
    kinds, years, parts, indexes = [], [], [], []
    for k in (kind,) if kind else periods.KINDS:
        pats = periods.patterns(k)
        year = first([whole_or_null(dialect, period.copy(), p.year) for p in pats])
        assert year is not None
        valid: exp.Expr = exp.Not(this=exp.Is(this=year.copy(), expression=exp.Null()))
        if k == periods.YEAR:
            part: exp.Expr = exp.Literal.number(0)
            index: exp.Expr = year.copy()
        else:
            found = first([whole_or_null(dialect, period.copy(), p.part) for p in pats if p.part])
            assert found is not None
            part = found
            if k == periods.MONTH:
                valid = exp.And(this=valid, expression=exp.Between(this=part.copy(), low=exp.Literal.number(1),
                                                                   high=exp.Literal.number(12)))
            index = exp.Sub(this=exp.Add(this=exp.Mul(this=year.copy(), expression=exp.Literal.number(periods.PER_YEAR[k])),
                                         expression=part.copy()), expression=exp.Literal.number(1))
        kinds.append(exp.If(this=valid.copy(), true=_lit(k)))
        years.append(exp.If(this=valid.copy(), true=year))
        parts.append(exp.If(this=valid.copy(), true=part))
        indexes.append(exp.If(this=valid, true=index))
    return tuple(exp.Case(ifs=ifs) for ifs in (kinds, years, parts, indexes))  # type: ignore[return-value]


def _month_quarter(month: exp.Expr) -> exp.Expr:
    """The quarter (0 to 3) of a month (1 to 12), without division (engines divide alike only on decimals)."""
    return exp.Case(ifs=[exp.If(this=exp.LTE(this=month.copy(), expression=exp.Literal.number(3 * q + 3)),
                                true=exp.Literal.number(q)) for q in range(3)], default=exp.Literal.number(3))


def _overs(plan: ir.Plan) -> set[str]:
    return {n.over for n in plan.aggregates()}


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
    if e.over in ("year", "quarter"):
        Calendar(b).check(scoped=True)
        level = max(level, 3)  # after the calendar's columns (the quarter's is the second layer's)
    if e.func == "count":
        n = w.window(exp.Count(this=scored_only(b, exp.Literal.number(1))), part)
        name = b.layers.add(exp.Cast(this=n, to=b.dialect.integer), level, "a")
        return Val(col(name), 0, level, kind="wide")
    if e.func in ("sum", "average"):
        total = b.layers.add(w.window(exp.Sum(this=scored_only(b, step.sql)), part), level, "a")
        total_v = Val(exp.Cast(this=col(total), to=b.dialect.integer), step.scale, level, kind="wide")
        if e.func == "sum":
            return total_v
        count = b.layers.add(exp.Cast(this=w.window(exp.Count(this=scored_only(b, exp.Literal.number(1))), part),
                                      to=b.dialect.integer), level, "a")
        return b.t.divide(total_v, Val(col(count), 0, level, kind="wide"))
    fn = exp.Max if e.func == "max" else exp.Min
    name = b.layers.add(w.window(fn(this=scored_only(b, step.sql)), part), level, "a")
    return replace(step, sql=col(name), level=level, const=None)  # one of the step's values: its bounds hold


def last_periods(b: Builder) -> None:
    """``x.last`` cells the data leaves blank come from the person's row of the calendar
    period just before, when there is one.  The filled cell must be a first-layer column
    (the translator reads it there), so the period's index is spelled out in the window."""
    w = Windows(b)
    lasts = [c.name for c in b.plan.columns if c.optional and c.name.endswith(".last")]
    blank = exp.Case(ifs=[exp.If(this=exp.Is(this=col(n), expression=exp.Null()), true=exp.Literal.number(1))
                          for n in lasts], default=exp.Literal.number(0))
    fills = exp.EQ(this=w.window(exp.Max(this=blank), [w.person]), expression=exp.Literal.number(1))
    Calendar(b).check(scoped=False, needed=fills)  # as batch.fill_last_period: a person with a cell to fill
    *_, index = read(w.dialect, w.period, periods.kind_of(b.plan.outline.period))
    order = [exp.Ordered(this=index.copy(), nulls_first=True)]
    for c in b.plan.columns:
        if not (c.optional and c.name.endswith(".last")):
            continue
        source = c.name[: -len(".last")]
        before = w.window(exp.Anonymous(this="LAG", expressions=[index.copy()]), [w.person], order)
        just_before = exp.EQ(this=before, expression=exp.Sub(this=index.copy(), expression=exp.Literal.number(1)))
        previous = exp.Case(ifs=[exp.If(this=just_before, true=w.window(
            exp.Anonymous(this="LAG", expressions=[col(source)]), [w.person], [o.copy() for o in order]))])
        name = b.layers.add(exp.Coalesce(this=col(c.name), expressions=[previous]), 1, "last")
        b.t.renamed[c.name] = name
        missing = exp.Concat(expressions=[exp.Literal.string(problems.missing_last(c)[0])])
        b.error_about(exp.Case(ifs=[exp.If(this=exp.Is(this=col(name), expression=exp.Null()), true=missing)]), c.name)
    b.need(1)


def quotas(b: Builder, grade: exp.Expr) -> exp.Expr:
    """Each quota moves the holders of its grade past the allowed number down one grade,
    ranked by its tie-break steps, then total, then person, as ``Batch._quota`` does.  A
    distribution, which a quota never limits, gives its grades first."""
    plan, w = b.plan, Windows(b)
    if plan.distribution is not None:
        grade = sql_rank.distribute(b, w, grade)
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
                  exp.Ordered(this=b.dialect.by_code_point(w.person), nulls_first=True)]
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


def _quota_note(plan: ir.Plan, q: ir.Quota, index: int, allowed: exp.Expr, members: str, rank: str,
                holders: str) -> exp.Expr:
    """``Batch._quota``'s note on a row moved down a grade, word for word."""
    grade, below = plan.grades[index], plan.grades[index + 1]
    label = grade.label or q.grade
    limit: exp.Expr = exp.Literal.string(percent(q.at_most)) if q.is_share else _text(allowed.copy())
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
    """Best-in-group awards (``sql_rank.awards``), over this plan's partitions."""
    return sql_rank.awards(b, Windows(b))


def streaks(b: Builder) -> tuple[list[tuple[str, exp.Expr]], list[exp.Expr]]:
    """A streak fires on the Nth consecutive calendar period its condition holds, then starts
    afresh: on every Nth row of a run of holding rows, counted since the last row that did not
    hold or came after a gap.  Excluded rows are left out of the person's periods (their own
    partition), so an excluded period is a gap."""
    plan, w = b.plan, Windows(b)
    amounts: list[tuple[str, exp.Expr]] = []
    flags: list[exp.Expr] = []
    if not plan.streaks:
        return amounts, flags
    cal = Calendar(b)
    cal.check(scoped=True)
    who: list[exp.Expr] = [w.person] + ([exp.Paren(this=b.excluded.copy())] if b.excluded is not None else [])
    order = [exp.Ordered(this=col(cal.index), nulls_first=True)]
    for s in plan.streaks:
        holds = is_one(b, s.step)
        level = max(b.level, 1) + 1
        before = b.layers.add(w.window(exp.Anonymous(this="LAG", expressions=[col(cal.index)]), who, order), level, "r")
        goes_on = exp.And(this=holds.copy(), expression=exp.EQ(
            this=col(before), expression=exp.Sub(this=col(cal.index), expression=exp.Literal.number(1))))
        breaks = exp.Case(ifs=[exp.If(this=goes_on, true=exp.Literal.number(0))], default=exp.Literal.number(1))
        run_id = b.layers.add(w.window(exp.Sum(this=breaks), who, order, running=True), level + 1, "r")
        holding = exp.Case(ifs=[exp.If(this=holds.copy(), true=exp.Literal.number(1))], default=exp.Literal.number(0))
        position = b.layers.add(w.window(exp.Sum(this=holding), [*who, col(run_id)], order, running=True),
                                level + 2, "r")
        level += 1
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
                                                exp.Ordered(this=b.dialect.by_code_point(w.person), nulls_first=True)])
        members = w.window(exp.Count(this=scored_only(b, exp.Literal.number(1))), w.partition(f.group))
        n: exp.Expr = exp.Floor(this=exp.Mul(this=number(f.bottom), expression=exp.Cast(
            this=members, to=exp.DataType.build("DECIMAL(38, 0)")))) if f.is_share else exp.Literal.number(int(f.bottom))
        out.append(exp.Case(ifs=[exp.If(this=exp.LTE(this=rank, expression=n), true=exp.Literal.string(f.label or f.name))]))
    for wf in plan.when_flags:
        out.append(exp.Case(ifs=[exp.If(this=is_one(b, wf.step),
                                        true=exp.Literal.string(wf.label or wf.name))]))
    return out


def pools(b: Builder) -> None:
    """Every row of a team must state the same pool amount: the first row (in input order)
    that differs from the team's first row is an error, in ``Batch._pool``'s problems."""
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
