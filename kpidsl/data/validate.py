"""Validating data rows: the ``Validator`` that finds a rubric's columns in a sheet's
header and turns each row of raw cells into a ``Row`` of checked values, or into
``DataError``s naming the file, row, column and rubric line (``DataProblems`` carries
them all).  Each cell is read by its column's spec (``cells.py``); the common row by
the reader generated from the same specs (``backends/rows.py``).
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from kpidsl import ir
from kpidsl.data import periods
from kpidsl.data.cells import NA, CellError, CellSpec, read, spec_of, text_of
from kpidsl.data.files import column_letter as _letter

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
    cells: dict[str, Decimal | None]  # filled in later for `.last` columns the data leaves out; None: a blank a column allows


class DataProblems(Exception):
    def __init__(self, errors: list[DataError]):
        super().__init__(f"{len(errors)} data problem(s)")
        self.errors = errors


class Validator:
    def __init__(self, plan: ir.Plan, file: str, header: list[str], percent: str = "strict",
                 mapping: dict[str, str] | None = None, needs_groups: Iterable[str] = ()):
        self.plan = plan
        self.file = file
        self.percent = percent
        self.errors: list[DataError] = []
        self.index: dict[str, int] = {}
        self.width = len(header)
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
        for col in plan.columns:
            if col.period_edge is not None and self.period_col is not None:
                self.index[col.name] = self.period_col  # the day the row's period starts or ends on
        self.group_cols = {g: self._find(titles, (g, key_label.get(g))) for g in plan.groups}
        self.group_at = [(g, i) for g, i in self.group_cols.items() if i is not None]  # the groups a row holds
        self.na_list_col = titles.get("not_applicable", titles.get("不适用"))
        if self.person_col is None:
            self.errors.append(DataError(file, 1, None, f"no column names the person (looked for {plan.person!r}, "
                                         + ", ".join(repr(t) for t in PERSON_TITLES[1:]) + ")",
                                         hint="add an id column, or declare `person COLUMN` in the rubric"))
        for g in needs_groups:
            if self.group_cols.get(g) is None:
                self.errors.append(DataError(file, 1, g, f"missing column {g!r}: the rubric groups people by it",
                                             hint=f"add a {g!r} column"))
        self._repeated_titles(header)
        for col in plan.columns:
            if col.name not in self.index and col.period_edge is not None:
                self.errors.append(DataError(file, 1, None, "no column names the period, whose "
                                             f"{col.period_edge} the rubric reads as {col.name}", col.line,
                                             "add a period column, e.g. titled 'period' or '考核期间'"))
            elif col.name not in self.index and not col.optional:
                hint = f"add a column titled {col.name!r}" + (f" or {col.label!r}" if col.label else "")
                self.errors.append(DataError(file, 1, col.name, f"missing column {col.name!r}",
                                             col.line, hint))
        # (column, its spec, its index in the row or None)
        self.columns: list[tuple[ir.Column, CellSpec, int | None]] = [
            (col, spec_of(col, percent, periods.kind_of(plan.outline.period)), self.index.get(col.name))
            for col in plan.columns]
        # The generated reader reads every cell that must be there; the rest (a `.last` value
        # that may be left out, an item's not-applicable flag) depend on other cells.
        self.plain = [(col, spec, i) for col, spec, i in self.columns
                      if i is not None and not col.optional and not col.may_be_na]
        self.others = [c for c in self.columns if c not in self.plain]
        self._fast_wanted = not self.errors and bool(self.plain)

    def _repeated_titles(self, header: list[str]) -> None:
        """Two columns with one title: which one is meant is a guess that changes pay."""
        read = {*self.index.values(), self.person_col, self.period_col, self.na_list_col, *self.group_cols.values()}
        first: dict[str, int] = {}
        for i, h in enumerate(header):
            if not h:
                continue
            if h in first and (i in read or first[h] in read):
                self.errors.append(DataError(
                    self.file, 1, h, f"two columns are titled {h!r}: column {_letter(first[h])} and "
                    f"column {_letter(i)}", hint="rename or delete one of them, so kpi reads the one you mean"))
            first.setdefault(h, i)

    @staticmethod
    def _find(titles: dict[str, int], candidates: Iterable[str | None]) -> int | None:
        for c in candidates:
            if c and c in titles:
                return titles[c]
        return None

    def _error(self, row: int, column: str | None, message: str, col: ir.Column | None = None,
               hint: str | None = None) -> None:
        self.errors.append(DataError(self.file, row, column, message, col.line if col else None, hint))

    @functools.cached_property
    def fast(self) -> Callable[[list[object]], dict[str, Decimal | None] | None] | None:
        """The reader generated from the plain columns' specs: their cells as a dict when
        every one is spelled the common way, else None.  Made when first asked for: the
        streaming loop reads rows itself and asks only for a row it declines."""
        if not self._fast_wanted:
            return None
        from kpidsl.data.fast_reader import compile_row_reader

        return compile_row_reader([(spec, i) for _, spec, i in self.plain if i is not None])

    def row(self, number: int, values: list[object]) -> Row | None:
        if len(values) > self.width and any(v not in (None, "") for v in values[self.width:]):
            # never dropped: a cell past the last title is most often a number whose thousands
            # comma split it in two (1,000 read as 1 and 000)
            self._error(number, None, f"this row has {len(values)} cells, more than the {self.width} titles of "
                                      "the header row",
                        hint='a comma inside a cell splits it: put the cell in quotes ("1,000"), or give the '
                             "extra column a title")
            return None
        fast = self.fast
        cells: dict[str, Decimal | None] | None = None
        if fast is not None and not self.others:
            # The common row, read without the general machinery: every cell in its usual
            # spelling, a text id, period and groups.  Read once: the cells are kept for
            # the general path below when only a key needs a closer look.
            cells = fast(values)
            if cells is not None:
                try:
                    person = values[self.person_col].strip()  # type: ignore[attr-defined, index]
                    period = values[self.period_col].strip() if self.period_col is not None else ""  # type: ignore[attr-defined]
                    groups = {g: values[i].strip() for g, i in self.group_at} if self.group_at else {}  # type: ignore[attr-defined]
                except (AttributeError, IndexError, TypeError):
                    person = ""
                if person:
                    return Row(self.file, number, person, period, groups, cells)
        n_before = len(self.errors)
        n = len(values)

        def get(i: int | None) -> object:
            return values[i] if i is not None and i < n else None

        person = self._key(number, "person", get(self.person_col))
        if not person and not isinstance(get(self.person_col), (datetime.date, datetime.time)):
            self._error(number, None, "blank person id")
        period = self._key(number, "period", get(self.period_col)) if self.period_col is not None else ""
        groups = {g: self._key(number, g, get(i)) for g, i in self.group_at}
        if cells is not None and person:
            return Row(self.file, number, person, period, groups, cells)
        na_items = self._not_applicable(number, get(self.na_list_col), values)
        read_fast = None
        if fast is not None and not na_items:
            read_fast = cells if not self.others else fast(values)  # no others: read above
        cells = read_fast or {}
        for col, spec, i in self.others if read_fast is not None else self.columns:
            v = get(i)
            if col.may_be_na:
                if text_of(v) == "":
                    cells[col.name] = Decimal(1 if col.name.removesuffix(".na") in na_items else 0)
                    continue
            elif _item_of(col.name) in na_items and text_of(v).lower() in NA:
                cells[col.name] = Decimal(0)  # the item does not apply: its cells hold nothing
                continue
            elif col.optional and text_of(v) == "":
                continue  # last period's value: taken from the row before
            elif i is None:
                continue
            try:
                cells[col.name] = read(spec, v)
            except CellError as e:
                self._error(number, col.name, e.message, col, e.hint)
        if len(self.errors) > n_before:
            return None
        return Row(self.file, number, person, period, groups, cells)

    def _key(self, number: int, column: str, v: object) -> str:
        """A person, period or group cell as text.  A spreadsheet date is refused: Excel
        turns a typed 2024-03 into 1 March 2024, and which period that meant is a guess."""
        if isinstance(v, (datetime.date, datetime.time)):
            self._error(number, column, f"a date ({v}) where the {column} is written as text",
                        hint="format the column as Text in the sheet and type the period, e.g. 2024-03")
            return ""
        return text_of(v)

    def _not_applicable(self, number: int, listed: object, values: list[object]) -> set[str]:
        """Items marked not applicable in this row: named in the `not_applicable` column
        (by name or label), or written 不适用 / n/a in their own cells."""
        allowed = {c.name.removesuffix(".na"): (c.label or "").removesuffix(".不适用")
                   for c in self.plan.columns if c.may_be_na}
        by_label = {label: name for name, label in allowed.items() if label}
        out: set[str] = set()
        for word in _listed(listed):
            name = word if word in allowed else by_label.get(word)
            if name is None:
                self._error(number, "not_applicable", f"{word!r} is not an item that may be marked not applicable",
                            hint="items that may: " + (", ".join(allowed) or "none (add `not applicable:` to an item)"))
            else:
                out.add(name)
        if allowed:
            for col, _, i in self.columns:
                item = _item_of(col.name)
                if item in allowed and i is not None and i < len(values) and text_of(values[i]).lower() in NA:
                    out.add(item)
        return out


def _listed(cell: object) -> set[str]:
    return {x.strip() for x in re.split(r"[,，、;；\s]+", text_of(cell)) if x.strip()}


def _item_of(column: str) -> str:
    """`discipline.self` and `discipline` both belong to the item `discipline`."""
    return column.split(".", 1)[0]
