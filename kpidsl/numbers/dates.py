"""Dates: a date cell as people and spreadsheets write it, and a date as a number.

Every engine holds a date as a whole number of days since 1970-01-01 (``EPOCH``), so
after reading, a date is a number like any other and the IR needs no date type.  The
spellings are data, written once here in the regex subset Python, JavaScript and RE2
(DuckDB) read alike; ``cells.read`` reads them, and the form's JavaScript and the SQL
reading interpret the same rules (``cells.rules``):

* ``2026-06-30``, ``2026-6-30``, ``2026/6/30``, ``2026年6月30日`` (full-width digits too);
* an Excel date serial, ``46203`` (days since 1899-12-30, the 1900 date system, from
  61, 1900-03-01, where Excel's phantom 29 February 1900 is behind it);
* a date-formatted XLSX cell (openpyxl gives a ``datetime``) at midnight.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

EPOCH = datetime.date(1970, 1, 1)
# The one regex a written date must match (after full-width digits are made ASCII and the
# cell is stripped): the year, then month and day as ISO, slashes or 年月日 write them.
DATE_PATTERN = "^[0-9]{4}(-[0-9]{1,2}-[0-9]{1,2}|/[0-9]{1,2}/[0-9]{1,2}|年[0-9]{1,2}月[0-9]{1,2}日)$"
# Then each separator becomes "-" and the final 日 goes: year-month-day, split on "-".
DATE_SEPARATORS = "/年月"
DATE_END = "日"
SERIAL_PATTERN = "^[0-9]{1,7}$"
# Excel's serials: 61 is 1900-03-01 (60 is the 29 February 1900 that never was), and the
# last date Excel shows is 9999-12-31, serial 2958465.  Serial s is day s - 25569 here.
SERIAL_LOW, SERIAL_HIGH, SERIAL_SHIFT = 61, 2958465, 25569
FIRST_YEAR, LAST_YEAR = 1900, 9999
FIRST_DAY = (datetime.date(FIRST_YEAR, 1, 1) - EPOCH).days
LAST_DAY = (datetime.date(LAST_YEAR, 12, 31) - EPOCH).days
SPELLINGS = "2026-06-30, 2026/6/30 or 2026年6月30日"
HINT = f"write a date as {SPELLINGS} (or format the cell as a date in the sheet)"
_DATE = re.compile(DATE_PATTERN)
_SERIAL = re.compile(SERIAL_PATTERN)
_TO_DASH = str.maketrans(DATE_SEPARATORS, "-" * len(DATE_SEPARATORS))


class NotADate(ValueError):
    """The words after the quoted cell: `` is not a date``."""


def days(d: datetime.date) -> int:
    return (d - EPOCH).days


def date_of(n: int) -> datetime.date:
    return EPOCH + datetime.timedelta(days=n)


def show(n: Decimal | int) -> str:
    """A day number as ISO text, the one spelling of a date in every output."""
    return date_of(int(n)).isoformat()


def from_parts(year: int, month: int, day: int) -> int:
    """The day number of a calendar date; raises NotADate (the words) for none."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotADate(f" is not a date kpi reads: the year must be {FIRST_YEAR} to {LAST_YEAR}")
    if not 1 <= month <= 12:
        raise NotADate(" is not a date: there is no month " + str(month))
    try:
        return days(datetime.date(year, month, day))
    except ValueError:
        raise NotADate(f" is not a date: {year}-{month:02d} has no day {day}") from None


def period_edge(year: int, kind: str, part: int, edge: str) -> int:
    """The day a calendar period (month, quarter or year ``part`` of ``year``; periods.py)
    starts or ends on."""
    first_month = {"month": part, "quarter": 3 * part - 2, "year": 1}[kind]
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    start = datetime.date(year, first_month, 1)
    if edge == "start":
        return days(start)
    after = first_month - 1 + months  # months from January to the first month after the period
    return days(datetime.date(year + after // 12, after % 12 + 1, 1)) - 1


def from_serial(serial: int) -> int:
    if not SERIAL_LOW <= serial <= SERIAL_HIGH:
        raise NotADate(f" is not a date: a date serial is a whole number from {SERIAL_LOW} to {SERIAL_HIGH}")
    return serial - SERIAL_SHIFT


def read_text(t: str) -> int:
    """A date written as text (stripped, digits ASCII) as its day number."""
    if _DATE.match(t):
        year, month, day = (int(p) for p in t.translate(_TO_DASH).removesuffix(DATE_END).split("-"))
        return from_parts(year, month, day)
    if _SERIAL.match(t):
        return from_serial(int(t))
    raise NotADate(" is not a date")


def literal(text: str) -> int:
    """A date written in a rubric (the grammar's DATE: a cell's spellings) as its day number."""
    return read_text(text)


def read_value(v: object, text: str) -> int:
    """A cell that is not text: a date-formatted XLSX cell, or a number (a serial)."""
    if isinstance(v, datetime.datetime):
        if v.time() != datetime.time(0):
            raise NotADate(" is a date and time: kpi reads dates only")
        v = v.date()
    if isinstance(v, datetime.date):
        return from_parts(v.year, v.month, v.day)
    if isinstance(v, bool):
        raise NotADate(" is not a date")
    if isinstance(v, float):
        if not v.is_integer():
            raise NotADate(" is not a date: a date serial is a whole number")
        v = int(v)
    if isinstance(v, int):
        return from_serial(v)
    return read_text(text)
