"""Reading a workbook (kpidsl/tables.py): the fast way, openpyxl's sheet parser without
its cell objects, must give what the public way, read-only mode's cells, gives for any
sheet: the same header, the same row numbers, the same values of the same types (a
number shown as a percent is a PercentNumber, a date a date), gaps and blank rows alike."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpidsl import tables
from kpidsl.cells import PercentNumber

FORMATS = ["General", "0%", "0.0%", "0.00", "yyyy-mm-dd", "@"]
VALUES = (st.integers(-10 ** 6, 10 ** 6) | st.floats(-1e6, 1e6, allow_nan=False) | st.sampled_from(
    ["", " ", "E1", "张三", "93%", "=1+1", True, False, datetime.datetime(2024, 3, 1), 0, 0.935, 1]))


def _workbook(path: Path, header: list[str], cells: dict[tuple[int, int], tuple[object, str]]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for col, title in enumerate(header, start=1):
        ws.cell(row=1, column=col, value=title)
    for (row, col), (value, fmt) in cells.items():
        c = ws.cell(row=row, column=col, value=value)
        c.number_format = fmt
    wb.save(path)
    return path


def _read(path: Path) -> tuple[list[str], list[tuple[int, list[tuple[str, object]]]]] | str:
    """The header and typed rows, or the refusal (a header over two rows, say) in words."""
    try:
        header, rows = tables.read_table(path)
        return header, [(i, [(type(v).__name__, v) for v in values]) for i, values in rows]
    except ValueError as e:
        return str(e)


@pytest.mark.filterwarnings("ignore:Cell .* is marked as a date")  # a negative number shown as a date
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(["id", "period", "r", "得分", "k"]), min_size=1, max_size=5, unique=True),
       st.dictionaries(st.tuples(st.integers(2, 9), st.integers(1, 7)), st.tuples(VALUES, st.sampled_from(FORMATS)),
                       max_size=25))
def test_the_parser_way_reads_what_the_cell_way_reads(tmp_path_factory, header, cells):
    path = _workbook(tmp_path_factory.mktemp("x") / "a.xlsx", header, cells)
    fast = _read(path)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(tables, "_raw_rows", lambda wb, ws: None)
        public = _read(path)
    assert fast == public


def test_percent_formats_dates_and_gaps_by_hand(tmp_path):
    path = _workbook(tmp_path / "a.xlsx", ["id", "r", "d"], {
        (2, 1): ("E1", "General"), (2, 2): (0.935, "0.0%"), (2, 3): (datetime.datetime(2024, 3, 1), "yyyy-mm-dd"),
        (5, 1): ("E2", "General"), (5, 2): (1, "0%"), (5, 4): (7, "General"),  # a cell past the header
        (4, 2): (None, "0%")})  # a blank row between
    header, rows = _read(path)
    assert header == ["id", "r", "d", ""]  # as wide as the sheet, as a spreadsheet shows it
    assert rows == [(2, [("str", "E1"), ("PercentNumber", PercentNumber(0.935)), ("datetime", datetime.datetime(2024, 3, 1)),
                         ("NoneType", None)]),
                    (5, [("str", "E2"), ("PercentNumber", PercentNumber(1)), ("NoneType", None), ("int", 7)])]


def test_a_sheet_whose_first_row_is_missing_is_read_as_empty(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.cell(row=3, column=1, value="E1")
    wb.save(tmp_path / "a.xlsx")
    header, rows = tables.read_table(tmp_path / "a.xlsx")
    assert header == [] and list(rows) == []
