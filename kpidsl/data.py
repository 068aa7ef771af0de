"""Reading appraisal data: CSV, XLSX or JSON, one row per person per period.

Every cell the plan needs is validated before any scoring: a missing column,
a blank cell, a non-number, ``93`` where ``93%`` is meant, a value outside
the input's range, a negative or fractional count, a level the rubric does
not offer, a duplicate person-period.  Each problem names the file, the row,
the column and the rubric line that needs the value; nothing passes silently.
"""

from __future__ import annotations

import csv
import heapq
import itertools
import json
import re
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from . import ir

YES = {"yes", "y", "true", "1", "是", "有", "√", "✓", "✔", "对"}
NO = {"no", "n", "false", "0", "否", "无", "×", "✗", "✘", "错"}
NA = {"n/a", "na", "不适用", "-"}
PERCENT_POLICIES = ("strict", "whole", "fraction")

# Columns that name the person and the period when the rubric declares no `person` key.
PERSON_TITLES = ("id", "工号", "员工编号", "name", "姓名")
PERIOD_TITLES = ("period", "考核月份", "考核期间", "期间", "月份")


@dataclass(frozen=True, slots=True)
class DataError:
    file: str
    row: int  # as a spreadsheet shows it: the header is row 1
    column: str | None
    message: str
    rubric_line: int | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" + (f" [{self.column}]" if self.column else "")
        tail = f" (rubric line {self.rubric_line})" if self.rubric_line else ""
        hint = f"\n    hint: {self.hint}" if self.hint else ""
        return f"{where}: {self.message}{tail}{hint}"


@dataclass(slots=True)
class Row:
    file: str
    number: int
    person: str
    period: str
    groups: dict[str, str]
    cells: dict[str, Decimal]


class DataProblems(Exception):
    def __init__(self, errors: list[DataError]):
        super().__init__(f"{len(errors)} data problem(s)")
        self.errors = errors


# ---- reading tables -----------------------------------------------------------------------


def read_table(path: Path) -> tuple[list[str], Iterator[tuple[int, list[object]]]]:
    """Header and an iterator of (row number, cells); streams CSV rows."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix == ".json":
        return _read_json(path)
    raise ValueError(f"{path}: unknown data format {suffix or '(no extension)'}; use .csv, .xlsx or .json")


def _read_csv(path: Path):
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


def _read_xlsx(path: Path):
    from openpyxl import load_workbook

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
                    v = _XlsxPercent(v)
                values.append(v)
            if any(v not in (None, "") for v in values):
                yield i, values
        wb.close()
    return header, rows()


class _XlsxPercent(float):
    """A number Excel shows as a percent: its value is already the fraction."""


def _read_json(path: Path):
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


# ---- validation ------------------------------------------------------------------------------


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_PLAIN = re.compile(r"-?\d+(\.\d+)?\Z")


def _fast_parser(col: ir.Column):
    """A parser for the common spelling of one column's cells (``93%``, ``3``, ``是``);
    it returns None for anything else, which the full validator then explains."""
    low, high, integer = col.low, col.high, col.integer
    allowed = frozenset(col.allowed) if col.allowed is not None else None
    if col.allowed_ranges is not None:
        return lambda v: None
    if col.unit == "yes/no":
        one, zero = Decimal(1), Decimal(0)

        def yes_no(v):
            if type(v) is str:
                t = v.strip().lower()
                if t in YES:
                    return one
                if t in NO:
                    return zero
            return None
        return yes_no
    is_percent = col.unit == "percent"
    match = _PLAIN.match

    def number(v):
        if type(v) is not str:
            return None
        if is_percent:
            if v[-1:] != "%" or not match(v, 0, len(v) - 1):
                return None
            value = Decimal(v[:-1]).scaleb(-2)
        elif match(v):
            value = Decimal(v)
        else:
            return None
        if allowed is not None and value not in allowed:
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            return None
        if integer and value != value.to_integral_value():
            return None
        return value
    return number


class Validator:
    def __init__(self, plan: ir.Plan, file: str, header: list[str], percent: str = "strict",
                 mapping: dict[str, str] | None = None, needs_groups: Iterable[str] = ()):
        self.plan = plan
        self.file = file
        self.percent = percent
        self.errors: list[DataError] = []
        self.index: dict[str, int] = {}
        titles = {h: i for i, h in enumerate(header)}
        mapping = mapping or {}
        for title, name in mapping.items():
            if title in titles:
                titles.setdefault(name, titles[title])
        for col in plan.columns:
            for candidate in (col.name, col.label):
                if candidate and candidate in titles:
                    self.index[col.name] = titles[candidate]
                    break
        key_label = dict(plan.key_labels)
        self.person_col = self._find(titles, (plan.person, key_label.get(plan.person)) + PERSON_TITLES)
        self.period_col = self._find(titles, (plan.period,) + PERIOD_TITLES)
        self.group_cols = {g: self._find(titles, (g, key_label.get(g))) for g in plan.groups}
        self.na_list_col = titles.get("not_applicable", titles.get("不适用"))
        if self.person_col is None:
            self.errors.append(DataError(file, 1, None, f"no column names the person (looked for {plan.person!r}, "
                                         + ", ".join(repr(t) for t in PERSON_TITLES[1:]) + ")",
                                         hint="add an id column, or declare `person COLUMN` in the rubric"))
        for g in needs_groups:
            if self.group_cols.get(g) is None:
                self.errors.append(DataError(file, 1, g, f"missing column {g!r}: the rubric groups people by it",
                                             hint=f"add a {g!r} column"))
        for col in plan.columns:
            if col.name not in self.index and not col.optional:
                hint = f"add a column titled {col.name!r}" + (f" or {col.label!r}" if col.label else "")
                self.errors.append(DataError(file, 1, col.name, f"missing column {col.name!r}",
                                             col.line, hint))

    @staticmethod
    def _find(titles, candidates):
        for c in candidates:
            if c and c in titles:
                return titles[c]
        return None

    def _error(self, row: int, column: str | None, message: str, col: ir.Column | None = None,
               hint: str | None = None) -> None:
        self.errors.append(DataError(self.file, row, column, message, col.line if col else None, hint))

    def _fast_row(self):
        """A compiled reader for rows whose every cell is spelled the common way, or None
        when the plan has columns it does not handle (optional, not-applicable, level ranges)."""
        if not hasattr(self, "_fast"):
            self._fast = None
            cols = self.plan.columns
            if all(c.name in self.index and not c.optional and not c.may_be_na and c.allowed_ranges is None
                   for c in cols):
                from .backends.python import compile_row_parser
                self._fast = compile_row_parser([(c, self.index[c.name]) for c in cols])
        return self._fast

    def _plan_columns(self):
        """(column, index in the row, fast parser) for every column the plan reads."""
        if not hasattr(self, "_cols"):
            self._cols = [(col, self.index.get(col.name), _fast_parser(col)) for col in self.plan.columns]
        return self._cols

    def row(self, number: int, values: list[object]) -> Row | None:
        fast = self._fast if hasattr(self, "_fast") else self._fast_row()
        if fast is not None:
            # The common row, read without the general machinery: every cell in its usual
            # spelling, a text id and period, no groups to look up.
            cells = fast(values)
            if cells is not None and not self.group_cols:
                try:
                    person = values[self.person_col].strip()
                    period = values[self.period_col].strip() if self.period_col is not None else ""
                except (AttributeError, IndexError, TypeError):
                    person = ""
                if person:
                    return Row(self.file, number, person, period, {}, cells)
        n_before = len(self.errors)
        n = len(values)

        def get(i):
            return values[i] if i is not None and i < n else None

        person = _text(get(self.person_col))
        if not person:
            self._error(number, None, "blank person id")
        period = _text(get(self.period_col)) if self.period_col is not None else ""
        groups = {g: _text(get(i)) for g, i in self.group_cols.items() if i is not None}
        if fast is not None and person:
            cells = fast(values)
            if cells is not None:
                return Row(self.file, number, person, period, groups, cells)
        cells: dict[str, Decimal] = {}
        na_items = self._not_applicable(number, get(self.na_list_col), values)
        for col, i, fast in self._plan_columns():
            v = values[i] if i is not None and i < n else None
            if col.may_be_na:
                item = col.name.removesuffix(".na")
                if v is None or _text(v) == "":
                    cells[col.name] = Decimal(1 if item in na_items else 0)
                    continue
            elif _item_of(col.name) in na_items and _text(v).lower() in NA:
                cells[col.name] = Decimal(0)  # the item does not apply: its cells hold nothing
                continue
            elif col.optional and (v is None or _text(v) == ""):
                continue  # last period's value: taken from the row before
            elif i is None:
                continue
            value = fast(v)
            if value is None:
                value = self._cell(number, col, v)  # unusual spelling, or a problem to report
                if value is None:
                    continue
            cells[col.name] = value
        if len(self.errors) > n_before:
            return None
        return Row(self.file, number, person, period, groups, cells)

    def _not_applicable(self, number: int, listed, values) -> set[str]:
        """Items marked not applicable in this row: named in the `not_applicable` column
        (by name or label), or written 不适用 / n/a in their own cells."""
        allowed = {c.name.removesuffix(".na"): (c.label or "").removesuffix(".不适用")
                   for c in self.plan.columns if c.may_be_na}
        by_label = {label: name for name, label in allowed.items() if label}
        out: set[str] = set()
        for word in self._na_listed(listed):
            name = word if word in allowed else by_label.get(word)
            if name is None:
                self._error(number, "not_applicable", f"{word!r} is not an item that may be marked not applicable",
                            hint="items that may: " + (", ".join(allowed) or "none (add `not applicable:` to an item)"))
            else:
                out.add(name)
        if allowed:
            for col, i, _ in self._plan_columns():
                item = _item_of(col.name)
                if item in allowed and i is not None and i < len(values) and _text(values[i]).lower() in NA:
                    out.add(item)
        return out

    @staticmethod
    def _na_listed(cell) -> set[str]:
        return {x.strip() for x in re.split(r"[,，、;；\s]+", _text(cell)) if x.strip()}

    def _cell(self, number: int, col: ir.Column, v: object) -> Decimal | None:
        title = col.name
        text = _text(v)
        if text == "":
            self._error(number, title, "blank cell", col, "every scored value must be filled in; write 0 if it is zero")
            return None
        if col.unit == "yes/no":
            t = text.lower()
            if t in YES:
                return Decimal(1)
            if t in NO:
                return Decimal(0)
            self._error(number, title, f"{text!r} is not yes or no", col, "write 是/否, yes/no or 1/0")
            return None
        value = self._number(number, col, v, text)
        if value is None:
            return None
        if col.integer and value != value.to_integral_value():
            self._error(number, title, f"{text!r} is not a whole number", col)
            return None
        if col.allowed is not None and value not in col.allowed:
            self._error(number, title, f"{text!r} is not one of the allowed values "
                        + ", ".join(_show(a) for a in col.allowed), col)
            return None
        if col.allowed_ranges is not None and not any(lo <= value <= hi for lo, hi in col.allowed_ranges):
            self._error(number, title, f"{text!r} is in none of the levels "
                        + ", ".join(f"{_show(lo)}..{_show(hi)}" if lo != hi else _show(lo)
                                    for lo, hi in col.allowed_ranges), col)
            return None
        if col.low is not None and value < col.low:
            what = "a negative count" if col.unit == "count" and value < 0 else f"below the lowest allowed value {_show(col.low, col.unit)}"
            self._error(number, title, f"{text!r} is {what}", col)
            return None
        if col.high is not None and value > col.high:
            self._error(number, title, f"{text!r} is above the highest allowed value {_show(col.high, col.unit)}", col)
            return None
        return value

    def _number(self, number: int, col: ir.Column, v: object, text: str) -> Decimal | None:
        if isinstance(v, bool):
            self._error(number, col.name, f"{text!r} is not a number", col)
            return None
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if v != v or v in (float("inf"), float("-inf")):
                self._error(number, col.name, f"{text!r} is not a number", col)
                return None
            value = Decimal(repr(float(v))) if isinstance(v, float) else Decimal(v)
            if isinstance(v, _XlsxPercent) or col.unit != "percent":
                return value
            return self._bare_percent(number, col, value, text)
        t = text.replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").strip()
        if t.endswith("元"):
            t = t[:-1].strip()
        is_percent = t.endswith("%") or t.endswith("％")
        if is_percent:
            t = t[:-1].strip()
        if not _NUMBER.match(t):
            hint = "write digits only, e.g. 93% or 1234.50" if col.unit in ("percent", "money") else None
            self._error(number, col.name, f"{text!r} is not a number", col, hint)
            return None
        try:
            value = Decimal(t)
        except InvalidOperation:
            self._error(number, col.name, f"{text!r} is not a number", col)
            return None
        if is_percent:
            if col.unit not in ("percent", "number"):
                self._error(number, col.name, f"{text!r} is a percent, but this column holds {col.unit}", col)
                return None
            return value / 100
        if col.unit == "percent":
            return self._bare_percent(number, col, value, text)
        return value

    def _bare_percent(self, number, col, value: Decimal, text: str) -> Decimal | None:
        if self.percent == "whole":
            return value / 100
        if self.percent == "fraction":
            return value
        if value == 0:
            return value
        self._error(number, col.name, f"{text!r} in a percent column: is it {text}% or {_show(value * 100)}%?", col,
                    "write the % sign (93%), or run with --percent-cells whole (93 means 93%) "
                    "or --percent-cells fraction (0.93 means 93%)")
        return None


def _item_of(column: str) -> str:
    """`discipline.self` and `discipline` both belong to the item `discipline`."""
    return column.split(".", 1)[0]


def _text(v: object) -> str:
    if v is None or (isinstance(v, float) and v != v):  # None, or NaN: a DataFrame's empty cell
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _show(x: Decimal, unit: str | None = None) -> str:
    if unit == "percent":
        return f"{(x * 100).normalize():f}%"
    return f"{x.normalize():f}"


def read_rows(plan: ir.Plan, paths: list[Path], percent: str = "strict",
              mapping: dict[str, str] | None = None, needs_groups: Iterable[str] = (),
              progress=None) -> list[Row]:
    """Every row of every file, validated; raises DataProblems listing all problems."""
    errors: list[DataError] = []
    rows = list(iter_rows(plan, paths, errors, percent, mapping, needs_groups, progress))
    if errors:
        raise DataProblems(errors)
    return rows


def iter_rows(plan: ir.Plan, paths: list[Path], errors: list[DataError], percent: str = "strict",
              mapping: dict[str, str] | None = None, needs_groups: Iterable[str] = (),
              progress=None) -> Iterator[Row]:
    """Validated rows, one at a time (CSV is streamed); problems are appended to ``errors``
    and the row is skipped, so a caller can go on and report them all at the end.
    A person who appears twice in a period is found by ``DuplicateIndex`` in bounded memory."""
    seen = DuplicateIndex()
    for file_index, path in enumerate(paths):
        header, it = read_table(path)
        v = Validator(plan, str(path), header, percent, mapping, needs_groups)
        if v.errors:  # missing columns: no row can be read
            errors.extend(v.errors)
            continue
        v.errors = errors  # report into the caller's list as we go
        add = seen.add
        for number, values in it:
            row = v.row(number, values)
            if progress is not None:
                progress(1)
            if row is None:
                continue
            add(hash((row.person, row.period)), file_index << 32 | number)
            yield row
    errors.extend(DataError(str(paths[later >> 32]), later & 0xFFFFFFFF, None,
                            "this person appears twice in the same period",
                            hint=f"the first is {paths[first >> 32]}:{first & 0xFFFFFFFF}")
                  for first, later in seen.duplicates())


class DuplicateIndex:
    """Which rows share a (person, period), in memory that does not grow with the data.

    Each row leaves a 64-bit hash of its (person, period) and where it stood (file
    index << 32 | row).  Every ``chunk`` rows the pairs are sorted and spilled to a
    temporary file; at the end the sorted runs are merged, and equal hashes next to
    each other are the duplicates (two different pairs sharing a hash, about once in
    10^19, would be reported, never passed over)."""

    def __init__(self, chunk: int = 1 << 16):
        self.chunk = chunk
        self.keys = array("q")
        self.places = array("q")
        self.runs: list = []  # temporary files, each a sorted run of (key, place) pairs

    def add(self, key: int, place: int) -> None:
        self.keys.append(key)
        self.places.append(place)
        if len(self.keys) >= self.chunk:
            self._spill()

    def _spill(self) -> None:
        pairs = sorted(zip(self.keys, self.places))
        flat = array("q", itertools.chain.from_iterable(pairs))
        f = tempfile.TemporaryFile()
        flat.tofile(f)
        f.seek(0)
        self.runs.append(f)
        self.keys, self.places = array("q"), array("q")

    @staticmethod
    def _read(f, block: int = 1 << 13):
        while True:
            data = f.read(16 * block)
            if not data:
                f.close()
                return
            a = array("q")
            a.frombytes(data)
            yield from zip(a[0::2], a[1::2])

    def duplicates(self) -> Iterator[tuple[int, int]]:
        """(first place, later place) for every repeated (person, period), in reading order."""
        if not self.runs:
            pairs = iter(sorted(zip(self.keys, self.places)))
        else:
            if self.keys:
                self._spill()
            pairs = heapq.merge(*(self._read(f) for f in self.runs))
        first_key, first_place = None, 0
        for key, place in pairs:  # equal keys arrive together, earliest place first
            if key == first_key:
                yield first_place, place
            else:
                first_key, first_place = key, place
