"""The cells of a scorecard table, as text, from .xlsx, .csv or .docx.

Merged cells read as their top-left value in every cell they cover (Word already repeats a
merged cell), so a category written once beside several rows names each of them."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from kpidsl.numbers.spelling import spell


class ImportProblem(Exception):
    """A scorecard that cannot be read: the message names the file and, where it can, the row."""


@dataclass(frozen=True)
class Table:
    name: str  # the file, and the sheet or table number when there are several
    rows: tuple[tuple[str, ...], ...]
    title: str | None = None  # Word: the paragraph just above the table


def read_tables(path: Path) -> list[Table]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _xlsx(path)
    if suffix == ".csv":
        return [_csv(path)]
    if suffix == ".docx":
        return _docx(path)
    raise ImportProblem(f"{path}: kpi import reads .xlsx, .csv and .docx tables, not {suffix or 'a file without a suffix'} "
                        "(save the scorecard in one of these from Excel or Word)")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):  # Excel keeps numbers as binary floats: read back the digits it shows
        return spell(Decimal(repr(value)))
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _square(rows: list[list[str]]) -> tuple[tuple[str, ...], ...]:
    width = max((len(r) for r in rows), default=0)
    return tuple(tuple(r + [""] * (width - len(r))) for r in rows)


def _xlsx(path: Path) -> list[Table]:
    import zipfile

    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        book = load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise ImportProblem(f"{path}: not a readable .xlsx workbook ({e})") from None
    tables: list[Table] = []
    for sheet in book.worksheets:
        grid = [[_text(c) for c in row] for row in sheet.iter_rows(values_only=True)]
        for merged in sheet.merged_cells.ranges:
            top = grid[merged.min_row - 1][merged.min_col - 1] if merged.min_row <= len(grid) else ""
            for r in range(merged.min_row - 1, min(merged.max_row, len(grid))):
                for c in range(merged.min_col - 1, merged.max_col):
                    if c < len(grid[r]):
                        grid[r][c] = top
        if any(any(cell for cell in row) for row in grid):
            name = f"{path.name} [{sheet.title}]" if len(book.worksheets) > 1 else path.name
            tables.append(Table(name, _square(grid)))
    if not tables:
        raise ImportProblem(f"{path}: the workbook has no cells with text")
    return tables


def _csv(path: Path) -> Table:
    raw = path.read_bytes()
    text = None
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on a Chinese Windows saves GB18030 (GBK)
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:  # gb18030 decodes nearly anything; kept for the type checker
        raise ImportProblem(f"{path}: neither UTF-8 nor GB18030 text")
    rows = [[_text(c) for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
    return Table(path.name, _square(rows))


def _docx(path: Path) -> list[Table]:
    try:
        import docx
    except ImportError:
        raise ImportProblem("reading .docx needs python-docx: pip install 'kpidsl[import]'") from None
    try:
        document = docx.Document(str(path))
    except Exception as e:  # python-docx raises its own and zipfile's errors for a file that is not Word
        raise ImportProblem(f"{path}: not a readable .docx document ({type(e).__name__}: {e})") from None
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    tables: list[Table] = []
    above: str | None = None
    count = len(document.tables)
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            above = _text(block.text) or above
        elif isinstance(block, DocxTable):
            rows = [[_text(cell.text) for cell in row.cells] for row in block.rows]
            name = f"{path.name} [table {len(tables) + 1}]" if count > 1 else path.name
            tables.append(Table(name, _square(rows), above))
            above = None
    if not tables:
        raise ImportProblem(f"{path}: the document has no table")
    return tables
