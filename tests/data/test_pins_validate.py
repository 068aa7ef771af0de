"""Reading rows and cells pinned at their edges: a title mapped to a column, a missing group
column, a rubric that reads no column, the period on the quick path, an item's own cell
saying 不适用 (and another cell saying it), a row that stops right before an item's column,
a fractional step on a scale, infinity from a spreadsheet, a number with too many
places, yes and no.  Plans are lowered without compiling, so each test takes a millisecond.
Each expected outcome is reasoned out by hand beside it."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from kpidsl.api import load_text
from kpidsl.data.cells import CellError, read, spec_of
from kpidsl.data.validate import Validator
from kpidsl.lower.lowerer import lower


def plan_of(text):
    program, diagnostics = load_text('rubric "x"\n' + text)
    assert program is not None and not [d for d in diagnostics if d.severity.value == "error"], diagnostics
    return lower(program)


def validate(plan, header, rows, **kw):
    v = Validator(plan, "f.csv", header, **kw)
    out = [v.row(i + 2, r) for i, r in enumerate(rows)]  # the header is row 1
    return [str(e) for e in v.errors], out


LATE = 'input late "迟到": count\nitem b "B" points 100 { deduct 3 per late }\n'

NA = '''input late "迟到": count
item a "A" points 40 {
  not applicable: spread proportionally
  level "好": 40
  level "差": 0
}
item b "B" points 60 { deduct 3 per late }
'''


def test_a_title_mapped_to_a_column_is_read_as_that_column():
    errors, (row,) = validate(plan_of(LATE), ["id", "迟到次数（月）"], [["p", "2"]], mapping={"迟到次数（月）": "late"})
    assert errors == [] and row.cells == {"late": 2}


def test_a_missing_group_column_is_a_problem_of_the_header_row():
    plan = plan_of('group team "组"\n' + LATE)
    errors, _ = validate(plan, ["id", "late"], [], needs_groups=["team"])
    assert errors == ["f.csv:1 [team]: missing column 'team': the rubric groups people by it\n"
                      "    hint: add a 'team' column"]


def test_a_rubric_that_reads_no_column_still_reads_each_person():
    errors, rows = validate(plan_of('pay p "底薪" = 3000元\n'), ["id"], [["p"], ["q"]])
    assert errors == [] and [(r.person, r.cells) for r in rows] == [("p", {}), ("q", {})]


def test_the_period_is_read_on_the_quick_path_too():
    errors, (row,) = validate(plan_of(LATE), ["id", "period", "late"], [["p", "2024-01", "1"]])
    assert errors == [] and (row.person, row.period, row.cells) == ("p", "2024-01", {"late": 1})


def test_an_items_own_cell_saying_not_applicable():
    errors, (row,) = validate(plan_of(NA), ["id", "late", "a"], [["p", "1", "不适用"]])
    # a's cell says 不适用: a does not apply (a.na = 1) and its cell holds 0
    assert errors == [] and row.cells == {"late": 1, "a": 0, "a.na": 1}


def test_not_applicable_in_the_cell_of_an_input_is_not_a_number():
    errors, (row,) = validate(plan_of(NA), ["id", "late", "a"], [["p", "不适用", "40"]])
    assert row is None and errors == ["f.csv:2 [late]: '不适用' is not a number (rubric line 2)"]


def test_a_row_that_stops_before_an_items_column_leaves_it_blank():
    errors, (row,) = validate(plan_of(NA), ["id", "late", "a"], [["p", "1"]])
    assert row is None and errors == [
        "f.csv:2 [a]: blank cell (rubric line 3)\n    hint: every scored value must be filled in; write 0 if it is zero"]


def test_not_applicable_items_score_as_their_own_cell_says(write):
    from kpidsl.api import load_rubric

    scorer = load_rubric(write({"r.kpi": 'rubric "x"\n' + NA}))
    (r,) = scorer.evaluate([{"id": "p", "late": "1", "a": "不适用"}])
    # a out: b = 60 - 3 = 57 carries a's 40 as well: 57 × 40 / 60 = 38; 57 + 38 = 95
    assert (r.steps["a"], r.steps["b"], r.steps["total"]) == (0, 57, 95)


SCALE = 'item a "A" points 100 { scale 1: 10, 2: 50, 3: 100 }\n'


def test_a_scale_of_whole_steps_refuses_a_fraction_as_not_whole():
    plan = plan_of(SCALE)
    (col,) = plan.columns
    with pytest.raises(CellError) as e:
        read(spec_of(col), "1.5")
    assert e.value.message == "'1.5' is not a whole number"
    assert read(spec_of(col), "2") == 2


@pytest.mark.parametrize("v", [float("inf"), float("-inf")])
def test_infinity_from_a_spreadsheet_is_not_a_number(v):
    (col,) = plan_of(LATE).columns
    with pytest.raises(CellError, match="is not a number"):
        read(spec_of(col), v)


def test_a_number_with_more_places_than_kpi_keeps_is_refused():
    col = plan_of('input x "X": number\nitem b "B" points 100 { proportional x / 100 }\n').columns[0]
    # 23 places written, 3 more than 20 (a bare number has no percent's 2 extra places to spend)
    with pytest.raises(CellError, match="has too many decimal places: at most 20"):
        read(spec_of(col), "0.12345678901234567890123")
    assert read(spec_of(col), "0.1234567890123456789012") == D("0.1234567890123456789012")


@pytest.mark.parametrize("text, value", [("是", 1), ("否", 0), ("yes", 1), ("no", 0), ("1", 1), ("0", 0)])
def test_yes_and_no(text, value):
    col = plan_of('input ok "合格": yes/no\nitem b "B" points 100 { proportional 100% }\nveto ok "V" zeroes appraisal\n'
                  ).columns[0]
    assert read(spec_of(col), text) == value


def test_neither_yes_nor_no():
    col = plan_of('input ok "合格": yes/no\nitem b "B" points 100 { proportional 100% }\nveto ok "V" zeroes appraisal\n'
                  ).columns[0]
    with pytest.raises(CellError, match="'maybe' is not yes or no"):
        read(spec_of(col), "maybe")
