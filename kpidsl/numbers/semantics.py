"""The arithmetic every backend shares: exact decimals, one division rule, and
the rubric's rounding modes.  The Python evaluator calls these; the JavaScript
backend reproduces them.

Safe to call from many threads at once: no answer here depends on state shared
between calls.  The two contexts below are configuration, never changed; decimal
does record signals in their ``flags``, but nothing here reads them (an inexact
quotient is noticed by the trap it raises in the calling thread)."""

from __future__ import annotations

import decimal
from decimal import ROUND_HALF_EVEN, Decimal

from kpidsl.ir import DIVISION_PLACES

# Wide enough that + - * never round: only div() and round_to() do, as declared.
# Read-only configuration: callers pass it as ``context=``, no one sets its flags' meaning.
CONTEXT = decimal.Context(prec=80, rounding=ROUND_HALF_EVEN, Emax=999999, Emin=-999999,
                          traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])

ZERO = Decimal(0)
ONE = Decimal(1)

_DECIMAL_MODES = {"half up": decimal.ROUND_HALF_UP, "half even": ROUND_HALF_EVEN,
                  "up": decimal.ROUND_CEILING, "down": decimal.ROUND_FLOOR}


class ScoreError(Exception):
    """A value the rubric gives no score for, or a division by zero in the data."""


def _ratio(a: Decimal, b: Decimal, shift: int) -> tuple[int, int]:
    """a / b × 10**shift (shift >= 0: 0 to round, DIVISION_PLACES to divide) as an exact
    fraction of integers (numerator, denominator), not necessarily in lowest terms:
    _divide reads only its value."""
    pa, qa = a.as_integer_ratio()
    pb, qb = b.as_integer_ratio()
    return pa * qb * 10 ** shift, qa * pb


def _divide(num: int, den: int, mode: str) -> int:
    """num / den rounded to a whole number, exactly, in one of the rubric's modes."""
    if den < 0:
        num, den = -num, -den
    q, r = divmod(num, den)  # floor division: r has den's sign (positive)
    if r == 0 or mode == "down":
        return q
    if mode == "up":
        return q + 1
    twice = 2 * r
    if twice > den or (twice == den and (mode == "half up" and num > 0 or mode == "half even" and q % 2 == 1)):
        return q + 1
    return q  # and a half-up tie below zero rounds away from zero: to q, the floor


# CONTEXT that also traps Inexact: an inexact quotient raises in the thread that
# divided and is redone exactly.  (Clearing and reading a shared context's flags,
# as this once did, lets one thread see another's Inexact.)
_EXACT = decimal.Context(prec=80, rounding=ROUND_HALF_EVEN, Emax=999999, Emin=-999999,
                         traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.Inexact])
_PLACES = Decimal(1).scaleb(-DIVISION_PLACES)


def div(a: Decimal, b: Decimal) -> Decimal:
    """a ÷ b to DIVISION_PLACES decimal places, ties to even, without trailing zeros,
    decided exactly (on integers when the quotient does not terminate), so every
    backend gets the same digits."""
    if not b:
        raise ScoreError("division by zero")
    try:
        q = _EXACT.divide(a, b)
    except decimal.Inexact:
        pass
    else:  # the common case: 25000 ÷ 20000 = 1.25 exactly
        try:
            # q is exact, so this is the only rounding: to the places, ties to even
            q = q.quantize(_PLACES, rounding=ROUND_HALF_EVEN, context=CONTEXT)
        except decimal.InvalidOperation:
            pass  # more than 80 digits with the places: decided on integers below
        else:
            if q == q.to_integral_value():
                return q.quantize(ONE, context=CONTEXT)  # 12.000… -> 12, never 1.2E+1
            return q.normalize(CONTEXT)
    num, den = _ratio(a, b, DIVISION_PLACES)
    digits, places = _divide(num, den, "half even"), DIVISION_PLACES
    while places and digits % 10 == 0:  # 10 ÷ 4 is 2.5, not 2.50000000000000000000
        digits //= 10
        places -= 1
    return Decimal(digits).scaleb(-places, context=CONTEXT)


def is_power_of_ten(step: Decimal) -> bool:
    """0.01, 0.1, 1, 1E+1: steps Decimal's own quantize rounds to exactly."""
    return step.as_tuple().digits == (1,)


def quantize(x: Decimal, step: Decimal, mode: str) -> Decimal:
    """round_to() for a power-of-ten step; compiled code calls it directly."""
    return x.quantize(step, rounding=_DECIMAL_MODES[mode], context=CONTEXT)


def round_to(x: Decimal, step: Decimal, mode: str) -> Decimal:
    """Round to a multiple of ``step`` (0.01, 0.5, 1, 5…), 四舍五入 (half up) by default;
    ``up`` and ``down`` mean toward +∞ and −∞."""
    if is_power_of_ten(step):
        return quantize(x, step, mode)
    num, den = _ratio(x, step, 0)
    return CONTEXT.multiply(Decimal(_divide(num, den, mode)), step)  # keeps the step's places


def show(x: Decimal) -> str:
    """A value as every output writes it: the digits as computed (85.00 stays 85.00),
    and never "-0" (Python keeps a sign on zero; JavaScript does not)."""
    text = format(x, "f")
    return text[1:] if not x and text[0] == "-" else text


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
