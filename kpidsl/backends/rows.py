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

from ..cells import FAST_NUMBER, FAST_WHOLE, MAX_WHOLE_DIGITS, NO, YES, CellSpec, Check, passes
from .python import environment

D = decimal.Decimal


class _Names:
    """Named constants and sets of the generated module: K0, K1… for bounds, A0… for sets."""

    def __init__(self):
        self.constants: dict[str, str] = {}  # canonical digits -> name
        self.sets: dict[str, object] = {}

    def const(self, x: D) -> str:
        text = str(x)
        if text not in self.constants:
            self.constants[text] = f"K{len(self.constants)}"
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
    col = {"name": spec.column, "index": index, "kind": spec.kind, "spellings": None,
           "whole_text": False, "refusals": []}
    checks = list(spec.checks)
    allowed = next((c for c in checks if c.kind == "allowed"), None)
    if spec.kind == "number" and allowed is not None:
        # A level's points, as the rubric writes them ("3", "1.5"): one look-up gives
        # the value, already known to pass every check of the spec.
        spellings = {format(a, "f"): a for a in allowed.values}
        col["spellings"] = names.put({t: D(t) for t, a in spellings.items()
                                      if all(passes(c, D(t)) for c in checks)}, "S")
        return col
    if spec.kind == "number" and any(c.kind == "whole" for c in checks):
        col["whole_text"] = True  # digits without a point are whole: no check left to do
        checks = [c for c in checks if c.kind != "whole"]
    col["refusals"] = [_refusal(c, var, names) for c in checks]
    return col


def compile_row_reader(columns: list[tuple[CellSpec, int]]) -> Callable:
    """``parse(values)``: the cells of a row as a dict by column, or None to decline it.
    ``columns`` pairs each spec with the index of its cell in the row."""
    names = _Names()
    cols = [_column(spec, index, f"x{i}", names) for i, (spec, index) in enumerate(columns)]
    body = environment().get_template("row_parser.py.j2").render(cols=cols, whole_digits=MAX_WHOLE_DIGITS)
    source = "".join(f"{name} = Decimal({text!r})\n" for text, name in names.constants.items()) + body
    namespace: dict[str, Any] = {"Decimal": D, "D": D, "YES": YES, "NO": NO,
                 "ONE": D(1), "ZERO": D(0), **names.sets,
                 "number": re.compile(FAST_NUMBER + r"\Z").match, "whole": re.compile(FAST_WHOLE + r"\Z").match,
                 "percent": re.compile(FAST_NUMBER + r"%\Z").match,
                 "__builtins__": {"None": None, "len": len, "TypeError": TypeError, "IndexError": IndexError,
                                  "AttributeError": AttributeError}}
    exec(compile(source, "<kpidsl rows>", "exec"), namespace)  # from the specs only; names as repr()
    return namespace["parse"]
