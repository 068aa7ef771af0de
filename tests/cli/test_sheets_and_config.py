"""Sheets as offices save them (GBK and UTF-16 text, a title row above the header, the data
on a named sheet, a percent shown by Excel), the project configuration ([tool.kpi] or
kpi.toml), inline suppressions, a rubric on standard input, shell completion, and Parquet
output without the DuckDB engine: each through the real `kpi` command.

The expected line is worked by hand for the one good row p,2024-01 (rate 93%, late 1, sales
1000, fired 否, score 8): a = 30 + (93 - 90) x 1 = 33; b = 30 - 5 x 1 = 25; c = 30 (score
8 >= 8, no veto); total 33 + 25 + 30 = 88.00, 合格 (>= 60); bonus 1000 x 1% - 20 = -10.00.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = """rubric "坏输入"
round total to 0.01
input rate "及时率": percent
input late "迟到次数": count
input sales "销售额": money
input fired "违规": yes/no
input score "评分": number range 0..10
item a "A" points 40 { ratio rate target 90% ±1pt base 30 }
item b "B" points 30 { deduct 5 per late }
item c "C" points 30 { tiers score { when >= 8: 30 when >= 5 and < 8: 20 else: 0 } veto fired }
pay bonus "奖金" = sales * 1% - 20
grade ok "合格" when >= 60
grade bad "不合格" otherwise
"""
HEADER = ["id", "period", "rate", "late", "sales", "fired", "score"]
ROW = ["p", "2024-01", "93%", 1, 1000, "否", 8]
LINE = "p,2024-01,33,25,30,88.00,合格,-10.00"
ENGINES = ["python", "duckdb"]


def kpi(*args: object, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "kpidsl.cli.main", *map(str, args)], capture_output=True, text=True,
                       cwd=cwd or ROOT, timeout=120, env=env, input=stdin)
    assert r.returncode != 70 and "Traceback" not in r.stderr, r.stderr
    return r


@pytest.fixture
def rubric(tmp_path: Path) -> Path:
    path = tmp_path / "r.kpi"
    path.write_text(RUBRIC, encoding="utf-8")
    return path


def _csv(rows: list[list[object]]) -> str:
    return "".join(",".join(str(c) for c in r) + "\n" for r in rows)


# ---- text encodings ------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("codec,name", [("gbk", "GB18030 (GBK)"), ("utf-16", "UTF-16"), ("utf-8-sig", "UTF-8")])
def test_a_csv_saved_by_excel_on_chinese_windows_is_read(tmp_path, rubric, engine, codec, name):
    data = tmp_path / "d.csv"
    data.write_bytes(_csv([HEADER, ["张伟", *ROW[1:]]]).encode(codec))
    r = kpi("eval", rubric, data, "--engine", engine, "-v")
    assert r.returncode == 0, r.stderr
    assert LINE.replace("p,", "张伟,", 1) in r.stdout
    if codec != "utf-8-sig":
        assert f"d.csv: read as {name} text" in r.stderr


def test_a_gbk_example_and_a_gbk_expected_file_pass_kpi_test(tmp_path, rubric):
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "r.csv").write_bytes(_csv([HEADER, ["张伟", *ROW[1:]]]).encode("gbk"))
    expected = "# 张伟: 33 + 25 + 30 = 88\nid,period,a,total,grade\n张伟,2024-01,33,88,合格\n"
    (tmp_path / "examples" / "r.expected.csv").write_bytes(expected.encode("gbk"))
    r = kpi("test", rubric)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ok   " in r.stdout and "1 passed, 0 failed" in r.stdout
    # and a wrong expectation in GBK still fails, in words
    (tmp_path / "examples" / "r.expected.csv").write_bytes(expected.replace("88,", "87,").encode("gbk"))
    r = kpi("test", rubric)
    assert r.returncode == 1 and "total: expected 87, got 88.00" in r.stdout, r.stdout


# ---- where the table is ----------------------------------------------------------------------
def _workbook(path: Path, literal_percent: bool = False) -> Path:
    """A first sheet of notes; the data on sheet '2024年', under a merged title row."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "说明"
    wb.active.append(["填表说明：见第二页"])
    ws = wb.create_sheet("2024年")
    ws.append(["2024年度绩效考核表"])
    ws.merge_cells("A1:G1")
    ws.append(HEADER)
    ws.append(["p", "2024-01", 93 if literal_percent else 0.93, 1, 1000, "否", 8])
    ws["C3"].number_format = '0"%"' if literal_percent else "0%"  # Excel shows 93% either way
    wb.save(path)
    return path


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("options", [["--sheet", "2024年"], ["--sheet", "2"], ["--sheet", "2024年", "--header-row", "2"]])
def test_a_title_row_and_data_on_a_named_sheet_are_read_with_the_options(tmp_path, rubric, engine, options):
    data = _workbook(tmp_path / "d.xlsx")
    r = kpi("eval", rubric, data, "--engine", engine, *options)
    assert r.returncode == 0, r.stderr
    assert LINE in r.stdout


def test_without_the_sheet_option_the_first_sheet_is_read_and_the_message_says_which(tmp_path, rubric):
    data = _workbook(tmp_path / "d.xlsx")
    r = kpi("eval", rubric, data)
    assert r.returncode == 1 and "missing column" in r.stderr, r.stderr
    r = kpi("eval", rubric, data, "--sheet", "数据")
    assert r.returncode == 2 and "no sheet '数据'; the workbook's sheets are '说明', '2024年'" in r.stderr
    (tmp_path / "d.csv").write_text(_csv([HEADER, ROW]), encoding="utf-8")
    r = kpi("eval", rubric, tmp_path / "d.csv", "--sheet", "2")
    assert r.returncode == 2 and "d.csv is not a workbook" in r.stderr


def test_a_number_shown_with_a_literal_percent_sign_reads_as_that_percent(tmp_path, rubric):
    # 0"%" shows the value 93 as 93%: it is 93%, not 9300%
    r = kpi("eval", rubric, _workbook(tmp_path / "d.xlsx", literal_percent=True), "--sheet", "2024年")
    assert r.returncode == 0, r.stderr
    assert LINE in r.stdout


@pytest.mark.parametrize("engine", ENGINES)
def test_header_row_on_a_csv_passes_over_the_rows_above(tmp_path, rubric, engine):
    data = tmp_path / "d.csv"
    data.write_text(_csv([["导出时间 2024-02-01", "", "x"], ["部门: 售后"], HEADER, ROW]), encoding="utf-8")
    r = kpi("eval", rubric, data, "--engine", engine, "--header-row", "3")
    assert r.returncode == 0, r.stderr
    assert LINE in r.stdout
    r = kpi("eval", rubric, data, "--engine", engine, "--header-row", "9")
    assert r.returncode == 2 and "row 9 is empty, but --header-row names it" in r.stderr


# ---- project configuration -------------------------------------------------------------------
def test_tool_kpi_in_pyproject_sets_percent_cells_sheet_and_header_row(tmp_path, rubric):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.kpi]\npercent-cells = "whole"\n'
                                             'sheet = "2024年"\n', encoding="utf-8")
    bare = tmp_path / "d.csv"
    bare.write_text(_csv([HEADER, ["p", "2024-01", "93", 1, 1000, "否", 8]]), encoding="utf-8")
    r = kpi("eval", rubric, bare)
    assert r.returncode == 0 and LINE in r.stdout, r.stderr  # 93 read as 93%
    assert kpi("eval", rubric, bare, "--percent-cells", "strict").returncode == 1  # the option wins
    (tmp_path / "pyproject.toml").write_text('[tool.kpi]\nsheet = "2024年"\nheader-row = 2\n', encoding="utf-8")
    r = kpi("eval", rubric, _workbook(tmp_path / "d.xlsx"), "-v")
    assert r.returncode == 0 and LINE in r.stdout, r.stderr
    assert "settings from" in r.stderr and "reading sheet '2024年'" in r.stderr


def test_kpi_toml_is_found_upward_and_wins_over_a_pyproject_above_it(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.kpi]\nignore = ["KPI111"]\n', encoding="utf-8")
    sub = tmp_path / "team" / "rubrics"
    sub.mkdir(parents=True)
    (tmp_path / "team" / "kpi.toml").write_text('select = ["KPI2"]\n', encoding="utf-8")
    path = sub / "w.kpi"
    path.write_text('rubric "示例"\ninput v "违反次数": count\nitem a "仓库管理" points 100 {\n  deduct 1 per v base 80\n}\n',
                    encoding="utf-8")
    r = kpi("check", path)
    assert r.returncode == 0 and "KPI111" not in r.stdout, r.stdout  # KPI2… only: the warning is left out
    (tmp_path / "team" / "kpi.toml").unlink()
    assert "KPI111" not in kpi("check", path).stdout  # the pyproject above ignores it
    (tmp_path / "pyproject.toml").write_text("[tool.kpi]\n", encoding="utf-8")
    assert "KPI111" in kpi("check", path).stdout  # nothing ignored: it is reported


def test_paths_in_the_configuration_are_what_check_reads_when_given_nothing(tmp_path):
    (tmp_path / "rubrics").mkdir()
    (tmp_path / "rubrics" / "bad.kpi").write_text('rubric "x"\nitem a "A" points 90\n', encoding="utf-8")
    r = kpi("check", cwd=tmp_path)
    assert r.returncode == 2 and "paths = [...] in [tool.kpi]" in r.stderr
    (tmp_path / "kpi.toml").write_text('paths = ["rubrics"]\n', encoding="utf-8")
    r = kpi("check", cwd=tmp_path)
    assert r.returncode == 1 and "bad.kpi" in r.stdout, r.stdout + r.stderr


@pytest.mark.parametrize("text,fragment", [
    ('percent-cells = "percent"\n', "percent-cells = 'percent'; use one of strict, whole, fraction"),
    ('colour = "red"\n', "unknown setting 'colour'"),
    ('ignore = ["E501"]\n', "ignore holds 'E501'"),
    ("header-row = 0\n", "header-row must be a row number from 1"),
    ("paths = [\n", "not valid TOML"),
])
def test_a_configuration_kpi_cannot_follow_is_refused_naming_the_file(tmp_path, rubric, text, fragment):
    (tmp_path / "kpi.toml").write_text(text, encoding="utf-8")
    r = kpi("eval", rubric, tmp_path / "r.kpi")
    assert r.returncode == 2 and "kpi.toml" in r.stderr and fragment in r.stderr, r.stderr


# ---- inline suppression ------------------------------------------------------------------------
# KPI111 is reported on the rule's line (4), where the comment goes
WARNED = 'rubric "示例"\ninput v "违反次数": count\nitem a "仓库管理" points 100 {\n  deduct 1 per v base 80%s\n}\n'


def test_a_suppression_with_a_reason_silences_its_code_on_its_line_and_sarif_keeps_the_reason(tmp_path):
    path = tmp_path / "w.kpi"
    path.write_text(WARNED % "", encoding="utf-8")
    assert "KPI111" in kpi("check", path).stdout  # the warning the comment will silence
    path.write_text(WARNED % "  # kpi: ignore[KPI111] 满分由主管另行加分", encoding="utf-8")
    r = kpi("check", path, "--strict")
    assert r.returncode == 0 and "KPI111" not in r.stdout and "KPI02" not in r.stdout, r.stdout
    sarif = json.loads(kpi("check", path, "--format", "sarif").stdout)
    results = sarif["runs"][0]["results"]
    assert [(x["ruleId"], x["suppressions"]) for x in results] == \
        [("KPI111", [{"kind": "inSource", "justification": "满分由主管另行加分"}])]


@pytest.mark.parametrize("comment,codes", [
    ("  # kpi: ignore[KPI111]", ["KPI020"]),  # silenced, but no reason given
    ("  # kpi: ignore[KPI111, KPI140] 两个", ["KPI021"]),  # KPI140 silences nothing
    ("  # kpi: ignore[] 空", ["KPI021", "KPI111"]),
])
def test_a_suppression_without_a_reason_or_that_silences_nothing_is_warned_about(tmp_path, comment, codes):
    path = tmp_path / "w.kpi"
    path.write_text(WARNED % comment, encoding="utf-8")
    found = json.loads(kpi("check", path, "--format", "json").stdout)
    got = sorted(d["code"] for d in (found["diagnostics"] if isinstance(found, dict) else found))
    assert got == codes


def test_an_error_cannot_be_silenced(tmp_path):
    path = tmp_path / "e.kpi"
    path.write_text('rubric "x"  # kpi: ignore[KPI101] 以后再补\nitem a "A" points 90\n', encoding="utf-8")
    r = kpi("check", path)
    assert r.returncode == 1 and "KPI101" in r.stdout and "an error cannot be ignored" in r.stdout, r.stdout


# ---- standard input, completion, help, Parquet ------------------------------------------------
def test_check_dash_reads_the_rubric_from_standard_input(tmp_path):
    r = kpi("check", "-", stdin=WARNED % "")
    assert r.returncode == 0 and "-:4:" in r.stdout and "KPI111" in r.stdout, r.stdout
    r = kpi("check", "-", stdin='rubric "x"\nitem a "A" points 90\n')
    assert r.returncode == 1 and "-:" in r.stdout


@pytest.mark.parametrize("shell,marker", [("bash", "complete -o nosort -F"), ("zsh", "#compdef kpi"),
                                          ("fish", "complete --no-files --command kpi")])
def test_shell_completion_prints_a_script(shell, marker):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "_KPI_COMPLETE": f"{shell}_source"}
    code = "import sys; sys.argv[0] = 'kpi'; from kpidsl.cli.main import main; main()"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0 and marker in r.stdout, r.stdout + r.stderr


def test_diff_help_describes_percent_cells_and_the_data_options():
    out = kpi("diff", "--help").stdout
    assert "--percent-cells" in out and "0.93 means 93%" in out and "--sheet" in out and "--header-row" in out


def test_parquet_output_needs_no_engine_option(tmp_path, rubric):
    import duckdb

    data = tmp_path / "d.csv"
    data.write_text(_csv([HEADER, ROW]), encoding="utf-8")
    out = tmp_path / "r.parquet"
    r = kpi("eval", rubric, data, "-o", out)
    assert r.returncode == 0, r.stderr
    got = duckdb.connect().execute("SELECT * FROM read_parquet(?)", [str(out)]).fetchall()
    assert [",".join("" if v is None else str(v) for v in row) for row in got] == [LINE + ",,scored,"]
