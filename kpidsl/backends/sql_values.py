"""SQL backend: the scoring IR as one query over an input table, built as a sqlglot
expression tree (never by pasting text), so one rubric renders to DuckDB,
PostgreSQL, Spark SQL, Trino, BigQuery and Snowflake.

The numbers are exact, as in the Python evaluator:

* every value has a scale (its decimal places) worked out here from the IR, the
  way Python's ``Decimal`` would grow it: ``a * b`` has the places of both,
  a quotient has ``DIVISION_PLACES``, a rounding has its step's.  Every value
  is cast to ``DECIMAL(38, scale)`` before it is combined, because engines pick
  a narrower common type for ``CASE`` and ``GREATEST`` than for ``+`` (DuckDB
  rounds ``CASE WHEN … THEN 1.5 ELSE 0.00000000000000000001`` to two places);
* a quotient and a rounding are worked on scaled integers, with the remainder
  deciding the last digit (``semantics._divide`` in SQL), so ties go the way the
  rubric declares on every engine;
* a rubric whose arithmetic needs more than 38 places is refused here, with the
  step that needs them, rather than rounded silently by the engine.

Values are computed in layers (common table expressions): a layer may use the
columns of the layers before it, so a long expression is never written twice.
Each row also gets the first error the Python evaluator would raise for it (a
value no tier covers, a division by zero), in the column ``_kpi_error``.

The per-row query is ``build``; batch rules (best in group, quotas, pools,
streaks, flags, aggregates) are ``sql_batch.py``'s, over this query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlglot import exp

from .. import ir
from ..ir import DIVISION_PLACES
from ..semantics import is_power_of_ten

DIALECTS = ("duckdb", "postgres", "spark", "trino", "bigquery", "snowflake")
WIDTH = 38  # the widest DECIMAL of DuckDB, Spark, BigQuery (BIGNUMERIC aside) and Snowflake
ERROR = "_kpi_error"

# Places a cell keeps in SQL, by unit: the input table's DECIMAL(38, places).  A cell
# with more places is refused by the validation query, never rounded.
CELL_PLACES = {"count": 0, "level": 0, "yes/no": 0, "percent": 6, "money": 4}
DEFAULT_CELL_PLACES = 6


class SQLError(Exception):
    """A rubric the SQL backend cannot translate exactly (the step, and why)."""


def cell_places(col: ir.Column) -> int:
    """The places column ``col`` keeps: its unit's, or more when its allowed values need them."""
    places = CELL_PLACES.get(col.unit, DEFAULT_CELL_PLACES)
    for v in (*(col.allowed or ()), *(x for r in col.allowed_ranges or () for x in r)):
        places = max(places, places_of(v))
    return places


def places_of(v: Decimal) -> int:
    exponent = v.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def decimal_type(scale: int) -> exp.DataType:
    return exp.DataType.build(f"DECIMAL({WIDTH}, {scale})")


def number(v: Decimal) -> exp.Expr:
    """A constant as DECIMAL(38, its places): the engine never guesses its type."""
    return exp.Cast(this=exp.Literal.number(format(v, "f")), to=decimal_type(places_of(v)))


def quote(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.Column(this=quote(name), table=quote(table) if table else None)


@dataclass(frozen=True, slots=True)
class Val:
    """A translated value: its SQL, its scale, and the layer its columns are ready in."""
    sql: exp.Expr
    scale: int
    level: int
    const: int | None = None  # the whole number, when it is a constant


@dataclass(frozen=True, slots=True)
class Bool:
    sql: exp.Expr
    level: int


@dataclass
class Layers:
    """Named definitions, each in the first layer after everything it reads."""
    defs: list[list[tuple[str, exp.Expr]]] = field(default_factory=list)
    count: int = 0

    def add(self, sql: exp.Expr, level: int, prefix: str = "t") -> str:
        name = f"_kpi_{prefix}{self.count}"
        self.count += 1
        while len(self.defs) <= level:
            self.defs.append([])
        self.defs[level].append((name, sql))
        return name


class Dialect:
    """The few operations engines spell differently: exact whole-number division."""

    def __init__(self, name: str):
        if name not in DIALECTS:
            raise SQLError(f"unknown SQL dialect {name!r}: use one of {', '.join(DIALECTS)}")
        self.name = name

    @property
    def integer(self) -> exp.DataType:
        # DuckDB's HUGEINT holds 38 digits and divides exactly with //; the others'
        # DECIMAL(38, 0) does.
        return exp.DataType.build("HUGEINT" if self.name == "duckdb" else f"DECIMAL({WIDTH}, 0)")

    @property
    def materialized(self) -> bool | None:
        """How the query's layers must be written: ``WITH … AS MATERIALIZED`` on PostgreSQL,
        whose planner otherwise inlines each layer into the next, copying every expression
        into each place that reads it (a 38-layer rubric then needs more than 20 GB to plan)."""
        return True if self.name == "postgres" else None

    def shifted_text(self, whole: exp.Expr, places: int) -> exp.Expr:
        """whole × 10**-places as DECIMAL(38, places), by writing the point into its digits:
        Spark's decimal product keeps at most 6 places once a result is wide, so the point is
        placed in text, where nothing is rounded."""
        digits = exp.Cast(this=exp.Abs(this=whole.copy()), to=exp.DataType.build("VARCHAR"))
        # zeros in front (leading zeros are harmless to CAST; LPAD would cut a longer number)
        padded = exp.DPipe(this=exp.Literal.string("0" * places), expression=digits)
        cut = exp.Sub(this=exp.Length(this=padded.copy()), expression=exp.Literal.number(places))
        text = exp.DPipe(this=exp.DPipe(this=exp.DPipe(
            this=exp.Case(ifs=[exp.If(this=exp.LT(this=whole.copy(), expression=exp.Literal.number(0)),
                                      true=exp.Literal.string("-"))], default=exp.Literal.string("")),
            expression=exp.Substring(this=padded.copy(), start=exp.Literal.number(1), length=cut)),
            expression=exp.Literal.string(".")),
            expression=exp.Substring(this=padded, start=exp.Add(this=cut.copy(), expression=exp.Literal.number(1))))
        return exp.Cast(this=text, to=decimal_type(places))

    def truncated_quotient(self, a: exp.Expr, b: exp.Expr) -> exp.Expr:
        """a / b toward zero, for whole numbers a and b (b not zero)."""
        if self.name == "duckdb":
            return exp.IntDiv(this=a, expression=b)
        if self.name == "postgres":
            return exp.Anonymous(this="DIV", expressions=[a, b])
        # (a - a % b) / b is a whole number; % takes the sign of a, so this truncates.
        exact = exp.Div(this=exp.Paren(this=exp.Sub(this=a, expression=exp.Mod(this=a, expression=b))),
                        expression=b)
        return exp.Cast(this=exact, to=self.integer)


class Translator:
    """IR expressions and conditions to SQL on scaled whole numbers, over ``layers``.
    ``inputs`` maps a data column to its places; ``steps`` a computed step to its value."""

    def __init__(self, dialect: Dialect, layers: Layers, inputs: dict[str, int]):
        self.d = dialect
        self.layers = layers
        self.inputs = inputs
        self.steps: dict[str, Val] = {}
        self.memo: dict[ir.Expr, Val] = {}
        self.renamed: dict[str, str] = {}  # a data column -> the column holding its value (x.last filled in)
        self.aggregate: Callable[[ir.Agg], Val] | None = None  # the batch's window, where the query has one

    # ---- whole numbers ------------------------------------------------------------------------
    def integer(self, n: int) -> exp.Expr:
        literal = exp.Literal.number(str(abs(n)))
        cast = exp.Cast(this=literal, to=self.d.integer)
        return exp.Neg(this=cast) if n < 0 else cast

    def align(self, v: Val, scale: int) -> exp.Expr:
        """v's whole number at ``scale`` places (scale >= v.scale)."""
        if scale > WIDTH:
            raise SQLError(f"needs {scale} decimal places; SQL engines keep at most {WIDTH}: "
                           "round a value before multiplying it further")
        if scale == v.scale:
            return v.sql
        if v.const is not None:
            return self.integer(v.const * 10 ** (scale - v.scale))
        return exp.Paren(this=exp.Mul(this=v.sql, expression=self.integer(10 ** (scale - v.scale))))

    def temp(self, v: Val, prefix: str = "t") -> Val:
        """``v`` as a column of its own, so an expression that reads it twice does not copy it."""
        if isinstance(v.sql, (exp.Column, exp.Cast)):
            return v
        name = self.layers.add(v.sql, v.level + 1, prefix)
        return Val(col(name), v.scale, v.level + 1)

    def decimal(self, v: Val) -> exp.Expr:
        """v as DECIMAL(38, its places), for output."""
        as_decimal = exp.Cast(this=v.sql, to=decimal_type(0))
        if v.scale == 0:
            return as_decimal
        if self.d.name == "spark":
            return self.d.shifted_text(v.sql, v.scale)
        return exp.Mul(this=as_decimal, expression=number(Decimal(1).scaleb(-v.scale)))

    # ---- values -----------------------------------------------------------------------------
    def value(self, e: ir.Expr) -> Val:
        """``e`` in SQL.  The same subexpression twice (a tier's subject in every band, a
        divisor in its value and in its error) is translated once: its temporary columns
        are made once, and its SQL copied."""
        if isinstance(e, ir.Ref):  # where a step is (the grade moves once quotas apply)
            v = self._value(e)
            return Val(v.sql.copy(), v.scale, v.level, v.const)
        hit = self.memo.get(e)
        if hit is None:
            hit = self.memo[e] = self._value(e)
            return hit
        return Val(hit.sql.copy(), hit.scale, hit.level, hit.const)

    def _value(self, e: ir.Expr) -> Val:
        if isinstance(e, ir.Const):
            scale = places_of(e.value)
            n = int(e.value.scaleb(scale))
            return Val(self.integer(n), scale, 0, n)
        if isinstance(e, ir.Cell):
            scale = self.inputs[e.column]
            name = self.renamed.get(e.column, e.column)
            level = 1 if name != e.column else 0
            # the cell as a whole number, once, in its own column: read by every rule that uses it
            if scale == 0:
                whole: exp.Expr = exp.Cast(this=col(name), to=self.d.integer)
            else:
                scaled = exp.Mul(this=exp.Cast(this=col(name), to=decimal_type(scale)),
                                 expression=number(Decimal(10) ** scale))
                whole = exp.Cast(this=scaled, to=self.d.integer)
            column = self.layers.add(whole, level + 1, "c")
            return Val(col(column), scale, level + 1)
        if isinstance(e, ir.Agg) and self.aggregate is not None:
            return self.aggregate(e)
        if isinstance(e, ir.Ref):
            return self.steps[e.step]
        if isinstance(e, ir.Neg):
            a = self.value(e.a)
            return Val(exp.Neg(this=exp.Paren(this=a.sql)), a.scale, a.level)
        if isinstance(e, ir.Bin):
            if e.op == "/":
                return self.divide(self.value(e.a), self.value(e.b))
            a, b = self.value(e.a), self.value(e.b)
            if e.op == "*":
                scale = a.scale + b.scale
                self.align(a, scale)  # refuses more places than an engine keeps
                if a.const is not None and b.const is not None:
                    return Val(self.integer(a.const * b.const), scale, 0, a.const * b.const)
                if a.const == 1 or b.const == 1:  # 1 × x, as a deduction of 1 point per time
                    other = b if a.const == 1 else a
                    return Val(other.sql, scale, other.level)
                return Val(exp.Paren(this=exp.Mul(this=a.sql, expression=b.sql)), scale, max(a.level, b.level))
            scale = max(a.scale, b.scale)
            node = exp.Add if e.op == "+" else exp.Sub
            return Val(exp.Paren(this=node(this=self.align(a, scale), expression=self.align(b, scale))),
                       scale, max(a.level, b.level))
        if isinstance(e, (ir.Min, ir.Max)):
            args = [self.value(a) for a in e.args]
            scale = max(a.scale for a in args)
            aligned = [self.align(a, scale) for a in args]
            # LEAST and GREATEST as the engines spell them (every listed dialect has both);
            # sqlglot's own nodes would add a NULL test around them for DuckDB.
            fn = "LEAST" if isinstance(e, ir.Min) else "GREATEST"
            return Val(exp.Anonymous(this=fn, expressions=aligned), scale, max(a.level for a in args))
        if isinstance(e, ir.If):
            c, a, b = self.cond(e.cond), self.value(e.then), self.value(e.else_)
            scale = max(a.scale, b.scale)
            case = exp.Case(ifs=[exp.If(this=c.sql, true=self.align(a, scale))], default=self.align(b, scale))
            return Val(case, scale, max(c.level, a.level, b.level))
        if isinstance(e, ir.Round):
            return self.round(self.value(e.a), e.step, e.mode)
        if isinstance(e, ir.Fail):
            shown = self.value(e.show)
            return Val(exp.Cast(this=exp.Null(), to=self.d.integer), shown.scale, shown.level)  # the error column says why
        raise SQLError(f"{type(e).__name__} is a batch rule, not a value of one row")

    def cond(self, c: ir.Cond) -> Bool:
        if isinstance(c, ir.Cmp):
            a, b = self.value(c.a), self.value(c.b)
            scale = max(a.scale, b.scale)
            node: type[exp.Binary] = {"<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE, "=": exp.EQ,
                                          "!=": exp.NEQ}[c.op]
            return Bool(node(this=self.align(a, scale), expression=self.align(b, scale)), max(a.level, b.level))
        if isinstance(c, (ir.And, ir.Or)):
            parts = [self.cond(x) for x in c.args]
            joint = exp.And if isinstance(c, ir.And) else exp.Or
            sql = parts[0].sql
            for p in parts[1:]:
                sql = joint(this=sql, expression=p.sql)
            return Bool(exp.Paren(this=sql), max(p.level for p in parts))
        if isinstance(c, ir.Not):
            inner = self.cond(c.a)
            return Bool(exp.Not(this=exp.Paren(this=inner.sql)), inner.level)
        if isinstance(c, ir.IsTrue):
            a = self.value(c.a)
            return Bool(exp.NEQ(this=a.sql, expression=self.integer(0)), a.level)
        raise SQLError(f"not an IR condition: {type(c).__name__}")

    # ---- exact division and rounding --------------------------------------------------------
    def rounded_quotient(self, num: Val, den: Val, mode: str, digits: int = 0) -> Val:
        """num / den × 10**digits rounded to a whole number in ``mode``, for whole numbers num
        and den (den may be NULL: so is the result): the SQL of ``semantics._divide``.  The
        ``digits`` are found ten at a time, by long division, so no product outgrows 38 digits
        before the quotient itself does."""
        num, den = self.temp(num), self.temp(den)
        zero = self.integer(0)
        negative = exp.Paren(this=exp.NEQ(this=exp.Paren(this=exp.LT(this=num.sql, expression=zero)),
                                          expression=exp.Paren(this=exp.LT(this=den.sql, expression=zero.copy()))))
        level = max(num.level, den.level)
        sign = self.temp(Val(negative, 0, level), "n")
        an = self.temp(Val(exp.Abs(this=num.sql), 0, level))
        ad = self.temp(Val(exp.Abs(this=den.sql), 0, level))
        q = self.temp(Val(self.d.truncated_quotient(an.sql, ad.sql), 0, max(an.level, ad.level)))
        r = self.temp(Val(exp.Sub(this=an.sql, expression=exp.Mul(this=q.sql, expression=ad.sql)), 0,
                          max(q.level, ad.level)))
        while digits > 0:  # the next (up to) ten digits of the quotient
            step = min(digits, 10)
            digits -= step
            shifted = Val(exp.Mul(this=r.sql, expression=self.integer(10 ** step)), 0, r.level)
            shifted = self.temp(shifted)
            more = self.temp(Val(self.d.truncated_quotient(shifted.sql, ad.sql), 0, max(shifted.level, ad.level)))
            q = self.temp(Val(exp.Add(this=exp.Mul(this=q.sql, expression=self.integer(10 ** step)),
                                      expression=more.sql), 0, max(q.level, more.level)))
            r = self.temp(Val(exp.Sub(this=shifted.sql, expression=exp.Mul(this=more.sql, expression=ad.sql)), 0,
                              max(more.level, shifted.level, ad.level)))
        twice = exp.Mul(this=self.integer(2), expression=r.sql)
        more_than_half = exp.GT(this=twice, expression=ad.sql)
        tie = exp.EQ(this=twice.copy(), expression=ad.sql.copy())
        some = exp.GT(this=r.sql.copy(), expression=self.integer(0))
        # On magnitudes, "up" (toward +inf) moves a positive quotient away from zero and a
        # negative one toward it; "down" the other way round.
        if mode == "half even":
            odd = exp.EQ(this=exp.Mod(this=q.sql, expression=self.integer(2)), expression=self.integer(1))
            bump: exp.Expr = exp.Or(this=more_than_half, expression=exp.Paren(this=exp.And(this=tie, expression=odd)))
        elif mode == "half up":  # ties away from zero, as Decimal's ROUND_HALF_UP
            bump = exp.Or(this=more_than_half, expression=tie)
        elif mode == "up":
            bump = exp.And(this=some, expression=exp.Not(this=sign.sql))
        elif mode == "down":
            bump = exp.And(this=some, expression=sign.sql)
        else:
            raise SQLError(f"unknown rounding mode {mode!r}")
        magnitude = exp.Case(ifs=[exp.If(this=bump, true=exp.Add(this=q.sql.copy(), expression=self.integer(1)))],
                             default=q.sql.copy())
        signed = exp.Case(ifs=[exp.If(this=sign.sql.copy(), true=exp.Neg(this=exp.Paren(this=magnitude.copy())))],
                          default=magnitude)
        return Val(signed, 0, max(r.level, q.level, sign.level, ad.level))

    def divide(self, a: Val, b: Val) -> Val:
        """a ÷ b to DIVISION_PLACES places, ties to even (NULL for a zero divisor: the error
        column names it).  a/b = (A/B) × 10**(sb - sa) for the whole numbers A and B."""
        shift = DIVISION_PLACES + b.scale - a.scale
        if b.const is not None and b.const != 0:  # a constant divisor is never zero
            den_safe = Val(self.integer(b.const * 10 ** max(-shift, 0)), 0, 0)
        else:
            den = b.sql if shift >= 0 else exp.Mul(this=b.sql, expression=self.integer(10 ** -shift))
            den_safe = Val(exp.Nullif(this=den, expression=self.integer(0)), 0, b.level)
        q = self.rounded_quotient(Val(a.sql, 0, a.level), den_safe, "half even", max(shift, 0))
        return Val(q.sql, DIVISION_PLACES, q.level)

    def round(self, x: Val, step: Decimal, mode: str) -> Val:
        exponent = step.as_tuple().exponent
        step_places = places_of(step)
        if is_power_of_ten(step) and isinstance(exponent, int) and x.scale <= -exponent:
            return x  # already a multiple of the step
        places = max(x.scale, step_places)
        num = Val(self.align(x, places), 0, x.level)
        q = self.rounded_quotient(num, Val(self.integer(int(step.scaleb(places))), 0, 0), mode)
        unit = int(step.scaleb(step_places))  # the step, in whole numbers at its own places
        sql = q.sql if unit == 1 else exp.Mul(this=exp.Paren(this=q.sql), expression=self.integer(unit))
        return Val(sql, step_places, q.level)

    # ---- errors -----------------------------------------------------------------------------
    def error(self, e: ir.Expr | ir.Cond) -> exp.Expr | None:
        """The first error evaluating ``e`` raises in Python, as text, or None if it cannot fail."""
        if isinstance(e, ir.Fail):
            return exp.Concat(expressions=[exp.Literal.string(e.message + ": "), self.show(self.value(e.show))])
        if isinstance(e, ir.If):
            c, a, b = self.error(e.cond), self.error(e.then), self.error(e.else_)
            if a is None and b is None:
                return c
            branch = exp.Case(ifs=[exp.If(this=self.cond(e.cond).sql, true=a or exp.Null())], default=b)
            return first([c, branch])
        if isinstance(e, (ir.And, ir.Or)):
            # Python stops at the first false part of `and` (true part of `or`): a later part
            # is not evaluated, and cannot fail, once the answer is known
            head, rest = e.args[0], e.args[1:]
            later = self.error(type(e)(rest) if len(rest) > 1 else rest[0])
            if later is None:
                return self.error(head)
            goes_on = self.cond(head).sql
            if isinstance(e, ir.Or):
                goes_on = exp.Not(this=exp.Paren(this=goes_on))
            return first([self.error(head), exp.Case(ifs=[exp.If(this=goes_on, true=later)])])
        children = [self.error(x) for x in ir._children(e)]
        if isinstance(e, ir.Bin) and e.op == "/":
            divisor = self.value(e.b)
            children.append(exp.Case(ifs=[exp.If(this=exp.EQ(this=divisor.sql, expression=self.integer(0)),
                                                 true=exp.Literal.string("division by zero"))]))
        return first(children)

    def show(self, v: Val) -> exp.Expr:
        """A value as Python's error messages write it: no trailing zeros, no point after a whole number."""
        text = exp.Cast(this=self.decimal(v), to=exp.DataType.build("VARCHAR"))
        if v.scale == 0:
            return text
        trimmed = exp.RegexpReplace(this=text, expression=exp.Literal.string("0+$"), replacement=exp.Literal.string(""))
        return exp.RegexpReplace(this=trimmed, expression=exp.Literal.string("\\.$"), replacement=exp.Literal.string(""))


def fails(e: ir.Expr | ir.Cond) -> bool:
    """Whether evaluating ``e`` itself can raise: a Fail, or a division (by zero)."""
    return any(isinstance(n, ir.Fail) or isinstance(n, ir.Bin) and n.op == "/" for n in ir.walk(e))


def null_when_failing(e: ir.Expr) -> bool:
    """Whether ``e``'s SQL is NULL whenever Python's evaluation of it raises.  A failing value
    is NULL in SQL and stays NULL through arithmetic, but not through a condition (a NULL
    test picks the ELSE) nor LEAST and GREATEST (which skip NULLs): there, it can vanish."""
    for n in ir.walk(e):
        if isinstance(n, (ir.Cmp, ir.And, ir.Or, ir.Not, ir.IsTrue)) and fails(n):
            return False
        if isinstance(n, (ir.Min, ir.Max)) and any(fails(a) for a in n.args):
            return False
    return True


def first(parts: list[exp.Expr | None]) -> exp.Expr | None:
    found = [p for p in parts if p is not None]
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    return exp.Coalesce(this=found[0], expressions=found[1:])


def render(query: exp.Expr, dialect: str, pretty: bool = True) -> str:
    return query.sql(dialect=dialect, pretty=pretty)


__all__ = ["DIALECTS", "SQLError", "Translator", "Layers", "Dialect", "cell_places", "render"]
