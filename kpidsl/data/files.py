"""Reading data files: CSV, XLSX or JSON to a header and rows of raw cells, numbered
as a spreadsheet shows them (the header is row 1).  What the cells mean is for
``cells`` and ``validate``; this module only knows file formats and their shapes,
and refuses, in words, the shapes it cannot read safely: a file that is not what
its name says, another text encoding, another separator, a two-row header, the
data on another sheet.
"""

from __future__ import annotations

import csv
import itertools
import json
import logging
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from kpidsl.data.encoding import NAMES, text_encoding

Table = tuple[list[str], Iterator[tuple[int, list[object]]]]
Numbered = Iterator[tuple[int, list[Any]]]

log = logging.getLogger("kpidsl.data")

# A cell longer than this is refused with its row (csv's default limit is 128 KiB).
FIELD_LIMIT = 1 << 20
_NUMERIC = re.compile(r"^[+-]?[\d.,]+%?$")
# A title above the header is looked for in this many rows at most.
_TITLE_ROWS = 10


@dataclass(frozen=True)
class Layout:
    """Where the table is in a file: the sheet of a workbook (a name, or a number from 1;
    None: the first) and the row of column titles (None: row 1, or the row under a title
    found by itself)."""
    sheet: str | None = None
    header_row: int | None = None


def read_table(path: Path, layout: Layout | None = None) -> Table:
    """Header and an iterator of (row number, cells); streams CSV rows."""
    layout = layout or Layout()
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        number, header, rest = find_header(path, _csv_rows(path), layout)
        _check_separator(path, header)
        return _two_row_header(path, number, header, _csv_data(rest))
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, layout)
    if suffix == ".json":
        if layout.header_row not in (None, 1):
            raise ValueError(f"{path}: a JSON file has no header row; --header-row is for CSV and XLSX")
        return _read_json(path)
    raise ValueError(f"{path}: unknown data format {suffix or '(no extension)'}; use .csv, .xlsx or .json")


# ---- where the header is ----------------------------------------------------------------
def _filled(cells: list[Any]) -> list[Any]:
    return [c for c in cells if c is not None and str(c).strip()]


def find_header(path: Path, rows: Numbered, layout: Layout) -> tuple[int, list[str], Numbered]:
    """The header's row number, its titles and the rows after it.  With ``header_row`` the
    rows above it are passed over, whatever they hold.  Without, the header is row 1, unless
    row 1 holds a single cell (a title, as most scorecards have, merged across the sheet)
    and the first row below it with two cells or more holds only titles (short text, not
    numbers, not ``#`` notes): then that row is the header.  Anything less clear-cut is read as before."""
    if layout.header_row is not None:
        for number, cells in rows:
            if number == layout.header_row:
                if not _filled(cells):
                    raise ValueError(f"{path}: row {number} is empty, but --header-row names it as the row of "
                                     "column titles")
                return number, _titles(cells), rows
            if number > layout.header_row:
                break
        raise ValueError(f"{path}: row {layout.header_row} is empty, but --header-row names it as the row of "
                         "column titles")
    first = next(rows, None)
    if first is None:
        return 1, [], iter(())
    number, cells = first
    if number != 1:  # a sheet whose row 1 is missing has no header
        return 1, [], itertools.chain([first], rows)
    filled = _filled(cells)
    if len(filled) != 1:
        return 1, _titles(cells), rows
    seen = []
    for below in rows:
        seen.append(below)
        under = _filled(below[1])
        if len(under) >= 2:
            if all(_title_like(c) for c in under):
                log.info("%s: the column titles are in row %d (row 1 holds the title %r)", path, below[0],
                         str(filled[0]).strip()[:40])
                return below[0], _titles(below[1]), rows
            break
        if len(seen) >= _TITLE_ROWS:
            break
    return 1, _titles(cells), itertools.chain(seen, rows)


def _title_like(cell: object) -> bool:
    """A cell that can be a column title: short text, not a number, not a comment line."""
    if not isinstance(cell, str):
        return False
    text = cell.strip()
    return len(text) <= 60 and not text.startswith("#") and not _NUMERIC.match(text)


def _titles(cells: list[Any]) -> list[str]:
    return [str(v).strip() if v is not None else "" for v in cells]


# ---- CSV ------------------------------------------------------------------------------
def _csv_rows(path: Path) -> Numbered:
    """Every record of the file, blank ones too, numbered from 1, in the encoding the whole
    file is in (``encoding.text_encoding``)."""
    codec = text_encoding(path)
    if codec != "utf-8-sig":
        log.info("%s: read as %s, not UTF-8", path, NAMES[codec])
    f = path.open(encoding=codec, newline="")
    csv.field_size_limit(min(FIELD_LIMIT, sys.maxsize))
    reader = csv.reader(f)
    i = 0
    try:
        for i, r in enumerate(reader, start=1):
            yield i, r
    except csv.Error as e:
        where = reader.line_num or i + 1
        if "field larger than field limit" in str(e):
            raise ValueError(f"{path}:{where}: a cell is longer than {FIELD_LIMIT // 1024} KiB; "
                             "is a quote left open?") from None
        raise ValueError(f"{path}:{where}: cannot read this line as CSV ({e})") from None
    finally:
        f.close()


def _csv_data(rows: Numbered) -> Numbered:
    for i, r in rows:
        # skip blank lines; the first cell (the id) settles it for almost every row
        if r and (r[0].strip() or any(cell.strip() for cell in r)):
            yield i, r


def _check_separator(path: Path, header: list[str]) -> None:
    if len(header) != 1:
        return
    for sep, name in (("\t", "tab"), (";", "semicolon"), ("|", "bar")):
        if header[0].count(sep) >= 1:
            raise ValueError(f"{path}: the columns are separated by {name}s ({header[0][:60]!r}); kpi reads "
                             "comma-separated CSV: save the sheet as \"CSV UTF-8 (comma delimited)\"")


def _two_row_header(path: Path, at: int, header: list[str], rows: Iterator[tuple[int, list[object]]]) -> Table:
    """A header merged over two rows leaves blank titles in row 1 and more titles in row 2:
    say so, rather than report the columns as missing (or read row 2 as a person)."""
    if not header or all(header) or not any(header):
        return header, rows
    first = next(rows, None)
    if first is None:
        return header, iter(())
    number, cells = first
    blanks = [i for i, h in enumerate(header) if not h]
    below = [c for c in (cells[i] for i in blanks if i < len(cells)) if isinstance(c, str) and c.strip()]
    titles = [c for c in cells if c is not None and str(c).strip()]
    if number == at + 1 and below and all(isinstance(c, str) and not _NUMERIC.match(c.strip()) for c in titles):
        cols = ", ".join(column_letter(i) for i in blanks[:6])
        raise ValueError(f"{path}: the header seems to span two rows (row {at} has no title in column(s) {cols}, "
                         f"row {number} holds {', '.join(repr(str(c).strip()) for c in below[:4])}); kpi expects one row "
                         "of titles: unmerge the header cells and give every column its full title in one row "
                         "(or name the row of titles with --header-row)")
    return header, itertools.chain([first], rows)


def column_letter(i: int) -> str:
    """A column's letter as a spreadsheet shows it: 0 -> A, 26 -> AA."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


# ---- XLSX -----------------------------------------------------------------------------
def _read_xlsx(path: Path, layout: Layout) -> Table:
    from kpidsl.data.xlsx import open_sheet

    rows, close, _name = open_sheet(path, layout.sheet)
    try:
        number, header, rest = find_header(path, rows, layout)
    except BaseException:
        close()
        raise
    if not _filled(header):
        close()
        if layout.sheet is None:
            _refuse_empty_first_sheet(path)
        return [], iter(())
    width = len(header)

    def data() -> Iterator[Any]:
        for i, values in rest:
            if len(values) < width:  # a row that stops short has blank cells to the header's end
                values += [None] * (width - len(values))
            if values[0] not in (None, "") or any(v not in (None, "") for v in values):
                yield i, values
        close()
    return _two_row_header(path, number, header, data())


def _refuse_empty_first_sheet(path: Path) -> None:
    """Where the first sheet is empty and another holds data, say so."""
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        first = wb.worksheets[0].title
        others = [s.title for s in wb.worksheets[1:] if s.max_row and s.max_row > 1]
    finally:
        wb.close()
    if others:
        raise ValueError(f"{path}: the first sheet {first!r} is empty and the data seems to be on "
                         f"sheet {others[0]!r}; kpi reads the first sheet unless told: add --sheet {others[0]}")


# ---- JSON -----------------------------------------------------------------------------
def _read_json(path: Path) -> Table:
    try:
        # a number is read from its text (never through a binary float), so 0.1 is 0.1 and a
        # number with 400 places is refused as too long, not rounded; NaN: "'NaN' is not a number"
        doc = json.loads(path.read_text(encoding="utf-8-sig"), parse_float=Decimal, parse_constant=str)
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}:{e.lineno}:{e.colno}: not valid JSON: {e.msg}") from None
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start}); JSON must be UTF-8") from None
    except RecursionError:
        raise ValueError(f"{path}: nested too deeply to be a table of rows") from None
    except ValueError as e:  # an integer too long to read
        raise ValueError(f"{path}: {e}") from None
    records = doc.get("rows") if isinstance(doc, dict) else doc
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValueError(f"{path}: expected a list of objects, one per person and period (or {{\"rows\": [...]}})")
    header: list[str] = []
    for r in records:
        for k in r:
            if k not in header:
                header.append(k)

    def rows() -> Iterator[Any]:
        for i, r in enumerate(records, start=2):  # numbered like a sheet: the header is row 1
            yield i, [_json_cell(r.get(h)) for h in header]
    return header, rows()


def _json_cell(v: object) -> object:
    """A cell as JSON gives it; an object or a list is not a cell value, said in words later."""
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)[:40]
    return v
