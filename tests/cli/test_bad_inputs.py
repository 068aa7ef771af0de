"""A table of bad and unusual inputs, each run through the real `kpi` command: every one
ends in a clear message and its exit code (1 data or rubric problems, 2 usage or I/O,
130 interrupted), never 70 ("internal error"), and never 0 with a wrong number.

Rows that differ only in one data cell share one run (one file, one row per case, each
case found by its row number in the messages).  Every data row (cells, odd spellings, JSON
cells, whole files, and the rubric and data pairs where the engines once parted) runs on
`--engine python` and `--engine duckdb`, and the two must say the same: exit code, words and
output (`test_duckdb_says_what_python_says_for_every_data_row`).  The data rows run in one
`kpi` process (tests/kpi_batch.py, the real entry point once per command): two hundred starts
of Python and DuckDB would cost minutes; the rest run one command each.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from kpi_batch import run_many

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
GOOD = {"rate": "93%", "late": "1", "sales": "1000", "fired": "否", "score": "8"}
GOOD_LINE = "p,2024-01,93%,1,1000,否,8\n"

# ---- one bad cell per row: (column, cell as written in the CSV, what the message says) ----
CSV_CELLS = [
    ("rate", "", "blank cell"),
    ("rate", "93", "in a percent column"),
    ("rate", "abc", "is not a number"),
    ("rate", "NaN", "is not a number"),
    ("rate", "nan", "is not a number"),
    ("rate", "inf", "is not a number"),
    ("rate", "Infinity", "is not a number"),
    ("rate", "1e2%", "is not a number"),
    ("rate", "93%%", "is not a number"),
    ("rate", "9 3%", "is not a number"),
    ("rate", "--93%", "is not a number"),
    ("rate", "93.5.1%", "is not a number"),
    ("rate", "%", "is not a number"),
    ("rate", "0x10", "is not a number"),
    ("rate", "9" * 5000 + "%", "too long to be a number"),
    ("rate", "1" + "0" * 20 + "%", "above the highest allowed value 100%"),
    ("rate", "0." + "0" * 25 + "1%", "too many decimal places"),
    ("rate", "=1+1", "is not a number"),
    ("rate", "是", "is not a number"),
    ("late", "", "blank cell"),
    ("late", "-1", "negative count"),
    ("late", "1.5", "not a whole number"),
    ("late", "1%", "is a percent, but this column holds count"),
    ("late", "one", "is not a number"),
    ("late", "9" * 5000, "too long to be a number"),
    ("late", "9" * 30, "too large"),
    ("late", "1e3", "is not a number"),
    ("late", "²", "is not a number"),
    ("sales", "", "blank cell"),
    ("sales", "$1000", "is not a number"),
    ("sales", "1000USD", "is not a number"),
    ("sales", "12%", "is a percent, but this column holds money"),
    ("sales", "1" * 19, "too large"),
    ("sales", "0." + "1" * 30, "too many decimal places"),
    ("sales", "-", "is not a number"),
    ("sales", "-3", "below the lowest allowed value 0"),
    ("sales", "N/A", "is not a number"),
    ("fired", "", "blank cell"),
    ("fired", "maybe", "is not yes or no"),
    ("fired", "2", "is not yes or no"),
    ("fired", "是的", "is not yes or no"),
    ("fired", "yes please", "is not yes or no"),
    ("score", "", "blank cell"),
    ("score", "11", "above the highest allowed value 10"),
    ("score", "-0.5", "below the lowest allowed value 0"),
    ("score", "10.0001", "above the highest allowed value 10"),
    ("score", "8/10", "is not a number"),
    ("score", "八", "is not a number"),
    ("id", "", "blank person id"),
    # ---- issue 21: numbers a person reads as numbers, refused (never read some other way) ----
    ("sales", "1_000", "is not a number"),
    ("sales", "1'000", "is not a number"),
    ("sales", "(100)", "is not a number"),  # an accountant's negative
    ("sales", "100-", "is not a number"),
    ("sales", "\u22123", "is not a number"),  # U+2212 MINUS SIGN
    ("sales", "1e-2", "is not a number"),
    ("sales", "+-1", "is not a number"),
    ("sales", "1/2", "is not a number"),
    ("sales", "½", "is not a number"),
    ("sales", "1000\u200b", "is not a number"),  # a zero-width space pasted from a web page
    ("sales", "1000元元", "is not a number"),
    ("sales", "RMB1000", "is not a number"),
    ("sales", "1e18", "is not a number"),
    ("sales", "0e0", "is not a number"),
    ("sales", "1.0e3", "is not a number"),
    ("sales", "1\u066c000", "is not a number"),  # ARABIC THOUSANDS SEPARATOR
    ("sales", "¥-5", "below the lowest allowed value 0"),
    ("sales", "-¥5", "below the lowest allowed value 0"),
    ("rate", "\ufeff93%", "is not a number"),  # a byte-order mark inside a cell
    ("rate", "\u0669\u0663%", "is not a number"),  # Arabic-Indic digits
    ("rate", "93‰", "is not a number"),
    ("rate", "⁹³%", "is not a number"),
    ("rate", "93% %", "is not a number"),
    ("rate", "% 93", "is not a number"),
    ("rate", "93\u066a", "is not a number"),  # ARABIC PERCENT SIGN
    ("rate", "Infinity%", "is not a number"),
    ("rate", "0.93", "in a percent column"),
    ("rate", "93." + "0" * 26 + "1%", "too many decimal places"),
    ("fired", "1.0", "is not yes or no"),
    ("fired", "是否", "is not yes or no"),
    ("score", "8e0", "is not a number"),
    ("score", "1e400", "is not a number"),
    ("score", "NaN%", "is not a number"),
    ("score", "\U0001d7d6", "is not a number"),  # MATHEMATICAL BOLD DIGIT EIGHT
    ("late", "1e0", "is not a number"),
    ("late", "0x1", "is not a number"),
    ("late", "1_0", "is not a number"),
    ("late", "I", "is not a number"),
]

# ---- odd spellings that ARE valid: each row must give exactly these numbers ----
ODD_BUT_VALID = [  # (column, cell, expected output column, expected text)
    ("rate", "93.00%", "A", "33"),
    ("rate", "93％", "A", "33"),
    ("rate", " 93% ", "A", "33"),
    ("rate", "0.93E0", None, None),  # refused: see CSV_CELLS; not used here
    ("sales", "1,000", "奖金", "-10.00"),
    ("sales", "1000.00", "奖金", "-10.00"),
    ("sales", "¥1000", "奖金", "-10.00"),
    ("sales", "1000元", "奖金", "-10.00"),
    ("late", "01", "B", "25"),
    ("late", "+1", "B", "25"),
    ("late", "1.0", "B", "25"),
    ("fired", "是", "C", "0"),
    ("fired", "yes", "C", "0"),
    ("fired", "NO", "C", "30"),
    ("fired", "0", "C", "30"),
    ("score", "8.00", "C", "30"),
    ("score", "7.99", "C", "20"),
    ("id", "=HYPERLINK(\"http://x\")", "id", "'=HYPERLINK(\"http://x\")"),
    ("id", "+86 138", "id", "'+86 138"),
    ("id", "@SUM(A1)", "id", "'@SUM(A1)"),
    ("id", "-x", "id", "'-x"),
    # ---- issue 21: read right, on both engines ----
    ("rate", "９３%", "A", "33"),
    ("sales", "１０００", "奖金", "-10.00"),
    ("sales", "\u00a01000", "奖金", "-10.00"),  # a no-break space, as Excel pastes it
    ("sales", "1500", "奖金", "-5.00"),  # 1500 × 1% − 20
    ("sales", "0.001", "奖金", "-20.00"),  # 0.00001 − 20 = −19.99999, to the cent
    ("late", "+0", "B", "30"),
    ("late", "-0", "B", "30"),
    ("late", "０", "B", "30"),
    ("fired", "y", "C", "0"),
    ("fired", "n", "C", "30"),
    ("fired", "TRUE", "C", "0"),
    ("fired", "对", "C", "0"),
    ("score", "8.", "C", "30"),
    ("score", "８", "C", "30"),
    ("score", ".8", "C", "0"),  # 0.8: below 5, else 0
    ("id", "\tq\t", "id", "q"),  # white space around an id: gone, on both engines
    ("id", "\u00a0r\u00a0", "id", "r"),
    ("id", "=1+1", "id", "'=1+1"),
    ("id", "\t@x", "id", "'@x"),  # trimmed, then neutralised
    ("id", "x) [a](javascript:alert(1)) <img onerror=alert(1)>", "id",
     "x) [a](javascript:alert(1)) <img onerror=alert(1)>"),  # data, kept as written
]
ODD_BUT_VALID = [c for c in ODD_BUT_VALID if c[2] is not None]

# ---- JSON cells: (key, JSON literal, what the message says) ----
JSON_CELLS = [
    ("rate", "NaN", "is not a number"),
    ("rate", "Infinity", "is not a number"),
    ("rate", "-Infinity", "is not a number"),
    ("rate", "true", "is not a number"),
    ("rate", "null", "blank cell"),
    ("rate", "{}", "is not a number"),
    ("rate", "[93]", "is not a number"),
    ("rate", '"93"', "in a percent column"),
    ("rate", "93", "in a percent column"),
    ("late", "1.5", "not a whole number"),
    ("late", "-2", "negative count"),
    ("late", "1e30", "too large"),
    ("late", "false", "is not a number"),
    ("sales", "1e-30", "too many decimal places"),
    ("sales", '"abc"', "is not a number"),
    ("score", "10.5", "above the highest allowed value"),
    ("fired", '"perhaps"', "is not yes or no"),
    ("fired", "3", "is not yes or no"),
    # ---- issue 21 ----
    ("rate", "93.5", "in a percent column"),
    ("late", "[]", "is not a number"),
    ("rate", '"\\u0000"', "is not a number"),
    ("fired", '"\u2713\u2713"', "is not yes or no"),
    ("sales", '"¥"', "is not a number"),
    ("score", '"8/10"', "is not a number"),
    ("late", '"1e0"', "is not a number"),
    ("rate", '"93%%"', "is not a number"),
    ("score", "-1", "below the lowest allowed value"),
    ("sales", '"\u22123"', "is not a number"),
]


def kpi_run(*args, cwd=None, env=None, **kw):
    return subprocess.run([sys.executable, "-m", "kpidsl.cli.main", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=120, env=env, **kw)


def no_crash(r):
    code, err = (r["code"], r["stderr"]) if isinstance(r, dict) else (r.returncode, r.stderr)
    assert code != 70 and "internal error" not in err and "Traceback" not in err, err


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    (d / "r.kpi").write_text(RUBRIC, encoding="utf-8")
    return d


def _csv_line(person: str, column: str, cell: str) -> str:
    values = {"id": person, "period": "2024-01", **GOOD, column: cell}
    quoted = ['"' + values[h].replace('"', '""') + '"' if any(c in values[h] for c in ',"\n') else values[h]
              for h in HEADER]
    return ",".join(quoted) + "\n"


ENGINES = ("python", "duckdb")


@pytest.fixture(scope="module")
def data_runs(folder):
    """Every data row of this table (cells, odd spellings, JSON cells, whole files, engine cases),
    on both engines, in one `kpi` process (tests/kpi_batch.py): {(name, engine): result}."""
    commands: dict[str, list] = {}
    for start in range(0, len(CSV_CELLS), 40):  # 40 to a file (kpi lists the first 50 problems)
        chunk = CSV_CELLS[start:start + 40]
        path = folder / f"cells{start}.csv"
        path.write_text(",".join(HEADER) + "\n" + "".join(
            _csv_line(f"p{start + i}" if col != "id" else cell, col, cell) for i, (col, cell, _) in enumerate(chunk)),
            encoding="utf-8")
        commands[f"cells{start}"] = ["eval", folder / "r.kpi", path, "-o", folder / f"cells{start}.out.csv"]
    odd = folder / "odd.csv"
    odd.write_text(",".join(HEADER) + "\n" + "".join(
        _csv_line(f"q{i}" if col != "id" else cell, col, cell) for i, (col, cell, _, _) in enumerate(ODD_BUT_VALID)),
        encoding="utf-8")
    commands["odd"] = ["eval", folder / "r.kpi", odd, "--format", "json"]
    commands["json"] = ["eval", folder / "r.kpi", _json_cells(folder)]
    for name, file, content, _, _ in FILES:
        sub = folder / "files" / name
        sub.mkdir(parents=True)
        commands[f"file:{name}"] = ["eval", folder / "r.kpi", _make(sub, file, content)]
    for name, rubric, files, *_ in ENGINE_CASES:
        sub = folder / "engine" / name
        sub.mkdir(parents=True)
        (sub / "r.kpi").write_text(rubric, encoding="utf-8")
        for f, content in files.items():
            (sub / f).write_bytes(content)
        commands[f"engine:{name}"] = ["eval", sub / "r.kpi", *(sub / f for f in files)]
    names = list(commands)
    batch = [[*commands[n], "--engine", e] for n in names for e in ENGINES]
    results = run_many(batch, timeout=900)
    return {(n, e): results[i * len(ENGINES) + j] for i, n in enumerate(names) for j, e in enumerate(ENGINES)}


@pytest.fixture(scope="module")
def csv_runs(folder, data_runs):
    out = {}
    for start in range(0, len(CSV_CELLS), 40):
        for i in range(len(CSV_CELLS[start:start + 40])):
            out[start + i] = (data_runs[f"cells{start}", "python"], folder / f"cells{start}.csv", i + 2)
    return out


@pytest.mark.parametrize("index", range(len(CSV_CELLS)),
                         ids=[f"csv-{c}-{t[:12]!r}" for c, t, _ in CSV_CELLS])
def test_a_bad_csv_cell_is_named_with_its_row_and_column(csv_runs, index):
    column, _, fragment = CSV_CELLS[index]
    r, path, row = csv_runs[index]
    no_crash(r)
    assert r["code"] == 1
    lines = [line for line in r["stderr"].splitlines() if line.startswith(f"error: {path}:{row}")]
    assert lines, r["stderr"]
    assert any(fragment in line for line in lines), lines
    if column != "id":
        assert any(f"[{column}]" in line for line in lines), lines
    assert "nothing was written" in r["stderr"]
    assert not (path.parent / (path.stem + ".out.csv")).exists()


@pytest.fixture(scope="module")
def odd_run(data_runs):
    return data_runs["odd", "python"]


@pytest.mark.parametrize("index", range(len(ODD_BUT_VALID)), ids=[f"odd-{c}-{t!r}" for c, t, _, _ in ODD_BUT_VALID])
def test_an_unusual_but_valid_cell_gives_the_right_number(odd_run, index):
    column, cell, key, want = ODD_BUT_VALID[index]
    no_crash(odd_run)
    assert odd_run["code"] == 0, odd_run["stderr"]
    doc = json.loads(odd_run["stdout"])
    labels = {c["label"]: c["key"] for c in doc["columns"]}
    row = doc["rows"][index]
    assert row[labels[key]] == want, row


def _json_cells(folder: Path) -> Path:
    path = folder / "cells.json"
    rows = []
    for i, (key, literal, _) in enumerate(JSON_CELLS):
        cells = {"id": f"j{i}", "period": "2024-01", "rate": "93%", "late": 1, "sales": 1000, "fired": "否",
                 "score": 8}
        text = json.dumps(cells, ensure_ascii=False)
        rows.append(text.replace(json.dumps(key) + ": " + json.dumps(cells[key], ensure_ascii=False),
                                 json.dumps(key) + ": " + literal))
    path.write_text("[\n" + ",\n".join(rows) + "\n]\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def json_run(folder, data_runs):
    return data_runs["json", "python"], folder / "cells.json"


@pytest.mark.parametrize("index", range(len(JSON_CELLS)), ids=[f"json-{k}-{v}" for k, v, _ in JSON_CELLS])
def test_a_bad_json_cell_is_named_with_its_row_and_column(json_run, index):
    r, path = json_run
    key, _, fragment = JSON_CELLS[index]
    no_crash(r)
    assert r["code"] == 1
    lines = [line for line in r["stderr"].splitlines() if line.startswith(f"error: {path}:{index + 2} [{key}]")]
    assert lines and fragment in lines[0], r["stderr"]


# ---- whole files: (name, file name, bytes or a maker, exit code, message fragment) ----
def _xlsx(rows, sheets=None, percent_cols=()) -> bytes:
    import io

    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    for title, extra in (sheets or {}).items():
        other = wb.create_sheet(title)
        for r in extra:
            other.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _gb_valid_utf8() -> bytes:
    """Chinese names in GB18030 whose bytes are also valid UTF-8 (as UTF-8: Latin and Greek
    letters and symbols)."""
    names = ["卢梅", "鲁莫", "毛木", "莫慕"]
    text = "id,period,rate,late,sales,fired,score\n" + "".join(f"{n},2024-01,93%,1,1000,0,8\n" for n in names)
    data = text.encode("gb18030")
    data.decode("utf-8")  # the point of the case
    return data


GOOD_CSV = (",".join(HEADER) + "\n" + GOOD_LINE).encode()
FILES = [
    # Excel's "CSV" on a Chinese Windows (GBK), and its "Unicode text" (UTF-16 with its mark): read
    ("gbk-ok", "d.csv", GOOD_CSV.decode().encode("gbk"), 0, ""),
    ("gb18030-bad-byte", "d.csv", GOOD_CSV.decode().encode("gbk") + b"q\x81\x20,2024-02,93%,1,1000,0,8\n", 2,
     "not UTF-8 text (invalid start byte at byte 59), and not GB18030/GBK either (at byte 65)"),
    ("gb18030-valid-utf8", "d.csv", _gb_valid_utf8(), 2, "looks like GB18030/GBK"),
    ("utf16-ok", "d.csv", (",".join(HEADER) + "\n" + GOOD_LINE).encode("utf-16"), 0, ""),
    ("utf16-broken", "d.csv", (",".join(HEADER) + "\n" + GOOD_LINE).encode("utf-16") + b"\x00\xd8", 2,
     "starts with the mark of UTF-16 text, but is not"),
    ("title-row-ok", "d.csv", b"2024 appraisal,,,,,,\n" + GOOD_CSV, 0, ""),
    ("latin1", "d.csv", "id,period,rate,late,sales,fired,score\nJosé,2024-01,93%,1,1000,0,8\n".encode("latin-1"),
     2, "not UTF-8"),
    ("binary", "d.csv", bytes(range(256)) * 4, 2, "holds NUL bytes"),
    ("invalid-utf8-late", "d.csv", GOOD_CSV + b"q\xff,2024-01,93%,1,1000,0,8\n", 2, "not UTF-8"),
    ("nul-byte", "d.csv", GOOD_CSV.replace(b"p,", b"p\x00,"), 2, "holds NUL bytes"),
    ("utf16-no-bom", "d.csv", GOOD_CSV.decode().encode("utf-16-le"), 2, "holds NUL bytes"),
    ("tabs", "d.csv", GOOD_CSV.replace(b",", b"\t"), 2, "separated by tabs"),
    ("semicolons", "d.csv", GOOD_CSV.replace(b",", b";"), 2, "separated by semicolons"),
    ("field-limit", "d.csv", GOOD_CSV + b'q,2024-01,"' + b"x" * (1 << 21) + b'",1,1000,0,8\n', 2,
     "longer than 1024 KiB"),
    ("open-quote", "d.csv", GOOD_CSV + b'q,2024-01,"93%,1,1000,0,8\n', 1, "blank cell"),
    ("two-row-header", "d.csv", b"id,period,scores,,,,\n,,rate,late,sales,fired,score\n" + GOOD_LINE.encode(), 2,
     "span two rows"),
    ("missing-column", "d.csv", b"id,period,rate,late,sales,fired\np,2024-01,93%,1,1000,0\n", 1,
     "missing column 'score'"),
    ("no-person-column", "d.csv", b"who,period,rate,late,sales,fired,score\n" + GOOD_LINE.encode(), 1,
     "no column names the person"),
    ("repeated-title", "d.csv", b"id,period,rate,late,sales,fired,score,rate\np,2024-01,93%,1,1000,0,8,50%\n", 1,
     "two columns are titled 'rate': column C and column H"),
    ("repeated-id", "d.csv", b"id,id,period,rate,late,sales,fired,score\np,q,2024-01,93%,1,1000,0,8\n", 1,
     "two columns are titled 'id'"),
    ("duplicate-person", "d.csv", GOOD_CSV + GOOD_LINE.encode(), 1, "appears twice in the same period"),
    ("only-bom", "d.csv", b"\xef\xbb\xbf", 1, "missing column"),
    ("empty", "d.csv", b"", 1, "missing column"),
    ("header-only", "d.csv", ",".join(HEADER).encode() + b"\n", 0, ""),
    ("crlf-ok", "d.csv", GOOD_CSV.replace(b"\n", b"\r\n"), 0, ""),
    ("bom-ok", "d.csv", b"\xef\xbb\xbf" + GOOD_CSV, 0, ""),
    ("xlsx-not-zip", "d.xlsx", GOOD_CSV, 2, "not an XLSX workbook (not a zip file)"),
    ("xls-renamed", "d.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, 2, "old .xls workbook"),
    ("xlsx-truncated", "d.xlsx", lambda: _xlsx([HEADER])[:-200], 2, "not an XLSX workbook"),
    ("xlsx-zip-not-workbook", "d.xlsx", "zip", 2, "cannot read this workbook"),
    ("xlsx-second-sheet", "d.xlsx", lambda: _xlsx([], {"数据": [HEADER, ["p", "2024-01", "93%", 1, 1000, "否", 8]]}),
     2, "data seems to be on sheet '数据'"),
    ("xlsx-empty", "d.xlsx", lambda: _xlsx([]), 1, "missing column"),
    ("xlsx-date-period", "d.xlsx", "date-period", 1, "a date (2024-03-01 00:00:00) where the period"),
    ("xlsx-date-id", "d.xlsx", "date-id", 1, "where the person is written as text"),
    ("xlsx-date-number", "d.xlsx", "date-number", 1, "is not a number"),
    ("xlsx-bool", "d.xlsx", lambda: _xlsx([HEADER, ["p", "2024-01", "93%", True, 1000, "否", 8]]), 1,
     "is not a number"),
    ("xlsx-two-row-header", "d.xlsx", lambda: _xlsx([["id", "period", "scores", None, None, None, None],
                                                       [None, None, *HEADER[2:]],
                                                       ["p", "2024-01", "93%", 1, 1000, "否", 8]]), 2,
     "span two rows"),
    ("xlsx-repeated-title", "d.xlsx", lambda: _xlsx([HEADER + ["late"], ["p", "2024-01", "93%", 1, 1000, "否", 8, 5]]),
     1, "two columns are titled 'late'"),
    ("xlsx-formula-id", "d.xlsx", "formula", 2, "sheet 'Sheet', cell A2 holds a formula (=HYPERLINK(\"http://x\",\"y\")) "
     "whose value was never saved"),
    ("xlsx-title-row-ok", "d.xlsx", lambda: _xlsx([["2024年度考核"], HEADER, ["p", "2024-01", "93%", 1, 1000, "否", 8]]),
     0, ""),
    ("xlsx-malformed", "d.xlsx", "malformed", 2, "sheet 'Sheet' cannot be read (malformed XML"),
    ("xlsx-entities", "d.xlsx", "entities", 2, "declares entities or a document type"),
    ("xlsx-external-entity", "d.xlsx", "external", 2, "declares entities or a document type"),
    ("xlsx-shared-text-out-of-range", "d.xlsx", "shared-string", 2, "points at a shared text that is not there"),
    ("xlsx-zip-bomb", "d.xlsx", "bomb", 2, "(a zip bomb?); refused"),
    ("json-invalid", "d.json", b"[{", 2, "not valid JSON"),
    ("json-object", "d.json", b'{"id": "p"}', 2, "expected a list of objects"),
    ("json-scalars", "d.json", b"[1, 2]", 2, "expected a list of objects"),
    ("json-rows-not-list", "d.json", b'{"rows": 3}', 2, "expected a list of objects"),
    ("json-deep", "d.json", b"[" * 100000 + b"]" * 100000, 2, "nested too deeply"),
    ("json-huge-int", "d.json", b'[{"id": "p", "late": ' + b"9" * 5000 + b"}]", 2, ""),
    ("json-gbk", "d.json", '[{"id": "张伟"}]'.encode("gbk"), 2, "not UTF-8"),
    ("json-bom-ok", "d.json", b"\xef\xbb\xbf" + json.dumps([{"id": "p", "period": "2024-01", **GOOD}]).encode(), 0,
     ""),
    ("json-empty-list", "d.json", b"[]", 1, "missing column"),
    ("json-string", "d.json", b'"rows"', 2, "expected a list of objects"),
    ("unknown-extension", "d.ods", GOOD_CSV, 2, "unknown data format .ods"),
    ("no-extension", "data", GOOD_CSV, 2, "unknown data format (no extension)"),
    # ---- issue 21: shapes of a file, each also on DuckDB ----
    ("blank-line-then-bad", "d.csv", GOOD_CSV + b"\nq,2024-01,abc,1,1000,0,8\n", 1, "d.csv:4 [rate]: 'abc'"),
    ("blank-lines-ok", "d.csv", GOOD_CSV.replace(b"\np,", b"\n\n\np,") + b"\n\n", 0, ""),
    ("commas-row-ok", "d.csv", GOOD_CSV.replace(b"\np,", b"\n,,,,,,\np,"), 0, ""),
    ("commas-row-then-bad", "d.csv", GOOD_CSV + b",,,,,,\nq,2024-01,abc,1,1000,0,8\n", 1, "d.csv:4 [rate]: 'abc'"),
    ("spaces-line-then-bad", "d.csv", GOOD_CSV + b"   \nq,2024-01,abc,1,1000,0,8\n", 1, "d.csv:4 [rate]: 'abc'"),
    ("cr-only-ok", "d.csv", GOOD_CSV.replace(b"\n", b"\r"), 0, ""),
    ("crlf-header-lf-rows-ok", "d.csv", GOOD_CSV.replace(b"\n", b"\r\n", 1), 0, ""),
    ("no-final-newline-ok", "d.csv", GOOD_CSV.rstrip(b"\n"), 0, ""),
    ("quoted-header-ok", "d.csv", b",".join(b'"' + h.encode() + b'"' for h in HEADER) + b"\n" + GOOD_LINE.encode(), 0,
     ""),
    ("header-spaces-ok", "d.csv", b" , ".join(h.encode() for h in HEADER) + b"\n" + GOOD_LINE.encode(), 0, ""),
    ("header-trailing-comma-ok", "d.csv", GOOD_CSV.replace(b"score\n", b"score,\n").replace(b",8\n", b",8,\n"), 0, ""),
    ("short-row", "d.csv", GOOD_CSV + b"q,2024-01,93%,1,1000,0\n", 1, "d.csv:3 [score]: blank cell"),
    ("id-with-spaces-twice", "d.csv", GOOD_CSV + b" p ,2024-01,93%,1,1000,0,8\n", 1, "appears twice in the same period"),
    ("ctrl-z-line", "d.csv", GOOD_CSV + b"\x1a\n", 1, "d.csv:3 [rate]: blank cell"),
    ("header-case", "d.csv", b"ID,Period,Rate,Late,Sales,Fired,Score\n" + GOOD_LINE.encode(), 1,
     "no column names the person"),
    ("header-full-width", "d.csv", GOOD_CSV.replace(b"rate", "ｒａｔｅ".encode()), 1, "missing column 'rate'"),
    ("double-bom", "d.csv", b"\xef\xbb\xbf\xef\xbb\xbf" + GOOD_CSV, 1, "no column names the person"),
    ("gb18030-late", "d.csv", GOOD_CSV * 1 + "张伟,2024-01,93%,1,1000,否,8\n".encode("gb18030"), 2, "not UTF-8"),
    ("json-rows-key-ok", "d.json", json.dumps({"rows": [{"id": "p", "period": "2024-01", **GOOD}]}).encode(), 0, ""),
    ("json-nested-row", "d.json", json.dumps([{"id": "p", "period": "2024-01", **GOOD, "rate": {"v": 1}}]).encode(), 1,
     "[rate]: '{\"v\": 1}' is not a number"),
    ("json-null-row", "d.json", b"[null]", 2, "expected a list of objects"),
    ("json-trailing-comma", "d.json", b'[{"id": "p"},]', 2, "not valid JSON"),
    ("json-two-documents", "d.json", b'[{"id": "p"}]\n[{"id": "q"}]', 2, "not valid JSON"),
    ("json-utf16", "d.json", '[{"id": "p"}]'.encode("utf-16"), 2, ""),
    ("xlsx-text-numbers-ok", "d.xlsx", lambda: _xlsx([HEADER, ["p", "2024-01", "93%", "1", "1000", "否", "8"]]), 0, ""),
    ("xlsx-blank-row-then-bad", "d.xlsx", lambda: _xlsx([HEADER, [None] * 7, ["p", "2024-01", "abc", 1, 1000, "否", 8]]), 1,
     "d.xlsx:3 [rate]: 'abc'"),
    # a money cell with 5 places (DuckDB keeps 4): Python scores it, on both engines
    ("xlsx-places-ok", "d.xlsx", lambda: _xlsx([HEADER, ["p", "2024-01", "93%", 1, "1000.00001", "否", 8]]), 0, ""),
]


def _make(folder: Path, name: str, content) -> Path:
    path = folder / name
    if callable(content):
        content = content()
    if content == "zip":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("hello.txt", "not a workbook")
        return path
    if content in ("malformed", "entities", "external", "shared-string", "bomb"):
        _hostile(path, content)
        return path
    if content in ("date-period", "date-id", "date-number", "formula"):
        import datetime
        row = ["p", "2024-01", "93%", 1, 1000, "否", 8]
        if content == "date-period":
            row[1] = datetime.datetime(2024, 3, 1)
        elif content == "date-id":
            row[0] = datetime.datetime(2024, 3, 1)
        elif content == "date-number":
            row[3] = datetime.datetime(2024, 3, 1)
        else:
            row[0] = '=HYPERLINK("http://x","y")'  # openpyxl keeps no cached value: the id reads blank
        content = _xlsx([HEADER, row])
    path.write_bytes(content)
    return path


def _hostile(path: Path, kind: str) -> None:
    """A workbook of the good row with its sheet XML made hostile or broken."""
    parts = {}
    with zipfile.ZipFile(io.BytesIO(_xlsx([HEADER, ["p", "2024-01", "93%", 1, 1000, "否", 8]]))) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    name = "xl/worksheets/sheet1.xml"
    sheet = parts[name]
    if kind == "malformed":
        sheet = sheet.replace(b"</sheetData>", b"<row></sheetData>")
    elif kind == "entities":  # "billion laughs", nine levels deep
        decl = b'<!ENTITY l0 "ha">' + b"".join(b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10))
        sheet = b"<!DOCTYPE w [" + decl + b"]>" + sheet.replace(b"<t>p</t>", b"<t>&l9;</t>")
    elif kind == "external":
        sheet = b'<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + sheet.replace(b"<t>p</t>", b"<t>&x;</t>")
    elif kind == "shared-string":
        sheet = sheet.replace(b'<c r="A2" t="inlineStr"><is><t>p</t></is></c>', b'<c r="A2" t="s"><v>99</v></c>')
    else:  # 200 MiB of blanks in a comment packs into a few hundred KiB
        sheet = sheet.replace(b"</worksheet>", b"<!--" + b" " * (200 << 20) + b"--></worksheet>")
    assert sheet != parts[name]
    parts[name] = sheet
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for part, data in parts.items():
            z.writestr(part, data)


@pytest.mark.parametrize("name,file,content,code,fragment", FILES, ids=[f[0] for f in FILES])
def test_a_bad_data_file_is_refused_in_words(data_runs, name, file, content, code, fragment):
    r = data_runs[f"file:{name}", "python"]
    no_crash(r)
    assert r["code"] == code, r
    assert fragment in r["stderr"], r["stderr"]
    if code == 0 and name != "header-only":
        assert "p,2024-01,33,25,30,88.00,合格,-10.00" in r["stdout"], r["stdout"]


# ---- rubric and data pairs where the engines once parted: (name, rubric, files, exit code, words, output lines) ----
_PERCENT = 'rubric "x"\ninput v "值": percent\nitem a "A" points 100 { proportional v }\n'
ENGINE_CASES = [
    # DuckDB takes Rate and rate for one column (was exit 70): 90% × 50 = 45, 10% × 50 = 5
    ("case-colliding-inputs", 'rubric "x"\ninput Rate "甲": percent\ninput rate "乙": percent\n'
     'item a "A" points 50 { proportional Rate }\nitem b "B" points 50 { proportional rate }\n',
     {"d.csv": b"id,Rate,rate\np,90%,10%\n"}, 0, "", ["p,,45,5,50,,scored,"]),
    # 1 is below a 29-digit threshold just above 1 (DuckDB rounded the threshold to 1: 100 points)
    ("29-digit-threshold", 'rubric "x"\ninput v "值": number\nitem a "A" points 100 '
     '{ tiers v { when >= 1.0000000000000000000000000001: 100 else: 0 } }\n',
     {"d.csv": b"id,v\np,1\nq,2\n"}, 0, "", ["p,,0,0,,scored,", "q,,100,100,,scored,"]),
    # a 45-digit threshold: past what SQL keeps; Python scores it exactly
    ("45-digit-threshold", 'rubric "x"\ninput v "值": number\nitem a "A" points 100 '
     '{ tiers v { when >= 1.' + "0" * 43 + '1: 100 else: 0 } }\n',
     {"d.csv": b"id,v\np,1\nq,2\n"}, 0, "", ["p,,0,0,,scored,", "q,,100,100,,scored,"]),
    ("full-width-percent", _PERCENT, {"d.csv": "id,v\np,９３％\n".encode()}, 0, "", ["p,,93,93,,scored,"]),
    ("full-width-bare-percent", _PERCENT, {"d.csv": "id,v\np,９３\n".encode()}, 1, "in a percent column", []),
    ("two-files", RUBRIC, {"a.csv": GOOD_CSV, "b.csv": GOOD_CSV.replace(b"\np,", b"\nq,")}, 0, "",
     ["p,2024-01,33,25,30,88.00,合格,-10.00,,scored,", "q,2024-01,33,25,30,88.00,合格,-10.00,,scored,"]),
    ("two-files-one-person", RUBRIC, {"a.csv": GOOD_CSV, "b.csv": GOOD_CSV}, 1, "b.csv:2: this person appears twice", []),
    ("two-files-bad-in-second", RUBRIC, {"a.csv": GOOD_CSV, "b.csv": GOOD_CSV.replace(b"93%", b"93")}, 1,
     "b.csv:2 [rate]: '93' in a percent column", []),
    # more places than DuckDB keeps (money 4, percent 6): Python scores the file; kept in runs of
    # their own, so that the odd-spellings run is DuckDB's own reading
    ("money-places-past-duckdb", RUBRIC, {"d.csv": GOOD_CSV.replace(b",1000,", b",1000.00001,")}, 0, "",
     ["p,2024-01,33,25,30,88.00,合格,-10.00,,scored,"]),  # 10.0000001 − 20, to the cent
    ("percent-places-past-duckdb", RUBRIC, {"d.csv": GOOD_CSV.replace(b"93%", b"93.1234567%")}, 0, "",
     ["p,2024-01,33.1234567,25,30,88.12,合格,-10.00,,scored,"]),  # 30 + 3.1234567; total to 0.01
    ("json-places-past-duckdb", _PERCENT, {"d.json": b'[{"id": "p", "v": "93.1234567%"}]'}, 0, "",
     ["p,,93.1234567,93.1234567,,scored,"]),  # DuckDB would have kept 93.1235 (6 places)
    # an unquoted 1,000 in the last column: refused by its row, never read as 1 with "000" dropped
    ("ragged-extra-cell", RUBRIC, {"d.csv": GOOD_CSV.replace(b",8\n", b",1,000\n")}, 1,
     "more than the 7 titles of the header row", []),
]
ENGINE_XFAIL: dict[str, str] = {}


@pytest.mark.parametrize("name,rubric,files,code,fragment,lines", ENGINE_CASES, ids=[c[0] for c in ENGINE_CASES])
def test_where_the_engines_once_parted_python_gives_the_hand_worked_answer(data_runs, request, name, rubric, files,
                                                                            code, fragment, lines):
    if name in ENGINE_XFAIL:
        request.applymarker(pytest.mark.xfail(reason=ENGINE_XFAIL[name], strict=True))
    r = data_runs[f"engine:{name}", "python"]
    no_crash(r)
    assert r["code"] == code, r
    assert fragment in r["stderr"]
    out = r["stdout"].replace("\r\n", "\n").splitlines()
    assert all(line in out for line in lines), out


def _said(r: dict) -> tuple[int, str, str]:
    """What a run said: its exit code, standard error without the engine's notes (DuckDB's
    "scored with --engine python instead"), and its output."""
    err = "\n".join(line for line in r["stderr"].splitlines() if not line.startswith("kpi: note: "))
    return r["code"], err, r["stdout"]


# the runs DuckDB hands to Python, saying so: names that differ only in case, a threshold past
# 38 digits, cells with more places than its columns keep
FALLS_BACK = {"engine:case-colliding-inputs", "engine:45-digit-threshold", "engine:money-places-past-duckdb",
              "engine:percent-places-past-duckdb", "engine:json-places-past-duckdb", "file:xlsx-places-ok"}
DATA_RUNS = ([f"cells{start}" for start in range(0, len(CSV_CELLS), 40)] + ["odd", "json"]
             + [f"file:{f[0]}" for f in FILES] + [f"engine:{c[0]}" for c in ENGINE_CASES])


@pytest.mark.parametrize("run", DATA_RUNS)
def test_duckdb_says_what_python_says_for_every_data_row(data_runs, folder, run):
    """The differential: every data row of this table through `kpi eval --engine duckdb` and
    `--engine python`: the same exit code, the same words (row, column, message, hint), the same
    output; never 70 on either."""
    python, duck = data_runs[run, "python"], data_runs[run, "duckdb"]
    no_crash(python)
    no_crash(duck)
    assert _said(duck) == _said(python), (python, duck)
    # DuckDB scored every other run itself: a fallback would hide its own reading from this test
    assert ("kpi: note: " in duck["stderr"]) == (run in FALLS_BACK), duck["stderr"]
    if run.startswith("cells"):  # written nowhere by either
        assert not (folder / f"{run}.out.csv").exists()


# ---- paths and permissions ----
@pytest.mark.slow
def test_a_missing_rubric_or_data_file_or_a_folder(tmp_path):
    (tmp_path / "r.kpi").write_text(RUBRIC, encoding="utf-8")
    cases = [(("eval", tmp_path / "nope.kpi", tmp_path / "d.csv"), "no such file"),
             (("eval", tmp_path / "r.kpi", tmp_path / "nope.csv"), "no such file"),
             (("eval", tmp_path / "r.kpi", tmp_path), "is a directory"),
             (("form", tmp_path / "nope.kpi", "-o", tmp_path / "f.html"), "no such file"),
             (("fmt", tmp_path / "nope.kpi"), "no such file or folder")]
    for args, fragment in cases:
        r = kpi_run(*args)
        no_crash(r)
        assert r.returncode == 2 and fragment in r.stderr, (args, r.stderr)


OUTPUTS = [
    ("eval-csv-missing-folder", "eval", "missing/out.csv", "does not exist"),
    ("eval-json-missing-folder", "eval", "missing/out.json", "does not exist"),
    ("eval-xlsx-missing-folder", "eval", "missing/out.xlsx", "does not exist"),
    ("eval-parent-is-a-file", "eval", "d.csv/out.csv", "does not exist"),
    ("eval-read-only-folder", "eval", "/sys/out.csv", "cannot write into the folder /sys"),
    ("eval-json-read-only-folder", "eval", "/sys/out.json", "cannot write into the folder /sys"),
    ("eval-xlsx-read-only-folder", "eval", "/sys/out.xlsx", "cannot write into the folder /sys"),
    ("form-missing-folder", "form", "missing/f.html", "does not exist"),
    ("form-read-only-folder", "form", "/sys/f.html", "cannot write into the folder /sys"),
    ("eval-unknown-format", "eval", "out.txt", "unknown output format"),
    ("eval-output-is-a-folder", "eval", ".", ""),
]


@pytest.mark.parametrize("name,command,out,fragment", OUTPUTS, ids=[o[0] for o in OUTPUTS])
def test_output_that_cannot_be_written_is_a_usage_error(tmp_path, name, command, out, fragment):
    (tmp_path / "r.kpi").write_text(RUBRIC, encoding="utf-8")
    (tmp_path / "d.csv").write_bytes(GOOD_CSV)
    target = out if out.startswith("/") else tmp_path / out
    args = ("eval", tmp_path / "r.kpi", tmp_path / "d.csv", "-o", target) if command == "eval" else (
        "form", tmp_path / "r.kpi", "-o", target)
    r = kpi_run(*args)
    no_crash(r)
    assert r.returncode == 2, r.stderr
    assert fragment in r.stderr
    assert not list(tmp_path.rglob("*.part"))


@pytest.mark.unprivileged  # root writes into a read-only folder: conftest.py deselects these as root
@pytest.mark.parametrize("command", ["eval", "form", "fmt"])
def test_a_read_only_folder_is_a_usage_error(tmp_path, command):
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "r.kpi").write_text(RUBRIC.replace("points 40", "points  40"), encoding="utf-8")
    (tmp_path / "d.csv").write_bytes(GOOD_CSV)
    ro.chmod(0o555)
    try:
        args = {"eval": ("eval", ro / "r.kpi", tmp_path / "d.csv", "-o", ro / "o.csv"),
                "form": ("form", ro / "r.kpi", "-o", ro / "f.html"), "fmt": ("fmt", ro / "r.kpi")}[command]
        r = kpi_run(*args)
    finally:
        ro.chmod(0o755)
    no_crash(r)
    assert r.returncode == 2 and "cannot write into the folder" in r.stderr, r.stderr


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_every_output_file_is_0600_whatever_the_umask(tmp_path, fmt):
    (tmp_path / "r.kpi").write_text(RUBRIC, encoding="utf-8")
    (tmp_path / "d.csv").write_bytes(GOOD_CSV)
    out = tmp_path / f"o.{fmt}"
    r = subprocess.run([sys.executable, "-m", "kpidsl.cli.main", "eval", str(tmp_path / "r.kpi"), str(tmp_path / "d.csv"),
                        "-o", str(out)], capture_output=True, text=True, cwd=ROOT, preexec_fn=lambda: os.umask(0))
    assert r.returncode == 0, r.stderr
    assert out.stat().st_mode & 0o777 == 0o600


@pytest.mark.slow
def test_form_output_is_0600_and_fmt_keeps_the_rubric_mode_and_its_symlink(tmp_path):
    real = tmp_path / "real.kpi"
    real.write_text(RUBRIC.replace("points 40", "points  40"), encoding="utf-8")
    real.chmod(0o644)
    link = tmp_path / "link.kpi"
    link.symlink_to(real)
    r = subprocess.run([sys.executable, "-m", "kpidsl.cli.main", "form", str(real), "-o", str(tmp_path / "f.html")],
                       capture_output=True, text=True, cwd=ROOT, preexec_fn=lambda: os.umask(0))
    assert r.returncode == 0 and (tmp_path / "f.html").stat().st_mode & 0o777 == 0o600
    r = kpi_run("fmt", link)
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert "points 40" in real.read_text(encoding="utf-8")
    assert real.stat().st_mode & 0o777 == 0o644


# ---- formula injection in every output format; a negative number kpi writes stays a number ----
@pytest.mark.slow
def test_formula_like_text_is_neutralised_in_every_format_and_numbers_stay_numbers(tmp_path):
    from openpyxl import load_workbook
    (tmp_path / "r.kpi").write_text(RUBRIC, encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text(",".join(HEADER) + '\n"=HYPERLINK(""http://x"",""y"")",2024-01,93%,1,1700,否,8\n'
                    "@cmd,-2024,93%,1,1000,否,8\n", encoding="utf-8")
    r = kpi_run("eval", tmp_path / "r.kpi", data)
    assert r.returncode == 0, r.stderr
    assert "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",2024-01," in r.stdout
    assert "'@cmd,'-2024," in r.stdout
    assert ",-3.00," in r.stdout  # the bonus kpi computed: a number, not text
    r = kpi_run("eval", tmp_path / "r.kpi", data, "--format", "json")
    rows = json.loads(r.stdout)["rows"]
    assert rows[0]["id"].startswith("'=") and rows[0]["bonus"] == "-3.00"
    out = tmp_path / "o.xlsx"
    assert kpi_run("eval", tmp_path / "r.kpi", data, "-o", out).returncode == 0
    ws = load_workbook(out).active
    assert ws["A2"].data_type == "s" and ws["A2"].value.startswith("=HYPERLINK")  # text, not a formula
    bonus = [c for c in ws[1] if c.value == "奖金"][0].column_letter
    assert ws[f"{bonus}2"].value == -3 and ws[f"{bonus}2"].data_type == "n"
    streamed = tmp_path / "s.csv"
    assert kpi_run("eval", tmp_path / "r.kpi", data, "-o", streamed).returncode == 0
    assert "'@cmd,'-2024," in streamed.read_text(encoding="utf-8")


# ---- one spelling for one value ----
@pytest.mark.slow
def test_one_value_is_spelled_one_way_in_every_output(tmp_path):
    from openpyxl import load_workbook
    (tmp_path / "r.kpi").write_text(RUBRIC, encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text(",".join(HEADER) + "\na,2024-01,93%,1,1000,否,8\nb,2024-01,93.00%,1.0,1000.00,否,8.0\n",
                    encoding="utf-8")
    r = kpi_run("eval", tmp_path / "r.kpi", data)
    lines = r.stdout.splitlines()
    assert lines[1] == "a,2024-01,33,25,30,88.00,合格,-10.00,,scored,", lines
    assert lines[2] == "b" + lines[1][1:]
    rows = json.loads(kpi_run("eval", tmp_path / "r.kpi", data, "--format", "json").stdout)["rows"]
    assert {k: v for k, v in rows[0].items() if k != "id"} == {k: v for k, v in rows[1].items() if k != "id"}
    assert rows[0]["a"] == "33" and rows[0]["total"] == "88.00"
    explained = [kpi_run("eval", tmp_path / "r.kpi", data, "--explain", p).stdout for p in "ab"]
    assert explained[0].split("\n", 1)[1] == explained[1].split("\n", 1)[1]
    assert "total 总分 = 88.00" in explained[0] and "a A = 33" in explained[0]
    out = tmp_path / "o.xlsx"
    kpi_run("eval", tmp_path / "r.kpi", data, "-o", out)
    ws = load_workbook(out).active
    assert [c.value for c in ws[2]][2:] == [c.value for c in ws[3]][2:]


# ---- mixed period spellings in the batch rules ----
@pytest.mark.slow
def test_one_person_with_periods_written_two_ways_is_a_data_error(tmp_path):
    rubric = RUBRIC.replace('pay bonus "奖金" = sales * 1% - 20\n', "") + (
        'streak steady "连续合格" when grade is ok for 2 periods award 100元\n')
    (tmp_path / "r.kpi").write_text(rubric, encoding="utf-8")
    check = kpi_run("check", tmp_path / "r.kpi")
    assert check.returncode == 0, check.stdout
    data = tmp_path / "d.csv"
    data.write_text(",".join(HEADER) + "\np,2024-01,93%,1,1000,否,8\np,Jan,93%,1,1000,否,8\n", encoding="utf-8")
    r = kpi_run("eval", tmp_path / "r.kpi", data)
    no_crash(r)
    assert r.returncode == 1
    assert f"{data}:3 [period]: p's period 'Jan' is not written like '2024-01' (row 2)" in r.stderr
    # DuckDB says the same: the row, the column, the words and the advice
    duck = kpi_run("eval", tmp_path / "r.kpi", data, "--engine", "duckdb")
    assert duck.returncode == 1 and duck.stderr == r.stderr
    assert "hint: write every period of a person as the same kind, e.g. 2024-01, 2024-02" in duck.stderr


# ---- signals ----
def _big_csv(path: Path, rows: int = 400_000) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write(",".join(HEADER) + "\n")
        f.writelines(f"p{i},2024-01,93%,1,1000,否,8\n" for i in range(rows))


@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"])
def test_a_signal_leaves_no_part_file(tmp_path, sig, code):
    (tmp_path / "r.kpi").write_text(RUBRIC, encoding="utf-8")
    data = tmp_path / "d.csv"
    _big_csv(data)
    out = tmp_path / "out.csv"
    p = subprocess.Popen([sys.executable, "-m", "kpidsl.cli.main", "eval", str(tmp_path / "r.kpi"), str(data),
                          "-o", str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.csv.*.part")) and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert p.poll() is None, "finished before it could be interrupted"
    time.sleep(0.2)
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == code, err
    assert not list(tmp_path.glob("*.part")) and not out.exists()
    if sig == signal.SIGINT:
        assert "kpi: interrupted" in err and "Aborted" not in err
    assert "Traceback" not in err


# ---- rubric texts: all checked in one run; each file must get its error ----
RUBRICS = [
    ("use-etc-passwd", 'rubric "x"\nuse "/etc/passwd"\nitem a "A" points 100\n', "KPI013"),
    ("use-parent", 'rubric "x"\nuse "../x.kpi"\nitem a "A" points 100\n', "KPI013"),
    ("use-deep-parent", 'rubric "x"\nuse "sub/../../../x.kpi"\nitem a "A" points 100\n', "KPI013"),
    ("use-missing", 'rubric "x"\nuse "nope.kpi"\nitem a "A" points 100\n', "KPI010"),
    ("use-self", 'rubric "x"\nuse "use-self.kpi"\nitem a "A" points 100\n', "KPI011"),
    ("syntax", 'rubric "x"\nitem a "A" points\n', "KPI001"),
    ("full-width-colon", 'rubric "x"\ninput r "率"：percent\nitem a "A" points 100 { proportional r }\n', "KPI001"),
    ("unclosed-brace", 'rubric "x"\nitem a "A" points 100 {\n', "KPI001"),
    ("unclosed-string", 'rubric "x\nitem a "A" points 100\n', "KPI001"),
    ("nul", 'rubric "x"\x00\nitem a "A" points 100\n', "KPI001"),
    ("weights-90", 'rubric "x"\nitem a "A" points 90\n', "KPI101"),
    ("weights-105", 'rubric "x"\nitem a "A" points 60\nitem b "B" points 45\n', "KPI101"),
    ("unknown-input", 'rubric "x"\nitem a "A" points 100 { deduct 5 per nope }\n', "KPI"),
    ("no-title", 'rubric\nitem a "A" points 100\n', "KPI001"),
    ("tier-gap", 'rubric "x"\ninput r "率": percent\nitem a "A" points 100 { tiers r { when >= 90%: 100 '
                 'when < 80%: 0 } }\n', "KPI"),
    ("duplicate-item", 'rubric "x"\nitem a "A" points 50\nitem a "B" points 50\n', "KPI"),
    ("grade-unknown", 'rubric "x"\nitem a "A" points 100\ngrade ok "合格" when >= 200\n', "KPI"),
    # ---- issue 21: rubric text read as an editor shows it, use paths no file system takes ----
    ("cr-only-comment", 'rubric "x"\r# note\ritem a "A" points 90\r', "KPI101"),  # the item is read: 90, not 100
    # the other breaks end the comment, then are refused where they stand ("replace it with a newline")
    ("nel-comment", 'rubric "x"\n# note\u0085item a "A" points 90\n', "KPI001"),
    ("ls-comment", 'rubric "x"\n# note\u2028item a "A" points 90\n', "KPI001"),
    ("ps-comment", 'rubric "x"\n# note\u2029item a "A" points 90\n', "KPI001"),
    ("round-twice", 'rubric "x"\nround total to 1\nround total to 0.1\nitem a "A" points 100\n', "KPI106"),
    ("use-nul", 'rubric "x"\nuse "a\x00b.kpi"\nitem a "A" points 100\n', "KPI010"),
    ("use-too-long", 'rubric "x"\nuse "' + "a" * 300 + '.kpi"\nitem a "A" points 100\n', "KPI010"),
    ("use-folder", 'rubric "x"\nuse "."\nitem a "A" points 100\n', "KPI010"),
    ("use-empty", 'rubric "x"\nuse ""\nitem a "A" points 100\n', "KPI01"),
    ("zero-width-name", 'rubric "x"\nitem a\u200bb "A" points 100\n', "KPI001"),
    ("bidi-override", 'rubric "x"\nitem a "A" points 100\u202e\n', "KPI001"),
    ("deep-parens", 'rubric "x"\ninput v "v": number\nitem a "A" points 100 { formula ' + "(" * 3000 + "v"
     + ")" * 3000 + " }\n", "KPI"),
]


@pytest.fixture(scope="module")
def rubric_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("rubrics") / "inner"
    d.mkdir()
    (d.parent / "x.kpi").write_text('rubric "outside"\nitem z "Z" points 100\n', encoding="utf-8")
    for name, text, _ in RUBRICS:
        (d / f"{name}.kpi").write_text(text, encoding="utf-8")
    r = kpi_run("check", *(d / f"{name}.kpi" for name, _, _ in RUBRICS), "--format", "json")
    return r, d


@pytest.mark.parametrize("name,text,code", RUBRICS, ids=[r[0] for r in RUBRICS])
def test_a_bad_rubric_gets_its_diagnostic(rubric_run, name, text, code):
    r, d = rubric_run
    no_crash(r)
    assert r.returncode == 1
    diags = [x for x in json.loads(r.stdout)["diagnostics"] if Path(x["file"]).stem == name]
    assert any(x["severity"] == "error" and x["code"].startswith(code) for x in diags), diags
    if code == "KPI013":
        assert "root:" not in r.stdout  # /etc/passwd was never quoted


def test_use_outside_the_tree_is_not_opened_by_eval_either(tmp_path):
    (tmp_path / "r.kpi").write_text('rubric "x"\nuse "/etc/passwd"\nitem a "A" points 100\n', encoding="utf-8")
    (tmp_path / "d.csv").write_text("id\np\n", encoding="utf-8")
    r = kpi_run("eval", tmp_path / "r.kpi", tmp_path / "d.csv")
    no_crash(r)
    assert r.returncode == 1 and "KPI013" in r.stderr and "root:" not in r.stderr


@pytest.mark.slow
def test_a_rubric_that_is_not_utf8_is_a_usage_error(tmp_path):
    p = tmp_path / "gbk.kpi"
    p.write_bytes('rubric "考核"\nitem a "甲" points 100\n'.encode("gbk"))
    for args in (("check", p), ("fmt", p), ("eval", p, p), ("form", p, "-o", tmp_path / "f.html")):
        r = kpi_run(*args)
        no_crash(r)
        assert r.returncode == 2 and "not UTF-8" in r.stderr, (args, r.stderr)
