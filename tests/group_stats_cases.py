"""Rubrics and rows with group statistics (``stddev_pop(x over dept)`` …) and square roots,
shared by the Python, DuckDB, PostgreSQL and Spark tests: each engine is held to the Python
evaluator by ``sql_diff``, and the Python evaluator to the values worked by hand here."""

from __future__ import annotations

from decimal import Decimal

from kpidsl.api import Scorer, load_text
from kpidsl.data.validate import Row
from kpidsl.lower.lowerer import lower

HEAD = 'rubric "统计"\nround items to 0.0001\nperson id "工号"\ngroup dept "部门"\ninput x "分": points range 0..100\n'
# every statistic as an item, read in the score phase (an item's rule), not only by pay
STATS = HEAD + '''input skip "不参评": yes/no
item vp "总体方差" points 1000 { proportional variance_pop(x over dept) / 1000 }
item vs "样本方差" points 1000 { proportional variance_sample(x over dept) / 1000 }
item sp "总体标准差" points 100 { proportional stddev_pop(x over dept) / 100 }
item ss "样本标准差" points 100 { proportional stddev_sample(x over dept) / 100 }
item md "中位数" points 100 { proportional median(x over dept) / 100 }
item p90 "90分位" points 100 { proportional percentile(x over dept, 90%) / 100 }
item p25 "25分位" points 100 { proportional percentile(x over dept, 25%) / 100 }
item pr "部门内百分位排名" points 100 { proportional percent_rank(x over dept) }
exclude when skip "不参评"
'''
STATS_ROWS = [("a1", "A", "60"), ("a2", "A", "70"), ("a3", "A", "80"), ("a4", "A", "90"), ("a5", "A", "0", "是"),
              ("b1", "B", "85"), ("b2", "B", "70"), ("b3", "B", "85")]
# worked by hand (tests/engine/test_group_stats.py says how), rounded to 0.0001
STATS_WANT = {
    #      vp          vs          sp         ss         md        p90       p25       pr
    "a1": ("125.0000", "166.6667", "11.1803", "12.9099", "75.0000", "87.0000", "67.5000", "0.0000"),
    "a2": ("125.0000", "166.6667", "11.1803", "12.9099", "75.0000", "87.0000", "67.5000", "33.3333"),
    "a3": ("125.0000", "166.6667", "11.1803", "12.9099", "75.0000", "87.0000", "67.5000", "66.6667"),
    "a4": ("125.0000", "166.6667", "11.1803", "12.9099", "75.0000", "87.0000", "67.5000", "100.0000"),
    "b1": ("50.0000", "75.0000", "7.0711", "8.6603", "85.0000", "85.0000", "77.5000", "50.0000"),
    "b2": ("50.0000", "75.0000", "7.0711", "8.6603", "85.0000", "85.0000", "77.5000", "0.0000"),
    "b3": ("50.0000", "75.0000", "7.0711", "8.6603", "85.0000", "85.0000", "77.5000", "50.0000"),
}
# the calibration of docs/patterns/calibration.kpi, as a metric of group figures read by an item
CALIBRATED = HEAD.replace("0.0001", "0.01") + '''metric mean "部门平均分": points = average(x over dept)
metric sd "部门标准差": points = stddev_pop(x over dept)
item c "校准分" points 100 { proportional (75 + 10 * (x - mean) / sd) / 100 }
grade a "A" when >= 85
grade b "B" when >= 70 and < 85
grade c "C" otherwise
'''
# a sample statistic in a department of one: a data error naming the row, in every engine
ALONE = HEAD + 'item s "样本标准差" points 100 { proportional stddev_sample(x over dept) / 100 }\n'
# square roots of a row's own values: to 20 places, ties to even; a negative one is refused
ROOTS = HEAD.replace("range 0..100", "range -100..1000000") + \
    'item r "根" points 1000000 { proportional sqrt(x) / 1000000 }\n'
ROOTS_WANT = {  # √x × 10**-6 to 20 places (the item's division), times 10**6, to 0.0001
    "0": "0.0000", "2": "1.4142", "125": "11.1803", "156.25": "12.5000", "0.0001": "0.0100",
    "999999.9999": "1000.0000", "3": "1.7321",
}


def scorer(text: str) -> Scorer:
    program, diagnostics = load_text(text, "stats.kpi")
    assert program is not None and not [d for d in diagnostics if d.severity.value == "error"], diagnostics
    return Scorer(lower(program))


def stats_rows(s: Scorer) -> list[Row]:
    return s.rows([{"id": r[0], "dept": r[1], "x": r[2], "skip": r[3] if len(r) > 3 else "否"} for r in STATS_ROWS])


def rows(s: Scorer, cells: list[tuple[str, str, str]]) -> list[Row]:
    return s.rows([{"id": i, "dept": d, "x": x} for i, d, x in cells])


CAL_ROWS = [("E1", "研发", "60"), ("E2", "研发", "70"), ("E3", "研发", "80"), ("E4", "研发", "90"),
            ("S1", "销售", "70"), ("S2", "销售", "85"), ("S3", "销售", "85")]
ALONE_ROWS = [("a1", "A", "60"), ("a2", "A", "70"), ("c1", "C", "50")]
ROOT_ROWS = [(f"r{i}", "A", x) for i, x in enumerate(ROOTS_WANT)]
NEGATIVE_ROWS = [("n1", "A", "-4"), ("n2", "A", "9")]


def every_case() -> list[tuple[str, Scorer, list[Row]]]:
    """(what, scorer, rows) for an engine to equal Python on."""
    out = []
    for what, text, cells in (("calibration", CALIBRATED, CAL_ROWS), ("alone", ALONE, ALONE_ROWS),
                              ("roots", ROOTS, ROOT_ROWS), ("negative root", ROOTS, NEGATIVE_ROWS)):
        s = scorer(text)
        out.append((what, s, rows(s, cells)))
    s = scorer(STATS)
    out.append(("every statistic", s, stats_rows(s)))
    return out


def is_decimal(text: str) -> Decimal:
    return Decimal(text)
