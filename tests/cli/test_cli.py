"""The kpi command line, run as a real subprocess: exit codes, formats, bad input."""

import json

CLEAN = 'rubric "网店客服"\ninput late "迟到次数": count\nitem a "纪律性" points 100 { deduct 5 per late }\n'
BROKEN = ('rubric "客服主管"\nsection task "任务绩效" weight 100% {\n'
          '  item a "执行率" points 60\n  item b "回访率" points 45\n}\n')
WARNS = 'rubric "x"\ninput v "违反次数": count\nitem a "仓库管理" points 100 { deduct 1 per v base 80 }\n'


def test_clean_file_exits_0(kpi, write):
    r = kpi("check", write(CLEAN))
    assert r.returncode == 0, r.stderr
    assert "no problems found" in r.stdout


def test_problem_exits_1_and_quotes_the_line_with_a_caret(kpi, write):
    r = kpi("check", write(BROKEN))
    assert r.returncode == 1
    out = r.stdout
    assert "error[KPI102]: the members of section `task` add up to 105, not 100" in out
    assert '2 | section task "任务绩效" weight 100% {' in out
    assert "^^^^" in out
    assert "`a` 60 (line 3)" in out and "`b` 45 (line 4)" in out
    assert "5 too many" in out
    assert out.rstrip().endswith("1 file checked: 1 error, 0 warnings.")
    assert "Traceback" not in r.stderr


def test_warnings_pass_unless_strict(kpi, write):
    path = write(WARNS)
    assert kpi("check", path).returncode == 0
    strict = kpi("check", "--strict", path)
    assert strict.returncode == 1 and "warning[KPI111]" in strict.stdout


def test_missing_file_is_a_usage_error(kpi, tmp_path):
    r = kpi("check", tmp_path / "nope.kpi")
    assert r.returncode == 2
    assert "nope.kpi: no such file or folder" in r.stderr and "Traceback" not in r.stderr


def test_non_utf8_file_is_named(kpi, tmp_path):
    p = tmp_path / "gbk.kpi"
    p.write_bytes('rubric "考核"\n'.encode("gbk"))
    r = kpi("check", p)
    assert r.returncode == 2
    assert "gbk.kpi" in r.stderr and "not UTF-8" in r.stderr and "Traceback" not in r.stderr


def test_a_byte_order_mark_is_read_past(kpi, write):
    """Notepad on Windows saves UTF-8 with a BOM; the file is still the rubric it shows."""
    path = write("\ufeff" + BROKEN)
    r = kpi("check", path)
    assert r.returncode == 1 and "unexpected character" not in r.stdout
    assert '2 | section task "任务绩效" weight 100% {' in r.stdout  # lines and columns as the editor shows
    clean = write("\ufeff" + CLEAN, "clean.kpi")
    assert kpi("check", clean).returncode == 0
    assert kpi("fmt", "--check", write("\ufeff" + CLEAN.replace("points 100", "points  100"), "messy.kpi")).returncode == 1
    fixed = write("\ufeff" + CLEAN.replace("points 100", "points  100"), "fix.kpi")
    assert kpi("fmt", fixed).returncode == 0
    from kpidsl.syntax.formatter import format_text

    assert fixed.read_text(encoding="utf-8") == format_text(CLEAN)  # formatted, and the BOM dropped


def test_empty_folder_is_a_usage_error(kpi, tmp_path):
    r = kpi("check", tmp_path)
    assert r.returncode == 2 and "no .kpi files" in r.stderr


def test_folder_is_searched_recursively(kpi, write, tmp_path):
    write({"a.kpi": CLEAN, "sub/b.kpi": BROKEN})
    r = kpi("check", tmp_path)
    assert r.returncode == 1
    assert "2 files checked" in r.stdout and "sub/b.kpi:2:" in r.stdout


def test_json_format_schema(kpi, write):
    r = kpi("check", "--format", "json", write(BROKEN, "客服主管.kpi"))
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    assert doc["schema"] == "kpidsl.check/1"
    assert doc["summary"] == {"files": 1, "errors": 1, "warnings": 0, "notes": 0}
    (d,) = doc["diagnostics"]
    assert set(d) == {"code", "severity", "message", "hint", "file", "line", "column",
                      "end_line", "end_column", "related"}
    assert (d["code"], d["severity"], d["line"]) == ("KPI102", "error", 2)
    assert [r["line"] for r in d["related"]] == [3, 4]
    assert "客服主管.kpi" in r.stdout and "\\u" not in r.stdout  # UTF-8 kept, not \\u-escaped


def test_github_annotations(kpi, write):
    r = kpi("check", "--format", "github", write(BROKEN))
    line = r.stdout.strip().splitlines()[0]
    assert line.startswith("::error file=") and ",line=2,col=" in line and "title=KPI102::" in line
    assert "%0Ahint: 5 too many" in line


def test_sarif_shape(kpi, write):
    r = kpi("check", "--format", "sarif", write(BROKEN))
    doc = json.loads(r.stdout)
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    assert run["tool"]["driver"]["rules"][0]["id"] == "KPI102"
    region = run["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 2


def test_explain(kpi):
    r = kpi("explain", "KPI120")
    assert r.returncode == 0 and "exactly 1%" in r.stdout and "Fixed:" in r.stdout
    bad = kpi("explain", "KPI999")
    assert bad.returncode == 2 and "unknown code" in bad.stderr


def test_no_arguments_is_a_usage_error(kpi):
    assert kpi("check").returncode == 2


def test_hostile_control_characters_are_escaped(kpi, write):
    path = write('rubric "x\x1b[31m"\nitem a "A\x07" points 90\n')
    r = kpi("check", path)
    assert r.returncode == 1
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout
    assert "\\u001b" in r.stdout


MESSY = 'rubric   "x"\ninput late "迟到次数": count   # 次数\nitem a "纪律性" points 100 {   deduct 5 per late }\n'


def test_fmt_check_diff_and_rewrite(kpi, write):
    path = write(MESSY)
    r = kpi("fmt", "--check", path)
    assert r.returncode == 1 and "would reformat" in r.stdout
    d = kpi("fmt", "--diff", path)
    assert d.returncode == 1 and "+item a \"纪律性\" points 100 {" in d.stdout
    assert path.read_text(encoding="utf-8") == MESSY  # --check and --diff change nothing
    assert kpi("fmt", path).returncode == 0
    text = path.read_text(encoding="utf-8")
    assert "# 次数" in text and text != MESSY
    assert kpi("fmt", "--check", path).returncode == 0


def test_fmt_refuses_broken_files_without_touching_them(kpi, write):
    path = write('input rate "及时率" = percent\n')
    r = kpi("fmt", path)
    assert r.returncode == 1 and "KPI001" in r.stderr
    assert path.read_text(encoding="utf-8") == 'input rate "及时率" = percent\n'


def test_shipped_rubrics_are_formatted(kpi):
    from pathlib import Path
    r = kpi("fmt", "--check", Path(__file__).resolve().parents[2] / "rubrics")
    assert r.returncode == 0, r.stdout


def test_an_internal_bug_is_reported_without_a_traceback():
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, kpidsl.api as api\n"
            "def broken(*a): raise ZeroDivisionError('simulated bug')\n"
            "api.checked_files = broken\n"
            "from kpidsl.cli.main import main\n"
            "sys.argv = ['kpi', 'check', 'rubrics']\n"
            "main()\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=Path(__file__).resolve().parents[2])
    assert r.returncode == 70
    assert "internal error: ZeroDivisionError: simulated bug" in r.stderr and "bug in kpi" in r.stderr
    assert "Traceback" not in r.stderr


def test_kpi_sql_without_sqlglot_says_what_to_install(tmp_path):
    # a plain `pip install kpidsl` has no sqlglot (it is the `sql` extra): a usage error, not exit 70
    import subprocess
    import sys

    (tmp_path / "card.kpi").write_text('rubric "卡"\ninput late "迟到": count\n'
                                      'item a "A" points 100 { deduct 10 per late }\n', encoding="utf-8")
    code = ("import sys; sys.modules['sqlglot'] = None; sys.argv = ['kpi', 'sql', 'card.kpi']; "
            "from kpidsl.cli.main import main; main()")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "kpi sql needs sqlglot: pip install 'kpidsl[sql]'" in r.stderr and "internal error" not in r.stderr
