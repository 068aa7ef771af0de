"""SQL backend: a lowered rubric as one query over an input table, built as a sqlglot
expression tree (never by pasting text) and rendered for DuckDB, PostgreSQL,
Spark SQL, Trino, BigQuery or Snowflake (``kpi sql RUBRIC --dialect spark``).

The input table has one row per person and period: the person and period
columns, the group columns, and every data column of the plan (``Plan.columns``)
as a number.  Each is checked against its column's rules in the query, as kpi's
reader checks a cell (``sql_cells.typed_problem``), unless kpi read the table
itself (``sql_cells.reading``, for ``kpi eval --engine duckdb``).  The query
returns, per row, the same columns ``kpi eval`` writes: each output step as
``DECIMAL(38, places)``, the grade's index (0 the best), the status (``scored``
or ``excluded``), the reason and notes, and ``_kpi_error``: the first error the
Python reader or evaluator raises for the row, in its words, or NULL, with
``_kpi_error_column``, the data column it is about, where it names one.

Arithmetic is ``sql/values.py``'s (exact, on scaled whole numbers); rules over
the whole batch are ``sql/batch.py``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlglot import exp

from kpidsl import ir
from kpidsl.backends.sql import batch, stats
from kpidsl.backends.sql import cells as sql_cells
from kpidsl.backends.sql.values import (
    DIALECTS,
    ERROR,
    Bool,
    Dialect,
    Layers,
    SQLError,
    Translator,
    Val,
    cell_bounds,
    cell_places,
    col,
    decimal_type,
    first,
    fits,
    null_when_failing,
    number,
    quote,
    render,
)
from kpidsl.data.cells import MAX_WHOLE_DIGITS, spec_of
from kpidsl.numbers.stats import STATS

GRADE, STATUS, REASON, NOTES, FLAGS = "_kpi_grade", "_kpi_status", "_kpi_reason", "_kpi_notes", "_kpi_flags"
BATCH_ERROR = "_kpi_batch_error"  # a rule over rows (a pool amount that differs within a team)
SHOWN_PLACES = 10  # the places of a refused input that its error shows
ERROR_COLUMN = "_kpi_error_column"  # the data column _kpi_error is about, as Python names it, if any


@dataclass(frozen=True)
class Query:
    """A built query and what its columns hold."""
    select: exp.Select
    keys: tuple[str, ...]  # person, period and group columns, as in the input
    steps: tuple[str, ...]  # output steps, each a column of that name
    awards: tuple[str, ...]  # best-in-group and streak awards, each a column of that name
    dialect: str
    not_applicable: tuple[str, ...] = ()  # items that may not apply: not_applicable_column(i) is true where one does not

    def sql(self, pretty: bool = True) -> str:
        return render(self.select, self.dialect, pretty)


class Builder:
    def __init__(self, plan: ir.Plan, dialect: str, table: str, row_column: str | None, check_inputs: bool = True):
        self.plan = plan
        self.check_inputs = check_inputs
        self.dialect = Dialect(dialect)
        self.table = table
        self.row_column = row_column
        self.layers = Layers()
        inputs = {c.name: cell_places(c) for c in plan.columns}
        self.t = Translator(self.dialect, self.layers, inputs, {c.name: cell_bounds(c) for c in plan.columns})
        self.errors: list[exp.Expr | None] = []  # per row, in the order Python meets them
        self.error_columns: dict[int, str] = {}  # the data column an error is about, by its place in errors
        self.input_errors: list[tuple[exp.Expr, str]] = []  # a typed input its column's rules refuse: first
        self.batch_errors: list[exp.Expr] = []  # found across rows, after every row is scored
        self.level = 0  # the last layer anything so far needs
        self.excluded: exp.Expr | None = None  # the column that is true for an excluded row
        self.excluded_level = 0
        self.notes: list[exp.Expr] = []  # batch rules' notes (a quota's move), after the vetoes'

    def need(self, level: int) -> None:
        self.level = max(self.level, level)

    def step(self, s: ir.Step) -> None:
        try:
            v = self.t.value(s.expr)
        except SQLError as e:
            # a helper step (a metric's raw value) has no line: name the step it serves
            steps = [*self.plan.score_steps, *self.plan.result_steps]
            shown = next((x for x in steps[steps.index(s):] if x.line), s)
            where = f"line {shown.line}, " if shown.line else ""
            raise SQLError(f"{where}{shown.label or shown.name}: {e}") from None
        if not isinstance(v.sql, exp.Column):
            sql, kind = v.sql, v.kind
            narrow = self.dialect.narrow
            if narrow is not None and kind != "narrow" and fits(v.lo, v.hi):
                # proven small though computed wide (GREATEST(5 - n, 0) of an unbounded count n):
                # the steps that read it compute in 64 bits
                sql, kind = exp.Cast(this=sql, to=narrow), "narrow"
            name = self.layers.add(sql, v.level + 1, "s")
            v = replace(v, sql=col(name), level=v.level + 1, const=None, kind=kind)
        self.t.steps[s.name] = v
        self.need(v.level)
        error = self.t.error(s.expr)
        if error is not None and null_when_failing(s.expr):
            # worked out only for the rows whose value is missing: most rows pay nothing for it
            error = exp.Case(ifs=[exp.If(this=exp.Is(this=v.sql.copy(), expression=exp.Null()), true=error)])
        self.errors.append(error)

    def error_about(self, sql: exp.Expr, column: str) -> None:
        """A per-row error about one data column (a period, a last-period cell), as Python
        names that column in its error."""
        self.error_columns[len(self.errors)] = column
        self.errors.append(sql)

    def all_errors(self) -> tuple[list[exp.Expr | None], dict[int, str]]:
        """Every per-row error in the order Python meets them (a cell, then the rules), and
        the data column of those about one, by place."""
        about = {i: column for i, (_, column) in enumerate(self.input_errors)}
        about.update({len(self.input_errors) + i: column for i, column in self.error_columns.items()})
        return [e for e, _ in self.input_errors] + self.errors, about

    def error_column(self) -> exp.Expr:
        """The column the row's first error is about: NULL for an error about none."""
        errors, about = self.all_errors()
        if not about:
            return exp.Null()
        ifs = [exp.If(this=exp.Not(this=exp.Is(this=e.copy(), expression=exp.Null())),
                      true=exp.Literal.string(about[i]) if i in about else exp.Null())
               for i, e in enumerate(errors[: max(about) + 1]) if e is not None]
        return exp.Case(ifs=ifs)

    def inputs_checked(self) -> None:
        """Each input as its column's rules take it (blank, whole, allowed values, range,
        places): the table is the user's, not read through kpi's reader."""
        plan = self.plan
        names = {c.name for c in plan.columns}
        for c in plan.columns:
            # the value as the table holds it, to SHOWN_PLACES (more than any column keeps: a
            # value with more is refused), as a whole number at that scale, shown as Python shows it
            whole = exp.Cast(this=exp.Round(this=exp.Mul(this=col(c.name), expression=number(Decimal(10) ** SHOWN_PLACES)),
                                            decimals=exp.Literal.number(0)), to=decimal_type(0))
            shift = 2 if c.unit == "percent" else 0  # shown as a percent: the same digits, two places fewer
            # a value too large to scale (it has more whole digits than a cell may) shows its whole part
            small = exp.LT(this=exp.Abs(this=col(c.name)), expression=number(Decimal(10) ** MAX_WHOLE_DIGITS))
            spelled: exp.Expr = exp.Case(ifs=[exp.If(this=small, true=self.t.show(Val(whole, SHOWN_PLACES - shift, 0)))],
                                         default=self.t.show(Val(exp.Cast(this=exp.Round(this=col(c.name), decimals=exp.Literal.number(0)),
                                                                          to=decimal_type(0)), 0, 0)))
            if c.unit == "percent":
                spelled = exp.Concat(expressions=[spelled, exp.Literal.string("%")])
            na = c.name.split(".", 1)[0] + ".na"
            # last period's value may be blank: it comes from the row before; a `.na` column
            # (optional in a sheet, whose blank means "applies") holds 1 or 0 in a typed table
            blank_ok: exp.Expr | None = exp.true() if (c.optional and not c.may_be_na) or c.blank else None
            if na in names and not c.may_be_na:  # an item marked not applicable may leave its cells blank
                blank_ok = exp.EQ(this=col(na), expression=exp.Literal.number(1))
            problem = sql_cells.typed_problem(spec_of(c), col(c.name), spelled, cell_places(c), blank_ok)
            self.input_errors.append((col(self.layers.add(problem, 1, "chk")), c.name))
        if plan.columns:
            self.need(1)

    def build(self) -> Query:
        plan = self.plan
        if any(c.optional and c.name.endswith(".last") for c in plan.columns):
            batch.last_periods(self)
        figures = stats.Stats(self)
        self.t.aggregate = lambda e: figures.value(e) if e.func in STATS else batch.aggregate(self, e)
        self.t.agg_error = figures.error
        if self.check_inputs:
            self.inputs_checked()
        excluded = [self.t.cond(c) for c, _ in plan.exclude]
        if excluded:
            either = excluded[0].sql
            for b in excluded[1:]:
                either = exp.Or(this=either, expression=b.sql)
            self.excluded_level = max(b.level for b in excluded) + 1
            name = self.layers.add(exp.Paren(this=either), self.excluded_level, "x")
            self.excluded = col(name)
            self.need(self.excluded_level)
        for s in plan.score_steps:
            self.step(s)
        # each item that may not apply: 1 where it does not (its result shows so, with a note)
        self.not_applicable: list[exp.Expr] = []
        for na in plan.not_applicable:
            v = self.t.value(na.flag)
            self.need(v.level)
            self.not_applicable.append(exp.EQ(this=v.sql, expression=exp.Literal.number(1)))
        ties = {t for q in plan.quotas for t in q.tie_by}
        for s in plan.result_steps:
            if s.name in ties:  # tie-break values are score-phase formulas
                self.step(s)
        grade = self.grade()
        if grade is not None and (plan.quotas or plan.distribution):
            grade = batch.quotas(self, grade)
            self.t.steps["grade"] = Val(exp.Coalesce(this=grade, expressions=[self.t.integer(-1)]), 0, self.level)
        for s in plan.result_steps:
            if s.name not in ties:
                self.step(s)
        batch.pools(self)
        awards = batch.awards(self)
        streak_awards, streak_flags = batch.streaks(self)
        flags = streak_flags + batch.bottom_flags(self)
        return self.select(grade, excluded, awards + streak_awards, flags)

    def grade(self) -> exp.Expr | None:
        """The index of the first grade that applies (NULL: none, which is an error)."""
        plan = self.plan
        if not plan.grades:
            self.t.steps["grade"] = Val(self.t.integer(-1), 0, 0)
            return None
        ifs, default = [], None
        for i, g in enumerate(plan.grades):
            if g.cond is None:
                default = self.t.integer(i)
                break
            b = self.t.cond(g.cond)
            self.need(b.level)
            ifs.append(exp.If(this=b.sql, true=self.t.integer(i)))
        sql = exp.Case(ifs=ifs, default=default) if ifs else default
        assert sql is not None
        name = self.layers.add(sql, self.level + 1, "g")
        self.need(self.level + 1)
        total = self.t.steps["total"]
        none = exp.Concat(expressions=[exp.Literal.string("no grade for a total of "), self.t.show(total)])
        self.errors.append(exp.Case(ifs=[exp.If(this=exp.Is(this=col(name), expression=exp.Null()), true=none)]))
        self.t.steps["grade"] = Val(exp.Coalesce(this=col(name), expressions=[self.t.integer(-1)]), 0, self.level)
        return col(name)



    def select(self, grade: exp.Expr | None, excluded: list[Bool], awards: list[tuple[str, exp.Expr]],
               flags: list[exp.Expr]) -> Query:
        plan = self.plan
        source: exp.Expr = exp.Table(this=quote(self.table))
        ctes = []
        top = max(self.level, len(self.layers.defs) - 1)
        for i in range(1, top + 1):
            defs = self.layers.defs[i] if i < len(self.layers.defs) else []
            projections: list[exp.Expr] = [exp.Star()]
            projections += [exp.alias_(sql, name, quoted=True) for name, sql in defs]
            ctes.append((f"_kpi_layer{i}", exp.Select(expressions=projections).from_(source.copy(), copy=False)))
            source = exp.Table(this=quote(f"_kpi_layer{i}"))
        keys = [plan.person, plan.period, *plan.groups]
        before, after = plan.output_steps()
        out: list[exp.Expr] = [exp.alias_(col(k), k, quoted=True) for k in keys]
        if self.row_column:
            out.append(exp.alias_(col(self.row_column), self.row_column, quoted=True))
        out += [exp.alias_(self.t.decimal(self.t.steps[name]), name, quoted=True) for name in before + after]
        out += [exp.alias_(sql, name, quoted=True) for name, sql in awards]
        out.append(exp.alias_(grade if grade is not None else exp.Null(), GRADE, quoted=True))
        out.append(exp.alias_(joined(flags), FLAGS, quoted=True))
        out += [exp.alias_(flag.copy(), not_applicable_column(i), quoted=True) for i, flag in enumerate(self.not_applicable)]
        is_excluded = self.excluded
        reason = None
        if excluded:
            reason = exp.Case(ifs=[exp.If(this=b.sql.copy(), true=exp.Literal.string(r or "excluded by the rubric"))
                                   for b, (_, r) in zip(excluded, plan.exclude)])
        status = exp.Literal.string("scored") if is_excluded is None else exp.Case(
            ifs=[exp.If(this=is_excluded, true=exp.Literal.string("excluded"))], default=exp.Literal.string("scored"))
        out.append(exp.alias_(status, STATUS, quoted=True))
        out.append(exp.alias_(reason if reason is not None else exp.Null(), REASON, quoted=True))
        out.append(exp.alias_(self.all_notes(), NOTES, quoted=True))
        error, about = first(self.all_errors()[0]), self.error_column()
        if error is not None and is_excluded is not None:
            error = exp.Case(ifs=[exp.If(this=is_excluded.copy(), true=exp.Null())], default=error)
            about = exp.Case(ifs=[exp.If(this=is_excluded.copy(), true=exp.Null())], default=about)
        out.append(exp.alias_(error if error is not None else exp.Null(), ERROR, quoted=True))
        out.append(exp.alias_(about, ERROR_COLUMN, quoted=True))
        out.append(exp.alias_(first(list(self.batch_errors)) or exp.Null(), BATCH_ERROR, quoted=True))
        query = exp.Select(expressions=out).from_(source, copy=False)
        for name, cte in ctes:
            query = query.with_(name, as_=cte, materialized=self.dialect.materialized, copy=False)
        return Query(query, tuple(keys), tuple(before + after), tuple(name for name, _ in awards), self.dialect.name,
                     tuple(na.item for na in plan.not_applicable))

    def all_notes(self) -> exp.Expr:
        """A veto's note, as the Python evaluator writes it, when its yes/no cell is set; then
        the batch rules' notes."""
        notes: list[exp.Expr] = [exp.Case(ifs=[exp.If(this=exp.NEQ(this=col(column), expression=exp.Literal.number(0)),
                                      true=exp.Literal.string(f"veto {label}: {zeroed} = 0"))])
                 for column, label, zeroed in self.plan.vetoes]
        notes += [exp.Case(ifs=[exp.If(this=flag.copy(), true=exp.Literal.string(na.note))])
                  for flag, na in zip(self.not_applicable, self.plan.not_applicable, strict=True)]
        return joined(notes + self.notes)


def not_applicable_column(i: int) -> str:
    """The output column saying whether the plan's ``i``-th item that may not apply does not."""
    return f"_kpi_na{i}"


def joined(texts: Sequence[exp.Expr]) -> exp.Expr:
    """Texts that apply (not NULL), joined by "; " as the Python evaluator joins flags and notes.
    Spelled with || and COALESCE, which every dialect reads alike (CONCAT_WS is not everywhere)."""
    if not texts:
        return exp.Literal.string("")
    pieces = [exp.Coalesce(this=exp.Paren(this=exp.DPipe(this=exp.Literal.string("; "), expression=t)),
                           expressions=[exp.Literal.string("")]) for t in texts]
    whole: exp.Expr = pieces[0]
    for p in pieces[1:]:
        whole = exp.DPipe(this=whole, expression=p)
    return exp.Substring(this=whole, start=exp.Literal.number(3))


def build(plan: ir.Plan, dialect: str = "duckdb", table: str = "input", row_column: str | None = None,
          check_inputs: bool = True) -> Query:
    """The scoring query of ``plan`` over ``table``; raises SQLError for what SQL cannot say exactly.
    ``check_inputs``: each input is checked against its column's rules, in the query (False
    where kpi's own reader has checked every cell)."""
    return Builder(plan, dialect, table, row_column, check_inputs).build()


__all__ = ["DIALECTS", "Query", "SQLError", "build", "GRADE", "STATUS", "REASON", "NOTES", "FLAGS", "ERROR", "ERROR_COLUMN", "BATCH_ERROR"]
