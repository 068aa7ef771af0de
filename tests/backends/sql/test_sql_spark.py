"""The SQL backend's Spark SQL on a local pyspark session (Java 17), held to the Python
evaluator: the shipped rubrics it translates, the hand-worked table of rounding and
division, and generated rubrics.  Exact DECIMAL: precision loss off, ANSI mode on.
The session's one Spark session (the `spark` fixture, tests/conftest.py) serves this module and
test_distribution.py; the test extra installs pyspark: without it, skipped on a developer's
machine and failed in CI."""

from __future__ import annotations

import group_stats_cases
import pytest
import rubric_gen  # the generator of rubrics and rows, shared by the property tests
import sql_diff
from hypothesis import HealthCheck, given, settings


@pytest.mark.parametrize("name,rubric,data", sql_diff.shipped(), ids=[c[0] for c in sql_diff.shipped()])
def test_shipped_rubric_example_on_spark_equals_python(spark, name, rubric, data):
    # a shipped rubric the backend cannot translate (SQLError) fails here: every one is translated
    scorer, rows = sql_diff.shipped_case(rubric, data)
    spark.same(scorer, rows, name)


def test_rounding_on_spark_matches_the_hand_worked_table(spark):
    assert sql_diff.check_rounding("spark", spark.load, spark.fetch) == 4 * len(sql_diff.ROUNDING)


def test_division_on_spark_matches_the_hand_worked_table(spark):
    assert sql_diff.check_division("spark", spark.load, spark.fetch) > len(sql_diff.DIVISION)


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(rubric_gen.rubric_and_rows())
def test_generated_simple_rubrics_on_spark_equal_python(spark, case):
    sql_diff.generated(*case, spark.same)


def test_a_shared_award_and_a_quota_note_on_spark_equal_python(spark):
    # a three-way tie for best in team (each winner names the others) and a quota that moves one
    import test_sql

    from kpidsl.api import Scorer, load_text
    from kpidsl.lower.lowerer import lower

    rows = [{"id": p, "period": "2024-01", "team": t, "a": a} for p, t, a in [
        ("p1", "A", "95"), ("p2", "A", "50"), ("p3", "A", "91"), ("p4", "A", "99"), ("q1", "B", "70")]]
    award = 'award best "最佳" 200元 to best total per team\n'
    for text in (test_sql.QUOTA, test_sql.QUOTA + award):
        scorer = Scorer(lower(load_text(text, "t.kpi")[0]))
        spark.same(scorer, scorer.rows(rows), text)


@pytest.mark.parametrize("case", sql_diff.TYPED_CASES)
def test_a_typed_table_s_bad_inputs_are_refused_in_the_reader_s_words_on_spark(spark, case):
    # `kpi sql` reads a user's table, not through kpi's reader: the query checks every input
    assert sql_diff.typed_refusals(case, "spark", spark.load, spark.fetch) == sql_diff.typed_want(case)


# Not yet the calibration (0) nor every statistic at once (4): a standard deviation is a
# division then a root of one layer per digit, more layers than Spark's analyzer resolves
# (it stops at 100 iterations).  Known and reported; a root with fewer layers is the fix.
@pytest.mark.parametrize("case", [1, 2, 3])
def test_group_statistics_and_square_roots_on_spark_equal_python(spark, case):
    what, s, rows = group_stats_cases.every_case()[case]
    spark.same(s, rows, what)
