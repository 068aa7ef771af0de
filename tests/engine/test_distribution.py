"""Rank-based grades (`grade … top|bottom SHARE`, `distribute grades …`) and best-in-group
tie policies: the 20-70-10 cut worked by hand for every group size from 1 to 12 under each
rounding, ties at a cut, a property over any group and scores, and DuckDB (PostgreSQL and
Spark too, where they run) held to the Python evaluator on the same rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpidsl.api import Scorer, load_text
from kpidsl.check.checker import check
from kpidsl.cli.diff import describe_changes
from kpidsl.engine import batch_rank
from kpidsl.lower.lowerer import lower
from kpidsl.syntax.formatter import format_text
from kpidsl.syntax.parser import parse

HEAD = '''rubric "分布"
group team "团队"
input q "质量": number range 0..100
input seniority "司龄": number range 0..50
item a "A" points 100 { proportional q / 100 }
grade top "优秀" top 20%
grade mid "合格" otherwise
grade low "待改进" bottom 10%
'''


def rubric(rounding="half up", ties="share the better grade", extra=""):
    return HEAD + f"distribute grades per team rounded {rounding} ties {ties}\n" + extra


def scorer_of(text):
    program, diagnostics = load_text(text, "t.kpi")
    assert program is not None and not [d for d in diagnostics if d.severity == "error"], diagnostics
    problems = [d for d in check(program) if d.severity == "error"]
    assert not problems, problems
    return Scorer(lower(program))


def rows_of(scores, team="x", seniority=None):
    return [{"id": f"p{i + 1:02d}", "period": "2024-01", "team": team, "q": str(s),
             "seniority": str(seniority[i] if seniority else 0)} for i, s in enumerate(scores)]


def graded(scorer, records):
    results = scorer.evaluate(records)
    names = [g.label for g in scorer.plan.grades]
    return {r.person: names[r.grade] for r in results}, {r.person: r.notes for r in results}


# (top, bottom) people of a group of n, 20% and 10%, worked by hand: 20% of 7 is 1.4, 10% is 0.7.
HAND = {
    "down":    {1: (0, 0), 2: (0, 0), 3: (0, 0), 4: (0, 0), 5: (1, 0), 6: (1, 0), 7: (1, 0), 8: (1, 0),
                9: (1, 0), 10: (2, 1), 11: (2, 1), 12: (2, 1)},
    # ceil: one person is the whole top 20% of a group of 1, and nobody is left for the bottom
    "up":      {1: (1, 0), 2: (1, 1), 3: (1, 1), 4: (1, 1), 5: (1, 1), 6: (2, 1), 7: (2, 1), 8: (2, 1),
                9: (2, 1), 10: (2, 1), 11: (3, 2), 12: (3, 2)},
    # half up: 0.5 (10% of 5) is 1, 0.4 (20% of 2) is 0, 1.6 (20% of 8) is 2
    "half up": {1: (0, 0), 2: (0, 0), 3: (1, 0), 4: (1, 0), 5: (1, 1), 6: (1, 1), 7: (1, 1), 8: (2, 1),
                9: (2, 1), 10: (2, 1), 11: (2, 1), 12: (2, 1)},
}


@pytest.mark.parametrize("rounding", list(HAND))
def test_the_20_70_10_cut_for_groups_of_1_to_12(rounding):
    scorer = scorer_of(rubric(rounding))
    for n, (top, bottom) in HAND[rounding].items():
        scores = [99 - 7 * i for i in range(n)]  # distinct, best first: p01 is the best
        grades, _ = graded(scorer, rows_of(scores))
        want = ["优秀"] * top + ["合格"] * (n - top - bottom) + ["待改进"] * bottom
        assert [grades[f"p{i + 1:02d}"] for i in range(n)] == want, (rounding, n)


def test_a_group_is_counted_per_period_and_team():
    scorer = scorer_of(rubric("half up"))
    records = rows_of([90, 80, 70, 60, 50], "x") + rows_of([95, 85], "y")
    records += [dict(r, period="2024-02", id=r["id"]) for r in rows_of([90, 80, 70, 60, 50], "x")]
    results = scorer.evaluate(records)
    names = [g.label for g in scorer.plan.grades]
    got = [(r.person, r.period, r.row.groups["team"], names[r.grade]) for r in results]
    assert got[:5] == [("p01", "2024-01", "x", "优秀"), ("p02", "2024-01", "x", "合格"), ("p03", "2024-01", "x", "合格"),
                       ("p04", "2024-01", "x", "合格"), ("p05", "2024-01", "x", "待改进")]
    assert [g for *_, g in got[5:7]] == ["合格", "合格"]  # 20% of 2 is 0.4: nobody
    assert [g for *_, g in got[7:]] == ["优秀", "合格", "合格", "合格", "待改进"]


def test_the_notes_name_the_share_the_count_and_the_rank():
    _, notes = graded(scorer_of(rubric("half up")), rows_of([90, 80, 70, 60, 50]))
    assert notes["p01"] == ["优秀: top 20% of team 'x' is 1 of 5, rounded half up; ranked 1 by total"]
    assert notes["p05"] == ["待改进: bottom 10% of team 'x' is 1 of 5, rounded half up; ranked 5 by total"]
    assert notes["p03"] == []


def test_people_tied_at_a_top_cut_all_get_the_better_grade():
    # 20% of 10 is 2; p02, p03 and p04 tie for second: all three are 优秀
    grades, notes = graded(scorer_of(rubric("down")), rows_of([95, 90, 90, 90, 80, 70, 60, 50, 40, 30]))
    assert [grades[f"p{i:02d}"] for i in range(1, 6)] == ["优秀", "优秀", "优秀", "优秀", "合格"]
    assert notes["p04"] == ["优秀: top 20% of team 'x' is 2 of 10, rounded down; ranked 2 by total; "
                            "tied at the cut, all 3 get 优秀"]
    assert notes["p01"] == ["优秀: top 20% of team 'x' is 2 of 10, rounded down; ranked 1 by total"]


def test_people_tied_at_a_bottom_cut_all_get_the_better_grade():
    # 10% of 10 is 1; p09 and p10 tie for last: neither is 待改进
    grades, notes = graded(scorer_of(rubric("down")), rows_of([95, 90, 85, 80, 75, 70, 65, 60, 40, 40]))
    assert grades["p09"] == grades["p10"] == "合格"
    assert notes["p10"] == ["not 待改进: tied at the cut (bottom 10% of team 'x' is 1 of 10, rounded down); "
                            "ranked 9 by total, all 2 get the better grade"]


def test_tie_breaks_rank_the_tied_and_whoever_is_still_tied_shares():
    text = rubric("down", "by seniority then share the better grade")
    # p02 and p03 tie on total; seniority puts p03 first, so p03 alone is 优秀 with p01
    scores, years = [95, 90, 90, 80, 70, 60, 50, 40, 30, 20], [1, 2, 5, 0, 0, 0, 0, 0, 0, 0]
    grades, notes = graded(scorer_of(text), rows_of(scores, seniority=years))
    assert [grades[p] for p in ("p01", "p02", "p03")] == ["优秀", "合格", "优秀"]
    assert notes["p03"] == ["优秀: top 20% of team 'x' is 2 of 10, rounded down; ranked 2 by total, seniority"]
    # equal seniority too: both share the better grade
    grades, _ = graded(scorer_of(text), rows_of(scores, seniority=[1, 5, 5, 0, 0, 0, 0, 0, 0, 0]))
    assert [grades[p] for p in ("p01", "p02", "p03")] == ["优秀", "优秀", "优秀"]


FIVE = '''rubric "五级"
group team "团队"
input q "质量": number range 0..100
item a "A" points 100 { proportional q / 100 }
grade gs "S" top 10%
grade ga "A" top 20%
grade gb "B" otherwise
grade gc "C" bottom 20%
grade gd "D" bottom 10%
distribute grades per team rounded half up ties share the better grade
'''


def test_five_grades_cut_from_the_top_down_and_the_bottom_up():
    # 10 people: 1 S, 2 A, 4 B, 2 C, 1 D
    grades, _ = graded(scorer_of(FIVE), rows_of([99 - 5 * i for i in range(10)]))
    assert [grades[f"p{i:02d}"] for i in range(1, 11)] == ["S", "A", "A", "B", "B", "B", "B", "C", "C", "D"]


def test_the_form_and_a_lone_row_hold_the_otherwise_grade():
    # row by row (the form) nobody is ranked: like a quota, the distribution applies to the batch
    plan = scorer_of(rubric()).plan
    from kpidsl import interpret
    for g in plan.grades:
        if g.cond is not None:
            assert interpret.truth(g.cond, {}, {"total": Decimal(100)}) is False


AWARD = '''rubric "最佳"
group team "团队"
input q "质量": number range 0..100
input seniority "司龄": number range 0..50
item a "A" points 100 { proportional q / 100 }
'''


@pytest.mark.parametrize("ties,scores,years,want,note", [
    ("", [90, 90, 80], [1, 2, 3], {"p01", "p02"}, "最佳: tied with p02"),  # today: pay everyone tied
    (" ties share", [90, 90, 80], [1, 2, 3], {"p01", "p02"}, "最佳: tied with p02"),
    (" ties by seniority then share", [90, 90, 80], [1, 2, 3], {"p02"}, None),
    (" ties by seniority then share", [90, 90, 80], [2, 2, 3], {"p01", "p02"}, "最佳: tied with p02"),
    (" ties by seniority, q then share", [90, 90, 80], [2, 2, 3], {"p01", "p02"}, "最佳: tied with p02"),
    # 每部门选一个最高分: p01 and p02 tie on 90; p01 comes first by id, and each of the two is told so
    (" ties pick one by id", [90, 90, 80], [1, 2, 3], {"p01"}, "最佳: tied with p02; given to p01, the first by id"),
    # seniority leaves p01 and p03 (2 years) tied; p02 (1 year) is out; the first by id is p01
    (" ties by seniority then pick one by id", [90, 90, 90, 80], [2, 1, 2, 3], {"p01"},
     "最佳: tied with p03; given to p01, the first by id"),
    # seniority alone decides: nobody is left tied, so no note
    (" ties by seniority then pick one by id", [90, 90, 80], [1, 2, 3], {"p02"}, None),
])
def test_a_best_in_group_award_under_each_tie_policy(ties, scores, years, want, note):
    scorer = scorer_of(AWARD + f'award best "最佳" 200元 to best total per team{ties}\n')
    results = scorer.evaluate(rows_of(scores, seniority=years))
    assert {r.person for r in results if r.awards["best"] > 0} == want
    assert (results[0].notes or [None])[0] == note


def test_the_pick_is_the_first_id_in_code_point_order_not_the_first_row():
    # ids compared character by character, by code point: "B" (U+0042) before "a" (U+0061); "a10" before
    # "a9" as "1" comes before "9"; every Latin letter before 张 (U+5F20).  So B < a10 < a9 < b < 张三.
    scorer = scorer_of(AWARD + 'award best "最佳" 200元 to best total per team ties pick one by id\n')
    for ids, first in ((["张三", "b", "a9", "a10"], "a10"), (["b", "B"], "B"), (["张三", "b"], "b")):
        records = [dict(r, id=i) for r, i in zip(rows_of([90] * len(ids)), ids)]
        results = scorer.evaluate(records)
        assert [r.person for r in results if r.awards["best"] > 0] == [first]


@pytest.mark.parametrize("text,code", [
    (HEAD.replace("top 20%", "top 2") + "distribute grades per team rounded down ties share the better grade\n",
     "KPI181"),
    (HEAD.replace("top 20%", "top 120%") + "distribute grades per team rounded down ties share the better grade\n",
     "KPI181"),
    (HEAD.replace("top 20%", "top 95%") + "distribute grades per team rounded down ties share the better grade\n",
     "KPI182"),
    (HEAD, "KPI183"),
    (HEAD + "distribute grades per team rounded down ties share the better grade\n" * 2, "KPI183"),
    (AWARD + 'grade ok "合格" otherwise\ndistribute grades per team rounded down ties share the better grade\n',
     "KPI183"),
    (HEAD.replace('grade mid "合格" otherwise', 'grade mid "合格" when >= 0')
     + "distribute grades per team rounded down ties share the better grade\n", "KPI184"),
    (HEAD.replace('grade mid "合格" otherwise\n', '') + 'grade mid "合格" otherwise\n'
     + "distribute grades per team rounded down ties share the better grade\n", "KPI184"),
    (HEAD.replace('grade mid "合格" otherwise\n', '')
     + "distribute grades per team rounded down ties share the better grade\n", "KPI184"),
    (rubric(extra="quota top at most 10% per team\n"), "KPI184"),
    (rubric(ties="by coefficient then share the better grade"), "KPI185"),
    (rubric(ties="by p then share the better grade", extra='pay p "奖金" = 100元\n'), "KPI185"),
    # only the person key tells the tied apart: `id` here, as no `person` line names another
    (AWARD + 'award best "最佳" 200元 to best total per team ties pick one by seniority\n', "KPI186"),
    (AWARD + 'person emp "工号"\naward best "最佳" 200元 to best total per team ties pick one by id\n', "KPI186"),
])
def test_checks(text, code):
    program, diagnostics = load_text(text, "t.kpi")
    assert program is not None
    codes = [d.code for d in diagnostics + check(program) if d.severity == "error"]
    assert codes == [code], codes


def test_an_undeclared_group_is_an_undefined_name():
    program, _ = load_text(rubric().replace("per team", "per dept"), "t.kpi")
    assert program is not None
    assert any("dept" in d.message for d in check(program) if d.severity == "error")


def test_kpi_fmt_prints_it_back():
    text = (rubric("half up", "by seniority, q / 2 then share the better grade")
            + 'award best "最佳" 200元 to best total per team ties by seniority then share\n'
            + 'award best2 "最佳2" 100元 to best q per team ties share\n'
            + 'award best3 "最佳3" 100元 to best q per team ties by seniority then pick one by id\n'
            + 'award best4 "最佳4" 100元 to best q per team ties pick one by id\n')
    once = format_text(text, "t.kpi")
    assert "grade top \"优秀\" top 20%\n" in once and "grade low \"待改进\" bottom 10%\n" in once
    assert "distribute grades per team rounded half up ties by seniority, q / 2 then share the better grade\n" in once
    assert "to best total per team ties by seniority then share\n" in once
    assert "to best q per team ties share\n" in once
    assert "to best q per team ties by seniority then pick one by id\n" in once
    assert "to best q per team ties pick one by id\n" in once
    assert format_text(once, "t.kpi") == once


def test_kpi_diff_describes_a_share_and_the_distribute_line():
    old = parse(rubric("half up"), "a.kpi").statements
    new = parse(rubric("up").replace("top 20%", "top 25%"), "b.kpi").statements
    assert describe_changes(list(old), list(new)) == [
        "grade `top` (优秀): top 20% → top 25%",
        "removed: distribute grades per team rounded half up ties share the better grade",
        "added: distribute grades per team rounded up ties share the better grade",
    ]


# ---- the property, and the engines ------------------------------------------------------------

CASES = st.tuples(
    st.sampled_from(list(HAND)),
    st.lists(st.integers(0, 6).map(lambda x: 40 + 10 * x), min_size=1, max_size=14),
    st.booleans(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(CASES)
def test_counts_are_the_declared_rounding_bar_ties(case):
    rounding, scores, distinct = case
    if distinct:
        scores = [s + i for i, s in enumerate(scores)]  # q ≤ 100: at most 14 people over 40..100
        scores = [min(s, 100) for s in scores]
    n = len(scores)
    grades, _ = graded(scorer_of(rubric(rounding)), rows_of(scores))
    people = [f"p{i + 1:02d}" for i in range(n)]
    top = [p for p in people if grades[p] == "优秀"]
    low = [p for p in people if grades[p] == "待改进"]
    k_top = batch_rank.share_count(Decimal("0.2"), n, rounding)
    k_low = min(batch_rank.share_count(Decimal("0.1"), n, rounding), n - len(top))
    score = dict(zip(people, scores))
    rank = {"优秀": 0, "合格": 1, "待改进": 2}
    for p in people:
        for o in people:  # never a worse grade for a better total; tied people share one grade
            if score[p] > score[o]:
                assert rank[grades[p]] <= rank[grades[o]]
            if score[p] == score[o]:
                assert grades[p] == grades[o]
    if len(set(scores)) == n:
        assert (len(top), len(low)) == (k_top, k_low)
    else:  # a tie at a cut moves it toward the better grade only
        assert len(top) >= k_top and len(low) <= k_low


@pytest.fixture(scope="module")
def db():
    # the harness the other DuckDB tests use; it skips (fails in CI) without DuckDB, per test, so
    # the pure-Python tests above never skip with it
    from engines import DuckDB

    return DuckDB()


# the hand-worked cases above, each on an engine: (rubric, rows)
ENGINE_CASES = [
    (rubric("down"), rows_of([95, 90, 90, 90, 80, 70, 60, 50, 40, 30])),
    (rubric("down"), rows_of([95, 90, 85, 80, 75, 70, 65, 60, 40, 40])),
    (rubric("up"), rows_of([90, 80]) + rows_of([70], "y")),
    (rubric("half up", "by seniority then share the better grade"),
     rows_of([95, 90, 90, 80, 70, 60, 50, 40, 30, 20], seniority=[1, 2, 5, 0, 0, 0, 0, 0, 0, 0])),
    (rubric("half up", extra="exclude when q < 45\n"), rows_of([90, 80, 70, 60, 50, 40])),
    (FIVE, rows_of([99 - 5 * i for i in range(10)])),
    (FIVE, rows_of([90, 90, 90, 80, 70, 70, 60, 60, 50, 50, 40, 40])),
    (AWARD + 'award best "最佳" 200元 to best total per team ties by seniority then share\n',
     rows_of([90, 90, 80], seniority=[1, 2, 3])),
    (AWARD + 'award best "最佳" 200元 to best total per team ties by seniority, q then share\n',
     rows_of([90, 90, 80, 85, 85], seniority=[2, 2, 3, 1, 1])),
    # the pick: the first id in code point order (B < a10 < a9 < b < 张三), never the first row; two teams
    (AWARD + 'award best "最佳" 200元 to best total per team ties pick one by id\n',
     [dict(r, id=i) for r, i in zip(rows_of([90, 90, 90, 90, 70]) + rows_of([80, 80], "y"),
                                    ["张三", "b", "a9", "a10", "B", "b", "B"])]),
    (AWARD + 'award best "最佳" 200元 to best total per team ties by seniority then pick one by id\n',
     [dict(r, id=i) for r, i in zip(rows_of([90, 90, 90, 80], seniority=[2, 1, 2, 3]), ["张三", "a", "b", "c"])]),
]


@pytest.mark.parametrize("index", range(len(ENGINE_CASES)))
def test_hand_worked_cases_on_duckdb_equal_python(db, index):
    text, records = ENGINE_CASES[index]
    scorer = scorer_of(text)
    db.same(scorer, scorer.rows(records), text)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(CASES, st.lists(st.integers(0, 3), min_size=14, max_size=14), st.sampled_from(["x", "y"]))
def test_any_group_and_scores_on_duckdb_equal_python(db, case, years, split):
    rounding, scores, _ = case
    text = rubric(rounding, "by seniority then share the better grade")
    records = rows_of(scores, seniority=years[: len(scores)])
    records = [dict(r, team=split if i % 2 else "x") for i, r in enumerate(records)]
    scorer = scorer_of(text)
    db.same(scorer, scorer.rows(records), text)


@pytest.mark.parametrize("index", range(len(ENGINE_CASES)))
def test_hand_worked_cases_on_postgres_equal_python(postgres, index):
    from engines import Postgres

    text, records = ENGINE_CASES[index]
    scorer = scorer_of(text)
    Postgres(postgres).same(scorer, scorer.rows(records), text)


def test_hand_worked_cases_on_spark_equal_python(spark):
    # the session's one Spark session (tests/conftest.py), shared with test_sql_spark.py
    for text, records in ENGINE_CASES:
        scorer = scorer_of(text)
        spark.same(scorer, scorer.rows(records), text)


DOC_EXAMPLE = '''rubric "销售季度考核"
group team "团队"
input sales "销售达成率": percent
input seniority "司龄": number range 0..50
item a "销售达成" points 100 { proportional sales }
grade top "优秀" top 20% coefficient 1.2
grade pass "合格" otherwise coefficient 1
grade low "待改进" bottom 10% coefficient 0.8
distribute grades per team rounded half up ties by seniority then share the better grade
'''


def test_the_language_reference_example_scores_as_worked_by_hand(db):
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "language.md").read_text(encoding="utf-8")
    assert DOC_EXAMPLE in page
    scorer = scorer_of(DOC_EXAMPLE)
    # 6 people: 20% is 1.2 -> 1, 10% is 0.6 -> 1 (half up); b and c tie on 90%, c is senior
    sales = [("a", 95, 1), ("b", 90, 1), ("c", 90, 4), ("d", 80, 2), ("e", 70, 2), ("f", 60, 9)]
    records = [{"id": p, "period": "2024Q1", "team": "东区", "sales": f"{s}%", "seniority": str(y)} for p, s, y in sales]
    results = scorer.evaluate(records)
    assert [(r.person, f"{r.steps['total']:.0f}", str(r.steps["coefficient"])) for r in results] == [
        ("a", "95", "1.2"), ("b", "90", "1"), ("c", "90", "1"), ("d", "80", "1"), ("e", "70", "1"), ("f", "60", "0.8")]
    assert results[0].notes == ["优秀: top 20% of team '东区' is 1 of 6, rounded half up; ranked 1 by total, seniority"]
    db.same(scorer, scorer.rows(records), DOC_EXAMPLE)


def test_the_pick_ignores_a_person_column_collated_otherwise_on_postgres(postgres):
    # A user's table may order text by a language's rules (ICU: "a9" < "b" < "B"); the pick still
    # follows code points, as Python does: "B" (U+0042) before "a9" and "b" (U+0061, U+0062).
    import sql_diff
    from engines import Postgres

    icu = postgres.execute("SELECT collname FROM pg_collation WHERE collname = 'und-x-icu'").fetchall()
    assert icu, "this PostgreSQL has no ICU collation to order text another way"
    scorer = scorer_of(AWARD + 'award best "最佳" 200元 to best total per team ties pick one by id\n')
    records = [dict(r, id=i) for r, i in zip(rows_of([90, 90, 90]), ["b", "a9", "B"])]
    rows = scorer.rows(records)
    columns = [(n, 'TEXT COLLATE "und-x-icu"' if n == scorer.plan.person else t)
               for n, t in sql_diff.columns(scorer.plan)]
    engine = Postgres(postgres)
    engine.load(scorer.plan, rows, columns)
    ordered = [r[0] for r in postgres.execute(f"SELECT id FROM {sql_diff.TABLE} ORDER BY id").fetchall()]
    assert ordered == ["a9", "b", "B"]  # the column's own order is not the code points'
    assert [r.person for r in scorer.evaluate(records) if r.awards["best"] > 0] == ["B"]
    sql_diff.assert_same(scorer, rows, "postgres", lambda plan, rs: engine.load(plan, rs, columns), engine.fetch)
