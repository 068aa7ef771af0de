"""The arithmetic every backend shares: exact decimals, one division rule, and
the rubric's rounding modes.  The Python evaluator calls these; the JavaScript
and SQL backends reproduce them."""

from __future__ import annotations

import decimal
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from .ir import DIVISION_PLACES

# Wide enough that + - * never round: only div() and round_to() do, as declared.
CONTEXT = decimal.Context(prec=80, rounding=ROUND_HALF_EVEN, Emax=999999, Emin=-999999,
                          traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])

_QUANTUM = Decimal(1).scaleb(-DIVISION_PLACES)
ZERO = Decimal(0)
ONE = Decimal(1)

MODES = {"half up": ROUND_HALF_UP, "half even": ROUND_HALF_EVEN, "up": ROUND_CEILING, "down": ROUND_FLOOR}


class ScoreError(Exception):
    """A value the rubric gives no score for, or a division by zero in the data."""


def div(a: Decimal, b: Decimal) -> Decimal:
    if not b:
        raise ScoreError("division by zero")
    return (a / b).quantize(_QUANTUM, rounding=ROUND_HALF_EVEN, context=CONTEXT)


def round_to(x: Decimal, step: Decimal, mode: str) -> Decimal:
    """Round to a multiple of ``step`` (0.01, 0.5, 1, 5…), 四舍五入 by default."""
    rounding = MODES[mode]
    if step.as_tuple().digits == (1,):  # a power of ten: quantize keeps the declared places
        return x.quantize(step, rounding=rounding, context=CONTEXT)
    units = (x / step).quantize(ONE, rounding=rounding, context=CONTEXT)
    return units * step


def compare(op: str, a: Decimal, b: Decimal) -> bool:
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    if op == "=":
        return a == b
    return a != b
