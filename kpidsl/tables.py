"""Reading data files: CSV, XLSX or JSON to a header and rows of raw cells, numbered
as a spreadsheet shows them (the header is row 1).  What the cells mean is for
``cells`` and ``validate``; this module only knows file formats and their shapes.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from .cells import PercentNumber

Table = tuple[list[str], Iterator[tuple[int, list[object]]]]


def read_table(path: Path) -> Table:
    """Header and an iterator of (row number, cells); streams CSV rows."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix == ".json":
        return _read_json(path)
    raise ValueError(f"{path}: unknown data format {suffix or '(no extension)'}; use .csv, .xlsx or .json")


def _read_csv(path: Path) -> Table:
    f = path.open(encoding="utf-8-sig", newline="")
    reader = csv.reader(f)
    try:
        header = next(reader)
    except StopIteration:
        f.close()
        return [], iter(())
    except UnicodeDecodeError as e:
        f.close()
        raise ValueError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start}); save the sheet as CSV UTF-8") from None

    def rows():
        try:
            for i, r in enumerate(reader, start=2):
                # skip blank lines; the first cell (the id) settles it for almost every row
                if r and (r[0].strip() or any(cell.strip() for cell in r)):
                    yield i, r
        except UnicodeDecodeError as e:
            raise ValueError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
        finally:
            f.close()
    return [h.strip() for h in header], rows()


def _read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    wb = load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    it = ws.iter_rows()
    try:
        header_cells = next(it)
    except StopIteration:
        return [], iter(())
    header = [str(c.value).strip() if c.value is not None else "" for c in header_cells]

    def rows():
        for i, r in enumerate(it, start=2):
            values = []
            for c in r:
                v = c.value
                if isinstance(v, (int, float)) and "%" in (c.number_format or ""):
                    v = PercentNumber(v)
                values.append(v)
            if any(v not in (None, "") for v in values):
                yield i, values
        wb.close()
    return header, rows()


def _read_json(path: Path) -> Table:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}:{e.lineno}:{e.colno}: not valid JSON: {e.msg}") from None
    records = doc.get("rows") if isinstance(doc, dict) else doc
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValueError(f"{path}: expected a list of objects, one per person and period (or {{\"rows\": [...]}})")
    header: list[str] = []
    for r in records:
        for k in r:
            if k not in header:
                header.append(k)

    def rows():
        for i, r in enumerate(records, start=2):  # numbered like a sheet: the header is row 1
            yield i, [r.get(h) for h in header]
    return header, rows()
