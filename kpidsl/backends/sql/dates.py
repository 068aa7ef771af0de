"""SQL backend, reading a date cell (``numbers/dates.py``) as its day number, in DuckDB's SQL
(the engine that reads raw text cells): the same pattern, the same separators, the same
serial range, and the calendar worked out in whole-number arithmetic (days from a civil
date, the month lengths of the Gregorian calendar), so no engine's date functions decide
what a cell means.  NULL where ``cells.read`` refuses the cell."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from kpidsl.data.cells import DIGITS_FROM, DIGITS_TO, SPACES
from kpidsl.numbers import dates

# :t is the cell stripped with its digits made ASCII; :d the same with every separator a "-"
# and no final 日.  Days from a civil date: March-based years, so a leap day ends the year.
_DAYS = """
CASE WHEN REGEXP_FULL_MATCH(:t, :date) THEN
  CASE WHEN TRY_CAST(SPLIT_PART(:d, '-', 1) AS BIGINT) BETWEEN :first AND :last
        AND TRY_CAST(SPLIT_PART(:d, '-', 2) AS BIGINT) BETWEEN 1 AND 12
        AND TRY_CAST(SPLIT_PART(:d, '-', 3) AS BIGINT) BETWEEN 1 AND
            CASE TRY_CAST(SPLIT_PART(:d, '-', 2) AS BIGINT)
              WHEN 2 THEN CASE WHEN (TRY_CAST(SPLIT_PART(:d, '-', 1) AS BIGINT) % 4 = 0
                                     AND TRY_CAST(SPLIT_PART(:d, '-', 1) AS BIGINT) % 100 <> 0)
                                    OR TRY_CAST(SPLIT_PART(:d, '-', 1) AS BIGINT) % 400 = 0 THEN 29 ELSE 28 END
              WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END
  THEN
    (TRY_CAST(SPLIT_PART(:d, '-', 1) AS BIGINT) - CASE WHEN TRY_CAST(SPLIT_PART(:d, '-', 2) AS BIGINT) <= 2 THEN 1 ELSE 0 END) * 365
    + (TRY_CAST(SPLIT_PART(:d, '-', 1) AS BIGINT) - CASE WHEN TRY_CAST(SPLIT_PART(:d, '-', 2) AS BIGINT) <= 2 THEN 1 ELSE 0 END) // 4
    - (TRY_CAST(SPLIT_PART(:d, '-', 1) AS BIGINT) - CASE WHEN TRY_CAST(SPLIT_PART(:d, '-', 2) AS BIGINT) <= 2 THEN 1 ELSE 0 END) // 100
    + (TRY_CAST(SPLIT_PART(:d, '-', 1) AS BIGINT) - CASE WHEN TRY_CAST(SPLIT_PART(:d, '-', 2) AS BIGINT) <= 2 THEN 1 ELSE 0 END) // 400
    + (153 * ((TRY_CAST(SPLIT_PART(:d, '-', 2) AS BIGINT) + 9) % 12) + 2) // 5
    + TRY_CAST(SPLIT_PART(:d, '-', 3) AS BIGINT) - 1 - 719468
  END
WHEN REGEXP_FULL_MATCH(:t, :serial) AND TRY_CAST(:t AS BIGINT) BETWEEN :low AND :high THEN TRY_CAST(:t AS BIGINT) - :shift
END
"""


def _s(text: str) -> exp.Literal:
    return exp.Literal.string(text)


def date_days(raw_text: exp.Expr) -> exp.Expr:
    """The day number of a cell (``raw_text``: the cell, blank as ''), or NULL."""
    t = exp.Trim(this=exp.Anonymous(this="TRANSLATE", expressions=[raw_text, _s(DIGITS_FROM), _s(DIGITS_TO)]),
                 expression=_s(SPACES))
    dashed = exp.Anonymous(this="REGEXP_REPLACE", expressions=[
        exp.Anonymous(this="TRANSLATE", expressions=[t.copy(), _s(dates.DATE_SEPARATORS),
                                                     _s("-" * len(dates.DATE_SEPARATORS))]),
        _s(dates.DATE_END + "$"), _s("")])
    low, high, shift = dates.SERIAL_LOW, dates.SERIAL_HIGH, dates.SERIAL_SHIFT
    tree = sqlglot.parse_one(_DAYS, read="duckdb")
    return exp.replace_placeholders(
        tree, t=t, d=dashed, date=_s(dates.DATE_PATTERN), serial=_s(dates.SERIAL_PATTERN),
        first=exp.Literal.number(dates.FIRST_YEAR), last=exp.Literal.number(dates.LAST_YEAR),
        low=exp.Literal.number(low), high=exp.Literal.number(high), shift=exp.Literal.number(shift))
