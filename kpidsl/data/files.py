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
import re
import sys
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal

from kpidsl.data.cells import PercentNumber

Table = tuple[list[str], Iterator[tuple[int, list[object]]]]

# A cell longer than this is refused with its row (csv's default limit is 128 KiB).
FIELD_LIMIT = 1 << 20
_SAMPLE = 1 << 16
_NUMERIC = re.compile(r"^[+-]?[\d.,]+%?$")


def read_table(path: Path) -> Table:
    """Header and an iterator of (row number, cells); streams CSV rows."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return _two_row_header(path, *_read_csv(path))
    if suffix in (".xlsx", ".xlsm"):
        return _two_row_header(path, *_read_xlsx(path))
    if suffix == ".json":
        return _read_json(path)
    raise ValueError(f"{path}: unknown data format {suffix or '(no extension)'}; use .csv, .xlsx or .json")


# ---- CSV ------------------------------------------------------------------------------
def _read_csv(path: Path) -> Table:
    with path.open("rb") as raw:
        sample = raw.read(_SAMPLE)
    _check_encoding(path, sample)
    f = path.open(encoding="utf-8-sig", newline="")
    csv.field_size_limit(min(FIELD_LIMIT, sys.maxsize))
    reader = csv.reader(f)
    try:
        header = next(reader)
    except StopIteration:
        f.close()
        return [], iter(())
    except UnicodeDecodeError as e:
        f.close()
        raise ValueError(_not_utf8(path, e)) from None
    except csv.Error as e:
        f.close()
        raise ValueError(f"{path}:1: cannot read this line as CSV ({e})") from None
    _check_separator(path, header)

    def rows() -> Iterator[Any]:
        i = 1
        try:
            for i, r in enumerate(reader, start=2):
                # skip blank lines; the first cell (the id) settles it for almost every row
                if r and (r[0].strip() or any(cell.strip() for cell in r)):
                    yield i, r
        except UnicodeDecodeError as e:
            raise ValueError(_not_utf8(path, e)) from None
        except csv.Error as e:
            where = reader.line_num or i + 1
            if "field larger than field limit" in str(e):
                raise ValueError(f"{path}:{where}: a cell is longer than {FIELD_LIMIT // 1024} KiB; "
                                 "is a quote left open?") from None
            raise ValueError(f"{path}:{where}: cannot read this line as CSV ({e})") from None
        finally:
            f.close()
    return [h.strip() for h in header], rows()


def _not_utf8(path: Path, e: UnicodeDecodeError) -> str:
    return (f"{path}: not UTF-8 text ({e.reason} at byte {e.start}); "
            "save the sheet as \"CSV UTF-8 (comma delimited)\"")


def _check_encoding(path: Path, sample: bytes) -> None:
    """Refuse text that is not UTF-8, and Chinese text in GB18030/GBK whose bytes happen to
    be valid UTF-8 too (it would read as names in Arabic, Greek and symbols)."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError(f"{path}: UTF-16 text; save the sheet as \"CSV UTF-8 (comma delimited)\"")
    if b"\x00" in sample:
        raise ValueError(f"{path}: holds NUL bytes, so it is not CSV text (UTF-16 without its mark, or a "
                         "binary file?); save the sheet as \"CSV UTF-8 (comma delimited)\"")
    import codecs

    try:  # an incremental decoder: the sample may end inside a character
        text = codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError as e:
        if _reads_as_gb18030(sample):
            raise ValueError(f"{path}: the text is in GB18030/GBK (Excel's \"CSV\" on Chinese Windows), "
                             "not UTF-8; save the sheet as \"CSV UTF-8 (comma delimited)\"") from None
        raise ValueError(_not_utf8(path, e)) from None
    if _looks_like_gb18030(text, sample):
        raise ValueError(f"{path}: the text reads as UTF-8 but looks like GB18030/GBK Chinese "
                         f"(as UTF-8 it says {_first_odd(text)!r}); save the sheet as \"CSV UTF-8 (comma delimited)\"")


def _reads_as_gb18030(sample: bytes) -> bool:
    import codecs

    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _is_cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"


def _script(ch: str) -> str:
    """A rough script of a character of U+0080..U+07FF, the range GBK's double bytes
    fall into when read as UTF-8."""
    o = ord(ch)
    if o < 0xA0:
        return "control"
    if o < 0x250:
        return "latin" if ch.isalpha() else "symbol"
    for bound, name in ((0x2B0, "ipa"), (0x370, "modifier"), (0x400, "greek"), (0x530, "cyrillic"),
                        (0x590, "armenian"), (0x600, "hebrew"), (0x700, "arabic"), (0x750, "syriac")):
        if o < bound:
            return name
    return "other"


def _looks_like_gb18030(text: str, sample: bytes) -> bool:
    """The stricter rule: no Chinese at all as UTF-8, yet only Chinese as GB18030, and as
    UTF-8 a mix no real sheet holds (several scripts, or control characters)."""
    odd = [ch for ch in text if ord(ch) > 127]
    if not odd or any(_is_cjk(ch) for ch in odd) or any(ord(ch) > 0x7FF for ch in odd):
        return False
    scripts = {_script(ch) for ch in odd}
    if len(scripts) < 2 and "control" not in scripts and "symbol" not in scripts:
        return False  # one script (a Russian or a French sheet) is plausible as it is
    if not _reads_as_gb18030(sample):
        return False
    import codecs

    chinese = codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    return all(_is_cjk(ch) for ch in chinese if ord(ch) > 127)


def _first_odd(text: str) -> str:
    for word in re.split(r"[,\s]+", text):
        if any(ord(ch) > 127 for ch in word):
            return word[:12]
    return ""


def _check_separator(path: Path, header: list[str]) -> None:
    if len(header) != 1:
        return
    for sep, name in (("\t", "tab"), (";", "semicolon"), ("|", "bar")):
        if header[0].count(sep) >= 1:
            raise ValueError(f"{path}: the columns are separated by {name}s ({header[0][:60]!r}); kpi reads "
                             "comma-separated CSV: save the sheet as \"CSV UTF-8 (comma delimited)\"")


def _two_row_header(path: Path, header: list[str], rows: Iterator[tuple[int, list[object]]]) -> Table:
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
    if number == 2 and below and all(isinstance(c, str) and not _NUMERIC.match(c.strip()) for c in titles):
        cols = ", ".join(column_letter(i) for i in blanks[:6])
        raise ValueError(f"{path}: the header seems to span two rows (row 1 has no title in column(s) {cols}, "
                         f"row 2 holds {', '.join(repr(str(c).strip()) for c in below[:4])}); kpi expects one row "
                         "of titles: unmerge the header cells and give every column its full title in row 1")
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
# A sheet's rows as (row number, values as wide as the sheet), and a way to close the book.
Book = tuple[Iterator[tuple[int, list[object]]], Callable[[], None]]


def _read_xlsx(path: Path) -> Table:
    if not zipfile.is_zipfile(path):
        with path.open("rb") as f:
            head = f.read(8)
        what = "an old .xls workbook" if head.startswith(b"\xd0\xcf\x11\xe0") else "not a zip file"
        raise ValueError(f"{path}: not an XLSX workbook ({what}); open it in Excel and save it as .xlsx, "
                         "or as \"CSV UTF-8\"")
    try:
        book = _parser_book(path)
        if book is None:  # another openpyxl: read through its cell objects
            book = _cell_book(path)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for a damaged workbook
        raise ValueError(f"{path}: cannot read this workbook ({type(e).__name__}: {e}); "
                         "open it in Excel and save it again as .xlsx") from None
    if book is False:
        raise ValueError(f"{path}: the workbook has no worksheet")
    rows, close = book
    first = next(rows, None)
    header_values = first[1] if first is not None and first[0] == 1 else []
    if all(v in (None, "") for v in header_values):
        close()
        _refuse_empty_first_sheet(path)
        return [], iter(())
    header = [str(v).strip() if v is not None else "" for v in header_values]
    width = len(header)

    def data() -> Iterator[Any]:
        for i, values in rows:
            if len(values) < width:  # a row that stops short has blank cells to the header's end
                values += [None] * (width - len(values))
            if values[0] not in (None, "") or any(v not in (None, "") for v in values):
                yield i, values
        close()
    return header, data()


def _refuse_empty_first_sheet(path: Path) -> None:
    """Where the first sheet is empty and another holds data, say so (kpi reads the first)."""
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        first = wb.worksheets[0].title
        others = [s.title for s in wb.worksheets[1:] if s.max_row and s.max_row > 1]
    finally:
        wb.close()
    if others:
        raise ValueError(f"{path}: the first sheet {first!r} is empty and the data seems to be on "
                         f"sheet {others[0]!r}; kpi reads the first sheet: move that sheet first")


def _cell_book(path: Path) -> Book | Literal[False]:
    """The first sheet through read-only mode's cell objects (public openpyxl), numbered
    from 1, a number shown as a percent made a ``PercentNumber``; False if there is none."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    if not wb.worksheets:
        wb.close()
        return False
    ws = wb.worksheets[0]
    percent_style: dict[int, bool] = {}  # by style: openpyxl looks a format up for every cell

    def is_percent(c: Any) -> bool:
        known = percent_style.get(c._style_id)
        if known is None:
            known = percent_style[c._style_id] = "%" in (c.number_format or "")
        return known

    # Rows as wide as the sheet says it is, but a cell past its stated size is read, not
    # dropped: some programs state a size too small (Excel reads past it too).
    width = ws.max_column or 0
    ws.reset_dimensions()

    def rows() -> Iterator[Any]:
        for i, r in enumerate(ws.iter_rows(), start=1):
            # an empty cell (openpyxl's EmptyCell) has no style, and its value is None
            values = [PercentNumber(v) if ((v := c.value).__class__ is float or v.__class__ is int) and is_percent(c)
                      else v for c in r]
            if len(values) < width:
                values += [None] * (width - len(values))
            yield i, values
    return rows(), wb.close


def _parser_book(path: Path) -> Book | Literal[False] | None:
    """The same rows from openpyxl's own sheet parser, without the cell object read-only
    mode makes of each (a tenth of reading a sheet), and without read-only mode's look for
    the sheet's size, which reads the whole of every sheet that does not state it (as
    programs that stream a sheet out write it): only the first sheet is read, once.
    These are the steps and arguments of openpyxl's own read-only loading (3.1); None
    where they are not there, and the caller takes the public way.  Missing rows are not
    made up: they would be blank, and blank rows are skipped."""
    try:
        from openpyxl.cell.read_only import ReadOnlyCell  # type: ignore[import-untyped]
        from openpyxl.reader.excel import ExcelReader  # type: ignore[import-untyped]
        from openpyxl.styles.stylesheet import apply_stylesheet  # type: ignore[import-untyped]
        from openpyxl.worksheet._reader import WorkSheetParser  # type: ignore[import-untyped]

        reader = ExcelReader(path, read_only=True, data_only=True)
        steps = (reader.read_manifest, reader.read_strings, reader.read_workbook)
    except (ImportError, AttributeError, TypeError):
        return None
    archive = reader.archive
    try:
        for step in steps:
            step()
        wb = reader.wb
        apply_stylesheet(archive, wb)
        target = next((rel.target for _, rel in reader.parser.find_sheets()
                       if rel.target in reader.valid_files and "chartsheet" not in rel.Type), None)
        if target is None:
            archive.close()
            return False
        width = _stated_width(archive, target) or 0  # rows at least this wide; see _cell_book
        source = archive.open(target)
        parser = WorkSheetParser(source, reader.shared_strings, data_only=True, epoch=wb.epoch,
                                 date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
    except (AttributeError, TypeError):
        # another openpyxl's insides, or a workbook they trip on: the public way reads
        # it, or says what is wrong with it
        archive.close()
        return None
    except BaseException:
        archive.close()
        raise
    sheet = SimpleNamespace(parent=wb)  # what a cell asks its sheet for: the book's formats
    percent_style: dict[int, bool] = {}

    def rows() -> Iterator[Any]:
        with source:
            for i, cells in parser.parse():
                last = cells[-1]["column"] if cells else 0
                n = width if width > last else last
                values: list[object] = [None] * n
                for c in cells:
                    v = c["value"]
                    if v is None:
                        continue
                    column = c["column"]
                    if column > n:  # cells out of order in the file
                        values += [None] * (column - n)
                        n = column
                    cls = v.__class__
                    if cls is float or cls is int:
                        style = c["style_id"]
                        known = percent_style.get(style)
                        if known is None:  # the format's text, asked of a cell in that style
                            known = percent_style[style] = "%" in (
                                ReadOnlyCell(sheet, i, column, v, "n", style).number_format or "")
                        if known:
                            v = PercentNumber(v)
                    values[column - 1] = v
                yield i, values
    return rows(), archive.close


def _stated_width(archive: zipfile.ZipFile, target: str) -> int | None:
    """The last column of the sheet's stated size (its <dimension>), as read-only mode
    takes it, looked for only before the sheet's data, where the format puts it."""
    from openpyxl.utils.cell import range_boundaries  # type: ignore[import-untyped]
    from openpyxl.xml.functions import iterparse  # type: ignore[import-untyped]

    with archive.open(target) as f:
        for _, element in iterparse(f, events=("start",)):
            tag = element.tag.rpartition("}")[2]
            if tag == "dimension":
                return range_boundaries(element.get("ref"))[2]
            if tag == "sheetData":
                return None
    return None


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
