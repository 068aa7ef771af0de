"""The SQL backend on a real PostgreSQL server (the session's `postgres` fixture starts
one from Debian's package), held to the Python evaluator digit for digit: every shipped
rubric the backend translates, generated rubrics and data, and the hand-worked table of
rounding and division.  Skipped without PostgreSQL on a developer's machine, failed in CI."""

from __future__ import annotations

import group_stats_cases
import pytest
import rubric_gen  # the generator of rubrics and rows, shared by the property tests
import sql_diff
from engines import Postgres
from hypothesis import HealthCheck, given, settings


@pytest.fixture(scope="module")
def pg(postgres):
    return Postgres(postgres)


def test_the_server_is_postgresql(pg):
    assert pg.fetch("SELECT version() AS v")[0]["v"].startswith("PostgreSQL ")


@pytest.mark.parametrize("name,rubric,data", sql_diff.shipped(), ids=[c[0] for c in sql_diff.shipped()])
def test_shipped_rubric_example_on_postgres_equals_python(pg, name, rubric, data):
    # a shipped rubric the backend cannot translate (SQLError) fails here: every one is translated
    scorer, rows = sql_diff.shipped_case(rubric, data)
    pg.same(scorer, rows, name)


EXAMPLES = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


@EXAMPLES
@given(rubric_gen.rubric_and_rows(rich=True))  # pools, quotas, best-of awards, streaks
def test_generated_rubrics_on_postgres_equal_python(pg, case):
    sql_diff.generated(*case, pg.same)


@EXAMPLES
@given(rubric_gen.rubric_and_rows())
def test_generated_simple_rubrics_on_postgres_equal_python(pg, case):
    sql_diff.generated(*case, pg.same)


def test_rounding_on_postgres_matches_the_hand_worked_table(pg):
    assert sql_diff.check_rounding("postgres", pg.load, pg.fetch) == 4 * len(sql_diff.ROUNDING)


def test_division_on_postgres_matches_the_hand_worked_table(pg):
    assert sql_diff.check_division("postgres", pg.load, pg.fetch) > len(sql_diff.DIVISION)


def test_a_shared_award_and_a_quota_note_on_postgres_equal_python(pg):
    # a three-way tie for best in team (each winner names the others) and a quota that moves one
    import test_sql

    from kpidsl.api import Scorer, load_text
    from kpidsl.lower.lowerer import lower

    rows = [{"id": p, "period": "2024-01", "team": t, "a": a} for p, t, a in [
        ("p1", "A", "95"), ("p2", "A", "50"), ("p3", "A", "91"), ("p4", "A", "99"), ("q1", "B", "70")]]
    award = 'award best "最佳" 200元 to best total per team\n'
    for text in (test_sql.QUOTA, test_sql.QUOTA + award):
        scorer = Scorer(lower(load_text(text, "t.kpi")[0]))
        pg.same(scorer, scorer.rows(rows), text)


@pytest.mark.parametrize("case", sql_diff.TYPED_CASES)
def test_a_typed_table_s_bad_inputs_are_refused_in_the_reader_s_words_on_postgres(pg, case):
    # `kpi sql` reads a user's table, not through kpi's reader: the query checks every input
    assert sql_diff.typed_refusals(case, "postgres", pg.load, pg.fetch) == sql_diff.typed_want(case)


@pytest.mark.parametrize("case", range(len(group_stats_cases.every_case())))
def test_group_statistics_and_square_roots_on_postgres_equal_python(pg, case):
    what, s, rows = group_stats_cases.every_case()[case]
    pg.same(s, rows, what)
