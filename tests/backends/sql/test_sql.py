"""`kpi sql` and `kpi eval --engine duckdb`: every shipped rubric renders in every
dialect, the DuckDB engine writes what the Python engine writes, names and labels
from a rubric are quoted, and what SQL cannot hold exactly is refused, not rounded."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

sqlglot = pytest.importorskip("sqlglot")
duckdb = pytest.importorskip("duckdb")

from kpidsl.api import load_rubric  # noqa: E402
from kpidsl.backends.sql.query import DIALECTS, SQLError, build  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
RUBRICS = sorted(p for p in (ROOT / "rubrics").glob("*.kpi"))
EXAMPLES = [p for p in RUBRICS if (ROOT / "rubrics" / "examples" / f"{p.stem}.csv").exists()]


@pytest.mark.slow
@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("rubric", RUBRICS, ids=lambda p: p.stem)
def test_every_shipped_rubric_renders_and_parses_back(rubric, dialect):
    text = build(load_rubric(rubric).plan, dialect).sql()
    # sqlglot reads it back in the same dialect: the text is one well-formed query
    parsed = sqlglot.parse(text, read=dialect)
    assert len(parsed) == 1 and parsed[0] is not None
    assert '"_kpi_error"' in text or "`_kpi_error`" in text


@pytest.mark.slow
@pytest.mark.parametrize("rubric", EXAMPLES, ids=lambda p: p.stem)
def test_eval_on_duckdb_writes_what_python_writes(rubric, kpi, tmp_path):
    data = ROOT / "rubrics" / "examples" / f"{rubric.stem}.csv"
    py, dk = tmp_path / "py.csv", tmp_path / "dk.csv"
    a = kpi("eval", rubric, data, "-o", py)
    b = kpi("eval", rubric, data, "-o", dk, "--engine", "duckdb")
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    # byte for byte; the Python results are held to the hand-worked NAME.expected.csv by `kpi test`
    assert dk.read_bytes() == py.read_bytes()
    assert len(list(csv.reader(dk.open(encoding="utf-8")))) > 2


def _run(text: str, write, rows: list[dict]):
    from kpidsl.engine import duck

    scorer = load_rubric(write(text))
    return scorer, duck.evaluate(scorer.plan, scorer.rows(rows))


RATIO = """rubric "r"
input a "甲": percent
input b "乙": count
item x "X" points 60 { ratio a target 90% ±1pt }
item y "Y" points 40 { deduct 10 per b }
"""


def test_hand_worked_scores_on_duckdb(write):
    # x: 60 + (93 - 90) × 1 = 63, capped at 60; 60 + (88.5 - 90) = 58.5.
    # y: 40 - 2 × 10 = 20; 40 - 7 × 10 < 0, floored at 0
    _, results = _run(RATIO, write, [{"id": "张三", "period": "2024-01", "a": "93%", "b": "2"},
                                     {"id": "李四", "period": "2024-01", "a": "88.5%", "b": "7"}])
    assert [(r.person, r.steps["x"], r.steps["y"], r.steps["total"]) for r in results] == [
        ("张三", Decimal(60), Decimal(20), Decimal(80)), ("李四", Decimal("58.5"), Decimal(0), Decimal("58.5"))]


def test_hostile_labels_and_names_are_quoted(write):
    text = '''rubric "x'); DROP TABLE input; --"
input a "a' || (SELECT 1) || '": count
item x "it\\"s'; --" points 100 { deduct 1 per a }
grade ok "'; DELETE FROM input; --" when >= 0
'''
    scorer, results = _run(text, write, [{"id": "O'Brien\"; --", "period": "2024-01", "a": "3"}])
    assert results[0].person == "O'Brien\"; --" and results[0].steps["x"] == Decimal(97)
    for dialect in DIALECTS:
        parsed = sqlglot.parse(build(scorer.plan, dialect).sql(), read=dialect)
        assert len(parsed) == 1  # the labels stayed inside their literals: still one statement


def test_a_row_outside_a_checked_range_is_an_error_in_python_words(write):
    from kpidsl.data.source import DataProblems

    text = """rubric "r"
input done "完成": count
input due "应完成": count
metric rate "完成率": percent = done / due
item x "X" points 100 { ratio rate target 90% ±1pt }
"""
    rows = [{"id": "甲", "period": "1", "done": "9", "due": "10"}, {"id": "乙", "period": "1", "done": "3", "due": "2"}]
    scorer = load_rubric(write(text))
    with pytest.raises(DataProblems) as py:
        scorer.evaluate(rows)
    with pytest.raises(DataProblems) as dk:
        _run(text, write, rows)
    (only,) = dk.value.errors
    # 3 / 2 = 1.5: above the 0%..100% the checker assumed; the same words as Python's
    assert only.row == 3 and only.message.endswith(": 1.5")
    assert [str(e) for e in dk.value.errors] == [str(e) for e in py.value.errors]


def test_division_by_zero_in_a_row_is_an_error(write):
    from kpidsl.data.source import DataProblems

    text = """rubric "r"
input done "完成": count
input due "应完成": count
item x "X" points 100 { ratio done / due target 100% ±1pt }
"""
    with pytest.raises(DataProblems) as e:
        _run(text, write, [{"id": "甲", "period": "1", "done": "3", "due": "0"}])
    assert "division by zero" in e.value.errors[0].message


def test_more_places_than_an_engine_keeps_is_refused(write):
    # two quotients multiplied: 20 + 20 places, more than DECIMAL(38) holds
    text = """rubric "r"
input a "a": count
input b "b": count
metric m "m": number = (a / 3) * (b / 7)
item x "X" points 100 { tiers m { when >= 1: 100 else: 0 } }
"""
    scorer = load_rubric(write(text))
    with pytest.raises(SQLError, match=r"line 4.*40 decimal places.*38"):
        build(scorer.plan, "duckdb")


@pytest.mark.slow
def test_kpi_sql_cli(kpi, tmp_path):
    rubric = ROOT / "rubrics" / "installation_aftersales_card.kpi"
    out = tmp_path / "q.sql"
    r = kpi("sql", rubric, "--dialect", "spark", "-o", out)
    assert r.returncode == 0, r.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("-- 安装及售后服务考核卡") or "scoring query for spark" in text.splitlines()[0]
    assert "spark.sql.ansi.enabled=true" in text
    bad = kpi("sql", rubric, "--dialect", "oracle")
    assert bad.returncode == 2 and "oracle" in bad.stderr
    missing = kpi("sql", tmp_path / "nope.kpi")
    assert missing.returncode != 0 and "Traceback" not in missing.stderr


def test_kpi_sql_refusal_is_a_clear_error(kpi, write):
    path = write("""rubric "r"
input a "a": count
input b "b": count
metric m "m": number = (a / 3) * (b / 7)
item x "X" points 100 { tiers m { when >= 1: 100 else: 0 } }
""")
    r = kpi("sql", path)
    assert r.returncode == 1 and "cannot write this rubric as SQL" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_parquet_in_and_out_on_duckdb(kpi, tmp_path):
    rubric = ROOT / "rubrics" / "taobao_presales_agent.kpi"
    data = ROOT / "rubrics" / "examples" / "taobao_presales_agent.csv"
    typed = tmp_path / "in.parquet"
    # the example sheet as a typed Parquet file (numbers as numbers, as a warehouse exports them)
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_csv('{data}')) TO '{typed}' (FORMAT parquet)")
    from_csv, from_parquet = tmp_path / "a.csv", tmp_path / "b.csv"
    assert kpi("eval", rubric, data, "-o", from_csv).returncode == 0
    r = kpi("eval", rubric, typed, "-o", from_parquet, "--engine", "duckdb")
    assert r.returncode == 0, r.stderr
    assert from_parquet.read_bytes() == from_csv.read_bytes()
    out = tmp_path / "out.parquet"
    assert kpi("eval", rubric, data, "-o", out, "--engine", "duckdb").returncode == 0
    rows = con.execute(f"SELECT id, \"总分\", \"等级\" FROM '{out}' ORDER BY id").fetchall()
    with from_csv.open(encoding="utf-8") as f:
        written = {r["id"]: (r["总分"], r["等级"]) for r in csv.DictReader(f)}
    assert {i: (str(t) if t is not None else "", g) for i, t, g in rows} == written
    refused = kpi("eval", rubric, typed, "-o", tmp_path / "c.csv")
    assert refused.returncode == 2 and "--engine duckdb" in refused.stderr


@pytest.mark.slow
def test_a_bad_cell_read_by_duckdb_is_reported_in_python_words(kpi, tmp_path):
    rubric = ROOT / "rubrics" / "installation_aftersales_card.kpi"
    text = (ROOT / "rubrics" / "examples" / "installation_aftersales_card.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("installs_ok") if "installs_ok" in header else 2] = "abc"
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    py = kpi("eval", rubric, bad)
    dk = kpi("eval", rubric, bad, "--engine", "duckdb")
    assert py.returncode == dk.returncode == 1
    assert "'abc' is not a number" in dk.stderr and "bad.csv:2" in dk.stderr
    assert dk.stderr == py.stderr


def test_auto_picks_duckdb_for_a_large_batch_written_to_a_file(monkeypatch, tmp_path):
    from kpidsl.cli import sql as cli_sql

    batch = load_rubric(ROOT / "rubrics" / "taobao_presales_agent.kpi")  # best in department: a batch rule
    per_row = load_rubric(ROOT / "rubrics" / "installation_aftersales_card.kpi")
    data = [ROOT / "rubrics" / "examples" / "taobao_presales_agent.csv"]
    assert cli_sql.choose_engine(batch, data, "out.csv", "csv", None) == "python"  # small: Python
    monkeypatch.setattr(cli_sql, "AUTO_DUCKDB_BYTES", 1)
    assert cli_sql.choose_engine(batch, data, "out.csv", "csv", None) == "duckdb"
    assert cli_sql.choose_engine(per_row, data, "out.csv", "csv", None) == "python"  # streams in flat memory
    assert cli_sql.choose_engine(batch, data, None, "csv", None) == "python"  # to the terminal
    assert cli_sql.choose_engine(batch, data, "out.csv", "csv", "杨雪") == "python"  # --explain
    assert cli_sql.choose_engine(per_row, [tmp_path / "x.parquet"], "o.csv", "csv", None) == "duckdb"


QUOTA = """rubric "配额"
period monthly
group team "班组"
input a "得分": number range 0..100
item x "X" points 100 { tiers a { when >= 90: 100 when >= 60 and < 90: 70 when < 60: 40 } }
grade top "优秀" when >= 90
grade ok "合格" when >= 60 and < 90
grade low "不合格" when < 60
quota top at most 50% per team
flag last_place "末位" bottom 1 per team
"""


def test_quota_and_bottom_flag_on_duckdb_by_hand(write):
    rows = [{"id": p, "period": "2024-01", "team": t, "a": a} for p, t, a in [
        ("p1", "A", "95"), ("p2", "A", "92"), ("p3", "A", "91"), ("p4", "A", "50"),
        ("q1", "B", "99"), ("q2", "B", "70")]]
    scorer, results = _run(QUOTA, write, rows)
    # team A: 4 people, at most floor(50% × 4) = 2 优秀; p1, p2, p3 all total 100, so the tie
    # goes by person: p3 drops to 合格.  Team B: floor(50% × 2) = 1, held by q1 alone.
    # Bottom 1 per team: p4 (40) and q2 (70).
    labels = [g.label for g in scorer.plan.grades]
    got = {r.person: (labels[r.grade], r.flags, "; ".join(r.notes)) for r in results}
    assert {p: (g, f) for p, (g, f, _) in got.items()} == {
        "p1": ("优秀", []), "p2": ("优秀", []), "p3": ("合格", []), "p4": ("不合格", ["末位"]),
        "q1": ("优秀", []), "q2": ("合格", ["末位"])}
    assert got["p3"][2] == "moved from 优秀 to 合格: at most 50% of team 'A' may be 优秀 (2 of 4); ranked 3 of 3 by total"
    # and word for word what the Python evaluator writes
    python = {r.person: (r.grade, r.flags, "; ".join(r.notes)) for r in scorer.evaluate(rows)}
    assert python == {r.person: (r.grade, r.flags, "; ".join(r.notes)) for r in results}


def test_a_shared_best_in_group_award_is_noted_as_in_python(write):
    text = QUOTA.replace('quota top at most 50% per team\nflag last_place "末位" bottom 1 per team\n',
                         'award best "最佳" 200元 to best total per team\n')
    rows = [{"id": p, "period": "2024-01", "team": t, "a": a} for p, t, a in [
        ("p1", "A", "95"), ("p2", "A", "50"), ("p3", "A", "91"), ("p4", "A", "99"), ("q1", "B", "70")]]
    scorer, results = _run(text, write, rows)
    # team A: p1, p3 and p4 all score 100, so all three share the award, each naming the
    # other two in row order; q1 is alone in team B and wins without a note
    got = {r.person: (r.awards["best"], "; ".join(r.notes)) for r in results}
    assert got == {"p1": (Decimal(200), "最佳: tied with p3, p4"), "p2": (Decimal(0), ""),
                   "p3": (Decimal(200), "最佳: tied with p1, p4"), "p4": (Decimal(200), "最佳: tied with p1, p3"),
                   "q1": (Decimal(200), "")}
    python = {r.person: (r.awards["best"], "; ".join(r.notes)) for r in scorer.evaluate(rows)}
    assert python == got
