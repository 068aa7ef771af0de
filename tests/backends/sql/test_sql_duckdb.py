"""The SQL backend on DuckDB, held to the Python evaluator digit for digit: every shipped
rubric's example sheet, and generated rubrics and data (tests/rubric_gen.py, flat and
rich: pools, quotas, best-of awards, streaks), written the way `kpi eval` writes them.
The quotient and rounding SQL is also checked against hand-worked values, every mode,
sign and step, ties and not."""

from __future__ import annotations

import pytest
import rubric_gen  # the generator of rubrics and rows, shared by the property tests
import sql_diff
from engines import DuckDB
from hypothesis import HealthCheck, given, settings


@pytest.fixture(scope="module")
def db():
    d = DuckDB()
    yield d
    d.con.close()


@pytest.mark.slow
@pytest.mark.parametrize("name,rubric,data", sql_diff.shipped(), ids=[c[0] for c in sql_diff.shipped()])
def test_shipped_rubric_example_on_duckdb_equals_python(db, name, rubric, data):
    # a shipped rubric the backend cannot translate (SQLError) fails here: every one is translated
    scorer, rows = sql_diff.shipped_case(rubric, data)
    db.same(scorer, rows, name)


EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.slow
@EXAMPLES
@given(rubric_gen.rubric_and_rows(rich=True))  # pools, quotas, best-of awards, streaks
def test_generated_rubrics_on_duckdb_equal_python(db, case):
    sql_diff.generated(*case, db.same)


@pytest.mark.slow
@EXAMPLES
@given(rubric_gen.rubric_and_rows())
def test_generated_simple_rubrics_on_duckdb_equal_python(db, case):
    sql_diff.generated(*case, db.same)


def test_rounding_on_duckdb_matches_the_hand_worked_table(db):
    assert sql_diff.check_rounding("duckdb", db.load, db.fetch) == 4 * len(sql_diff.ROUNDING)


def test_division_on_duckdb_matches_the_hand_worked_table(db):
    assert sql_diff.check_division("duckdb", db.load, db.fetch) > len(sql_diff.DIVISION)


@pytest.mark.parametrize("case", sql_diff.TYPED_CASES)
def test_a_typed_table_s_bad_inputs_are_refused_in_the_reader_s_words_on_duckdb(db, case):
    # `kpi sql` reads a user's table, not through kpi's reader: the query checks every input
    assert sql_diff.typed_refusals(case, "duckdb", db.load, db.fetch) == sql_diff.typed_want(case)
