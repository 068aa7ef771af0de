"""SQL backend: an exact square root, ``numbers/stats.py``'s ``sqrt`` on scaled whole numbers.

No engine has an exact decimal square root (each has a binary ``SQRT``), so it is worked
out the way it is by hand, a digit at a time, from the radicand's digits taken in pairs.
For a value x held as the whole number V at scale s, the root wanted is
⌊√(V × 10**(42 − s))⌋ (one place more than the 20 kept), then rounded half to even on its
last digit, a tie being a root that is exact (remainder 0) and ends in 5.

Each digit is one layer: with p the root so far and r the remainder (r = N − p², so
r ≤ 2p), the next pair of digits makes c = 100 r + pair, the next digit d is the largest
of 0..9 with (20 p + d) d ≤ c (counted as the number of k in 1..9 that fit, since that
product grows with k), then r = c − (20 p + d) d and p = 10 p + d.  Every number stays
within about 200 times the root, well inside 38 digits for any value whose root with 21
places does, so no engine rounds anything.  A negative value gives NULL (its error is the
query's, as Python's ``ScoreError``).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlglot import exp

from kpidsl.backends.sql.types import WIDE_MAX, col
from kpidsl.ir import DIVISION_PLACES
from kpidsl.numbers.stats import NEGATIVE_ROOT

if TYPE_CHECKING:
    from kpidsl.backends.sql.values import Translator, Val

EXTRA = 2 * (DIVISION_PLACES + 1)  # the radicand is x × 10**42: a root with 21 places


def sqrt(t: Translator, v: Val) -> Val:
    """√v to DIVISION_PLACES places, ties to even; NULL when v is negative (or NULL)."""
    ints = t.integer
    level = v.level + 1
    # the value's whole number, NULL below zero, in a column of its own (every pair reads it)
    whole = exp.Case(ifs=[exp.If(this=exp.LT(this=v.sql.copy(), expression=t.zero(v)), true=exp.Null())],
                     default=exp.Cast(this=v.sql.copy(), to=t.d.integer))
    base = t.layers.add(whole, level, "rt")
    shift = EXTRA - v.scale  # >= 4: a value has at most 38 places
    odd = shift % 2  # an odd shift: the radicand is 10 V followed by zero pairs
    zero_pairs = (shift - odd) // 2
    hi = min(max(v.hi, 0), WIDE_MAX)
    top = hi * 10 ** odd
    n_pairs = max(1, (len(str(top)) + 1) // 2)

    def pair(j: int) -> exp.Expr:
        """The j-th pair of digits of V × 10**odd, from the right."""
        below = 2 * j - odd  # V's digits below the pair
        if below < 0:  # the pair is V's last digit and the 0 after it
            last = exp.Sub(this=col(base), expression=exp.Mul(this=ints(10), expression=quot(t, col(base), ints(10))))
            return exp.Mul(this=exp.Paren(this=last), expression=ints(10))
        q = quot(t, col(base), ints(10 ** below)) if below else col(base)
        q100 = quot(t, q.copy(), ints(100))
        return exp.Sub(this=q, expression=exp.Mul(this=ints(100), expression=q100))

    pairs = [t.layers.add(pair(j), level + 1, "rp") for j in range(n_pairs)]
    digits: list[exp.Expr | None] = [col(p) for p in reversed(pairs)] + [None] * zero_pairs
    p_sql: exp.Expr = ints(0)
    r_sql: exp.Expr = ints(0)
    at = level + 2
    for d_pair in digits:
        c: exp.Expr = exp.Mul(this=ints(100), expression=exp.Paren(this=r_sql.copy()))
        if d_pair is not None:
            c = exp.Add(this=c, expression=d_pair)
        twenty_p = exp.Mul(this=ints(20), expression=exp.Paren(this=p_sql.copy()))

        d: exp.Expr = fits(t, twenty_p, c, 1)
        for k in range(2, 10):
            d = exp.Add(this=d, expression=fits(t, twenty_p, c, k))
        d = exp.Paren(this=d)
        r_new = exp.Sub(this=exp.Paren(this=c.copy()),
                        expression=exp.Mul(this=exp.Paren(this=exp.Add(this=twenty_p.copy(), expression=d.copy())),
                                           expression=d.copy()))
        p_new = exp.Add(this=exp.Mul(this=ints(10), expression=exp.Paren(this=p_sql.copy())), expression=d.copy())
        r_sql = col(t.layers.add(exp.Cast(this=r_new, to=t.d.integer), at, "rr"))
        p_sql = col(t.layers.add(exp.Cast(this=p_new, to=t.d.integer), at, "rq"))
        at += 1
    # p = ⌊√N⌋ with one place more than kept, r = N − p²: round the last place half to even
    kept = quot(t, p_sql.copy(), ints(10))
    last = exp.Paren(this=exp.Sub(this=p_sql.copy(), expression=exp.Mul(this=ints(10), expression=kept.copy())))
    odd_kept = exp.EQ(this=exp.Sub(this=kept.copy(), expression=exp.Mul(
        this=ints(2), expression=quot(t, kept.copy(), ints(2)))), expression=ints(1))
    beyond_tie = exp.Or(this=exp.GT(this=r_sql.copy(), expression=ints(0)), expression=odd_kept)
    bump = exp.Or(this=exp.GT(this=last.copy(), expression=ints(5)),
                  expression=exp.Paren(this=exp.And(this=exp.EQ(this=last.copy(), expression=ints(5)),
                                                    expression=exp.Paren(this=beyond_tie))))
    rounded = exp.Add(this=kept, expression=exp.Case(ifs=[exp.If(this=bump, true=ints(1))], default=ints(0)))
    name = t.layers.add(exp.Cast(this=rounded, to=t.d.integer), at, "rt")
    root_hi = math.isqrt(hi * 10 ** (2 * DIVISION_PLACES - v.scale)) + 1 if v.scale <= 2 * DIVISION_PLACES else WIDE_MAX
    return replace(v, sql=col(name), scale=DIVISION_PLACES, level=at, const=None, lo=0, hi=min(root_hi, WIDE_MAX),
                   kind="wide")


def negative(t: Translator, x: Val) -> exp.Expr:
    """The error of a negative radicand, in Python's words (``stats.sqrt``)."""
    said = exp.Concat(expressions=[exp.Literal.string(NEGATIVE_ROOT + ": "), t.show(x)])
    return exp.Case(ifs=[exp.If(this=exp.LT(this=x.sql.copy(), expression=t.zero(x)), true=said)])


def fits(t: Translator, twenty_p: exp.Expr, c: exp.Expr, k: int) -> exp.Expr:
    """1 when the digit k fits, (20 p + k) k <= c, else 0."""
    product = exp.Mul(this=exp.Paren(this=exp.Add(this=twenty_p.copy(), expression=t.integer(k))), expression=t.integer(k))
    return exp.Case(ifs=[exp.If(this=exp.LTE(this=product, expression=exp.Paren(this=c.copy())), true=t.integer(1))],
                    default=t.integer(0))


def quot(t: Translator, a: exp.Expr, b: exp.Expr) -> exp.Expr:
    """a ÷ b toward zero, in parentheses: sqlglot writes ``100 * a // 100`` for ``100 * (a // 100)``."""
    return exp.Paren(this=t.d.truncated_quotient(a, b))
