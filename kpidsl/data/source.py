"""Reading appraisal data, one row per person per period: files (``tables``) through
validation (``validate``, ``cells``) to checked rows, and the duplicate check
(``duplicates``) across every file.

Every cell the plan needs is validated before any scoring: a missing column,
a blank cell, a non-number, ``93`` where ``93%`` is meant, a value outside
the input's range, a negative or fractional count, a level the rubric does
not offer, a duplicate person-period.  Each problem names the file, the row,
the column and the rubric line that needs the value; nothing passes silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from kpidsl import ir
from kpidsl.data.duplicates import DuplicateIndex
from kpidsl.data.files import Layout, read_table
from kpidsl.data.validate import DataError, DataProblems, Row, Validator

# Where callers have always found them: the errors, the row and the validator.
__all__ = ["DataError", "DataProblems", "Layout", "Row", "Validator", "duplicate_errors", "iter_rows", "read_rows"]


def read_rows(plan: ir.Plan, paths: list[Path], percent: str = "strict",
              mapping: dict[str, str] | None = None, needs_groups: Iterable[str] = (),
              progress: Callable[[int], object] | None = None, layout: Layout | None = None) -> list[Row]:
    """Every row of every file, validated; raises DataProblems listing all problems.
    ``layout`` says where the table is in each file (sheet, header row)."""
    errors: list[DataError] = []
    rows = list(iter_rows(plan, paths, errors, percent, mapping, needs_groups, progress, layout))
    if errors:
        raise DataProblems(errors)
    return rows


def iter_rows(plan: ir.Plan, paths: list[Path], errors: list[DataError], percent: str = "strict",
              mapping: dict[str, str] | None = None, needs_groups: Iterable[str] = (),
              progress: Callable[[int], object] | None = None, layout: Layout | None = None) -> Iterator[Row]:
    """Validated rows, one at a time (CSV is streamed); problems are appended to ``errors``
    and the row is skipped, so a caller can go on and report them all at the end.
    A person who appears twice in a period is found by ``DuplicateIndex`` in bounded memory."""
    seen = DuplicateIndex()
    for file_index, path in enumerate(paths):
        header, it = read_table(path, layout)
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
    errors.extend(duplicate_errors(seen, paths))


def duplicate_errors(seen: DuplicateIndex, paths: list[Path]) -> Iterator[DataError]:
    """One error for each row whose person and period an earlier row had."""
    for first, later in seen.duplicates():
        yield DataError(str(paths[later >> 32]), later & 0xFFFFFFFF, None, "this person appears twice in the same period",
                        hint=f"the first is {paths[first >> 32]}:{first & 0xFFFFFFFF}")
