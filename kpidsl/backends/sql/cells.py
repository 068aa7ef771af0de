"""SQL backend, reading cells: a raw text table (every cell as written, as DuckDB reads
a CSV with ``all_varchar``) to the typed input table the scoring query reads.

Each column's reading is derived from its ``cells.CellSpec``, the one statement of
what a cell may hold: separators and ``元`` are dropped, ``%`` divides by a hundred, a
bare number in a percent column follows ``--percent-cells``, yes/no words are 1 or 0,
then the spec's checks (whole, allowed values, levels, low, high) and the digit limits.
A cell that fails gives NULL and marks its row bad.  The words of the error are not
written twice: the engine hands the bad rows to the Python reader (``validate.py``),
which says what is wrong in them, so both engines refuse a cell in the same words.
A cell with more decimal places than its SQL column keeps (``sql_values.cell_places``)
is refused here too, though Python would read it.
"""

from __future__ import annotations

import re
from decimal import Decimal

from sqlglot import exp

from kpidsl import ir
from kpidsl.backends.sql.dates import date_days
from kpidsl.backends.sql.values import cell_places, col, decimal_type, number, quote
from kpidsl.data.cells import (
    DIGITS_FROM,
    DIGITS_TO,
    DROPPED,
    GROUPED_PATTERN,
    MAX_PLACES,
    MAX_TEXT,
    MAX_WHOLE_DIGITS,
    NO,
    NOT_YES_NO,
    NUMBER_PATTERN,
    PERCENT_MARKS,
    PERCENT_UNITS,
    SEPARATORS,
    SPACES,
    SUFFIX,
    YES,
    CellSpec,
    Check,
    complaint,
    fast_number,
    spec_of,
)

BAD = "_kpi_bad"
_PERCENT_AT_END = "(" + "|".join(re.escape(m) for m in PERCENT_MARKS) + ")$"


def _s(text: str) -> exp.Literal:
    return exp.Literal.string(text)


def _fn(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def _trim(text: exp.Expr) -> exp.Expr:
    """``text`` without the white space str.strip() takes off (SQL's TRIM takes only spaces)."""
    return exp.Trim(this=text, expression=_s(SPACES))


class CellReader:
    """The SQL that reads one column of text (``raw``) under ``spec`` into DECIMAL(38, places)."""

    def __init__(self, spec: CellSpec, places: int, optional: bool):
        self.spec = spec
        self.places = places
        self.optional = optional

    def text(self, raw: exp.Expr) -> exp.Expr:
        return exp.Coalesce(this=_trim(raw), expressions=[_s("")])

    def marked(self, raw: exp.Expr) -> exp.Expr:
        """The cell without separators and 元, its digits made ASCII: the text in which
        cells._number looks for a percent sign (the same table, the same suffix)."""
        t: exp.Expr = _trim(_fn("TRANSLATE", self.text(raw), _s(DIGITS_FROM + DROPPED), _s(DIGITS_TO)))
        return _trim(_fn("REGEXP_REPLACE", t, _s(re.escape(SUFFIX) + "$"), _s("")))

    def number_text(self, raw: exp.Expr) -> exp.Expr:
        """The digits cells._number matches against its pattern: ``marked`` without its %,
        and without its thousands separators where they group by three (cells.GROUPED_PATTERN)."""
        t = _trim(_fn("REGEXP_REPLACE", self.marked(raw), _s(_PERCENT_AT_END), _s("")))
        return exp.Case(ifs=[exp.If(this=_fn("REGEXP_MATCHES", t, _s(GROUPED_PATTERN)),
                                    true=_fn("TRANSLATE", t.copy(), _s(SEPARATORS), _s("")))], default=t.copy())

    def is_percent(self, raw: exp.Expr) -> exp.Expr:
        return _fn("REGEXP_MATCHES", self.marked(raw), _s(_PERCENT_AT_END))

    def value(self, raw: exp.Expr) -> exp.Expr:
        """The cell's value, or NULL when the Python reader would refuse it."""
        spec = self.spec
        if spec.kind == "yes/no":
            low = _fn("LOWER", self.text(raw))
            return exp.Case(ifs=[
                exp.If(this=exp.In(this=low, expressions=[_s(w) for w in sorted(YES)]), true=number(Decimal(1))),
                exp.If(this=exp.In(this=low.copy(), expressions=[_s(w) for w in sorted(NO)]), true=number(Decimal(0)))])
        if spec.kind == "date":
            return exp.TryCast(this=date_days(self.text(raw)), to=decimal_type(self.places))
        digits = self.number_text(raw)
        wide = self.places + 2  # a percent's digits, before they are divided by a hundred
        plain = exp.TryCast(this=digits, to=decimal_type(wide))
        shifted = exp.Mul(this=plain, expression=number(Decimal("0.01")))
        percent_sign = self.is_percent(raw)
        if spec.unit in PERCENT_UNITS:
            signed: exp.Expr = exp.Case(ifs=[exp.If(this=percent_sign, true=shifted)], default=plain.copy())
        else:  # a % in a money or count column is refused
            signed = exp.Case(ifs=[exp.If(this=percent_sign, true=exp.Null())], default=plain.copy())
        if spec.kind == "percent" and spec.percent_mode != "fraction":
            bare = shifted.copy() if spec.percent_mode == "whole" else exp.Case(
                ifs=[exp.If(this=exp.EQ(this=plain.copy(), expression=number(Decimal(0))), true=plain.copy())])
            signed = exp.Case(ifs=[exp.If(this=percent_sign.copy(), true=shifted.copy())], default=bare)
        fits = exp.And(this=self.fits(digits.copy(), percent_sign.copy()),
                       expression=exp.LTE(this=_fn("LENGTH", self.text(raw)), expression=exp.Literal.number(MAX_TEXT)))
        read = exp.Case(ifs=[exp.If(this=fits, true=exp.TryCast(this=signed, to=decimal_type(self.places)))])
        texts = spec.texts
        if texts:  # a level's text, as cells.read looks it up before reading a number
            read = exp.Case(ifs=[exp.If(this=exp.EQ(this=self.text(raw), expression=_s(t)),
                                        true=exp.Cast(this=number(v), to=decimal_type(self.places)))
                                 for t, v in texts.items()], default=read)
        return self.fast(raw, read)

    def fast(self, raw: exp.Expr, general: exp.Expr) -> exp.Expr:
        """The usual spellings first, each tested by one pattern and read by one CAST (plain
        digits; digits and % in a percent column; bare digits under --percent-cells whole or
        fraction); any other text takes the general reading above.  Both give the same value
        for a text both accept: the pattern admits only what the general reading reads as is."""
        spec = self.spec
        places = min(self.places, MAX_PLACES)
        plain = f"^{fast_number(places)}$"
        cases: list[exp.If] = []
        as_is = exp.Cast(this=raw.copy(), to=decimal_type(self.places))
        if spec.kind != "percent" or spec.percent_mode == "fraction":
            cases.append(exp.If(this=_fn("REGEXP_FULL_MATCH", raw.copy(), _s(plain)), true=as_is))
        if spec.unit in PERCENT_UNITS and self.places >= 2:
            shift = self.places - 2
            percent = f"^{fast_number(shift)}%$"
            digits = exp.Cast(this=_fn("RTRIM", raw.copy(), _s("%")), to=decimal_type(self.places))
            hundredth = exp.Cast(this=exp.Mul(this=digits, expression=number(Decimal("0.01"))),
                                 to=decimal_type(self.places))
            cases.append(exp.If(this=_fn("REGEXP_FULL_MATCH", raw.copy(), _s(percent)), true=hundredth))
            if spec.kind == "percent" and spec.percent_mode == "whole":
                bare = f"^{fast_number(shift)}$"
                cases.append(exp.If(this=_fn("REGEXP_FULL_MATCH", raw.copy(), _s(bare)),
                                    true=exp.Cast(this=exp.Mul(this=exp.Cast(this=raw.copy(), to=decimal_type(self.places)),
                                                               expression=number(Decimal("0.01"))),
                                                  to=decimal_type(self.places))))
        if not cases:
            return general
        return exp.Case(ifs=cases, default=general)

    def fits(self, digits: exp.Expr, percent_sign: exp.Expr) -> exp.Expr:
        """Spelled as a number, with at most MAX_WHOLE_DIGITS before the point and no more
        places than the SQL column keeps (two more for a percent written with %)."""
        shape = _fn("REGEXP_MATCHES", digits, _s(NUMBER_PATTERN))
        unsigned = _fn("LTRIM", digits.copy(), _s("+-"))
        whole = _fn("LTRIM", _fn("SPLIT_PART", unsigned, _s("."), exp.Literal.number(1)), _s("0"))
        fraction = _fn("RTRIM", _fn("SPLIT_PART", unsigned.copy(), _s("."), exp.Literal.number(2)), _s("0"))
        whole_ok = exp.LTE(this=_fn("LENGTH", whole), expression=exp.Literal.number(MAX_WHOLE_DIGITS))
        allowed_places: exp.Expr = exp.Case(
            ifs=[exp.If(this=percent_sign, true=exp.Literal.number(min(self.places, MAX_PLACES + 2) - 2))],
            default=exp.Literal.number(min(self.places, MAX_PLACES)))
        if self.spec.kind == "percent" and self.spec.percent_mode == "whole":
            allowed_places = exp.Literal.number(min(self.places, MAX_PLACES + 2) - 2)
        places_ok = exp.LTE(this=_fn("LENGTH", fraction), expression=allowed_places)
        return exp.And(this=exp.And(this=shape, expression=whole_ok), expression=places_ok)

    def checked(self, value: exp.Expr) -> exp.Expr:
        """The spec's checks on a read value (true, or false for a refused one)."""
        tests = [passes(check, value) for check in self.spec.checks]
        if not tests:
            return exp.true()
        out = tests[0]
        for t in tests[1:]:
            out = exp.And(this=out, expression=t)
        return out


def passes(check: Check, value: exp.Expr) -> exp.Expr:
    """Whether a read value meets ``check`` (``cells.passes``)."""
    if check.kind == "whole":
        return exp.EQ(this=value.copy(), expression=exp.Floor(this=value.copy()))
    if check.kind == "allowed":
        return exp.In(this=value.copy(), expressions=[number(v) for v in check.values])
    if check.kind == "levels":
        ranges = [exp.Between(this=value.copy(), low=number(lo), high=number(hi)) for lo, hi in check.levels]
        either: exp.Expr = ranges[0]
        for r in ranges[1:]:
            either = exp.Or(this=either, expression=r)
        return exp.Paren(this=either)
    if check.kind == "low":
        return exp.GTE(this=value.copy(), expression=number(check.values[0]))
    return exp.LTE(this=value.copy(), expression=number(check.values[0]))


def typed_problem(spec: CellSpec, value: exp.Expr, spelled: exp.Expr, places: int,
                  blank_ok: exp.Expr | None) -> exp.Expr:
    """``cells.read``'s words for a value of a typed input table that ``spec`` refuses, NULL
    for one it takes: the tables `kpi sql` reads come from users' own databases, not through
    kpi's reader.  ``spelled``: the value as the words show it (``spelling.in_unit``); ``places``:
    the places its column keeps; ``blank_ok``: where a blank (NULL) is no error (None: nowhere)."""
    def said(words: str) -> exp.Expr:
        return exp.Concat(expressions=[_s("'"), spelled.copy(), _s("'" + words)])

    def refused(test: exp.Expr) -> exp.Expr:
        return exp.Not(this=exp.Paren(this=test))

    ifs: list[exp.If] = []
    blank: exp.Expr = exp.Is(this=value.copy(), expression=exp.Null())
    if blank_ok is not None:
        blank = exp.And(this=blank, expression=exp.Not(this=exp.Paren(this=blank_ok)))
    ifs.append(exp.If(this=blank, true=_s("blank cell")))
    if spec.kind == "yes/no":  # 1 or 0 in a typed table
        ifs.append(exp.If(this=refused(exp.In(this=value.copy(), expressions=[number(Decimal(1)), number(Decimal(0))])),
                          true=said(NOT_YES_NO)))
    for check in spec.checks:
        if check.kind == "low" and spec.unit == "count":
            negative = exp.And(this=refused(passes(check, value)), expression=exp.LT(this=value.copy(), expression=number(Decimal(0))))
            ifs.append(exp.If(this=negative, true=said(complaint(check, spec.unit, True))))
        ifs.append(exp.If(this=refused(passes(check, value)), true=said(complaint(check, spec.unit, False))))
    too_large = exp.GTE(this=exp.Abs(this=value.copy()), expression=number(Decimal(10) ** MAX_WHOLE_DIGITS))
    ifs.append(exp.If(this=too_large, true=said(f" is too large: at most {MAX_WHOLE_DIGITS} digits before the point")))
    kept = exp.Round(this=value.copy(), decimals=exp.Literal.number(places))
    shown = places - 2 if spec.unit == "percent" else places  # as the value is shown: 93.5%
    ifs.append(exp.If(this=exp.NEQ(this=value.copy(), expression=kept),
                      true=said(f" has more decimal places than kpi keeps for this column: at most {shown}")))
    return exp.Case(ifs=ifs)


def reading(plan: ir.Plan, raw_table: str, keys: dict[str, str | None], titles: dict[str, str], row: str,
            percent: str) -> exp.Select:
    """The typed input table over ``raw_table``: the keys (``keys``: person, period and group
    names -> their raw columns, None for one the data has not: '') as text, the row number ``row``, every column of the plan
    (read from the raw column ``titles[name]``) as DECIMAL(38, places), and ``_kpi_bad``,
    true for a row with a cell the Python reader would refuse (or SQL cannot keep) or no
    person.  Columns the plan may leave blank (``x.last``) are NULL when blank."""
    # keys lose the white space str.strip() takes (a tab, a no-break space), as the Python reader's do
    out: list[exp.Expr] = [exp.alias_(_trim(col(raw)) if raw else _s(""), key, quoted=True)
                           for key, raw in keys.items()]
    out.append(exp.alias_(col(row), row, quoted=True))
    person = keys[plan.person]
    assert person is not None  # the Python reader refuses a file with no person column
    bad: list[exp.Expr] = [exp.EQ(this=exp.Coalesce(this=_trim(col(person)), expressions=[_s("")]),
                                  expression=_s(""))]
    blanks = 0
    for c in plan.columns:
        raw_name = titles.get(c.name)
        if raw_name is None:  # an optional column the data leaves out
            out.append(exp.alias_(exp.Cast(this=exp.Null(), to=decimal_type(cell_places(c))), c.name, quoted=True))
            continue
        reader = CellReader(spec_of(c, percent), cell_places(c), c.optional)
        out.append(exp.alias_(reader.value(col(raw_name)), c.name, quoted=True))
        # checked on the read value, by name, in the query around this one: read once
        ok: exp.Expr = exp.And(this=exp.Not(this=exp.Is(this=col(c.name), expression=exp.Null())),
                               expression=exp.Paren(this=reader.checked(col(c.name))))
        if c.optional or c.blank:  # a blank `.last` comes from the row before; an optional input's is not given
            blank = f"_kpi_blank{blanks}"
            blanks += 1
            out.append(exp.alias_(exp.EQ(this=reader.text(col(raw_name)), expression=_s("")), blank, quoted=True))
            ok = exp.Or(this=col(blank), expression=exp.Paren(this=ok))
        bad.append(exp.Not(this=exp.Paren(this=exp.Coalesce(this=ok, expressions=[exp.false()]))))
    person_blank = bad.pop(0)
    out.append(exp.alias_(person_blank, "_kpi_no_person", quoted=True))
    any_bad: exp.Expr = col("_kpi_no_person")
    for b in bad:
        any_bad = exp.Or(this=any_bad, expression=b)
    inner = exp.Select(expressions=out).from_(exp.Table(this=quote(raw_table)))
    return exp.Select(expressions=[exp.Star(), exp.alias_(any_bad, BAD, quoted=True)]).from_(
        exp.Subquery(this=inner, alias=exp.TableAlias(this=quote("_kpi_read"))))
