"""An output never destroys an input: every command that writes refuses, before writing
anything, a target that is the rubric, a file it uses, a data file (by inode, through a
symbolic or a hard link), or that exists and is not a regular file.  Exit 2, the file named,
and every input byte for byte as it was."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.slow  # starts kpi a dozen times

LIBRARY = 'input late "迟到次数": count\n'
RUBRIC = ('rubric "卡"\nuse "common.kpi"\n'
          'item punctual "守时" points 100 { deduct 10 per late }\n'
          'grade pass "合格" when >= 60\ngrade fail "不合格" otherwise\n')
DATA = "id,late\n张三,2\n李四,0\n"


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "common.kpi").write_text(LIBRARY, encoding="utf-8")
    (tmp_path / "card.kpi").write_text(RUBRIC, encoding="utf-8")
    (tmp_path / "data.csv").write_text(DATA, encoding="utf-8")
    os.symlink(tmp_path / "data.csv", tmp_path / "alias.csv")
    os.link(tmp_path / "card.kpi", tmp_path / "hard.kpi")
    return tmp_path


def _inputs(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


# (command, output, what the message names besides the output)
CASES = [
    (["eval", "card.kpi", "data.csv", "-o"], "data.csv", None),
    (["eval", "card.kpi", "data.csv", "--format", "csv", "-o"], "card.kpi", None),
    (["eval", "card.kpi", "data.csv", "--format", "json", "-o"], "common.kpi", None),  # a file the rubric uses
    (["eval", "card.kpi", "data.csv", "-o"], "alias.csv", "data.csv"),  # a link to the data
    (["eval", "card.kpi", "data.csv", "--format", "csv", "-o"], "hard.kpi", "card.kpi"),  # a hard link
    (["form", "card.kpi", "-o"], "card.kpi", None),
    (["form", "card.kpi", "-o"], "common.kpi", None),
    (["sql", "card.kpi", "-o"], "card.kpi", None),
    (["sql", "card.kpi", "-o"], "hard.kpi", "card.kpi"),
]


@pytest.mark.parametrize(("args", "target", "named"), CASES, ids=lambda x: "-".join(x) if isinstance(x, list) else x)
def test_an_output_that_is_an_input_is_refused(kpi, folder, args, target, named):
    before = _inputs(folder)
    r = kpi(*args, target, cwd=folder)
    assert r.returncode == 2, r.stderr
    assert f"{target}: is one of this command's inputs" in r.stderr and "would destroy it" in r.stderr
    if named:
        assert f"({named})" in r.stderr
    assert _inputs(folder) == before
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".part")]


def test_kpi_docs_does_not_write_over_a_rubric_named_like_a_page(kpi, folder):
    # `kpi docs` writes NAME.md and index.md: a rubric file called index.md is an input
    (folder / "index.md").write_text(RUBRIC, encoding="utf-8")
    before = _inputs(folder)
    r = kpi("docs", "index.md", "-o", ".", cwd=folder)
    assert r.returncode == 2, r.stderr
    assert "index.md: is one of this command's inputs" in r.stderr
    assert _inputs(folder) == before


@pytest.mark.parametrize("args", [["eval", "card.kpi", "data.csv", "-o"], ["form", "card.kpi", "-o"],
                                  ["sql", "card.kpi", "-o"]], ids=["eval", "form", "sql"])
def test_a_pipe_is_not_replaced_by_a_file(kpi, folder, args):
    pipe = folder / "results.csv"
    os.mkfifo(pipe)
    r = kpi(*args, pipe.name, cwd=folder)  # refused before opening it, so nothing blocks
    assert r.returncode == 2, r.stderr
    assert "results.csv: is a named pipe, not a file" in r.stderr
    assert pipe.is_fifo()


def test_a_new_or_a_result_file_is_still_written(kpi, folder):
    (folder / "old.csv").write_text("stale\n", encoding="utf-8")
    for target in ("new.csv", "old.csv"):
        r = kpi("eval", "card.kpi", "data.csv", "-o", target, cwd=folder)
        assert r.returncode == 0, r.stderr
        assert (folder / target).read_text(encoding="utf-8").splitlines()[1].startswith("张三,")

