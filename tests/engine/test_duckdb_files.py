"""Files as users' programs write them, through both engines of ``kpi eval``: the same exit
code, the same output and the same words (the DuckDB engine reads a file its reader cannot
take in Python's way, never scoring it wrongly or failing inside)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow  # starts kpi on both engines for each file

RUBRIC = ('rubric "卡"\ninput late "迟到次数": count\ninput rate "完成率": percent\n'
          'item punctual "守时" points 50 { deduct 10 per late }\n'
          'item done "完成" points 50 { proportional rate }\n'
          'grade pass "合格" when >= 60\ngrade fail "不合格" otherwise\n')
HEADER = "id,late,rate"

FILES = {
    # the header ends in LF, the rows in CRLF (a file appended to on Windows)
    "lf-header-crlf-rows": {"d.csv": HEADER + "\n" + "张三,1,90%\r\n李四,0,100%\r\n王五,3,80%\r\n"},
    "crlf": {"d.csv": HEADER + "\r\n" + "张三,1,90%\r\n李四,0,100%\r\n"},
    # a short row: DuckDB's sniffer took the last line for the header and read no row
    "short-row": {"d.csv": HEADER + "\n" + "张三,1,90%\n李四,0\n王五,3,80%\n"},
    "extra-cell": {"d.csv": HEADER + "\n" + "张三,1,90%\n李四,0,100%,7\n王五,3,80%\n"},
    # two files: the second's row numbers were shifted by a 32-bit DuckDB integer
    "two-files": {"d.csv": HEADER + "\n张三,1,90%\n", "e.csv": HEADER + "\n李四,0,100%\n"},
}

# hand-worked: 张三 50 - 10 + 50 × 0.9 = 85 合格; 李四 50 + 50 = 100 合格; 王五 50 - 30 + 40 = 60 合格
SCORES = {"张三": "85", "李四": "100", "王五": "60"}


@pytest.mark.parametrize("case", FILES)
def test_both_engines_read_a_file_alike(kpi, tmp_path, case):
    (tmp_path / "r.kpi").write_text(RUBRIC, encoding="utf-8")
    for name, text in FILES[case].items():
        (tmp_path / name).write_bytes(text.encode("utf-8"))
    files = sorted(FILES[case])
    python = kpi("eval", "r.kpi", *files, "--engine", "python", cwd=tmp_path)
    duckdb = kpi("eval", "r.kpi", *files, "--engine", "duckdb", cwd=tmp_path)
    assert (duckdb.returncode, duckdb.stdout, duckdb.stderr) == (python.returncode, python.stdout, python.stderr)
    assert duckdb.returncode in (0, 1), duckdb.stderr  # a result or a data problem, never an internal error
    if duckdb.returncode == 0:
        header, *rows = [line.split(",") for line in duckdb.stdout.splitlines()]
        total = header.index("总分")
        assert {row[0]: row[total] for row in rows} == {p: SCORES[p] for p in (row[0] for row in rows)}
        assert len(rows) == sum(text.count("\n") - 1 for text in FILES[case].values())
    else:
        assert "error: d.csv:3" in duckdb.stderr, duckdb.stderr
