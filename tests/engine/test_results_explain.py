"""Results that explain themselves: an item that does not apply is shown as not applicable
(never as the 0 it counts for) in CSV, XLSX, JSON and Parquet, on every engine; --explain
says where its points went and does not call such a total a plain sum; and no internal name
(a name kpi made up, starting with `_`) reaches a user, on any shipped rubric."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from kpidsl.api import load_rubric
from kpidsl.cli.testing import example_files
from kpidsl.data.source import read_rows
from kpidsl.engine.output import Table, write_csv, write_json

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "rubrics").glob("*.kpi")) + sorted((ROOT / "docs" / "patterns").glob("*.kpi"))
INTERNAL = re.compile(r"(?<!\w)_[A-Za-z]")  # `_flag_block`, `_na_x`, `_kpi_bad`: names no rubric wrote

# b does not apply when there were no calls; its 60 points then go to a, evenly (a is the only other)
RUBRIC = '''rubric "不适用"
input done "完成数": count
input calls "来电数": count
input late "迟到": count
item a "完成" points 40 { proportional done / 10 }
item b "接听" points 60 {
  deduct 10 per late
  not applicable when calls = 0: spread evenly
}
flag tardy "迟到过多" when late >= 3
'''
# by hand: 甲 done 5 -> a = 40 × 5/10 = 20; calls 0 -> b not applicable, its 60 points to a:
#   20 × 60/40 = 30 more; total 20 + 30 = 50.
# 乙 done 10 -> a 40; calls 8 -> b = 60 − 10 × 6 = 0 (applies, and scores 0); total 40; late 6 -> 迟到过多
DATA = "id,done,calls,late\n甲,5,0,0\n乙,10,8,6\n"


def _kpi(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kpidsl.cli.main", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


@pytest.fixture
def files(write) -> tuple[Path, Path]:
    rubric = write({"r.kpi": RUBRIC, "d.csv": DATA})
    return rubric, rubric.parent / "d.csv"


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_an_item_that_does_not_apply_is_shown_so_in_csv_and_json(files, engine):
    rubric, data = files
    want = ["id,period,完成,接听,总分,标记,状态,说明",
            "甲,,20,不适用,50,,scored,接听 不适用: its 60 points spread evenly over 完成 (those that apply)",
            "乙,,40,0,40,迟到过多,scored,"]
    r = _kpi("eval", rubric, data, "--engine", engine)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == want
    out = rubric.parent / f"r-{engine}.csv"  # written by the engine itself, row by row or by DuckDB's COPY
    r = _kpi("eval", rubric, data, "--engine", engine, "-o", out)
    assert r.returncode == 0, r.stderr
    assert out.read_text(encoding="utf-8").splitlines() == want
    out = rubric.parent / f"r-{engine}.json"
    r = _kpi("eval", rubric, data, "--engine", engine, "-o", out)
    assert r.returncode == 0, r.stderr
    rows = json.loads(out.read_text(encoding="utf-8"))["rows"]
    assert [(x["a"], x["b"], x["total"]) for x in rows] == [("20", "不适用", "50"), ("40", "0", "40")]


def test_an_item_that_does_not_apply_is_shown_so_in_xlsx_and_parquet(files):
    import duckdb
    from openpyxl import load_workbook
    rubric, data = files
    xlsx, parquet = rubric.parent / "r.xlsx", rubric.parent / "r.parquet"
    assert _kpi("eval", rubric, data, "-o", xlsx).returncode == 0
    sheet = load_workbook(xlsx).active
    assert [[c.value for c in row][:5] for row in sheet.iter_rows(min_row=2)] == [["甲", None, 20, "不适用", 50],
                                                                                 ["乙", None, 40, 0, 40]]
    r = _kpi("eval", rubric, data, "-o", parquet, "--engine", "duckdb")
    assert r.returncode == 0, r.stderr
    got = duckdb.connect().execute(f"SELECT \"接听\", \"总分\" FROM '{parquet}' ORDER BY \"总分\" DESC").fetchall()
    assert got == [(None, Decimal(50)), (Decimal(0), Decimal(40))]  # not applicable is no number, not 0


def test_explain_says_where_the_points_went_and_calls_no_such_total_a_plain_sum(files):
    rubric, data = files
    r = _kpi("eval", rubric, data, "--explain", "甲")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "甲",
        "  a 完成 = 20  (of 40)",
        "      proportional (done / 10); ratio 50%",
        "  b 接听 = not applicable  (of 60)",
        "      its 60 points spread evenly over 完成 (those that apply)",
        "  total 总分 = 50",
        "      the sections and items that apply, with the points of 接听 re-spread as shown above",
    ]
    assert "sum of the weighted" not in r.stdout
    r = _kpi("eval", rubric, data, "--explain", "乙")
    assert "  b 接听 = 0  (of 60)" in r.stdout and "sum of the weighted sections and items" in r.stdout
    assert "  flag: 迟到过多" in r.stdout and INTERNAL.search(r.stdout) is None  # not `_flag_tardy = 1`


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_no_internal_name_reaches_a_user(path):
    """Every person of every shipped rubric's examples: --explain, and the CSV and JSON results."""
    files = example_files(path)
    assert files is not None, path
    scorer = load_rubric(path)
    rows = read_rows(scorer.plan, [files[0]], needs_groups=scorer.evaluator.groups_needed())
    results = scorer.evaluator.evaluate(rows)
    table = Table(scorer.plan)
    csv_text, json_text = io.StringIO(), io.StringIO()
    write_csv(table, results, csv_text)
    write_json(table, results, json_text)
    shown = [scorer.explain(r) for r in results] + [csv_text.getvalue(), json_text.getvalue()]
    leaks = {m.group(0) + text[m.end():m.end() + 20] for text in shown for m in INTERNAL.finditer(text)}
    assert leaks == set()


def test_the_form_shows_an_item_that_does_not_apply_so(files):
    """The form's JavaScript names the items that do not apply, as the Python engine does;
    tests/nodejs.assert_same holds the two equal on every rubric the form tests run."""
    from nodejs import run_js

    rubric, _ = files
    scorer = load_rubric(rubric)
    got = run_js(scorer.plan, [{"done": "5", "calls": "0", "late": "0"}, {"done": "10", "calls": "8", "late": "6"}])
    assert [(Decimal(j["b"]), Decimal(j["total"]), j["not_applicable"]) for j in got] == [(0, 50, ["b"]), (0, 40, [])]
    from kpidsl.backends.form.html import render

    html = render(scorer.plan)  # the page shows those items in the form's words
    assert "for (const item of notApplicable(cells))" in html and '"not_applicable": "不适用"' in html
