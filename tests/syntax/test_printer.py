"""The one printer: every shipped rubric prints back to the same tree, and ``kpi diff``
finds no change between a rubric and itself, or between a rubric and its formatted copy."""

import shutil
from pathlib import Path

import pytest

from kpidsl.cli.diff import describe_changes
from kpidsl.syntax.ast import BinOp, Call, Neg, Number, Progressive, Var
from kpidsl.syntax.loader import Loader
from kpidsl.syntax.parser import parse, read_source
from kpidsl.syntax.printer import ast_equal, expr_text, source_text

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "rubrics").glob("*.kpi")) + sorted((ROOT / "rubrics" / "common").glob("*.kpi"))
IDS = [p.relative_to(ROOT / "rubrics").as_posix() for p in SHIPPED]


def test_every_shipped_rubric_is_here():
    assert len(SHIPPED) >= 12 and any(p.parent.name == "common" for p in SHIPPED)


@pytest.mark.parametrize("path", SHIPPED, ids=IDS)
def test_printed_rubric_parses_back_to_the_same_tree(path):
    tree = parse(read_source(path), str(path))
    printed = source_text(tree)
    assert ast_equal(tree, parse(printed, "printed.kpi")), printed


def _expressions(node):
    if isinstance(node, (Number, Var, BinOp, Neg, Call)):
        yield node
    if isinstance(node, (tuple, list)):
        for x in node:
            yield from _expressions(x)
    elif hasattr(node, "__dataclass_fields__") and not isinstance(node, Progressive):
        for f in node.__dataclass_fields__:
            if f != "span":
                yield from _expressions(getattr(node, f))


@pytest.mark.parametrize("path", SHIPPED, ids=IDS)
def test_label_text_of_every_expression_means_the_expression(path):
    """The texts lowering puts in labels (``why=``) parse back to the expression they name."""
    tree = parse(read_source(path), str(path))
    for e in _expressions(tree.statements):
        again = parse(f"metric m: number = {expr_text(e)}").statements[0].expr
        assert ast_equal(e, again), expr_text(e)


def _no_change(r, old, new):
    # `kpi diff` documents "no change in meaning" and exit 0 when the meaning is the same
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"--- {old}\n+++ {new}\nno change in meaning\n", r.stdout


@pytest.mark.parametrize("path", SHIPPED, ids=IDS)
def test_kpi_diff_of_a_rubric_against_itself_is_empty(kpi, path):
    rel = path.relative_to(ROOT).as_posix()
    _no_change(kpi("diff", rel, rel), rel, rel)


def test_kpi_diff_of_each_rubric_against_its_printed_copy_is_empty(tmp_path):
    """The printer alone (no comments, no blank lines, no `between`, no default words) changes
    only the text, and kpi diff (which shows rules and expressions through the same printer)
    says so: a printer that changed meaning shows up here."""
    copy = tmp_path / "rubrics"
    shutil.copytree(ROOT / "rubrics", copy)
    for path in SHIPPED:
        printed = source_text(parse(read_source(path), str(path)))
        assert printed != read_source(path)  # else this would compare a file with itself
        (copy / path.relative_to(ROOT / "rubrics")).write_text(printed, encoding="utf-8")
    for path in SHIPPED:
        old, new = Loader().load(path), Loader().load(copy / path.relative_to(ROOT / "rubrics"))
        assert old is not None and new is not None
        assert describe_changes(list(old.statements), list(new.statements)) == [], path.name
