"""Reading one sheet of an XLSX workbook to rows of values, numbered as the sheet numbers
them, a number shown as a percent made a ``PercentNumber``.

A workbook is a zip of XML parts, so a hostile or broken one is refused before any work is
done on what it claims: a part that would unpack to more than ``MAX_PART`` bytes, or that
packs down like a zip bomb; XML with entity declarations (openpyxl parses through
defusedxml, which refuses them: "billion laughs" and external entities); malformed XML, a
shared-string index out of range, a formula whose value was never saved.  Each is said in
words naming the file and the sheet.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal

from kpidsl.data.cells import PercentNumber

log = logging.getLogger("kpidsl.data")

# A sheet's rows as (row number, values as wide as the sheet), a way to close the book,
# and the sheet's name (for messages).
Book = tuple[Iterator[tuple[int, list[object]]], Callable[[], None], str]

# No part of a workbook kpi reads unpacks to more than this (a sheet of a million rows of
# twenty cells is about 1 GiB of XML) ...
MAX_PART = 2 << 30
# ... nor packs smaller than 1/RATIO of its size once it is past RATIO_FROM bytes: sheet XML
# packs 10 to 50 times; a zip bomb a thousand.
RATIO, RATIO_FROM = 250, 64 << 20
# A sheet's stated size is a claim: rows are made at most this wide from it.
MAX_STATED_WIDTH = 512
SAVE_AGAIN = "open it in Excel (or WPS) and save it again as .xlsx"


def refuse_bombs(path: Path) -> None:
    """Refuse a workbook whose parts claim sizes no sheet has (zipfile never unpacks more
    than a part's stated size, so the stated sizes bound the work)."""
    try:
        with zipfile.ZipFile(path) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ValueError(f"{path}: cannot read this workbook ({e}); {SAVE_AGAIN}") from None
    for part in parts:
        if part.file_size > MAX_PART:
            raise ValueError(f"{path}: the part {part.filename!r} would unpack to {part.file_size:,} bytes, more "
                             f"than any sheet kpi reads ({MAX_PART >> 30} GiB); refused")
        if part.file_size > RATIO_FROM and part.file_size > RATIO * max(part.compress_size, 1):
            raise ValueError(f"{path}: the part {part.filename!r} packs {part.file_size:,} bytes into "
                             f"{part.compress_size:,} (a zip bomb?); refused")


def which_sheet(path: Path, names: list[str], sheet: str | None) -> int:
    """The index in ``names`` of the sheet ``--sheet`` names (a name, else a number from 1)."""
    if sheet is None:
        return 0
    if sheet in names:
        return names.index(sheet)
    folded = [n.strip().casefold() for n in names]
    if sheet.strip().casefold() in folded:
        return folded.index(sheet.strip().casefold())
    if sheet.strip().isdigit() and 1 <= int(sheet) <= len(names):
        return int(sheet) - 1
    shown = ", ".join(repr(n) for n in names)
    raise ValueError(f"{path}: no sheet {sheet!r}; the workbook's sheets are {shown} "
                     "(give --sheet a name or a number from 1)")


def cell_book(path: Path, sheet: str | None) -> Book | Literal[False]:
    """The sheet through read-only mode's cell objects (public openpyxl), numbered from 1,
    a number shown as a percent made a ``PercentNumber``; False if there is no worksheet.
    (A formula without its value reads blank here: only the parser way can tell.)"""
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    wb = load_workbook(path, read_only=True, data_only=True)
    if not wb.worksheets:
        wb.close()
        return False
    try:
        ws = wb.worksheets[which_sheet(path, [s.title for s in wb.worksheets], sheet)]
    except ValueError:
        wb.close()
        raise
    percent_style: dict[int, str | None] = {}  # by style: openpyxl looks a format up for every cell

    def percent(c: Any) -> str | None:
        if c._style_id not in percent_style:
            percent_style[c._style_id] = percent_kind(c.number_format)
        return percent_style[c._style_id]

    # Rows as wide as the sheet says it is, but a cell past its stated size is read, not
    # dropped: some programs state a size too small (Excel reads past it too).
    width = min(ws.max_column or 0, MAX_STATED_WIDTH)
    ws.reset_dimensions()

    def rows() -> Iterator[Any]:
        for i, r in enumerate(ws.iter_rows(), start=1):
            # an empty cell (openpyxl's EmptyCell) has no style, and its value is None
            values = [as_shown(v, percent(c)) if ((v := c.value).__class__ is float or v.__class__ is int)
                      else v for c in r]
            if len(values) < width:
                values += [None] * (width - len(values))
            yield i, values
    return rows(), wb.close, ws.title


def percent_kind(number_format: str | None) -> str | None:
    """How a number format shows a percent: "fraction" where Excel multiplies by 100 (0%,
    0.0%: the value 0.93 shows 93%), "literal" where the % sign is only text (0"%" or 0\\%,
    as some templates write it: the value 93 shows 93%), None where it shows none."""
    if not number_format or "%" not in number_format:
        return None
    bare = _QUOTED.sub("", number_format)
    return "fraction" if "%" in bare else "literal"


_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def as_shown(v: int | float, kind: str | None) -> object:
    """A number as its format shows it: a PercentNumber for a fraction, the text "93%" for a
    whole number followed by a literal % (read as a percent, exactly, by the cell reader)."""
    if kind == "fraction":
        return PercentNumber(v)
    if kind == "literal":
        return (str(int(v)) if v == int(v) else repr(float(v))) + "%"
    return v


class NoSavedValue(Exception):
    """A formula cell with no value saved beside it (written by a program, never opened in
    Excel): its place and the formula's text, so the refusal can quote them."""

    def __init__(self, coordinate: str, formula: str):
        super().__init__(coordinate)
        self.coordinate, self.formula = coordinate, formula


def _parser_class() -> Any:
    """openpyxl's sheet parser, telling a formula with no saved value from a blank cell."""
    from openpyxl.worksheet._reader import WorkSheetParser  # type: ignore[import-untyped]
    from openpyxl.xml.constants import SHEET_MAIN_NS  # type: ignore[import-untyped]

    formula_tag, value_tag = f"{{{SHEET_MAIN_NS}}}f", f"{{{SHEET_MAIN_NS}}}v"

    class Parser(WorkSheetParser):
        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell: dict[str, Any] = super().parse_cell(element)
            # no <v>, or an empty one where the formula's type is not text (an empty text
            # is a value: a formula that gives "")
            if cell["value"] is None and element.get("t") not in ("str", "inlineStr") \
                    and not element.findtext(value_tag):
                formula = element.find(formula_tag)
                if formula is not None:
                    raise NoSavedValue(element.get("r") or f"row {self.row_counter}", "=" + (formula.text or ""))
            return cell
    return Parser


def parser_book(path: Path, sheet: str | None) -> Book | Literal[False] | None:
    """The same rows from openpyxl's own sheet parser, without the cell object read-only
    mode makes of each (a tenth of reading a sheet), and without read-only mode's look for
    the sheet's size, which reads the whole of every sheet that does not state it (as
    programs that stream a sheet out write it): only the chosen sheet is read, once.
    These are the steps and arguments of openpyxl's own read-only loading (3.1); None
    where they are not there, and the caller takes the public way.  Missing rows are not
    made up: they would be blank, and blank rows are skipped."""
    try:
        from openpyxl.cell.read_only import ReadOnlyCell  # type: ignore[import-untyped]
        from openpyxl.reader.excel import ExcelReader  # type: ignore[import-untyped]
        from openpyxl.styles.stylesheet import apply_stylesheet  # type: ignore[import-untyped]

        parser_class = _parser_class()
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
        sheets = [(ws.name, rel.target) for ws, rel in reader.parser.find_sheets()
                  if rel.target in reader.valid_files and "chartsheet" not in rel.Type]
        if not sheets:
            archive.close()
            return False
        name, target = sheets[which_sheet(path, [n for n, _ in sheets], sheet)]
        width = min(_stated_width(archive, target) or 0, MAX_STATED_WIDTH)  # rows at least this wide; see cell_book
        source = archive.open(target)
        parser = parser_class(source, reader.shared_strings, data_only=True, epoch=wb.epoch,
                              date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
    except (AttributeError, TypeError):
        # another openpyxl's insides, or a workbook they trip on: the public way reads
        # it, or says what is wrong with it
        archive.close()
        return None
    except BaseException:
        archive.close()
        raise
    book = SimpleNamespace(parent=wb)  # what a cell asks its sheet for: the book's formats
    percent_style: dict[int, str | None] = {}

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
                        if style not in percent_style:  # the format's text, asked of a cell in that style
                            percent_style[style] = percent_kind(
                                ReadOnlyCell(book, i, column, v, "n", style).number_format)
                        kind = percent_style[style]
                        if kind is not None:
                            v = as_shown(v, kind)
                    values[column - 1] = v
                yield i, values
    return rows(), archive.close, name


def _stated_width(archive: zipfile.ZipFile, target: str) -> int | None:
    """The last column of the sheet's stated size (its <dimension>), as read-only mode
    takes it, looked for only before the sheet's data, where the format puts it."""
    from openpyxl.utils.cell import range_boundaries  # type: ignore[import-untyped]
    from openpyxl.xml.functions import iterparse  # type: ignore[import-untyped]

    with archive.open(target) as f:
        for _, element in iterparse(f, events=("start",)):
            tag = element.tag.rpartition("}")[2]
            if tag == "dimension":
                return int(range_boundaries(element.get("ref"))[2] or 0)
            if tag == "sheetData":
                return None
    return None


def open_sheet(path: Path, sheet: str | None) -> tuple[Iterator[tuple[int, list[object]]], Callable[[], None], str]:
    """The chosen sheet's rows (every damage the reading meets said in words, naming the
    file and sheet), a way to close the book, and the sheet's name."""
    if not zipfile.is_zipfile(path):
        with path.open("rb") as f:
            head = f.read(8)
        what = "an old .xls workbook" if head.startswith(b"\xd0\xcf\x11\xe0") else "not a zip file"
        raise ValueError(f"{path}: not an XLSX workbook ({what}); open it in Excel and save it as .xlsx, "
                         "or as \"CSV UTF-8\"")
    refuse_bombs(path)
    try:
        book = parser_book(path, sheet)
        if book is None:  # another openpyxl: read through its cell objects
            book = cell_book(path, sheet)
    except ValueError as e:
        if str(e).startswith(str(path)):  # ours, in words already
            raise
        raise ValueError(f"{path}: cannot read this workbook ({_damage(e)}); {SAVE_AGAIN}") from None
    except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for a damaged workbook
        raise ValueError(f"{path}: cannot read this workbook ({_damage(e)}); {SAVE_AGAIN}") from None
    if book is False:
        raise ValueError(f"{path}: the workbook has no worksheet")
    rows, close, name = book
    log.info("%s: reading sheet %r", path, name)

    def guarded() -> Iterator[tuple[int, list[object]]]:
        try:
            yield from rows
        except NoSavedValue as e:
            raise ValueError(
                f"{path}: sheet {name!r}, cell {e.coordinate} holds a formula ({e.formula[:40]}) whose value "
                "was never saved (the file was written by a program, not by Excel): open and save the file "
                "in Excel (or WPS), so every formula's value is stored, then run kpi again") from None
        except ValueError as e:
            if str(e).startswith(str(path)):
                raise
            raise ValueError(f"{path}: sheet {name!r} cannot be read ({_damage(e)}); {SAVE_AGAIN}") from None
        except Exception as e:  # noqa: BLE001 - a damaged sheet's XML, found while streaming
            raise ValueError(f"{path}: sheet {name!r} cannot be read ({_damage(e)}); {SAVE_AGAIN}") from None
        finally:
            close()
    return guarded(), close, name


def _damage(e: BaseException) -> str:
    """What is wrong with a damaged workbook, in words."""
    kind = type(e).__name__
    if kind in ("EntitiesForbidden", "ExternalReferenceForbidden", "DTDForbidden", "NotSupportedError"):
        return "its XML declares entities or a document type, which a workbook never needs: refused for safety"
    if kind == "ParseError":
        return f"malformed XML: {e}"
    if kind == "IndexError":
        return "a cell points at a shared text that is not there"
    return f"{kind}: {e}"
