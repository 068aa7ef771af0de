"""Optional inputs and lists (issue 22 item 1), worked by hand: every function over values
that may be blank, on `kpi eval` (the row-by-row path), `kpi eval -o` (the streaming loop,
which must read a row with blanks itself, not hand it to the validator) and
`kpi eval --engine duckdb`; a blank that makes an item not applicable; and the checker's
refusals (check/blanks.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from test_fused import _fused, _general, _scorer, _write

from kpidsl.api import check_text

RUBRIC = """rubric "名单"
round items to 0.01
round money to 0.01
input peer "同事评分": points range 0..100 columns p1..p5 at least 2
input extra "加分": points range 0..10 when blank: skip
item avg "均值" points 100 {
  proportional average(peer) / 100
}
pay f_count "人数" = count(peer, extra) * 1元
pay f_sum "和" = sum(peer, extra) * 1元
pay f_min "最低" = min(peer, extra) * 1元
pay f_max "最高" = max(peer) * 1元
pay f_median "中位" = median(peer, extra) * 1元
pay f_trim "去极值" = trimmed_mean(peer, 1, 4) * 1元
"""
HEADER = ["id", "p1", "p2", "p3", "p4", "p5", "extra"]
ROWS = [["A", "90", "", "80", "", "70", "5"],
        ["B", "95", "60", "80", "85", "70", ""],
        ["C", "80", "80", "", "", "", ""],
        ["D", "100", "", "100", "50", "", ""]]
# Worked by hand (a blank is no value; the median of an even count is the mean of the middle two):
# A: ratings 90, 80, 70; with extra 5: count 4, sum 245, min 5, max 90, median (70 + 80) ÷ 2 = 75;
#    average of the ratings 240 ÷ 3 = 80.00; trimmed from 4: only 3 ratings -> 80.
# B: 95, 60, 80, 85, 70, extra blank: count 5, sum 390, min 60, max 95, median 80, average 78.00;
#    trimmed: drop 95 and 60 -> (80 + 85 + 70) ÷ 3 = 78.333… -> 78.33 (money to 0.01).
# C: 80, 80: count 2, sum 160, min 80, max 80, median 80, average 80.00, trimmed (2 < 4) 80.
# D: 100, 100, 50: count 3, sum 250, min 50, max 100, median 100, average 83.333… -> 83.33;
#    trimmed (3 < 4): the average, 83.33.
WANT = {
    "A": ["80.00", "4.00", "245.00", "5.00", "90.00", "75.00", "80.00"],
    "B": ["78.00", "5.00", "390.00", "60.00", "95.00", "80.00", "78.33"],
    "C": ["80.00", "2.00", "160.00", "80.00", "80.00", "80.00", "80.00"],
    "D": ["83.33", "3.00", "250.00", "50.00", "100.00", "100.00", "83.33"],
}
COLUMNS = ["均值", "人数", "和", "最低", "最高", "中位", "去极值"]


def _table(text: str) -> dict[str, list[str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    return {r["id"]: [r[c] for c in COLUMNS] for r in rows}


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_every_function_over_a_list_with_blanks_by_hand(tmp_path: Path, kpi, engine: str) -> None:
    rubric = tmp_path / "r.kpi"
    rubric.write_text(RUBRIC, encoding="utf-8")
    data = _write(tmp_path / "d.csv", HEADER, ROWS)
    r = kpi("eval", rubric, data, "--engine", engine)
    assert r.returncode == 0, r.stderr
    assert _table(r.stdout) == WANT


def test_the_streaming_loop_reads_a_row_with_blanks_itself(tmp_path: Path) -> None:
    scorer = _scorer(RUBRIC)
    data = _write(tmp_path / "d.csv", HEADER, ROWS)
    fused, errors, declined = _fused(scorer, [data])
    assert (fused, errors) == _general(scorer, [data])
    assert errors == [] and declined == 0  # no row went to the validator: blanks are the loop's
    assert _table(fused) == WANT


@pytest.mark.parametrize("row, words", [
    (["E", "90", "", "", "", "", ""], "d.csv:2: fewer than 2 values of 同事评分 (p1..p5) are given: 1"),
    (["F", "90", "x", "", "", "", ""], "d.csv:2 [p2]: 'x' is not a number (rubric line 4)"),
])
def test_too_few_values_and_a_bad_cell_are_data_errors_in_every_engine(tmp_path: Path, kpi, row, words) -> None:
    rubric = tmp_path / "r.kpi"
    rubric.write_text(RUBRIC, encoding="utf-8")
    data = _write(tmp_path / "d.csv", HEADER, [row])
    outs = [kpi("eval", rubric, data, "--engine", e) for e in ("python", "duckdb")]
    for r in outs:
        assert r.returncode == 1 and words in r.stderr, r.stderr
    assert outs[0].stderr == outs[1].stderr


NOT_APPLICABLE = """rubric "回访"
input visits "回访满意度": percent when blank: not applicable
input late "迟到次数": count
metric half "一半": percent = visits / 2
item visit "回访" points 40 {
  not applicable: spread proportionally
  proportional half * 2
}
item discipline "纪律" points 60 {
  deduct 10 per late
}
"""


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_a_blank_that_makes_an_item_not_applicable(tmp_path: Path, kpi, engine: str) -> None:
    rubric = tmp_path / "r.kpi"
    rubric.write_text(NOT_APPLICABLE, encoding="utf-8")
    data = _write(tmp_path / "d.csv", ["id", "visits", "late"], [["A", "50%", "1"], ["B", "", "1"]])
    r = kpi("eval", rubric, data, "--engine", engine)
    assert r.returncode == 0, r.stderr
    totals = {row["id"]: row["总分"] for row in csv.DictReader(io.StringIO(r.stdout))}
    # A: 40 × 50% + (60 − 10) = 70; B: no 回访 (the metric reading it is not computed either),
    # its 40 points spread over 纪律: 50 + 50 × 40 ÷ 60 = 83.333…
    assert totals == {"A": "70", "B": "83.33333333333333333333"}


def codes(text: str) -> list[tuple[str, int]]:
    return [(d.code, d.span.line) for d in check_text(text, "c.kpi")]


HEAD = 'rubric "c"\ninput peer "评分": points range 0..100 columns p1..p5 at least 3\n'


@pytest.mark.parametrize("line, code", [
    ('item a "A" points 100 { proportional peer / 100 }', "KPI210"),  # a list read as one value
    ('input s "S": points when blank: skip\npay p "P" = s * 1元', "KPI210"),  # a blank read as a number
    ('input s "S": points when blank: skip\ninput t "T": points when blank: skip\n'
     'pay p "P" = average(s, t) * 1元', "KPI212"),  # every value may be blank
    ('input s "S": points\ninput t "T": points\npay p "P" = count(s, t) * 1元', "KPI213"),
    ('input q "Q": points columns q1..q3 at least 4\npay p "P" = sum(q) * 1元', "KPI214"),
    ('input q "Q": points columns q1, p2\npay p "P" = sum(q) * 1元', "KPI214"),  # p2 is peer's
    ('item c "C" points 0 { change average(peer) by 1 per 1 }', "KPI210"),  # no last period's list
    ('pay p "P" = trimmed_mean(peer, 2, 4) * 1元', "KPI215"),  # dropping 2 and 2 from 4 leaves none
    ('pay p "P" = trimmed_mean(peer, 1.5) * 1元', "KPI215"),
    ('input v "V": percent when blank: not applicable\nitem a "A" points 100 { proportional v }', "KPI211"),
    ('input v "V": percent when blank: not applicable\nmetric m "M": percent = v\n'
     'item a "A" points 100 { proportional 1 }\npay p "P" = m * 100元', "KPI211"),  # through a metric, in pay
])
def test_the_checker_refuses_a_blank_it_cannot_prove_handled(line: str, code: str) -> None:
    found = codes(HEAD + 'item z "Z" points 0 { proportional median(peer) / 100 }\n' + line + "\n")
    assert code in [c for c, _ in found], found


def test_the_checker_knows_the_range_of_each_function() -> None:
    # count(peer) of 3..5 ratings: a tier below 3 is never reached (KPI123), and 0..100 ratings
    # average in 0..100: a tier above 100 is never reached either
    text = HEAD + ('item a "A" points 100 {\n  tiers count(peer) { when < 3: 0 when >= 3: 100 }\n}\n'
                   'item b "B" points 0 {\n  tiers average(peer) { when > 100: 0 else: 0 }\n}\n')
    found = [(c, line) for c, line in codes(text) if c == "KPI123"]
    assert found == [("KPI123", 4), ("KPI123", 7)]


def _records(header: list[str], rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(header, r)) for r in rows]


LIST_CASES = [(RUBRIC, HEADER, ROWS), (NOT_APPLICABLE, ["id", "visits", "late"], [["A", "50%", "1"], ["B", "", "1"]])]


@pytest.mark.postgres
@pytest.mark.parametrize("case", range(len(LIST_CASES)))
def test_lists_and_blanks_on_postgres_equal_python(postgres, case: int) -> None:
    from engines import Postgres

    text, header, rows = LIST_CASES[case]
    scorer = _scorer(text)
    Postgres(postgres).same(scorer, scorer.rows(_records(header, rows)), text)


@pytest.mark.spark
@pytest.mark.parametrize("case", range(len(LIST_CASES)))
def test_lists_and_blanks_on_spark_equal_python(spark, case: int) -> None:
    text, header, rows = LIST_CASES[case]
    scorer = _scorer(text)
    spark.same(scorer, scorer.rows(_records(header, rows)), text)
