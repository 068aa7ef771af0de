"""Files that would hang or crash a reader or a writer: a named pipe among the rubrics of a
folder, a rubric that is not UTF-8 (refused by every command with the byte and line of the
first bad byte), a `use` path no file system takes, and a disk that fills while results are
written (a message, exit 2, no traceback and no partial file)."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from kpi_batch import run_many

ROOT = Path(__file__).resolve().parents[2]
OK = 'rubric "x"\nitem a "A" points 100\n'


def kpi(*args: object, cwd: Path | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kpidsl.cli.main", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=60, **kw)


def clean(r: subprocess.CompletedProcess | dict) -> None:
    err = r["stderr"] if isinstance(r, dict) else r.stderr
    code = r["code"] if isinstance(r, dict) else r.returncode
    assert code != 70 and "Traceback" not in err and "internal error" not in err and "Exception ignored" not in err, err


def test_a_pipe_named_like_a_rubric_in_a_folder_is_skipped_not_read(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "ok.kpi").write_text(OK, encoding="utf-8")
    os.mkfifo(d / "x.kpi")  # opened for reading, it would wait for a writer for ever
    r = kpi("check", d)  # the timeout is the test: a hang fails it
    clean(r)
    assert r.returncode == 0, r.stderr
    assert f"kpi: note: {d / 'x.kpi'}: not a regular file" in r.stderr and "skipped" in r.stderr
    assert "1 file checked" in r.stdout
    r = kpi("fmt", "--check", d)
    clean(r)
    assert r.returncode in (0, 1) and "skipped" in r.stderr and "of 1 files" in r.stderr  # ok.kpi alone
    named = kpi("check", d / "x.kpi")
    clean(named)
    assert named.returncode == 2 and "not a regular file" in named.stderr


def test_use_of_a_path_no_file_system_takes_is_a_diagnostic(tmp_path):
    os.mkfifo(tmp_path / "fifo.kpi")
    (tmp_path / "gbk.kpi").write_bytes('rubric "考核"\n'.encode("gbk"))  # 考 in GBK: bytes 0xBF 0xBC
    cases = {
        "nul": ('use "a\x00b.kpi"', "`use` names a path with a NUL character in it"),
        "pipe": ('use "fifo.kpi"', "`use` names something that is not a regular file: fifo.kpi"),
        "long": ('use "' + "a" * 300 + '.kpi"', "File name too long"),
        "gbk": ('use "gbk.kpi"', "cannot read gbk.kpi: not UTF-8 text (invalid start byte at byte 8, line 1)"),
    }
    for name, (line, _) in cases.items():
        (tmp_path / f"uses-{name}.kpi").write_text(f'rubric "x"\n{line}\nitem a "A" points 100\n', encoding="utf-8")
    results = run_many([["check", tmp_path / f"uses-{name}.kpi"] for name in cases]
                       + [["eval", tmp_path / "uses-nul.kpi", tmp_path / "uses-nul.kpi"]], timeout=120)
    for (name, (_, words)), r in zip(cases.items(), results):
        clean(r)
        assert r["code"] == 1, (name, r)
        assert "error[KPI010]" in r["stdout"] and words in r["stdout"], (name, r["stdout"])
        assert f"uses-{name}.kpi:2:5" in r["stdout"]
    clean(results[-1])
    assert results[-1]["code"] == 1 and "KPI010" in results[-1]["stderr"]


def test_a_rubric_that_is_not_utf8_is_refused_by_every_command_with_its_byte_and_line(tmp_path):
    bad = tmp_path / "bad.kpi"
    bad.write_bytes(b'rubric "x\xff"\nitem a "A" points 100\n')  # 0xff: byte 9 (from 0) of line 1
    bom = tmp_path / "bom.kpi"
    bom.write_bytes(b'\xef\xbb\xbfrubric "x"\n\xfe')  # 3 of the mark + 11 of line 1: byte 14, line 2
    good = tmp_path / "good.kpi"
    good.write_text(OK, encoding="utf-8")
    (tmp_path / "d.csv").write_text("id\np\n", encoding="utf-8")
    (tmp_path / "examples").mkdir()
    for suffix in (".csv", ".expected.csv"):
        (tmp_path / "examples" / f"bad{suffix}").write_text("id\np\n", encoding="utf-8")
    said = f"{bad}: not UTF-8 text (invalid start byte at byte 9, line 1)"
    commands = [["check", bad], ["check", bad, "--format", "sarif"], ["fmt", bad], ["eval", bad, tmp_path / "d.csv"],
                ["eval", bad, tmp_path / "d.csv", "--engine", "duckdb"], ["form", bad, "-o", tmp_path / "f.html"],
                ["sql", bad], ["docs", bad, "-o", tmp_path / "site"], ["diff", bad, good], ["diff", good, bad],
                ["check", bom]]
    results = run_many(commands + [["test", bad]], timeout=120)
    for args, r in zip(commands, results):
        clean(r)
        where = said if args[-1] != bom else f"{bom}: not UTF-8 text (invalid start byte at byte 14, line 2)"
        assert r["code"] == 2 and where in r["stderr"], (args, r)
    test = results[-1]
    clean(test)
    assert test["code"] == 1 and f"FAIL {said}" in test["stdout"], test
    assert not (tmp_path / "f.html").exists() and not (tmp_path / "site").exists()


def _small_files(limit: int):
    """A process that may write no file past ``limit`` bytes, as on a full disk: a write past it
    fails with EFBIG ("File too large") instead of killing the process (SIGXFSZ ignored)."""
    def set_limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return set_limit


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["python", "duckdb"])
@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_a_disk_that_fills_while_writing_leaves_a_message_and_no_partial_file(tmp_path, fmt, engine):
    (tmp_path / "r.kpi").write_text('rubric "x"\ninput rate "率": percent\nitem a "A" points 100 { proportional rate }\n',
                                    encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text("id,period,rate\n" + "".join(f"person-{i},2024-01,93%\n" for i in range(5000)), encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / f"o.{fmt}"
    r = kpi("eval", tmp_path / "r.kpi", data, "-o", out, "--engine", engine, preexec_fn=_small_files(20_000))
    clean(r)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines() == [f"kpi: error: {out}: File too large"], r.stderr
    assert list(out_dir.iterdir()) == []  # no result, no .part, no DuckDB tmp_ file
    # the same command with room to write succeeds: the limit, not the data, failed it
    ok = kpi("eval", tmp_path / "r.kpi", data, "-o", out, "--engine", engine)
    assert ok.returncode == 0, ok.stderr
