"""Validating rows at their edges: how a DataError prints, the person column found by each
title, a repeated title that is read against one that is not, a short row, the
not-applicable list by name and by label.  Each expected outcome is reasoned by hand."""

from decimal import Decimal as D

import pytest

from kpidsl.api import load_rubric
from kpidsl.data.validate import DataError, Validator

RUBRIC = '''rubric "x"
input late "迟到": count
item a "A" points 40 {
  not applicable: spread proportionally
  deduct 2 per late
}
item b "B" points 60 { deduct 3 per late }
'''


@pytest.fixture
def plan(write):
    return load_rubric(write({"r.kpi": RUBRIC})).plan


def validate(plan, header, rows):
    v = Validator(plan, "f.csv", header)
    out = [v.row(i + 2, r) for i, r in enumerate(rows)]  # the header is row 1
    return [str(e) for e in v.errors], out


def test_data_error_prints_file_row_column_line_and_hint():
    assert str(DataError("f.csv", 3, "late", "bad", 5, "fix it")) == "f.csv:3 [late]: bad (rubric line 5)\n    hint: fix it"
    assert str(DataError("f.csv", 3, None, "bad")) == "f.csv:3: bad"


@pytest.mark.parametrize("header", [["id", "late"], ["姓名", "迟到"], ["工号", "late"]])
def test_person_and_cells_found_by_name_or_label(plan, header):
    errors, (row,) = validate(plan, header, [["p", "1"]])
    # no a.na column: a applies, its flag is 0
    assert errors == [] and row.person == "p" and row.cells == {"late": 1, "a.na": 0}


def test_no_person_column_lists_the_titles_tried(plan):
    errors, (row,) = validate(plan, ["who", "late"], [["p", "1"]])
    assert row is None
    assert errors[0].startswith("f.csv:1: no column names the person (looked for 'id', '工号', '员工编号', 'name', '姓名')")
    assert errors[1] == "f.csv:2: blank person id"


def test_a_repeated_title_matters_only_when_read(plan):
    errors, _ = validate(plan, ["id", "late", "late"], [["p", "1", "2"]])
    # B and C are both titled late, and late is read
    assert errors == ["f.csv:1 [late]: two columns are titled 'late': column B and column C\n"
                      "    hint: rename or delete one of them, so kpi reads the one you mean"]
    errors, _ = validate(plan, ["id", "late", "x", "x"], [["p", "1", "2", "3"]])
    assert errors == []


def test_a_short_row_is_a_blank_cell(plan):
    errors, (row,) = validate(plan, ["id", "late"], [["p"]])
    assert row is None and errors == [
        "f.csv:2 [late]: blank cell (rubric line 2)\n    hint: every scored value must be filled in; write 0 if it is zero"]
    errors, (row,) = validate(plan, ["id", "late"], [["", "1"]])
    assert row is None and errors == ["f.csv:2: blank person id"]


def test_not_applicable_list_by_name_or_label(plan):
    errors, rows = validate(plan, ["id", "late", "not_applicable"],
                            [["p", "1", "a"], ["q", "1", "A"], ["r", "1", "b"], ["s", "1", ""]])
    # a by name and A by its label mark a out; b may not be marked; blank marks nothing
    assert [r.cells["a.na"] if r else None for r in rows] == [D(1), D(1), None, D(0)]
    assert errors == ["f.csv:4 [not_applicable]: 'b' is not an item that may be marked not applicable\n"
                      "    hint: items that may: a"]


def test_not_applicable_flag_column(plan):
    errors, rows = validate(plan, ["id", "late", "a.na"], [["p", "1", "是"], ["q", "1", ""]])
    assert errors == [] and [r.cells["a.na"] for r in rows] == [1, 0]
