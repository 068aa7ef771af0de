"""SQL backend, the types: the places a cell keeps and the bounds validation proves of
it, the constants' spelling, and the few things dialects do differently (the width
values are computed in, exact whole-number division, a cell read as a whole number)."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal, localcontext

from sqlglot import exp

from kpidsl import ir

DIALECTS = ("duckdb", "postgres", "spark", "trino", "bigquery", "snowflake")
WIDTH = 38  # the widest DECIMAL of DuckDB, Spark, BigQuery (BIGNUMERIC aside) and Snowflake

# Places a cell keeps in SQL, by unit: the input table's DECIMAL(38, places).  A cell
# with more places is refused by the validation query, never rounded.
CELL_PLACES = {"count": 0, "level": 0, "yes/no": 0, "percent": 6, "money": 4}
DEFAULT_CELL_PLACES = 6

NARROW_MAX = 2 ** 63 - 1  # a BIGINT's largest value
WIDE_MAX = 10 ** WIDTH - 1  # DECIMAL(38, 0)'s (DuckDB's HUGEINT holds a little more)
UNBOUNDED = 10 ** 80  # a bound not known: more than any column or intermediate holds


class SQLError(Exception):
    """A rubric the SQL backend cannot translate exactly (the step, and why)."""


def cell_places(col: ir.Column) -> int:
    """The places column ``col`` keeps: its unit's, or more when its allowed values need them."""
    places = CELL_PLACES.get(col.unit, DEFAULT_CELL_PLACES)
    for v in (*(col.allowed or ()), *(x for r in col.allowed_ranges or () for x in r)):
        places = max(places, places_of(v))
    return places


def shifted(x: Decimal, places: int) -> Decimal:
    """``x`` times 10**places, exactly: ``Decimal.scaleb`` rounds to the context's 28 digits, and a
    29-digit threshold would become another number in SQL (1.0000000000000000000000000001 became 1)."""
    _, digits, _ = x.as_tuple()
    with localcontext() as exact:
        exact.prec = len(digits) + 2
        return x.scaleb(places)


def cell_bounds(col: ir.Column) -> tuple[int, int]:
    """Bounds of column ``col``'s whole number at its places, as validation enforces them
    (allowed values, ranges, low, high); a side the rubric leaves open is the 38 digits
    of the column's type."""
    places = cell_places(col)
    lo, hi = shifted(Decimal(-WIDE_MAX), -places), shifted(Decimal(WIDE_MAX), -places)
    if col.unit == "yes/no":  # read as 1 or 0
        lo, hi = Decimal(0), Decimal(1)
    elif col.allowed:
        lo, hi = min(col.allowed), max(col.allowed)
    elif col.allowed_ranges:
        lo, hi = min(r[0] for r in col.allowed_ranges), max(r[1] for r in col.allowed_ranges)
    if col.low is not None:
        lo = max(lo, col.low)
    if col.high is not None:
        hi = min(hi, col.high)
    # a cell has at most ``places`` places, so its whole number lies between these
    return (-int(shifted(-lo, places).to_integral_value(ROUND_FLOOR)),
            int(shifted(hi, places).to_integral_value(ROUND_FLOOR)))


def fits(lo: int, hi: int, limit: int = NARROW_MAX) -> bool:
    return -limit <= lo and hi <= limit


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
    def narrow(self) -> exp.DataType | None:
        """The 64-bit integer a value proven to fit is computed in (DuckDB's BIGINT), or None:
        the other engines compute on DECIMAL(38, 0) throughout."""
        return exp.DataType.build("BIGINT") if self.name == "duckdb" else None

    @property
    def materialized(self) -> bool | None:
        """How the query's layers must be written: ``WITH … AS MATERIALIZED`` on PostgreSQL,
        whose planner otherwise inlines each layer into the next, copying every expression
        into each place that reads it (a 38-layer rubric then needs more than 20 GB to plan)."""
        return True if self.name == "postgres" else None

    def by_code_point(self, text: exp.Expr) -> exp.Expr:
        """``text`` to be ordered code point by code point, as Python orders ``str`` (the person
        key that picks one of the tied, or ranks a quota's last places).  PostgreSQL orders text
        by the database's collation unless told ``"C"`` (byte order, which UTF-8 keeps in code
        point order); the other engines' default order already is binary."""
        if self.name == "postgres":
            return exp.Collate(this=text, expression=exp.Identifier(this="C", quoted=True))
        return text

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

    def whole_cell(self, column: exp.Expr, scale: int, lo: int, hi: int) -> tuple[exp.Expr, str]:
        """A cell's whole number (the DECIMAL(38, scale) value × 10**scale), and its kind."""
        wide: exp.Expr = exp.Cast(this=column.copy(), to=self.integer)
        if scale:
            scaled = exp.Mul(this=exp.Cast(this=column.copy(), to=decimal_type(scale)),
                             expression=number(Decimal(10) ** scale))
            wide = exp.Cast(this=scaled, to=self.integer)
        narrow = self.narrow
        if narrow is None:
            return wide, "wide"
        if not scale:
            return (exp.Cast(this=column.copy(), to=narrow.copy()), "narrow") if fits(lo, hi) else (wide, "wide")
        # DuckDB casts a DECIMAL to an integer by dividing it by 10**scale, one bit at a time on
        # 38 digits; on DECIMAL(18, scale), whose number is 64 bits, it is one instruction.  The
        # product there is 10**scale times the whole number, which must stay under 10**18.
        small = 10 ** (18 - scale)  # the whole numbers below this read so
        fast = exp.Cast(this=exp.Mul(this=exp.Cast(this=column.copy(), to=exp.DataType.build(f"DECIMAL(18, {scale})")),
                                     expression=exp.Literal.number(10 ** scale)), to=narrow.copy())
        if fits(lo, hi, small - 1):
            return fast, "narrow"
        general = wide
        if scale <= 9:  # not proven small: the fast reading for the rows whose cell is, the general one for the rest
            limit = number(shifted(Decimal(small), -scale))
            inside = exp.And(this=exp.GT(this=column.copy(), expression=exp.Neg(this=limit)),
                             expression=exp.LT(this=column.copy(), expression=limit.copy()))
            general = exp.Case(ifs=[exp.If(this=inside, true=exp.Cast(this=fast, to=self.integer))], default=wide)
        if fits(lo, hi):
            return exp.Cast(this=general, to=narrow.copy()), "narrow"
        return general, "wide"
