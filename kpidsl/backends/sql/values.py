"""SQL backend: the scoring IR as one query over an input table, built as a sqlglot expression
tree (never by pasting text), so one rubric renders to DuckDB, PostgreSQL, Spark SQL, Trino, BigQuery and Snowflake.

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
  step that needs them, rather than rounded silently by the engine;
* every whole number also carries bounds, proven from the columns' declared
  ranges (else the 38 digits their type holds) and the constants: on DuckDB a
  value whose bounds, and every intermediate's, fit 64 bits is a ``BIGINT``,
  whose arithmetic is many times faster than ``HUGEINT``'s (a division above
  all: DuckDB divides 128-bit numbers one bit at a time).  Where no proof is
  found the value stays 38 digits wide.  An engine stops with an overflow error
  rather than wrap, so even a wrong proof could not give a wrong number.

Values are computed in layers (common table expressions): a layer may use the
columns of the layers before it, so a long expression is never written twice.
Each row also gets the first error the Python evaluator would raise for it (a
value no tier covers, a division by zero), in the column ``_kpi_error``.

The per-row query is ``build``; batch rules (best in group, quotas, pools,
streaks, flags, aggregates) are ``sql/batch.py``'s, over this query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import assert_never

from sqlglot import exp

from kpidsl import ir
from kpidsl.backends.sql import roots
from kpidsl.backends.sql.types import (  # noqa: F401  (cell_places, quote and the widths are also read from here)
    CELL_PLACES,
    DEFAULT_CELL_PLACES,
    DIALECTS,
    NARROW_MAX,
    UNBOUNDED,
    WIDE_MAX,
    WIDTH,
    Dialect,
    SQLError,
    cell_bounds,
    cell_places,
    col,
    decimal_type,
    fits,
    number,
    places_of,
    quote,
    shifted,
)
from kpidsl.ir import DIVISION_PLACES
from kpidsl.numbers.semantics import is_power_of_ten
from kpidsl.numbers.stats import NEEDS_TWO

ERROR = "_kpi_error"

@dataclass(frozen=True, slots=True)
class Val:
    """A translated value: its SQL, its scale, the layer its columns are ready in, and
    what is proven of its whole number: the bounds of every value it takes, and its SQL
    type (``narrow``: 64 bits, ``wide``: 38 digits, empty: not known, as a batch rule's)."""
    sql: exp.Expr
    scale: int
    level: int
    const: int | None = None  # the whole number, when it is a constant
    lo: int = -UNBOUNDED
    hi: int = UNBOUNDED
    kind: str = ""


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


class Translator:
    """IR expressions and conditions to SQL on scaled whole numbers, over ``layers``.
    ``inputs`` maps a data column to its places, ``bounds`` to its whole number's bounds
    (``cell_bounds``; a column not there is unbounded); ``steps`` a computed step to its value."""

    def __init__(self, dialect: Dialect, layers: Layers, inputs: dict[str, int],
                 bounds: dict[str, tuple[int, int]] | None = None):
        self.d = dialect
        self.layers = layers
        self.inputs = inputs
        self.bounds = bounds or {}
        self.steps: dict[str, Val] = {}
        self.memo: dict[ir.Expr, Val] = {}
        self.renamed: dict[str, str] = {}  # a data column -> the column holding its value (x.last filled in)
        self.aggregate: Callable[[ir.Agg], Val] | None = None  # the batch's window, where the query has one
        self.agg_error: Callable[[ir.Agg], exp.Expr | None] | None = None  # a figure's own error (a group of one)

    # ---- whole numbers ------------------------------------------------------------------------
    def integer(self, n: int) -> exp.Expr:
        """A constant, 38 digits wide: anything computed with it is too."""
        return self._literal(n, self.d.integer)

    def _literal(self, n: int, to: exp.DataType) -> exp.Expr:
        cast = exp.Cast(this=exp.Literal.number(str(abs(n))), to=to.copy())
        return exp.Neg(this=cast) if n < 0 else cast

    def const(self, n: int, scale: int = 0) -> Val:
        return Val(self.integer(n), scale, 0, n, n, n, "wide")

    def operands(self, vals: list[Val], lo: int, hi: int, arithmetic: bool = True) -> tuple[list[exp.Expr], str]:
        """The SQL of an operation's operands, and its result's kind, for an operation whose
        result and intermediates all lie in lo..hi: in 64 bits when every operand is (or is a
        constant, written so) and lo..hi fits them; else 38 digits wide, which one wide operand
        makes the whole operation on every engine: a constant is written wide, or else, for
        arithmetic, the first operand is cast (LEAST, GREATEST, CASE and comparisons cannot
        overflow, so they take their operands as they are)."""
        narrow = self.d.narrow
        if narrow is not None and fits(lo, hi) and all(v.kind == "narrow" or v.const is not None for v in vals):
            return [self._literal(v.const, narrow) if v.const is not None else v.sql for v in vals], "narrow"
        out = [self.integer(v.const) if v.const is not None else v.sql for v in vals]
        if narrow is None or any(v.kind == "wide" or v.const is not None for v in vals):
            return out, "wide"
        if arithmetic:
            out[0] = exp.Cast(this=out[0], to=self.d.integer)
            return out, "wide"
        return out, ""

    def arith(self, node: type[exp.Binary], a: Val, b: Val, scale: int, lo: int, hi: int) -> Val:
        (x, y), kind = self.operands([a, b], lo, hi)
        return Val(exp.Paren(this=node(this=x, expression=y)), scale, max(a.level, b.level), None, lo, hi, kind)

    def times(self, v: Val, factor: int, scale: int | None = None) -> Val:
        """v's whole number times a positive constant (at ``scale``: v's own by default)."""
        scale = v.scale if scale is None else scale
        if v.const is not None:
            return self.const(v.const * factor, scale)
        return self.arith(exp.Mul, v, self.const(factor), scale, v.lo * factor, v.hi * factor)

    def align(self, v: Val, scale: int) -> Val:
        """v at ``scale`` places (scale >= v.scale)."""
        if scale > WIDTH:
            raise SQLError(f"needs {scale} decimal places; SQL engines keep at most {WIDTH}: "
                           "round a value before multiplying it further")
        if scale == v.scale:
            return v
        return self.times(v, 10 ** (scale - v.scale), scale)

    def temp(self, v: Val, prefix: str = "t") -> Val:
        """``v`` as a column of its own, so an expression that reads it twice does not copy it."""
        if isinstance(v.sql, (exp.Column, exp.Cast)):
            return v
        name = self.layers.add(v.sql, v.level + 1, prefix)
        return replace(v, sql=col(name), level=v.level + 1)

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
            return replace(v, sql=v.sql.copy())
        hit = self.memo.get(e)
        if hit is None:
            hit = self.memo[e] = self._value(e)
            return hit
        return replace(hit, sql=hit.sql.copy())

    def _value(self, e: ir.Expr) -> Val:
        match e:
            case ir.Const():
                return self.const(int(shifted(e.value, places_of(e.value))), places_of(e.value))
            case ir.Cell():
                scale = self.inputs[e.column]
                lo, hi = self.bounds.get(e.column, (-WIDE_MAX, WIDE_MAX))
                name = self.renamed.get(e.column, e.column)
                level = 1 if name != e.column else 0
                # the cell as a whole number, once, in its own column: read by every rule that uses it
                whole, kind = self.d.whole_cell(col(name), scale, lo, hi)
                column = self.layers.add(whole, level + 1, "c")
                return Val(col(column), scale, level + 1, None, lo, hi, kind)
            case ir.Ref():
                return self.steps[e.step]
            case ir.Neg():
                a = self.value(e.a)
                if a.const is not None:
                    return self.const(-a.const, a.scale)
                return Val(exp.Neg(this=exp.Paren(this=a.sql)), a.scale, a.level, None, -a.hi, -a.lo, a.kind)
            case ir.Bin():
                if e.op == "/":
                    return self.divide(self.value(e.a), self.value(e.b))
                a, b = self.value(e.a), self.value(e.b)
                if e.op == "*":
                    scale = a.scale + b.scale
                    self.align(a, scale)  # refuses more places than an engine keeps
                    if a.const is not None and b.const is not None:
                        return self.const(a.const * b.const, scale)
                    if a.const == 1 or b.const == 1:  # 1 × x, as a deduction of 1 point per time
                        return replace(b if a.const == 1 else a, scale=scale)
                    ends = [x * y for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
                    return self.arith(exp.Mul, a, b, scale, min(ends), max(ends))
                scale = max(a.scale, b.scale)
                a, b = self.align(a, scale), self.align(b, scale)
                if e.op == "+":
                    return self.arith(exp.Add, a, b, scale, a.lo + b.lo, a.hi + b.hi)
                return self.arith(exp.Sub, a, b, scale, a.lo - b.hi, a.hi - b.lo)
            case ir.Min() | ir.Max():
                args = [self.value(a) for a in e.args]
                scale = max(a.scale for a in args)
                aligned = [self.align(a, scale) for a in args]
                pick = min if isinstance(e, ir.Min) else max
                lo, hi = pick(a.lo for a in aligned), pick(a.hi for a in aligned)
                sqls, kind = self.operands(aligned, lo, hi, arithmetic=False)
                # LEAST and GREATEST as the engines spell them (every listed dialect has both);
                # sqlglot's own nodes would add a NULL test around them for DuckDB.
                fn = "LEAST" if isinstance(e, ir.Min) else "GREATEST"
                return Val(exp.Anonymous(this=fn, expressions=sqls), scale, max(a.level for a in args), None, lo, hi, kind)
            case ir.If():
                c, a, b = self.cond(e.cond), self.value(e.then), self.value(e.else_)
                scale = max(a.scale, b.scale)
                a, b = self.align(a, scale), self.align(b, scale)
                lo, hi = min(a.lo, b.lo), max(a.hi, b.hi)
                (x, y), kind = self.operands([a, b], lo, hi, arithmetic=False)
                case = exp.Case(ifs=[exp.If(this=c.sql, true=x)], default=y)
                return Val(case, scale, max(c.level, a.level, b.level), None, lo, hi, kind)
            case ir.Round():
                return self.round(self.value(e.a), e.step, e.mode)
            case ir.Fail():
                shown = self.value(e.show)
                # NULL (the error column says why): it takes no value, so any bounds hold
                kind = "wide" if self.d.narrow is None else "narrow"
                return Val(exp.Cast(this=exp.Null(), to=self.d.narrow or self.d.integer), shown.scale, shown.level,
                           None, 0, 0, kind)
            case ir.Agg():
                if self.aggregate is not None:
                    return self.aggregate(e)
                raise SQLError(f"{type(e).__name__} is a batch rule, not a value of one row")
            case ir.Sqrt():
                return roots.sqrt(self, self.value(e.a))
            case _:
                assert_never(e)

    def cond(self, c: ir.Cond) -> Bool:
        match c:
            case ir.Cmp():
                a, b = self.value(c.a), self.value(c.b)
                scale = max(a.scale, b.scale)
                a, b = self.align(a, scale), self.align(b, scale)
                (x, y), _ = self.operands([a, b], min(a.lo, b.lo), max(a.hi, b.hi), arithmetic=False)
                node: type[exp.Binary] = {"<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE, "=": exp.EQ,
                                              "!=": exp.NEQ}[c.op]
                return Bool(node(this=x, expression=y), max(a.level, b.level))
            case ir.And() | ir.Or():
                parts = [self.cond(x) for x in c.args]
                joint = exp.And if isinstance(c, ir.And) else exp.Or
                sql = parts[0].sql
                for p in parts[1:]:
                    sql = joint(this=sql, expression=p.sql)
                return Bool(exp.Paren(this=sql), max(p.level for p in parts))
            case ir.Not():
                inner = self.cond(c.a)
                return Bool(exp.Not(this=exp.Paren(this=inner.sql)), inner.level)
            case ir.IsTrue():
                a = self.value(c.a)
                return Bool(exp.NEQ(this=a.sql, expression=self.zero(a)), a.level)
            case ir.Given():  # a blank cell of a column that may be blank is read as NULL
                return Bool(exp.Not(this=exp.Is(this=col(c.column), expression=exp.Null())), 0)
            case _:
                assert_never(c)

    def like(self, n: int, v: Val) -> exp.Expr:
        """A small constant in v's width (an operation is cheapest between equals)."""
        return self._literal(n, self.d.narrow) if v.kind == "narrow" and self.d.narrow else self.integer(n)

    def zero(self, v: Val) -> exp.Expr:
        return self.like(0, v)

    # ---- exact division and rounding --------------------------------------------------------
    def magnitude(self, v: Val) -> Val:
        if v.const is not None:
            return self.const(abs(v.const))
        lo = 0 if v.lo <= 0 <= v.hi else min(abs(v.lo), abs(v.hi))
        return Val(exp.Abs(this=v.sql), 0, v.level, None, lo, max(abs(v.lo), abs(v.hi)), v.kind)

    def quotient(self, a: Val, b: Val, hi: int) -> Val:
        """a // b for whole numbers a >= 0 and b > 0 (or NULL), at most ``hi``."""
        narrow = self.d.narrow
        if narrow is not None and a.kind == "wide" and b.const and a.lo >= 0:
            # DuckDB divides 128-bit numbers a bit at a time.  A constant divisor's factor 2**k
            # (10**18 has 2**18) is a shift instead, floor(floor(a / 2**k) / m) being
            # floor(a / (2**k m)) for a >= 0; what is left is often a 64-bit division.
            k = (b.const & -b.const).bit_length() - 1
            if k:
                shifted = exp.BitwiseRightShift(this=a.sql, expression=exp.Literal.number(k))
                top = a.hi >> k
                a = Val(exp.Cast(this=shifted, to=narrow) if fits(0, top) else exp.Paren(this=shifted), 0, a.level,
                        None, 0, top, "narrow" if fits(0, top) else "wide")
                b = self.const(b.const >> k)
        (x, y), kind = self.operands([a, b], 0, max(a.hi, b.hi), arithmetic=False)
        return Val(self.d.truncated_quotient(x, y), 0, max(a.level, b.level), None, 0, hi, kind)

    def digits_at_once(self, top: int, digits: int, first: bool) -> int:
        """How many digits of a quotient one division finds, its dividend being a number up to
        ``top`` times 10 to that many: as many as keep it in 64 bits where the engine has
        them (three at least: each division is a few layers), else as keep it in 38 digits;
        where no bound proves even that, ten (none for the first division, of the number
        itself), which overflows, with an error, only past 10**18 or so."""
        limits = ([(NARROW_MAX, 3)] if self.d.narrow is not None else []) + [(WIDE_MAX, 1)]
        for limit, least in limits:
            k = 0
            while k < digits and top * 10 ** (k + 1) <= limit:
                k += 1
            if k >= min(least, digits) and (k or not first):
                return k
        return 0 if first else min(digits, 10)

    def rounded_quotient(self, num: Val, den: Val, mode: str, digits: int = 0) -> Val:
        """num / den × 10**digits rounded to a whole number in ``mode``, for whole numbers num
        and den (den may be NULL: so is the result): the SQL of ``semantics._divide``.  The
        ``digits`` are found by long division, as many at a time as the bounds of num and den
        prove fit (``digits_at_once``)."""
        num, den = self.temp(num), self.temp(den)
        negative = exp.Paren(this=exp.NEQ(this=exp.Paren(this=exp.LT(this=num.sql, expression=self.zero(num))),
                                          expression=exp.Paren(this=exp.LT(this=den.sql, expression=self.zero(den)))))
        level = max(num.level, den.level)
        sign = self.temp(Val(negative, 0, level), "n")
        an = self.temp(self.magnitude(num))
        ad = self.temp(self.magnitude(den))
        least = max(ad.lo, 1)  # a zero divisor is NULL, and so is the quotient
        step = self.digits_at_once(an.hi, digits, first=True)
        digits -= step
        n = self.temp(self.times(an, 10 ** step)) if step else an
        q = self.temp(self.quotient(n, ad, n.hi // least))
        r = self.temp(self.arith(exp.Sub, n, self.arith(exp.Mul, q, ad, 0, 0, n.hi), 0, 0, min(n.hi, ad.hi - 1)))
        while digits > 0:  # the next digits of the quotient
            step = self.digits_at_once(r.hi, digits, first=False)
            digits -= step
            shifted = self.temp(self.times(r, 10 ** step))
            more = self.temp(self.quotient(shifted, ad, min(shifted.hi // least, 10 ** step - 1)))
            q = self.temp(self.arith(exp.Add, self.times(q, 10 ** step), more, 0, 0, q.hi * 10 ** step + more.hi))
            r = self.temp(self.arith(exp.Sub, shifted, self.arith(exp.Mul, more, ad, 0, 0, shifted.hi), 0, 0,
                                     min(shifted.hi, ad.hi - 1)))
        twice = self.arith(exp.Mul, self.const(2), r, 0, 0, 2 * r.hi)
        (x, y), _ = self.operands([twice, ad], 0, max(twice.hi, ad.hi), arithmetic=False)
        more_than_half = exp.GT(this=x, expression=y)
        tie = exp.EQ(this=x.copy(), expression=y.copy())
        some = exp.GT(this=r.sql.copy(), expression=self.zero(r))
        # On magnitudes, "up" (toward +inf) moves a positive quotient away from zero and a
        # negative one toward it; "down" the other way round.
        if mode == "half even":
            odd = exp.EQ(this=exp.Mod(this=q.sql, expression=self.like(2, q)), expression=self.like(1, q))
            bump: exp.Expr = exp.Or(this=more_than_half, expression=exp.Paren(this=exp.And(this=tie, expression=odd)))
        elif mode == "half up":  # ties away from zero, as Decimal's ROUND_HALF_UP
            bump = exp.Or(this=more_than_half, expression=tie)
        elif mode == "up":
            bump = exp.And(this=some, expression=exp.Not(this=sign.sql))
        elif mode == "down":
            bump = exp.And(this=some, expression=sign.sql)
        else:
            raise SQLError(f"unknown rounding mode {mode!r}")
        up = self.arith(exp.Add, q, self.const(1), 0, q.lo + 1, q.hi + 1)
        (bumped, kept), kind = self.operands([up, q], q.lo, q.hi + 1, arithmetic=False)
        magnitude = exp.Case(ifs=[exp.If(this=bump, true=bumped)], default=kept)
        signed = exp.Case(ifs=[exp.If(this=sign.sql.copy(), true=exp.Neg(this=exp.Paren(this=magnitude.copy())))],
                          default=magnitude)
        return Val(signed, 0, max(r.level, q.level, sign.level, ad.level), None, -(q.hi + 1), q.hi + 1, kind)

    def divide(self, a: Val, b: Val) -> Val:
        """a ÷ b to DIVISION_PLACES places, ties to even (NULL for a zero divisor: the error
        column names it).  a/b = (A/B) × 10**(sb - sa) for the whole numbers A and B."""
        shift = DIVISION_PLACES + b.scale - a.scale
        if b.const is not None and b.const != 0:  # a constant divisor is never zero
            den_safe = self.const(b.const * 10 ** max(-shift, 0))
        else:
            den = replace(b, scale=0) if shift >= 0 else self.times(b, 10 ** -shift, 0)
            den_safe = replace(den, sql=exp.Nullif(this=den.sql, expression=self.zero(den)), const=None)
        q = self.rounded_quotient(replace(a, scale=0), den_safe, "half even", max(shift, 0))
        return replace(q, scale=DIVISION_PLACES)

    def round(self, x: Val, step: Decimal, mode: str) -> Val:
        exponent = step.as_tuple().exponent
        step_places = places_of(step)
        if is_power_of_ten(step) and isinstance(exponent, int) and x.scale <= -exponent:
            return x  # already a multiple of the step
        places = max(x.scale, step_places)
        num = replace(self.align(x, places), scale=0)
        q = self.rounded_quotient(num, self.const(int(shifted(step, places))), mode)
        unit = int(shifted(step, step_places))  # the step, in whole numbers at its own places
        if unit == 1:
            return replace(q, scale=step_places)
        return self.times(replace(q, sql=exp.Paren(this=q.sql)), unit, step_places)

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
        if isinstance(e, ir.Agg) and self.agg_error is not None:
            return self.agg_error(e)
        children = [self.error(x) for x in ir._children(e)]
        if isinstance(e, ir.Sqrt):
            children.append(roots.negative(self, self.value(e.a)))
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
    """Whether evaluating ``e`` itself can raise: a Fail, a division, a root, a figure of two rows."""
    return any(isinstance(n, (ir.Fail, ir.Sqrt)) or isinstance(n, ir.Bin) and n.op == "/"
               or isinstance(n, ir.Agg) and n.func in NEEDS_TWO for n in ir.walk(e))


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
