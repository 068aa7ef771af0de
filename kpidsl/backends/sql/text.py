"""SQL backend, writing: the scoring query's answer spelled as ``kpi eval`` spells it,
column for column (``output.Table``), so an engine can write the results file itself.

Numbers follow ``spelling.spell``: a step the rubric rounds keeps its rounding's places
(``85.50``), any other value loses its trailing zeros; text cells that a spreadsheet
would run as a formula get a leading apostrophe (``spelling.safe_text``); an empty
cell is NULL, which a CSV writes as nothing, as Python's csv module does.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from kpidsl import ir
from kpidsl.backends.sql.query import FLAGS, GRADE, NOTES, REASON, STATUS, Query, not_applicable_column
from kpidsl.backends.sql.values import col, decimal_type
from kpidsl.numbers.spelling import FORMULA_STARTS, NOT_APPLICABLE, safe_text


def _s(text: str) -> exp.Literal:
    return exp.Literal.string(text)


def safe(text: exp.Expr) -> exp.Expr:
    """``safe_text`` in SQL: an apostrophe before a text that starts like a formula."""
    first = exp.Substring(this=text.copy(), start=exp.Literal.number(1), length=exp.Literal.number(1))
    risky = exp.In(this=first, expressions=[_s(c) for c in FORMULA_STARTS])
    return exp.Case(ifs=[exp.If(this=risky, true=exp.DPipe(this=_s("'"), expression=text.copy()))], default=text)


def normalized(x: exp.Expr) -> exp.Expr:
    """A decimal's digits without trailing zeros after the point (``85.500000`` -> ``85.5``)."""
    text = exp.Cast(this=x, to=exp.DataType.build("VARCHAR"))
    trimmed = exp.Anonymous(this="RTRIM", expressions=[exp.Anonymous(this="RTRIM", expressions=[text.copy(), _s("0")]),
                                                       _s(".")])
    return exp.Case(ifs=[exp.If(this=exp.Like(this=text.copy(), expression=_s("%.%")), true=trimmed)], default=text)


def spelled_number(x: exp.Expr, exponent: int | None) -> exp.Expr:
    if exponent is None or exponent >= 0:  # a whole number is written whole either way
        return normalized(x)
    places = -exponent
    at_places = exp.Cast(this=x.copy(), to=decimal_type(places))
    exact = exp.EQ(this=x.copy(), expression=at_places.copy())
    return exp.Case(ifs=[exp.If(this=exact, true=exp.Cast(this=at_places, to=exp.DataType.build("VARCHAR")))],
                    default=normalized(x))


def spelled(plan: ir.Plan, table: Any, query: Query) -> str:  # table: engine.output.Table, a layer above
    """The SELECT list (DuckDB) of the output columns, each as text under its header."""
    excluded = exp.EQ(this=col(STATUS), expression=_s("excluded"))
    keys = {plan.person: plan.person, "period": plan.period, **{g: g for g in plan.groups}}
    out: list[exp.Expr] = []
    for key, header, _kind in table.columns:
        value: exp.Expr
        if key in keys:
            value = safe(exp.Coalesce(this=col(keys[key]), expressions=[_s("")]))
        elif key == "grade":
            labels = [exp.If(this=exp.EQ(this=col(GRADE), expression=exp.Literal.number(i)),
                             true=_s(safe_text(g.label or g.name))) for i, g in enumerate(plan.grades)]
            value = exp.Case(ifs=[exp.If(this=excluded.copy(), true=_s("")), *labels], default=_s(""))
        elif key in ("flags", "notes"):  # an excluded row has neither, as in Python
            value = exp.Case(ifs=[exp.If(this=excluded.copy(), true=_s(""))],
                             default=safe(col(FLAGS if key == "flags" else NOTES)))
        elif key == "status":
            with_reason = exp.DPipe(this=_s("excluded: "), expression=col(REASON))
            value = safe(exp.Case(ifs=[exp.If(this=excluded.copy(), true=with_reason)], default=_s("scored")))
        elif key in query.steps or key in query.awards:
            # an item that does not apply shows so, as the Python engine's table does
            out_here = [exp.If(this=exp.EQ(this=col(not_applicable_column(i)), expression=exp.true()),
                               true=_s(NOT_APPLICABLE)) for i, na in enumerate(plan.not_applicable) if na.item == key]
            value = exp.Case(ifs=[exp.If(this=excluded.copy(), true=exp.Null()), *out_here],
                             default=spelled_number(col(key), table.places.get(key)))
        else:
            value = exp.Null()
        out.append(exp.alias_(exp.Nullif(this=value, expression=_s("")), safe_text(header), quoted=True))
    return "SELECT " + ", ".join(e.sql(dialect="duckdb") for e in out)
