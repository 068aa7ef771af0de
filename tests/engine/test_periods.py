"""Calendar periods (issue 12, item 11): the spellings a period may be written in, streaks
that break on a missing or an excluded month, `x.last` from the previous calendar period
only, `over year` / `over quarter` by the calendar year and quarter, and the data errors
for periods that cannot be read.  Every case is worked by hand, run through the Python
evaluator, and held to it on DuckDB and PostgreSQL (the SQL backend's ``sql/batch.py``)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from kpidsl.api import Scorer, load_text
from kpidsl.data import periods
from kpidsl.data.validate import DataProblems
from kpidsl.lower.lowerer import lower

# ---- spellings ------------------------------------------------------------------------------------
# (text, kind asked for (None: any), what it reads as: (kind, year, month or quarter) or None)
SPELLINGS = [
    ("2024-01", None, ("month", 2024, 1)),
    ("2024-1", None, ("month", 2024, 1)),
    ("2024/01", None, ("month", 2024, 1)),
    ("2024/9", None, ("month", 2024, 9)),
    ("202401", None, ("month", 2024, 1)),
    ("202412", "month", ("month", 2024, 12)),
    ("2024年1月", None, ("month", 2024, 1)),
    ("2024年12月", "month", ("month", 2024, 12)),
    ("2024Q1", None, ("quarter", 2024, 1)),
    ("2024q4", None, ("quarter", 2024, 4)),
    ("2024-Q2", None, ("quarter", 2024, 2)),
    ("2024年第3季度", None, ("quarter", 2024, 3)),
    ("2024", None, ("year", 2024, 0)),
    ("2024年", "year", ("year", 2024, 0)),
    # not periods, or not of the kind asked for
    ("2024-13", None, None),
    ("2024-00", None, None),
    ("202413", None, None),
    ("2024-001", None, None),
    ("2024Q5", None, None),
    ("2024Q1", "month", None),
    ("2024-01", "quarter", None),
    ("2024", "month", None),
    ("Jan", None, None),
    ("一月", None, None),
    ("24-01", None, None),
    ("２０２４-01", None, None),  # full-width digits: not read (the SQL engines' [0-9] would not)
    ("2024-01 ", None, None),
    ("", None, None),
]


@pytest.mark.parametrize("text,kind,want", SPELLINGS, ids=[f"{t!r}-{k}" for t, k, _ in SPELLINGS])
def test_a_period_is_read_by_its_spelling(text, kind, want):
    got = periods.read(text, kind)
    assert (None if got is None else (got.kind, got.year, got.part)) == want


def test_consecutive_periods_have_consecutive_indexes_across_a_year():
    def index(t):
        return periods.read(t).index
    assert index("2025-01") - index("2024-12") == 1 and index("2024-03") - index("2024-01") == 2
    assert index("2025Q1") - index("2024Q4") == 1 and index("2025") - index("2024") == 1
    assert periods.read("2024-05").quarter == 1 and periods.read("2024Q3").quarter == 2
    assert periods.read("2024").quarter is None


# ---- hand-worked cases ------------------------------------------------------------------------------
MONTHLY = '''rubric "连续"
period monthly
input off "停岗": yes/no
item a "绩效" points 100 { entered by hr }
rater hr "人事"
grade good "好" when >= 90 coefficient 1.2
grade ok "合格" otherwise coefficient 1.0
pay year_avg "年均系数奖" = 1000元 * average(coefficient over year)
pay quarter_avg "季均系数奖" = 1000元 * average(coefficient over quarter)
streak s3 "连续3个月好" when grade is good for 3 periods award 100元
exclude when off "停岗"
'''

LAST = '''rubric "安装师"
period monthly
input leftover "遗留定单率": percent
item left "遗留定单率" points 100 { change leftover by -2pt per 1% base 10 }
'''


def _scorer(text: str) -> Scorer:
    return Scorer(lower(load_text(text, "r.kpi")[0]))


def _records(*rows: tuple[str, str, int, bool]) -> list[dict]:
    return [{"id": who, "period": period, "a": str(a), "off": "是" if off else "否"} for who, period, a, off in rows]


def _case(text: str, records: list[dict]):
    scorer = _scorer(text)
    return scorer, scorer.rows(records)


def _scored(text: str, records: list[dict]) -> dict:
    scorer, rows = _case(text, records)
    return {(r.person, r.period): r for r in scorer.evaluator.evaluate(rows)}


def _refused(text: str, records: list[dict]) -> list[tuple[int, str | None, str]]:
    scorer, rows = _case(text, records)
    with pytest.raises(DataProblems) as e:
        scorer.evaluator.evaluate(rows)
    return sorted((x.row, x.column, x.message) for x in e.value.errors)


# p: January, February, April, May all 好: the gap (no March) breaks the run, so no
# three consecutive months: never paid.  q: January to March 好: paid in March.
GAP = _records(("p", "2024-01", 95, False), ("p", "2024-02", 95, False), ("p", "2024-04", 95, False),
               ("p", "2024-05", 95, False), ("q", "2024-01", 95, False), ("q", "2024-02", 95, False),
               ("q", "2024-03", 95, False))

# r: March is excluded (停岗): January, February | April, May, June: paid in June only.
EXCLUDED = _records(("r", "2024-01", 95, False), ("r", "2024-02", 95, False), ("r", "2024-03", 95, True),
                    ("r", "2024-04", 95, False), ("r", "2024-05", 95, False), ("r", "2024-06", 95, False))

# s, written four ways: 2024/11 好 1.2, 202412 合格 1.0 | 2025年1月 好 1.2, 2025-2 好 1.2.
# Year 2024 averages 1.1 -> 1100.00; year 2025 averages 1.2 -> 1200.00.  Quarters: 2024 Q4
# (Nov, Dec) 1.1 -> 1100.00; 2025 Q1 (Jan, Feb) 1.2 -> 1200.00.  No streak: December is 合格.
# t: November, December, January all 好: consecutive across the new year, paid in January.
YEARS = _records(("s", "2024/11", 95, False), ("s", "202412", 80, False), ("s", "2025年1月", 95, False),
                 ("s", "2025-2", 95, False), ("t", "2024-11", 95, False), ("t", "2024-12", 95, False),
                 ("t", "2025-01", 95, False))

# u: February and March are 2024 Q1, April is Q2: quarter averages 1.2 and 1.0.
QUARTERS = _records(("u", "2024-02", 95, False), ("u", "2024-03", 95, False), ("u", "2024-04", 70, False))


def test_a_missing_month_breaks_a_streak():
    res = _scored(MONTHLY, GAP)
    assert [res[("p", m)].awards["s3"] for m in ("2024-01", "2024-02", "2024-04", "2024-05")] == [D("0.00")] * 4
    assert res[("q", "2024-03")].awards["s3"] == D("100.00") and res[("q", "2024-02")].awards["s3"] == 0


def test_an_excluded_month_breaks_a_streak():
    res = _scored(MONTHLY, EXCLUDED)
    assert res[("r", "2024-03")].status == "excluded"
    paid = {m: res[("r", m)].awards["s3"] for m in ("2024-01", "2024-02", "2024-04", "2024-05", "2024-06")}
    assert paid == {"2024-01": 0, "2024-02": 0, "2024-04": 0, "2024-05": 0, "2024-06": D("100.00")}


def test_over_year_and_over_quarter_group_by_the_calendar_year_and_quarter():
    res = _scored(MONTHLY, YEARS)
    for period, year, quarter in (("2024/11", "1100.00", "1100.00"), ("202412", "1100.00", "1100.00"),
                                  ("2025年1月", "1200.00", "1200.00"), ("2025-2", "1200.00", "1200.00")):
        assert str(res[("s", period)].steps["year_avg"]) == year
        assert str(res[("s", period)].steps["quarter_avg"]) == quarter
    assert all(r.awards["s3"] == 0 for (who, _), r in res.items() if who == "s")
    assert res[("t", "2025-01")].awards["s3"] == D("100.00") and res[("t", "2024-12")].awards["s3"] == 0
    res = _scored(MONTHLY, QUARTERS)
    assert [str(res[("u", m)].steps["quarter_avg"]) for m in ("2024-02", "2024-03", "2024-04")] == \
        ["1200.00", "1200.00", "1000.00"]
    assert all(str(r.steps["year_avg"]) == "1133.33" for r in res.values())  # (1.2 + 1.2 + 1.0) / 3


# v: January, then March: March has no last period (February is missing).  w: December,
# then January: January's last period is December's 5% -> 10 + 2 × (5 - 2) = 16.
LAST_ROWS = [{"id": "v", "period": "2024-01", "leftover": "5%", "leftover.last": "4%"},
             {"id": "v", "period": "2024-03", "leftover": "2%"}]
LAST_ACROSS = [{"id": "w", "period": "2024-12", "leftover": "5%", "leftover.last": "4%"},
               {"id": "w", "period": "2025-01", "leftover": "2%"}]


# x: every x.last given, so x's periods are only labels; y needs January's value in February.
LAST_GIVEN = [{"id": "x", "period": "一月", "leftover": "5%", "leftover.last": "4%"},
              {"id": "x", "period": "二月", "leftover": "2%", "leftover.last": "5%"},
              {"id": "y", "period": "2024-01", "leftover": "5%", "leftover.last": "4%"},
              {"id": "y", "period": "2024-02", "leftover": "2%"}]
LAST_UNREAD = [{"id": "z", "period": "一月", "leftover": "5%", "leftover.last": "4%"},
               {"id": "z", "period": "二月", "leftover": "2%"}]


def test_last_period_is_the_previous_calendar_period_only():
    assert _refused(LAST, LAST_ROWS) == [(3, "leftover.last", "needs last period's 'leftover' and the data has none")]
    res = _scored(LAST, LAST_ACROSS)
    assert res[("w", "2025-01")].steps["left"] == 16
    res = _scored(LAST, LAST_GIVEN)
    assert res[("x", "二月")].steps["left"] == 16 and res[("y", "2024-02")].steps["left"] == 16
    assert _refused(LAST, LAST_UNREAD) == [
        (2, "period", "z's period '一月' is not a month: the rubric's periods are monthly"),
        (3, "period", "z's period '二月' is not a month: the rubric's periods are monthly")]


UNDECLARED = MONTHLY.replace("period monthly\n", "")
YEARLY = MONTHLY.replace("period monthly", "period yearly")

# (rubric, rows, the errors: (row, column, message))
BAD = [
    ("not-the-rubrics-kind", MONTHLY, _records(("p", "2024-01", 95, False), ("p", "2024Q1", 95, False)),
     [(3, "period", "p's period '2024Q1' is not a month: the rubric's periods are monthly")]),
    ("free-text", MONTHLY, _records(("p", "一月", 95, False), ("p", "2024-02", 95, False)),
     [(2, "period", "p's period '一月' is not a month: the rubric's periods are monthly")]),
    ("two-kinds", UNDECLARED, _records(("p", "2024-01", 95, False), ("p", "2024Q2", 95, False)),
     [(3, "period", "p's period '2024Q2' is not written like '2024-01' (row 2): kpi cannot tell which comes first")]),
    ("first-unread", UNDECLARED, _records(("p", "Jan", 95, False), ("p", "2024-02", 95, False)),
     [(2, "period", "p's period 'Jan' is not a calendar period: kpi cannot tell which comes first")]),
    ("same-month-twice", MONTHLY, _records(("p", "2024-1", 95, False), ("p", "2024-01", 95, False)),
     [(3, "period", "p's period '2024-01' is the same month as '2024-1' (row 2)")]),
    ("a-year-has-no-quarter", YEARLY, _records(("p", "2024", 95, False), ("p", "2025", 95, False)),
     [(2, "period", "p's period '2024' is a year: `over quarter` needs months or quarters"),
      (3, "period", "p's period '2025' is a year: `over quarter` needs months or quarters")]),
    ("excluded-row-not-read", MONTHLY, _records(("p", "2024-01", 95, False), ("p", "2024-02", 95, False),
                                                 ("p", "停岗", 95, True), ("p", "2024-3", 95, False),
                                                 ("p", "一月", 95, False)),
     [(6, "period", "p's period '一月' is not a month: the rubric's periods are monthly")]),
]


@pytest.mark.parametrize("name,text,records,want", BAD, ids=[b[0] for b in BAD])
def test_a_period_that_cannot_be_put_in_time_order_is_a_data_error(name, text, records, want):
    assert _refused(text, records) == want


def test_an_undeclared_kind_reads_each_persons_periods_as_one_kind():
    res = _scored(UNDECLARED, _records(("p", "2024Q4", 95, False), ("p", "2025Q1", 95, False),
                                       ("p", "2025-Q2", 95, False), ("q", "2024-12", 95, False)))
    assert res[("p", "2025-Q2")].awards["s3"] == D("100.00")  # three consecutive quarters
    assert str(res[("p", "2024Q4")].steps["year_avg"]) == "1200.00"


# One row a person (this month's sheet, no period column): nothing to put in order.
SINGLE = [{"id": who, "a": a, "off": "否"} for who, a in (("p", "95"), ("q", "70"))]


def test_a_persons_only_row_needs_no_period():
    res = _scored(MONTHLY, SINGLE)
    assert str(res[("p", "")].steps["year_avg"]) == "1200.00" and res[("p", "")].awards["s3"] == 0
    assert _refused(LAST, [{"id": "v", "leftover": "2%"}]) == [
        (2, "leftover.last", "needs last period's 'leftover' and the data has none")]


def test_free_text_periods_stay_allowed_where_no_rule_needs_their_order():
    plain = '''rubric "x"\ninput n: count\nitem a "A" points 10 { deduct 1 per n }\n'''
    res = _scored(plain, [{"id": "p", "period": "一月", "n": "1"}, {"id": "p", "period": "二月", "n": "2"}])
    assert res[("p", "一月")].steps["total"] == 9 and res[("p", "二月")].steps["total"] == 8


# ---- the same on the SQL engines --------------------------------------------------------------------
ENGINE_CASES = [("gap", MONTHLY, GAP), ("excluded", MONTHLY, EXCLUDED), ("years", MONTHLY, YEARS),
                ("quarters", MONTHLY, QUARTERS), ("last-gap", LAST, LAST_ROWS), ("last-across", LAST, LAST_ACROSS),
                ("last-given", LAST, LAST_GIVEN), ("last-unread", LAST, LAST_UNREAD), ("single", MONTHLY, SINGLE),
                ("last-single", LAST, [{"id": "v", "leftover": "2%"}]),
                *((f"bad-{name}", text, records) for name, text, records, _ in BAD)]


# the PostgreSQL cases run where the other PostgreSQL tests run (conftest.py: one server, one worker)
@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=[pytest.mark.postgres,
                                                                                pytest.mark.xdist_group("postgres")])])
def engine(request):
    if request.param == "duckdb":
        from engines import DuckDB
        db = DuckDB()
        yield db
        db.con.close()
    else:
        from engines import Postgres
        yield Postgres(request.getfixturevalue("postgres"))


@pytest.mark.parametrize("name,text,records", ENGINE_CASES, ids=[c[0] for c in ENGINE_CASES])
def test_calendar_periods_in_sql_equal_python(engine, name, text, records):
    scorer, rows = _case(text, records)
    engine.same(scorer, rows, name)


# ---- a law: streaks over calendar months, against a month counter written here -----------------------


def test_streaks_count_calendar_months_as_a_month_counter_does():
    """Over random sheets (months missing, excluded or failing, spelled two ways), `for 3
    periods award 100元` pays in exactly the months a plain counter pays: it counts
    consecutive calendar months whose condition holds, resets on a gap, an exclusion or a
    failure, and pays and starts again at 3."""
    from hypothesis import HealthCheck, assume, given, settings
    from hypothesis import strategies as st

    # None: missing; mostly good months, so runs of 6 and more (paid twice) come up
    month = st.sampled_from([None, (95, False), (95, False), (95, False), (95, False), (80, False), (95, True)])

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(month, min_size=1, max_size=20), st.booleans())
    def law(months, slashes):
        rows, want = [], {}
        run = 0
        for i, m in enumerate(months):
            y, mo = 2024 + i // 12, i % 12 + 1
            if m is None:
                run = 0
                continue
            score, off = m
            period = f"{y}/{mo}" if slashes and i % 2 else f"{y}-{mo:02d}"
            rows.append(("p", period, score, off))
            if off:
                run = 0
                continue
            run = run + 1 if score >= 90 else 0
            want[period] = D(100) if run == 3 else D(0)
            if run == 3:
                run = 0
        assume(rows)  # a sheet with no rows at all is another test's business
        res = _scored(MONTHLY, _records(*rows))
        got = {period: r.awards["s3"] for (_, period), r in res.items() if r.status == "scored"}
        assert got == want, (months, got, want)

    law()


# The advice for a problem with a period comes from the problem's words (the SQL engine
# gives the words only): each problem's own advice, though the person and the period
# (quoted) may say anything, even another problem's words.
HOSTILE = "x is not a calendar period: kpi cannot tell which comes first"
PERIOD_PROBLEMS = [
    ("month", f"p's period 'Jan' is not a month: the rubric's periods are {periods.SETTING['month']}",
     f"write a month as {periods.spellings('month')}"),
    (None, "p's period 'Jan' is not a calendar period: kpi cannot tell which comes first",
     f"write {periods.spellings(None)}"),
    (None, f"{HOSTILE}'s period '2024Q1' is not written like '{HOSTILE}' (row 2): kpi cannot tell which comes first",
     "write every period of a person as the same kind, e.g. 2024-01, 2024-02"),
    (None, f"p's period '2024Q1' is not written like '{HOSTILE}': kpi cannot tell which comes first",
     "write every period of a person as the same kind, e.g. 2024-01, 2024-02"),
    (None, "p's period '2024' is a year: `over quarter` needs months or quarters",
     "write the periods as months (2024-01) or quarters (2024Q1)"),
    (None, f"p's period '2024-01' is the same month as '{HOSTILE}' (row 2)", "a person has one row a period"),
    (None, f"p's period '2024-01' is the same month as '{HOSTILE}'", "a person has one row a period"),
]


@pytest.mark.parametrize(("kind", "problem", "hint"), PERIOD_PROBLEMS)
def test_a_period_problem_gets_its_own_advice(kind, problem, hint):
    from kpidsl.data.problems import period_hint

    assert period_hint(problem, kind) == hint
