"""What a formula may read (checks/phases.py): a row is excluded from its inputs and metrics,
then scored (metrics, items, sections, total), then graded, then paid.  Values of one phase may
name each other in any order of the file; a circle (items and the total included) is KPI144,
a score reading a pay KPI193, an exclusion reading a score KPI192.  Each case here once
passed the checker and then crashed the evaluator with a Python error."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from kpidsl.api import Scorer, check_text, load_text
from kpidsl.lower.lowerer import lower

HEAD = 'rubric "阶段"\ninput a "次数": count\nmetric twice "两倍": count = a * 2\n'
GRADES = 'grade g "好" when >= 60 coefficient 1.2\ngrade h "差" otherwise coefficient 0.8\n'


def errors(text: str) -> list[str]:
    return [d.code for d in check_text(HEAD + text, "p.kpi") if d.severity.value == "error"]


def scores(text: str, *values: str):
    program, _ = load_text(HEAD + text, "p.kpi")
    return Scorer(lower(program)).evaluate([{"id": f"p{i}", "a": v} for i, v in enumerate(values)])


@pytest.mark.parametrize("text, code", [
    # an item that reads the total, or what the total decides, needs its own score
    ('item i points 50 { deduct 1 per a }\nitem k points 50 { proportional total / 100 }', "KPI144"),
    ('item i points 50 { deduct 1 per a }\nitem k points 50 { proportional coefficient }\n' + GRADES, "KPI144"),
    ('item i points 50 { deduct 1 per a }\nitem k points 50 { proportional p / 100元 }\npay p = total * 1元', "KPI144"),
    ('item i points 50 { proportional k / 50 }\nitem k points 50 { proportional i / 50 }', "KPI144"),
    ('section s weight 100 { item i points 50 { deduct 1 per a }\n item k points 50 { proportional s / 100 } }', "KPI144"),
    # a metric is a score: it is worked out before pay
    ('item i points 100 { deduct 1 per a }\npay p = total * 1元\nmetric q: money = p * 2\npay z = q', "KPI193"),
    ('item i points 100 { deduct 1 per a }\n' + GRADES + 'metric q: number = coefficient\npay z = q * 1元', "KPI193"),
    # exclusion is decided before the row is scored
    ('item i points 100 { deduct 1 per a }\nexclude when i < 98 "x"', "KPI192"),
    ('item i points 100 { deduct 1 per a }\nexclude when total < 98 "x"', "KPI192"),
    ('item i points 100 { deduct 1 per a }\n' + GRADES + 'exclude when grade is h "x"', "KPI192"),
])
def test_what_a_formula_may_not_read(text, code):
    assert errors(text) == [code], check_text(HEAD + text)


def test_an_item_may_read_an_item_declared_below_it():
    # k = 50 − 3 = 47; i = 50 × 47 ÷ 50 = 47; total 94.  (a = 1: 49, 49, 98)
    text = 'item i points 50 { proportional k / 50 }\nitem k points 50 { deduct 1 per a }'
    assert errors(text) == []
    got = [(r.steps["i"], r.steps["k"], r.steps["total"]) for r in scores(text, "3", "1")]
    assert got == [(D(47), D(47), D(94)), (D(49), D(49), D(98))]


def test_a_metric_may_read_an_item_below_it_and_the_total():
    text = ('metric q "前项": points = k\nitem i points 50 { proportional q / 50 }\n'
            'item k points 50 { deduct 1 per a }\nmetric t "总分": points = total\npay z = t * 10元')
    assert errors(text) == []
    (r,) = scores(text, "3")
    assert (r.steps["i"], r.steps["total"], r.steps["z"]) == (D(47), D(94), D(940))


def test_exclusion_reads_a_metric_as_its_formula():
    # twice = 2a: a = 3 gives 6 > 3, excluded; a = 1 gives 2, scored 99
    text = 'item i points 100 { deduct 1 per a }\nexclude when twice > 3 "两倍过多"'
    assert errors(text) == []
    got = [(r.status, r.reason, r.steps.get("total")) for r in scores(text, "3", "1")]
    assert got == [("excluded", "两倍过多", None), ("scored", None, D(99))]


def test_exclusion_by_a_metric_on_duckdb():
    pytest.importorskip("duckdb")
    import sql_diff
    from engines import DuckDB

    text = HEAD + 'item i points 100 { deduct 1 per a }\nexclude when twice > 3 "两倍过多"\n'
    db = DuckDB()
    try:
        sql_diff.generated(text, [{"id": "p0", "a": "3"}, {"id": "p1", "a": "1"}], db.same)
    finally:
        db.con.close()


AGG = 'group team "班组"\ninput sales "销售额": money\nmetric share "占比": percent = sales / sum(sales over team)\n'


@pytest.mark.parametrize("text", [
    AGG + 'item i points 100 { proportional share }',
    'group team "班组"\ninput sales "销售额": money\nitem i points 100 { proportional sales / sum(sales over team) }',
    AGG + 'item i points 100 { not applicable when share < 10%: spread evenly\n proportional 100% }\nitem k points 0',
])
def test_an_item_may_read_a_group_figure(text):
    # the figure is taken first, over every row's sales, then the items that read it
    assert errors(text) == [], check_text(HEAD + text)


def test_an_item_reads_its_team_s_share_by_hand():
    # team t: 100 + 300 = 400: a's share 25% scores 25, b's 75% scores 75; team u's one row 100%
    program, _ = load_text(HEAD + AGG + 'item i points 100 { proportional share }', "p.kpi")
    rows = [{"id": "a", "team": "t", "sales": "100"}, {"id": "b", "team": "t", "sales": "300"},
            {"id": "c", "team": "u", "sales": "7"}]
    assert [r.steps["i"] for r in Scorer(lower(program)).evaluate(rows)] == [D(25), D(75), D(100)]


@pytest.mark.parametrize("text, code", [
    # a figure of the item itself, directly or through a metric: a circle through a group figure
    ('group team "班组"\ninput sales "销售额": money\nitem i points 100 { proportional sales / max(i over team) }',
     "KPI194"),
    ('group team "班组"\nmetric best "最高": points = max(i over team)\nitem i points 100 { deduct 1 per a }\n'
     'item k points 0 { proportional best / 100 }', None),
    ('group team "班组"\nmetric best "最高": points = max(total over team)\n'
     'item i points 100 { proportional best / 100 }', "KPI194"),
    (AGG + 'item i points 100\nexclude when share < 10% "占比太低"', "KPI192"),
])
def test_a_group_figure_that_needs_itself_is_refused(text, code):
    found = errors(text)
    if code is None:
        assert not [c for c in found if c in ("KPI144", "KPI194")], check_text(HEAD + text)
    else:
        assert code in found, check_text(HEAD + text)


def test_a_metric_of_an_aggregate_is_worked_out_with_pay():
    # team t: 100 + 300 = 400; a's share 25% pays 250, b's 75% pays 750.  Before, the metric was
    # computed with the scores and kpi eval stopped with an internal error.
    text = AGG + 'item i points 100 { deduct 1 per a }\npay p "提成" = 1000元 * share'
    assert errors(text) == []
    program, _ = load_text(HEAD + text, "p.kpi")
    rows = [{"id": "a", "team": "t", "sales": "100", "a": "0"}, {"id": "b", "team": "t", "sales": "300", "a": "0"}]
    got = [r.steps["p"] for r in Scorer(lower(program)).evaluate(rows)]
    assert got == [D("250.00"), D("750.00")]


def test_a_metric_of_an_aggregate_and_an_item_read_before_it_is_declared_on_duckdb():
    pytest.importorskip("duckdb")
    import sql_diff
    from engines import DuckDB

    db = DuckDB()
    try:
        sql_diff.generated(HEAD + AGG + 'item i points 100 { deduct 1 per a }\npay p "提成" = 1000元 * share\n',
                           [{"id": "a", "team": "t", "sales": "100", "a": "1"},
                            {"id": "b", "team": "t", "sales": "300", "a": "0"},
                            {"id": "c", "team": "u", "sales": "7", "a": "2"}], db.same)
        sql_diff.generated(HEAD + 'item i points 50 { proportional k / 50 }\nitem k points 50 { deduct 1 per a }\n',
                           [{"id": "a", "a": "3"}, {"id": "b", "a": "1"}], db.same)
    finally:
        db.con.close()
