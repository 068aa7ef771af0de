"""Row-reader backend: the fast path of reading a data row, generated as Python from
the plan's cell specs (``cells.CellSpec``) through templates/row_parser.py.j2.

It reads only the common spelling of each cell (``93%``, ``3``, ``是``) and declines
the rest, which ``cells.read`` then reads or explains.  Each of the spec's checks
becomes one line refusing the value, so the fast reader cannot hold a cell to a
different rule than the spec; tests/test_cells.py holds the two equal.

Safety: column names appear only as ``repr()`` literals and bounds as named
``Decimal`` constants; nothing a rubric says becomes code.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable
from typing import Any

from kpidsl.backends.python.codegen import environment
from kpidsl.data.cells import (
    DIGITS_FROM,
    DIGITS_TO,
    FAST_NUMBER,
    FAST_WHOLE,
    MAX_PLACES,
    MAX_WHOLE_DIGITS,
    NO,
    YES,
    CellError,
    CellSpec,
    Check,
    PercentNumber,
    hundredth,
    passes,
    read,
    text_of,
)

D = decimal.Decimal


class _Names:
    """Named constants and sets of the generated module: K0, K1… for bounds (another prefix
    where the module holds the scoring code's constants too), A0… and S0… for sets."""

    def __init__(self, prefix: str = "K"):
        self.prefix = prefix
        self.constants: dict[str, str] = {}  # canonical digits -> name
        self.sets: dict[str, object] = {}

    def const(self, x: D) -> str:
        text = str(x)
        if text not in self.constants:
            self.constants[text] = f"{self.prefix}{len(self.constants)}"
        return self.constants[text]

    def put(self, value: object, prefix: str) -> str:
        name = f"{prefix}{len(self.sets)}"
        self.sets[name] = value
        return name


def _refusal(check: Check, x: str, names: _Names) -> str:
    """The condition under which the value ``x`` fails ``check`` (cells.passes, negated)."""
    if check.kind == "whole":
        return f"{x} != {x}.to_integral_value()"
    if check.kind == "allowed":
        return f"{x} not in {names.put(frozenset(check.values), 'A')}"
    if check.kind == "levels":
        return "not (" + " or ".join(f"{names.const(lo)} <= {x} <= {names.const(hi)}"
                                     for lo, hi in check.levels) + ")"
    if check.kind == "low":
        return f"{x} < {names.const(check.values[0])}"
    if check.kind == "high":
        return f"{x} > {names.const(check.values[0])}"
    raise ValueError(f"no code for the check {check.kind!r}")


def _column(spec: CellSpec, index: int, var: str, names: _Names) -> dict:
    col = {"name": spec.column, "index": index, "kind": spec.kind, "mode": spec.percent_mode, "spellings": None,
           "blank": spec.blank,
           "whole_text": False, "refusals": [], "typed_refusals": [_refusal(c, var, names) for c in spec.checks],
           "reader": names.put(_by_read(spec), "R") if spec.kind in ("date", "period") else None}
    checks = list(spec.checks)
    allowed = next((c for c in checks if c.kind == "allowed"), None)
    if spec.kind == "number" and allowed is not None:
        # A level's points, as the rubric writes them ("3", "1.5"): one look-up gives
        # the value, already known to pass every check of the spec.
        # A level's text (what a rater picks) reads as its points, as in cells.read.
        spellings = {format(a, "f"): a for a in allowed.values}
        looked_up = {t: D(t) for t in spellings} | spec.texts
        col["spellings"] = names.put({t: x for t, x in looked_up.items() if all(passes(c, x) for c in checks)}, "S")
        return col
    if spec.kind == "number" and any(c.kind == "whole" for c in checks):
        col["whole_text"] = True  # digits without a point are whole: no check left to do
        checks = [c for c in checks if c.kind != "whole"]
    col["refusals"] = [_refusal(c, var, names) for c in checks]
    return col


# Whole numbers below this need no digit count: they have fewer than MAX_WHOLE_DIGITS.
_BIG = 10 ** MAX_WHOLE_DIGITS
# A float whose repr() is shorter than this and has no exponent has at most
# MAX_PLACES - 2 places, so neither limit of cells.read can be reached, not even once a
# bare percent is made a fraction (two more places).
SHORT_FLOAT = MAX_PLACES


def _typed(v: object, kind: str, mode: str) -> D | None:
    """A cell that is not text (a number from XLSX or JSON) read as ``cells.read`` reads
    it, before the spec's checks; None declines it (blank, not a number, a yes/no cell
    that says neither, a number near cells.read's limits, which cells.read then reads or
    refuses itself)."""
    if kind == "yes/no":
        t = text_of(v).lower()
        return D(1) if t in YES else D(0) if t in NO else None
    cls = v.__class__
    if cls is int:
        if not -_BIG < v < _BIG:
            return None
        x = D(v)  # type: ignore[arg-type]
    elif cls is float or cls is PercentNumber:
        if v - v != 0:  # type: ignore[operator]  # NaN or an infinity
            return None
        text = float.__repr__(v)
        if len(text) >= SHORT_FLOAT or "e" in text:
            return None
        x = D(text)
    else:
        return None  # bool, None, a date: cells.read explains
    if kind == "percent" and cls is not PercentNumber:
        if mode == "whole":
            x = hundredth(x)
        elif mode == "strict" and x:
            return None  # a bare number in a percent column: cells.read asks which was meant
    return x


def _by_read(spec: CellSpec) -> Callable[[object], D | None]:
    """``cells.read`` itself, None where it refuses: a date and a period's day have one reader."""
    def reader(v: object) -> D | None:
        try:
            return read(spec, v)
        except CellError:
            return None
    return reader


def reader_parts(columns: list[tuple[CellSpec, int]], prefix: str = "K") -> tuple[list[dict], dict[str, Any]]:
    """What the row reader's template needs for these (spec, cell index) pairs, the cells
    named x0, x1… in their order, and the namespace its code runs in."""
    names = _Names(prefix)
    cols = [_column(spec, index, f"x{i}", names) for i, (spec, index) in enumerate(columns)]
    namespace: dict[str, Any] = {
        "Decimal": D, "D": D, "YES": YES, "NO": NO, "typed": _typed, "ONE": D(1), "ZERO": D(0), **names.sets,
        "PercentNumber": PercentNumber, "float": float,
        **{name: D(text) for text, name in names.constants.items()},
        "number": _shape(FAST_NUMBER), "whole": _shape(FAST_WHOLE), "percent": _shape(FAST_NUMBER + "%")}
    return cols, namespace


_DIGITS = str.maketrans(DIGITS_FROM, DIGITS_TO)


def _shape(pattern: str) -> Callable[[str], object]:
    """Whether a text has the usual shape, its full-width digits taken as digits as
    cells.read takes them (Decimal reads them alike); other scripts' digits do not match."""
    match = re.compile(pattern + r"\Z").match
    return lambda v: match(v.translate(_DIGITS))


def compile_row_reader(columns: list[tuple[CellSpec, int]]) -> Callable:
    """``parse(values)``: the cells of a row as a dict by column, or None to decline it.
    ``columns`` pairs each spec with the index of its cell in the row."""
    cols, namespace = reader_parts(columns)
    source = environment().get_template("row_parser.py.j2").render(cols=cols, whole_digits=MAX_WHOLE_DIGITS,
                                                                   short_float=SHORT_FLOAT)
    namespace["__builtins__"] = {"None": None, "len": len, "str": str, "int": int, "TypeError": TypeError,
                                 "IndexError": IndexError, "AttributeError": AttributeError}
    exec(compile(source, "<kpidsl rows>", "exec"), namespace)  # from the specs only; names as repr()
    return namespace["parse"]
