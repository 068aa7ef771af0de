"""The streaming path of ``kpi eval``: files to output lines one row at a time, in memory
that does not grow with the data, for rubrics with no batch rules.

Each file's rows go through the loop that ``backends/fused.py`` generates for its layout
(which cell holds which column), reading and scoring a common row without building a
``Row``; any other row goes through the validator and the evaluator, as ``iter_rows`` and
``Evaluator.stream_lines`` take it.  Both give the same line (tests/test_fused.py).
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from kpidsl.data.cells import CellSpec
from kpidsl.data.duplicates import DuplicateIndex
from kpidsl.data.files import Layout, read_table
from kpidsl.data.source import duplicate_errors
from kpidsl.data.validate import DataError, Validator
from kpidsl.engine.evaluate import Evaluator, score_message
from kpidsl.engine.fused import compile_lines
from kpidsl.numbers.semantics import CONTEXT
from kpidsl.numbers.spelling import spell

_TEXT_ONLY = (".csv", ".txt")  # the formats whose cells are all text


def stream_lines(evaluator: Evaluator, paths: list[Path], errors: list[DataError], percent: str = "strict",
                 mapping: dict[str, str] | None = None,
                 progress: Callable[[int], object] | None = None, where: Layout | None = None) -> Iterator[list[str]]:
    """The output lines (without the header) of every row of every file; problems are
    appended to ``errors`` and their rows left out, so a caller can report them all."""
    plan = evaluator.plan
    seen = DuplicateIndex()
    loops: dict[tuple, Callable] = {}  # one generated loop per layout of the files
    with decimal.localcontext(CONTEXT):
        for file_index, path in enumerate(paths):
            header, rows = read_table(path, where)
            v = Validator(plan, str(path), header, percent, mapping)
            if v.errors:  # missing columns: no row can be read
                errors.extend(v.errors)
                continue
            v.errors = errors  # report into the caller's list as we go
            if progress is not None:
                rows = _counted(rows, progress)
            file, place = str(path), file_index << 32

            def slow(number: int, values: list[object], v: Validator = v, place: int = place) -> list[str] | None:
                row = v.row(number, values)
                if row is None:
                    return None
                seen.add(hash((row.person, row.period)), place | number)
                return next(evaluator.stream_lines([row], errors), None)

            if v.others or v.na_list_col is not None:
                # cells that depend on other cells (not applicable, last period's value)
                for number, values in rows:
                    line = slow(number, values)
                    if line is not None:
                        yield line
                continue

            def failed(number: int, e: Exception, file: str = file) -> None:
                errors.append(DataError(file, number, None, score_message(e)))

            def no_grade(number: int, total: Decimal, file: str = file) -> None:
                errors.append(DataError(file, number, None, f"no grade for a total of {spell(total)}"))

            assert v.person_col is not None  # else v.errors says so
            cells: list[tuple[CellSpec, int]] = [(spec, i) for _, spec, i in v.columns if i is not None]
            groups = [v.group_cols[g] for g in plan.groups]
            any_types = path.suffix.lower() not in _TEXT_ONLY
            layout = (tuple(i for _, i in cells), v.person_col, v.period_col, tuple(groups), any_types)
            if layout not in loops:
                loops[layout] = compile_lines(plan, cells, v.person_col, v.period_col, groups, any_types)
            yield from loops[layout](_within(rows, len(header), slow), slow, seen, place, failed, no_grade)
    errors.extend(duplicate_errors(seen, paths))


def _counted(rows: Iterator, progress: Callable[[int], object], every: int = 1000) -> Iterator:
    """The rows, telling ``progress`` how many have gone by, a thousand at a time."""
    n = 0
    for r in rows:
        yield r
        n += 1
        if n == every:
            progress(n)
            n = 0
    if n:
        progress(n)


def _within(rows: Iterator[tuple[int, list[Any]]], width: int,
            slow: Callable[[int, list[Any]], list[str] | None]) -> Iterator[tuple[int, list[Any]]]:
    """The rows the generated loop may read by position: a row with a value past the header's
    last column (an unquoted ``1,000`` split in two) goes to the validator, which refuses it."""
    for at, values in rows:
        if len(values) > width and any(v not in (None, "") for v in values[width:]):
            slow(at, values)
            continue
        yield at, values
