"""Reading a workbook (kpidsl/data/files.py): the fast way, openpyxl's sheet parser without
its cell objects, must give what the public way, read-only mode's cells, gives for any
sheet: the same header, the same row numbers, the same values of the same types (a
number shown as a percent is a PercentNumber, a date a date), gaps and blank rows alike."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpidsl.data import files as tables
from kpidsl.data import xlsx
from kpidsl.data.cells import PercentNumber

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


def _edit_sheet(path: Path, out: Path, pattern: bytes, replacement: bytes) -> Path:
    """``out``: the workbook with ``pattern`` replaced, once, in its first sheet's XML."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet], n = re.subn(pattern, replacement, parts[sheet], flags=re.DOTALL)
    assert n == 1
    with zipfile.ZipFile(out, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out


def _state_size(path: Path, ref: str | None) -> Path:
    """The workbook with its first sheet's stated size (<dimension>) replaced by ``ref``, or
    taken out (as programs that stream a sheet out write it)."""
    new = b"" if ref is None else f'<dimension ref="{ref}"/>'.encode()
    return _edit_sheet(path, path.with_name("stated_" + path.name), rb"<dimension [^>]*/>", new)


def _swap_cells(path: Path, a: str, b: str) -> None:
    """Write cell ``b`` before cell ``a`` in the first sheet's XML (they share a row)."""
    _edit_sheet(path, path, rb'(<c r="%s".*?</c>)(.*?)(<c r="%s".*?</c>)' % (a.encode(), b.encode()), rb"\3\2\1")


def _read(path: Path) -> tuple[list[str], list[tuple[int, list[tuple[str, object]]]]] | str:
    """The header and typed rows, or the refusal (a header over two rows, say) in words."""
    try:
        header, rows = tables.read_table(path)
        return header, [(i, [(type(v).__name__, v) for v in values]) for i, values in rows]
    except ValueError as e:
        return str(e)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Cell .* is marked as a date")  # a negative number shown as a date
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(["id", "period", "r", "得分", "k"]), min_size=1, max_size=5, unique=True),
       st.dictionaries(st.tuples(st.integers(2, 9), st.integers(1, 7)), st.tuples(VALUES, st.sampled_from(FORMATS)),
                       max_size=25),
       st.sampled_from(["as saved", None, "A1", "A1:B3"]))
def test_the_parser_way_reads_what_the_cell_way_reads(tmp_path_factory, header, cells, stated):
    path = _workbook(tmp_path_factory.mktemp("x") / "a.xlsx", header, cells)
    if stated != "as saved":  # no stated size, or one too small
        path = _state_size(path, stated)
    fast = _read(path)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(xlsx, "parser_book", lambda path, sheet: None)
        public = _read(path)
    if isinstance(fast, str) and "whose value was never saved" in fast:
        # a formula openpyxl wrote has no saved value: only the parser way can tell it from
        # a blank cell, and it refuses the file
        assert any(value == "=1+1" for value, _ in cells.values())
        return
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


@pytest.mark.parametrize("stated", [None, "A1", "A1:B2"])
@pytest.mark.parametrize("in_order", [True, False])
def test_a_sheet_that_states_no_size_or_too_small_a_size_is_read_whole(tmp_path, stated, in_order):
    # Excel reads past a sheet's stated size, and so does kpi: a cell is never dropped,
    # nor one a program wrote after a cell to its left.
    path = _state_size(_workbook(tmp_path / "a.xlsx", ["id", "r", "d"], {
        (2, 1): ("E1", "General"), (2, 2): (0.5, "0%"), (3, 1): ("E2", "General"), (3, 3): (7, "General")}), stated)
    if not in_order:
        _swap_cells(path, "A3", "C3")
    # openpyxl's public way takes a row's last cell in the file for its end, so only
    # the parser way is asked about cells out of order
    for way in ("parser", "cells") if in_order else ("parser",):
        with pytest.MonkeyPatch.context() as m:
            if way == "cells":
                m.setattr(xlsx, "parser_book", lambda path, sheet: None)
            header, rows = _read(path)
        assert header == ["id", "r", "d"], way
        assert rows == [(2, [("str", "E1"), ("PercentNumber", PercentNumber(0.5)), ("NoneType", None)]),
                        (3, [("str", "E2"), ("NoneType", None), ("int", 7)])], way


def test_a_workbook_of_charts_only_is_refused_in_words(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.create_chartsheet("图表")
    wb.remove(wb.active)
    wb.save(tmp_path / "c.xlsx")
    with pytest.raises(ValueError, match="c.xlsx: the workbook has no worksheet"):
        tables.read_table(tmp_path / "c.xlsx")


def test_where_openpyxl_insides_differ_the_public_way_reads(tmp_path, monkeypatch):
    import openpyxl.worksheet._reader as insides

    def other_parser(*args, **kwargs):
        raise TypeError("WorkSheetParser() got an unexpected keyword argument 'epoch'")

    path = _workbook(tmp_path / "a.xlsx", ["id", "r"], {(2, 1): ("E1", "General"), (2, 2): (0.5, "0%")})
    monkeypatch.setattr(insides, "WorkSheetParser", other_parser)
    assert _read(path) == (["id", "r"], [(2, [("str", "E1"), ("PercentNumber", PercentNumber(0.5))])])
