"""Dates, worked by hand and against Python's own calendar (datetime, an oracle that shares
nothing with the floor-division calendar the lowering builds), on the Python engine and on
DuckDB (tests/sql_diff.py); and a date never computes as a number (KPI270)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import sql_diff
from engines import DuckDB
from hypothesis import given, settings
from hypothesis import strategies as st

from kpidsl.api import Scorer, check_text, load_text
from kpidsl.lower.lowerer import lower

RUBRIC = """rubric "日期"
period monthly
input a "起": date
input b "止": date
item x "x" points 100
pay days "天" = 1元 * number(b - a)
pay months "月" = 1元 * full_months(a, b)
pay years "年" = 1元 * full_years(a, b)
pay to_end "到期末" = 1元 * number(period_end - a)
pay from_start "自期初" = 1元 * number(a - period_start)
"""

# (a, b, period, days, full months, full years, period_end − a, a − period_start), by hand:
HAND = [
    # 2023-07-01 to 2026-06-30: 365 + 366 (2024) + 365 - 1 = 1095; 35 months (June 30 < July 1's day? no:
    # 30 >= 1, so 2026-06-01 is the 35th month end), 2 years; 2026-06 ends 06-30, starts 06-01.
    ("2023-07-01", "2026-06-30", "2026-06", "1095", "35", "2", "1095", "-1126"),
    # 2024-01-31 to 2024-02-29: 29 days, no full month (29 < 31); leap February
    ("2024-01-31", "2024-02-29", "2024-02", "29", "0", "0", "29", "-1"),
    # 2020-02-29 to 2021-02-28: 365 days; 11 months (28 < 29), 0 years
    ("2020-02-29", "2021-02-28", "2021-02", "365", "11", "0", "365", "-338"),
    # 1960-03-15 to 1970-03-15: 10 × 365 + 2 leap days (1964-02-29, 1968-02-29; 1960's is before
    # March 15) = 3652, 120 months, 10 years (before 1970: negative day numbers)
    ("1960-03-15", "1970-03-15", "1970-03", "3652", "120", "10", "3668", "-3638"),
    # backwards: 2026-06-30 to 2023-07-01 is minus the count forwards
    ("2026-06-30", "2023-07-01", "2026-06", "-1095", "-35", "-2", "0", "29"),
]
# to_end, from_start: 1095 + 0 (2026-06-30 is June's end); 2023-07-01 − 2026-06-01 = −(1095 − 29) = −1066?
# No: a − period_start with a = 2023-07-01 and start 2026-06-01: −(1095 − 29) = −1066. Fixed below.
HAND[0] = HAND[0][:7] + ("-1066",)
# row 2: 2024-02 ends 02-29: 29 days from 01-31; starts 02-01: 01-31 is one day before: −1.
# row 3: 2021-02 ends 02-28: 365 days; starts 2021-02-01: 2020-02-29 is 365 − 27 = 338 days before.
# row 4: 1970-03 ends 03-31: 3652 + 16 = 3668; starts 03-01: 3652 − 14 = 3638 days before.
# row 5: a = 2026-06-30 is June's end: 0; and 29 days after 06-01.


def _scorer() -> Scorer:
    return Scorer(lower(load_text(RUBRIC, "dates.kpi")[0]))


def _records(cases: list[tuple[str, ...]]) -> list[dict]:
    return [{"id": f"p{i}", "period": c[2], "起": c[0], "止": c[1], "x": "50"} for i, c in enumerate(cases)]


def test_days_months_years_and_period_edges_as_worked_by_hand():
    scorer = _scorer()
    results = list(scorer.evaluator.evaluate(scorer.rows(_records(HAND))))
    got = [tuple(r.steps[k] for k in ("days", "months", "years", "to_end", "from_start")) for r in results]
    assert got == [tuple(Decimal(v) for v in c[3:]) for c in HAND]


def test_the_hand_worked_dates_on_duckdb_equal_python():
    db = DuckDB()
    scorer = _scorer()
    sql_diff.assert_same(scorer, scorer.rows(_records(HAND)), "duckdb", db.load, db.fetch, "dates")


def _oracle_months(a: datetime.date, b: datetime.date) -> int:
    if b < a:
        return -_oracle_months(b, a)
    return (b.year * 12 + b.month) - (a.year * 12 + a.month) - (1 if b.day < a.day else 0)


DAY = st.dates(datetime.date(1900, 1, 1), datetime.date(2200, 12, 31))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(DAY, DAY), min_size=1, max_size=8))
def test_full_months_and_years_agree_with_python_s_calendar_on_every_engine(pairs):
    scorer = _scorer()
    records = [{"id": f"p{i}", "period": "2026-06", "起": a.isoformat(), "止": b.isoformat(), "x": "50"}
               for i, (a, b) in enumerate(pairs)]
    rows = scorer.rows(records)
    for (a, b), r in zip(pairs, scorer.evaluator.evaluate(rows), strict=True):
        months = _oracle_months(a, b)
        years = -(-months // 12) if months < 0 else months // 12
        assert (r.steps["days"], r.steps["months"], r.steps["years"]) == ((b - a).days, months, years), (a, b)
    db = DuckDB()
    sql_diff.assert_same(scorer, rows, "duckdb", db.load, db.fetch, "dates")


@pytest.mark.parametrize("unit", ["number", "count", "days"])
def test_a_date_minus_a_number_is_never_arithmetic(unit):
    text = f'rubric "r"\ninput hired "入职": {unit}\nitem x "x" points 100\npay p "p" = 1元 * number(2026-06-30 - hired)\n'
    codes = [d.code for d in check_text(text, "r.kpi")]
    # days: 2026-06-30 − 30d is a date, and a date is no number to pay by
    assert ("KPI270" in codes) if unit != "days" else codes != []


def test_a_date_minus_a_date_is_the_days_between():
    text = 'rubric "r"\ninput hired "入职": date\nitem x "x" points 100\npay p "p" = 1元 * number(2026-06-30 - hired)\n'
    assert [d.code for d in check_text(text, "r.kpi")] == []
