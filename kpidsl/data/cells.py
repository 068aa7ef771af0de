"""How one data cell is read and checked: a ``CellSpec`` per column, derived once from
``ir.Column``, and ``read``, which interprets it (the value, or the problem in words).

This is the only statement of what a cell may hold.  The other readers are made from
it: the generated fast row reader (``data/fast_reader.py``, which may decline a cell,
never read it differently), the SQL reading (``backends/sql/cells.py``) and the form's
JavaScript (templates/form/cells.js, which interprets ``rules(spec)``).  Property tests
(tests/test_cells.py, tests/test_cell_readers.py) hold all four equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from kpidsl import ir
from kpidsl.data import periods
from kpidsl.numbers import dates
from kpidsl.numbers.spelling import in_unit, percent, spell

YES = frozenset({"yes", "y", "true", "1", "是", "有", "√", "✓", "✔", "对"})
NO = frozenset({"no", "n", "false", "0", "否", "无", "×", "✗", "✘", "错"})
NA = frozenset({"n/a", "na", "不适用", "-"})  # an item's own cell saying it does not apply
PERCENT_MODES = ("strict", "whole", "fraction")  # how a bare number in a percent column is read

# The spelling of a number cell, as data: every reader (this one, the generated fast
# reader, the SQL reading, the form's JavaScript) is made from these, none restates them.
# The pattern is written in the regex dialect Python, JavaScript and RE2 (DuckDB) share:
# ASCII digits only, so that no engine's idea of a Unicode digit decides what a cell says.
NUMBER_PATTERN = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
# Full-width digits (what a Chinese input method types) are read as digits, and currency
# signs anywhere in the cell are dropped (one translation table: every engine's TRANSLATE
# drops the characters of its `from` beyond `to`).  A comma is a thousands separator only
# where the number matches GROUPED (groups of three: 1,000 and 12,345.5); there the
# separators are dropped, and anywhere else a comma is left for NUMBER_PATTERN to refuse:
# 1,00 is not 100, and 3,5 (a decimal comma) is not 35.
# What str.strip() takes off a cell (every character whose isspace() is true), spelled
# out for the readers in other languages, whose TRIM and trim() take other sets.
SPACES = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
          "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
DIGITS_FROM, DIGITS_TO = "０１２３４５６７８９", "0123456789"
DROPPED = "¥￥"
SEPARATORS = ",，"
GROUPED_PATTERN = r"^[+-]?[0-9]{1,3}([,，][0-9]{3})+(\.[0-9]*)?$"
_DECIMAL_COMMA = re.compile(r"^[+-]?[0-9]+[,，][0-9]+$")  # 3,5 or 1,00: only for the hint
SUFFIX = "元"  # a money unit after the number, dropped
PERCENT_MARKS = "%％"  # a percent sign at the end: the number is a hundredth
PERCENT_UNITS = ("percent", "number")  # columns where a written percent sign is allowed
MAX_TEXT = 80  # no number kpi reads is longer than this (MAX_WHOLE_DIGITS + MAX_PLACES)
_NUMBER = re.compile(NUMBER_PATTERN)
_GROUPED = re.compile(GROUPED_PATTERN)
_NO_SEPARATORS = str.maketrans("", "", SEPARATORS)
_DECIMAL_POINT = str.maketrans(SEPARATORS, "." * len(SEPARATORS))
# The largest cell kpi reads: 18 digits before the point (a quintillion yuan) and 20
# after (the division's places).  Longer numbers are refused, not rounded: + - * run at
# 80 digits (semantics.CONTEXT) and must stay exact.  The fast reader's patterns below
# decline them, so that both readers agree.
MAX_WHOLE_DIGITS, MAX_PLACES = 18, 20


def fast_number(places: int) -> str:
    """The usual spelling of a number (digits, an optional minus, a point and at most
    ``places`` places), a pattern without anchors: the fast readers' one shape."""
    whole = f"-?[0-9]{{1,{MAX_WHOLE_DIGITS}}}"
    return f"{whole}(\\.[0-9]{{1,{places}}})?" if places else whole


FAST_NUMBER = fast_number(MAX_PLACES)
FAST_WHOLE = fast_number(0)
_TRANSLATED = str.maketrans(DIGITS_FROM, DIGITS_TO, DROPPED)
_DIGITS = str.maketrans(DIGITS_FROM, DIGITS_TO)
ONE, ZERO = Decimal(1), Decimal(0)


class PercentNumber(float):
    """A number a spreadsheet shows as a percent: its value is already the fraction."""


@dataclass(frozen=True, slots=True)
class Check:
    """One condition a read value must meet, in the order they are tried."""
    kind: str  # whole | allowed | levels | low | high
    values: tuple[Decimal, ...] = ()  # allowed: the values; low, high: the one bound
    levels: tuple[tuple[Decimal, Decimal], ...] = ()  # levels: inclusive ranges


@dataclass(frozen=True, slots=True)
class CellSpec:
    column: str
    unit: str
    kind: str  # yes/no | percent | number | date: how the text is spelled
    checks: tuple[Check, ...]
    percent_mode: str = "strict"
    line: int | None = None  # the rubric line that needs the value
    period: tuple[str | None, str] | None = None  # kind "period": (the period kind, start | end)
    blank: bool = False  # a blank cell is "not given" (None), not an error: an optional input's, a list's
    # a level-rated column: each level's text (what a rater types) and its points, lowest and
    # highest; a fixed level's text (low == high) reads as its points, a ranged one's is refused
    levels: tuple[tuple[str, Decimal, Decimal], ...] = ()

    @property
    def texts(self) -> dict[str, Decimal]:
        """The texts a cell may hold for a value: fixed levels whose text is not itself a
        number and names one value only (two levels of one text with different points
        name none)."""
        out: dict[str, Decimal] = {}
        clash: set[str] = set()
        for text, low, high in self.levels:
            if low != high or _NUMBER.match(t := text.translate(_TRANSLATED).strip()) or _GROUPED.match(t):
                clash.add(text)
            elif out.setdefault(text, low) != low:
                clash.add(text)
        return {t: v for t, v in out.items() if t not in clash}


class CellError(ValueError):
    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


def spec_of(col: ir.Column, percent_mode: str = "strict", period_kind: str | None = None) -> CellSpec:
    if percent_mode not in PERCENT_MODES:
        raise ValueError(f"percent mode {percent_mode!r}: use one of {', '.join(PERCENT_MODES)}")
    if col.period_edge is not None:  # the period cell, read as the day its period starts or ends on
        return CellSpec(col.name, col.unit, "period", (), percent_mode, col.line, (period_kind, col.period_edge))
    if col.unit == "yes/no":  # read as 1 or 0, which every yes/no range holds
        return CellSpec(col.name, col.unit, "yes/no", (), percent_mode, col.line, blank=col.blank)
    if col.unit == "date":  # a day number (numbers/dates.py): any date kpi reads is allowed
        return CellSpec(col.name, col.unit, "date", (), percent_mode, col.line, blank=col.blank)
    checks = []
    # A column of whole numbers that offers a fraction (`scale 1.5: …`) is held to its
    # offered values instead: 1.5 is a level there, not a broken count.
    if col.integer and all(a == a.to_integral_value() for a in col.allowed or ()):
        checks.append(Check("whole"))
    if col.allowed is not None:
        checks.append(Check("allowed", tuple(col.allowed)))
    if col.allowed_ranges is not None:
        checks.append(Check("levels", levels=tuple(col.allowed_ranges)))
    if col.low is not None:
        checks.append(Check("low", (col.low,)))
    if col.high is not None:
        checks.append(Check("high", (col.high,)))
    kind = "percent" if col.unit == "percent" else "number"
    levels = tuple((text.strip(), lo, hi) for text, lo, hi in col.levels)
    return CellSpec(col.name, col.unit, kind, tuple(checks), percent_mode, col.line, levels=levels, blank=col.blank)


def rules(spec: CellSpec) -> dict[str, object]:
    """``spec`` and the spelling rules above as JSON-ready data (numbers as text): what a
    reader in another language (the form's JavaScript) interprets, so that it reads a
    cell as ``read`` does without a rule copied into it by hand."""
    return {
        "kind": spec.kind, "unit": spec.unit, "percent_mode": spec.percent_mode, "blank": spec.blank,
        "yes": sorted(YES), "no": sorted(NO),
        "spaces": SPACES, "number": NUMBER_PATTERN, "digits_from": DIGITS_FROM, "digits_to": DIGITS_TO, "dropped": DROPPED,
        "separators": SEPARATORS, "grouped": GROUPED_PATTERN, "texts": {t: str(v) for t, v in spec.texts.items()},
        "suffix": SUFFIX, "percent_marks": PERCENT_MARKS, "percent_sign_allowed": spec.unit in PERCENT_UNITS,
        "max_text": MAX_TEXT, "max_whole_digits": MAX_WHOLE_DIGITS, "max_places": MAX_PLACES,
        "date": dates.DATE_PATTERN, "date_separators": dates.DATE_SEPARATORS, "date_end": dates.DATE_END,
        "serial": dates.SERIAL_PATTERN, "serial_range": [dates.SERIAL_LOW, dates.SERIAL_HIGH, dates.SERIAL_SHIFT],
        "years": [dates.FIRST_YEAR, dates.LAST_YEAR],
        "checks": [{"kind": c.kind, "values": [str(v) for v in c.values],
                    "levels": [[str(lo), str(hi)] for lo, hi in c.levels]} for c in spec.checks],
    }


def passes(check: Check, x: Decimal) -> bool:
    kind = check.kind
    if kind == "whole":
        return x == x.to_integral_value()
    if kind == "allowed":
        return x in check.values
    if kind == "levels":
        return any(lo <= x <= hi for lo, hi in check.levels)
    if kind == "low":
        return x >= check.values[0]
    return x <= check.values[0]


NOT_YES_NO = " is not yes or no"  # after the value, quoted; the SQL backend says the same


def _complaint(check: Check, text: str, x: Decimal, unit: str) -> str:
    return f"{text!r}{complaint(check, unit, x < 0)}"


def complaint(check: Check, unit: str, negative: bool) -> str:
    """What is wrong with a value that fails ``check``, in the words that follow the value
    (quoted); ``negative``: the value is below zero.  The SQL backend says the same."""
    kind = check.kind
    if kind == "whole":
        return " is not a whole number"
    if kind == "allowed":
        return " is not one of the allowed values " + ", ".join(spell(a) for a in check.values)
    if kind == "levels":
        return " is in none of the levels " + ", ".join(
            f"{spell(lo)}..{spell(hi)}" if lo != hi else spell(lo) for lo, hi in check.levels)
    if kind == "low":
        if unit == "count" and negative:
            return " is a negative count"
        return f" is below the lowest allowed value {in_unit(check.values[0], unit)}"
    return f" is above the highest allowed value {in_unit(check.values[0], unit)}"


def read(spec: CellSpec, v: object) -> Decimal | None:
    """The value of cell ``v`` (text, or a number from XLSX or JSON) under ``spec``, None for
    a blank cell a ``blank`` spec allows; raises CellError saying what is wrong with it."""
    text = text_of(v)
    if text == "" and spec.blank:
        return None
    if text == "":
        if spec.kind == "date":
            raise CellError("blank cell", "every date must be filled in: " + dates.HINT)
        raise CellError("blank cell", "every scored value must be filled in; write 0 if it is zero")
    if spec.kind == "date":
        return read_date(v, text)
    if spec.kind == "period":
        return period_edge(spec, text)
    if spec.kind == "yes/no":
        t = text.lower()
        if t in YES:
            return ONE
        if t in NO:
            return ZERO
        raise CellError(f"{text!r}{NOT_YES_NO}", "write 是/否, yes/no or 1/0")
    x = spec.texts.get(text) if spec.levels else None
    if x is None:
        if spec.levels:
            _ranged_level(spec, text)
        if len(text) > MAX_TEXT:
            raise CellError(f"{text[:20] + '…'!r} ({len(text)} characters) is too long to be a number")
        x = _number(spec, v, text)
    for check in spec.checks:
        if not passes(check, x):
            raise CellError(_complaint(check, text, x, spec.unit), _range_hint(spec, check))
    _within_limits(x, text)  # after the checks: a range says more than "too long"
    return x


def _ranged_level(spec: CellSpec, text: str) -> None:
    """A ranged level's text names no one value: say which points to write instead."""
    for t, lo, hi in spec.levels:
        if t == text and lo != hi:
            raise CellError(f"{text!r} is a level worth {spell(lo)} to {spell(hi)} points",
                            f"write the points you give within {spell(lo)}..{spell(hi)}, e.g. {spell(hi)}")


def _range_hint(spec: CellSpec, check: Check) -> str | None:
    """Past the highest percent a column allows (100% unless the rubric says otherwise): a
    completion rate above 100% is often right, and the rubric's `range` clause allows it."""
    if check.kind != "high" or spec.unit != "percent":
        return None
    low = next((c.values[0] for c in spec.checks if c.kind == "low"), ZERO)
    wider = max(Decimal(2), check.values[0] * 2)
    return (f"if {spec.column} can be above {in_unit(check.values[0], 'percent')}, widen its range in the rubric: "
            f"`input {spec.column}: percent range {in_unit(low, 'percent')}..{in_unit(wider, 'percent')}`")


def read_date(v: object, text: str) -> Decimal:
    """A date cell as its day number (``dates.py``)."""
    try:
        if isinstance(v, str):
            if len(text) > MAX_TEXT:
                raise dates.NotADate(" is not a date")
            return Decimal(dates.read_text(text.translate(_DIGITS).strip()))
        return Decimal(dates.read_value(v, text))
    except dates.NotADate as e:
        shown = text if len(text) <= MAX_TEXT else text[:20] + "…"
        raise CellError(f"{shown!r}{e}", dates.HINT) from None


def period_edge(spec: CellSpec, text: str) -> Decimal:
    """The first or last day of the period a period cell names (``periods.read``)."""
    assert spec.period is not None
    kind, edge = spec.period
    p = periods.read(text.translate(_DIGITS), kind)
    if p is None:
        raise CellError(f"{text!r} is not a period", periods.spellings(kind))
    return Decimal(dates.period_edge(p.year, p.kind, p.part, edge))


def _number(spec: CellSpec, v: object, text: str) -> Decimal:
    if isinstance(v, bool):
        raise CellError(f"{text!r} is not a number")
    if isinstance(v, Decimal):  # a JSON number, read from its text
        if not v.is_finite():
            raise CellError(f"{text!r} is not a number")
        return v if spec.kind != "percent" else _bare_percent(spec, v, text)
    if isinstance(v, (int, float)):
        if v != v or v in (float("inf"), float("-inf")):
            raise CellError(f"{text!r} is not a number")
        value = Decimal(repr(float(v))) if isinstance(v, float) else Decimal(v)
        if isinstance(v, PercentNumber) or spec.kind != "percent":
            return value
        return _bare_percent(spec, value, text)
    t = text.translate(_TRANSLATED).strip()
    if t.endswith(SUFFIX):
        t = t[:-len(SUFFIX)].strip()
    is_percent = t.endswith(tuple(PERCENT_MARKS))
    if is_percent:
        t = t[:-1].strip()
    if _GROUPED.match(t):
        t = t.translate(_NO_SEPARATORS)
    if not _NUMBER.match(t):
        hint = "write digits only, e.g. 93% or 1234.50" if spec.unit in ("percent", "money") else None
        if any(c in t for c in SEPARATORS):
            hint = "a comma separates thousands only, in groups of three (1,000 or 12,345.5)"
            if _DECIMAL_COMMA.match(t):
                hint = f"if {t} means {t.translate(_DECIMAL_POINT)}, write a decimal point; {hint}"
        raise CellError(f"{text!r} is not a number", hint)
    try:
        # exact, whatever the decimal context: "93" and "93%" are read, never rounded
        value = Decimal(t + "E-2" if is_percent else t)
    except InvalidOperation:
        raise CellError(f"{text!r} is not a number") from None
    if is_percent:
        if spec.unit not in PERCENT_UNITS:
            raise CellError(f"{text!r} is a percent, but this column holds {spec.unit}")
        return value
    if spec.kind == "percent":
        return _bare_percent(spec, value, text)
    return value


def _within_limits(x: Decimal, shown: str) -> None:
    if x and x.adjusted() >= MAX_WHOLE_DIGITS:
        raise CellError(f"{shown!r} is too large: at most {MAX_WHOLE_DIGITS} digits before the point")
    _, digits, exponent = x.as_tuple()
    assert isinstance(exponent, int)  # finite: NaN and infinity were refused before
    places = -exponent - (len(digits) - len("".join(map(str, digits)).rstrip("0") or "0"))
    if places > MAX_PLACES + 2:  # 20 places written, 22 once a percent is a fraction
        raise CellError(f"{shown!r} has too many decimal places: at most {MAX_PLACES}")


def _bare_percent(spec: CellSpec, value: Decimal, text: str) -> Decimal:
    if spec.percent_mode == "whole":
        return hundredth(value)
    if spec.percent_mode == "fraction" or value == 0:
        return value
    raise CellError(f"{text!r} in a percent column: is it {text}% or {percent(value)}?",
                    "write the % sign (93%), or run with --percent-cells whole (93 means 93%) "
                    "or --percent-cells fraction (0.93 means 93%)")


def hundredth(x: Decimal) -> Decimal:
    """x / 100 exactly, with the digits ``Decimal("93E-2")`` has: no context can round it."""
    sign, digits, exponent = x.as_tuple()
    assert isinstance(exponent, int)  # finite: NaN and infinity were refused before
    return Decimal((sign, digits, exponent - 2))


def text_of(v: object) -> str:
    """A cell as text: None and NaN (a DataFrame's empty cell) are blank, 3.0 is "3"."""
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()
