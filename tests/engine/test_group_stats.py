"""Group statistics and square roots in the Python evaluator, against values worked by hand,
and on DuckDB against the Python evaluator (tests/sql_diff.py).

Worked by hand (tests/group_stats_cases.py's tables):

* department A scores 60, 70, 80, 90 (a fifth row excluded, so not counted): mean 75;
  squares of the deviations 225 + 25 + 25 + 225 = 500; population variance 500 / 4 = 125,
  sample variance 500 / 3 = 166.666…; standard deviations √125 = 11.18033988…,
  √166.666… = 12.90994448…; median (70 + 80) / 2 = 75; the 90th percentile at rank
  (4 − 1) × 0.9 = 2.7 from 0: 80 + 0.7 × (90 − 80) = 87; the 25th at 0.75: 60 + 0.75 × 10
  = 67.5; percent rank of 70: one of the three others is lower, 1/3.
* department B scores 85, 70, 85: mean 80; 100 + 25 + 25 = 150... as n Σx² − (Σx)² =
  3 × 19350 − 240² = 450: population 450 / 9 = 50, sample 450 / 6 = 75; √50 = 7.0710678…,
  √75 = 8.6602540…; median 85; 90th percentile at 1.8: 85 + 0.8 × 0 = 85; 25th at 0.5:
  70 + 0.5 × 15 = 77.5; percent rank of 85: one of two others lower, 1/2, of 70: 0.
* calibration 75 + 10 (x − mean) / sd: A 61.58, 70.53, 79.47, 88.42 (docs/patterns/calibration.kpi);
  B (sd √50): 70 → 75 − 10 × 10/7.0710678 = 60.86, 85 → 75 + 10 × 5/7.0710678 = 82.07.
"""

from __future__ import annotations

from decimal import Decimal

import group_stats_cases as cases
import pytest
from engines import DuckDB

from kpidsl.data.validate import DataProblems
from kpidsl.numbers.stats import sqrt, statistic


@pytest.fixture(scope="module")
def db():
    d = DuckDB()
    yield d
    d.con.close()


def _shown(s, results, names):
    places = {n: Decimal("0.0001") for n in names}
    return {r.person: tuple(str(r.steps[n].quantize(places[n])) for n in names) for r in results if r.status == "scored"}


def test_every_statistic_over_a_group_is_the_hand_worked_value():
    s = cases.scorer(cases.STATS)
    results = s.evaluator.evaluate(cases.stats_rows(s))
    assert _shown(s, results, ["vp", "vs", "sp", "ss", "md", "p90", "p25", "pr"]) == cases.STATS_WANT
    assert [r.status for r in results if r.person == "a5"] == ["excluded"]


def test_calibration_by_department_is_the_hand_worked_value():
    s = cases.scorer(cases.CALIBRATED)
    results = s.evaluator.evaluate(cases.rows(s, cases.CAL_ROWS))
    got = {r.person: (str(r.steps["c"]), s.plan.grades[r.grade].name) for r in results}
    assert got == {"E1": ("61.58", "c"), "E2": ("70.53", "b"), "E3": ("79.47", "b"), "E4": ("88.42", "a"),
                   "S1": ("60.86", "c"), "S2": ("82.07", "b"), "S3": ("82.07", "b")}


def test_a_sample_statistic_of_a_group_of_one_is_a_data_error_naming_the_row():
    s = cases.scorer(cases.ALONE)
    with pytest.raises(DataProblems) as e:
        s.evaluator.evaluate(cases.rows(s, cases.ALONE_ROWS))
    assert [(x.row, x.message) for x in e.value.errors] == [
        (4, "a sample standard deviation over dept needs at least two scored rows; this row's dept has one")]


def test_a_square_root_is_the_hand_worked_value():
    s = cases.scorer(cases.ROOTS)
    results = s.evaluator.evaluate(cases.rows(s, cases.ROOT_ROWS))
    assert {r.row.cells["x"]: str(r.steps["r"]) for r in results} == {
        Decimal(x): want for x, want in cases.ROOTS_WANT.items()}


def test_a_negative_square_root_is_a_data_error_naming_the_row():
    s = cases.scorer(cases.ROOTS)
    with pytest.raises(DataProblems) as e:
        s.evaluator.evaluate(cases.rows(s, cases.NEGATIVE_ROWS))
    assert [(x.row, x.message) for x in e.value.errors] == [(2, "square root of a negative number: -4")]


@pytest.mark.parametrize("x, want", [
    ("2", "1.4142135623730950488"),  # √2 = 1.41421356237309504880|168…: the 21st digit 1, kept; zero dropped
    ("3", "1.73205080756887729353"),  # 1.73205080756887729352|74…: up
    ("125", "11.18033988749894848205"),  # 11.18033988749894848204|586…: up
    ("10", "3.162277660168379332"),  # 3.16227766016837933199|889…: up to …33200
    ("156.25", "12.5"), ("0.0001", "0.01"), ("0", "0"),
    # exact roots with 21 places ending in 5: ties, to even
    ("1.000000000000000000010000000000000000000025", "1"),  # 1.000000000000000000005: …00|5 stays
    ("1.000000000000000000030000000000000000000225", "1.00000000000000000002"),  # …01|5 goes to …02
])
def test_sqrt_is_correct_to_twenty_places_ties_to_even(x, want):
    assert str(sqrt(Decimal(x))) == want


def test_statistics_of_a_list_by_hand():
    v = [Decimal(x) for x in ("60", "70", "80", "90")]
    assert statistic("variance_pop", "d", v, v[0], None) == 125
    assert statistic("median", "d", v[:3], v[0], None) == 70
    assert statistic("percentile", "d", v, v[0], Decimal("1")) == 90
    assert statistic("percentile", "d", v, v[0], Decimal("0")) == 60
    assert statistic("stddev_pop", "d", [Decimal(5)] * 3, Decimal(5), None) == 0  # all equal: 0, defined


@pytest.mark.parametrize("what, s, rows", cases.every_case(), ids=[c[0] for c in cases.every_case()])
def test_group_statistics_on_duckdb_equal_python(db, what, s, rows):
    db.same(s, rows, what)
