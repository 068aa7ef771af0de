"""kpi test keeps its promise: an empty expected cell expects empty, an expected file may
name columns by key or by label (so `kpi eval -o` output, checked by a person, is one), a
missing value reads as blank, and `kpi test --update` writes expected files, never in CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

RUBRIC = '''rubric "测试"
input late "迟到次数": count
input days "出勤天数": count
exclude when days = 0 "未到岗"
item a "纪律性" points 100 { deduct 5 per late }
grade ok "合格" when >= 60
grade bad "不合格" otherwise
flag often "经常迟到" when late >= 5
'''
DATA = "id,late,days\n张三,2,22\n李四,9,20\n王五,0,0\n"
# by hand: 张三 100 − 5 × 2 = 90 合格; 李四 100 − 45 = 55 不合格, late 9 >= 5: 经常迟到; 王五 excluded (days 0)
WORKING = "# 张三: 100 − 5 × 2 = 90; 李四: 100 − 45 = 55 -> 不合格, flag 经常迟到; 王五 excluded\n"


def _kpi(*args: object, ci: bool, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "true"
    return subprocess.run([sys.executable, "-m", "kpidsl.cli.main", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=120, env=env)


def _rubric(write, expected: str | None) -> Path:
    files = {"r.kpi": RUBRIC, "examples/r.csv": DATA}
    if expected is not None:
        files["examples/r.expected.csv"] = expected
    return write(files)


def test_an_empty_expected_cell_expects_an_empty_result(write):
    """李四's flag is raised and his total is 55: empty cells for them failed to fail."""
    path = _rubric(write, WORKING + "id,a,total,flags,status\n张三,90,90,,scored\n李四,55,,,scored\n王五,,,,excluded\n")
    r = _kpi("test", path, ci=True)
    assert r.returncode == 1, r.stdout
    assert r.stdout.splitlines() == [f"ok   {path}: 张三", f"FAIL {path}: 李四",
                                     "    total: expected (blank), got 55", "    flags: expected (blank), got 经常迟到",
                                     f"ok   {path}: 王五", "2 passed, 1 failed"]


def test_a_missing_value_reads_as_blank_not_none(write):
    path = _rubric(write, WORKING + "id,total,grade\n王五,50,合格\n")
    r = _kpi("test", path, ci=True)
    assert r.returncode == 1
    assert "    total: expected 50, got (blank)\n    grade: expected 合格, got (blank)\n" in r.stdout
    assert "None" not in r.stdout


def test_an_expected_file_may_name_columns_by_label(write):
    path = _rubric(write, WORKING + "id,纪律性,总分,等级,标记\n张三,90,90,合格,\n李四,55,55,不合格,经常迟到\n")
    r = _kpi("test", path, ci=True)
    assert r.returncode == 0, r.stdout
    assert r.stdout.splitlines()[-1] == "2 passed, 0 failed"


def test_kpi_eval_output_checked_by_a_person_is_an_expected_file(write, tmp_path):
    """The round trip: `kpi eval -o` writes labels; kpi test read only keys ('no such result column')."""
    path = _rubric(write, None)
    expected = tmp_path / "examples" / "r.expected.csv"
    r = _kpi("eval", path, tmp_path / "examples" / "r.csv", "-o", expected, ci=True)
    assert r.returncode == 0, r.stderr
    r = _kpi("test", path, ci=True)
    assert r.returncode == 0, r.stdout
    assert r.stdout.splitlines()[-1] == "3 passed, 0 failed"
    # the person checking it finds 张三's total should be 91: the test now fails, in the file's own words
    text = expected.read_text(encoding="utf-8")
    assert "张三,,90,90,合格,,scored," in text
    expected.write_text(text.replace("张三,,90,90,合格", "张三,,90,91,合格"), encoding="utf-8")
    r = _kpi("test", path, ci=True)
    assert r.returncode == 1 and "    总分: expected 91, got 90\n" in r.stdout


def test_update_writes_the_expected_file_from_the_results_and_keeps_the_working(write):
    path = _rubric(write, WORKING + "id,total,等级\n李四,50,合格\n赵六,70,合格\n")
    expected = path.parent / "examples" / "r.expected.csv"
    r = _kpi("test", "--update", path, ci=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"wrote {expected} (4 rows)" in r.stdout
    # the working and the columns (a key, a label) stay; 李四 gets his values; 赵六, who is not in
    # the data, stays as written (kpi test will say so); 张三 and 王五 are added
    assert expected.read_text(encoding="utf-8") == (WORKING + "id,total,等级\n李四,55,不合格\n赵六,70,合格\n"
                                                    "张三,90,合格\n王五,,\n")
    r = _kpi("test", path, ci=True)
    assert r.returncode == 1 and "FAIL" in r.stdout and "赵六" in r.stdout and r.stdout.count("ok   ") == 3


def test_update_writes_a_new_expected_file_with_every_result_column(write):
    path = _rubric(write, None)
    r = _kpi("test", "--update", path, ci=False)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = (path.parent / "examples" / "r.expected.csv").read_text(encoding="utf-8").splitlines()
    assert lines == ["id,a,total,grade,flags,status,notes", "张三,90,90,合格,,scored,",
                     "李四,55,55,不合格,经常迟到,scored,", "王五,,,,,excluded: 未到岗,"]
    assert _kpi("test", path, ci=True).returncode == 0


def test_update_is_refused_in_ci(write):
    before = WORKING + "id,total\n李四,50\n"
    path = _rubric(write, before)
    r = _kpi("test", "--update", path, ci=True)
    assert r.returncode == 2
    assert "refused in CI" in r.stderr
    assert (path.parent / "examples" / "r.expected.csv").read_text(encoding="utf-8") == before
