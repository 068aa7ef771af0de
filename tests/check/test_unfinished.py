"""`todo "…"`: an unfinished item (what `kpi import` writes for a criterion it could not read).

It parses and prints back, the checker warns KPI115 and nothing else, and every command that
scores refuses the rubric in words, naming the item, while `kpi check` passes."""

from __future__ import annotations

import pytest

from kpidsl.check.checker import check
from kpidsl.lower.exprs import LoweringError
from kpidsl.lower.lowerer import lower
from kpidsl.syntax.loader import Loader
from kpidsl.syntax.parser import parse
from kpidsl.syntax.printer import ast_equal, source_text

DRAFT = ('rubric "草稿"\n'
         'section s "工作 \\"态度\\"" {\n'
         '  item a "仓库管理" points 60 {\n'
         '    criteria "严格执行到位得8分"\n'
         '    todo "严格执行到位得8分，违反一次扣1分 {大括号} \\"引号\\" C:\\\\"\n'
         '  }\n'
         '}\n'
         'item b "B" points 40\n')


def _program(text: str, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "a.kpi"
    path.write_text(text, encoding="utf-8")
    loader = Loader()
    program = loader.load(path)
    assert program is not None, loader.diagnostics
    return program


def test_todo_keeps_its_text_and_prints_back() -> None:
    tree = parse(DRAFT, "a.kpi")
    item = tree.statements[1].members[0]
    assert [t.text for t in item.todos] == ['严格执行到位得8分，违反一次扣1分 {大括号} "引号" C:\\']
    assert item.rule is None
    again = parse(source_text(tree), "a.kpi")
    assert ast_equal(tree, again)


def test_check_warns_kpi115_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    diags = check(_program(DRAFT, tmp_path))
    assert [(d.code, d.severity.value, d.span.line) for d in diags] == [("KPI115", "warning", 5)]
    assert "`a` is unfinished" in diags[0].message and diags[0].hint


def test_lowering_refuses_an_unfinished_rubric(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LoweringError, match="unfinished items.*: a"):
        lower(_program(DRAFT, tmp_path))


def test_kpi_check_passes_and_eval_refuses_in_words(kpi, write, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write(DRAFT)
    checked = kpi("check", path)
    assert checked.returncode == 0, checked.stdout
    assert "warning[KPI115]" in checked.stdout and "0 errors, 1 warning" in checked.stdout
    data = tmp_path / "d.csv"
    data.write_text("person,a.score,b.score\np,1,2\n", encoding="utf-8")
    for args in (("eval", path, data), ("sql", path), ("form", path, "-o", tmp_path / "f.html")):
        r = kpi(*args)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert "error[KPI115]: item `a` is unfinished" in r.stderr
        assert "has errors; fix them before" in r.stderr and "Traceback" not in r.stderr


def test_fmt_keeps_a_todo_where_it_was_written_with_its_comment() -> None:
    from kpidsl.syntax.formatter import format_text

    text = 'rubric "x"\nitem a "A" points 100 {\n  todo "先"   # 注释\n  criteria "后"\n}\n'
    assert format_text(text) == 'rubric "x"\n\nitem a "A" points 100 {\n  todo "先"  # 注释\n  criteria "后"\n}\n'
