"""Writing results: CSV, XLSX (what HR hands out) or JSON, one row per person
per period.  Files are written beside the target and renamed into place at
the end, so a failed run never leaves a partial file; a new file is readable by
its owner only (0600), whatever the umask.  Numbers are spelled once
(``spelling.py``); a text cell never becomes a spreadsheet formula."""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from kpidsl import ir
from kpidsl.engine.result import NOT_APPLICABLE, Result
from kpidsl.numbers.spelling import declared_places, safe_text, spell


class OutputError(Exception):
    """An output file cannot be written (a missing or read-only folder, a full disk)."""


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def refuse_overwriting(target: Path, inputs: Iterable[Path] = ()) -> None:
    """An output never destroys an input: refuse a target that is (by device and inode,
    through links) one of ``inputs``, or that exists and is not a regular file (a pipe or
    a device would be replaced by a regular file; ``-o /dev/null`` as root would be)."""
    try:
        here = os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        return  # nothing there to destroy (a missing folder is atomic_path's to say)
    except OSError as e:
        raise OutputError(f"{target}: {e.strerror}") from None
    if not stat.S_ISREG(here.st_mode):
        kind = next((name for test, name in _KINDS if test(here.st_mode)), "not a regular file")
        raise OutputError(f"{target}: is {kind}, not a file; kpi writes results only to a regular file")
    for p in inputs:
        try:
            there = os.stat(p)
        except OSError:
            continue
        if (there.st_dev, there.st_ino) == (here.st_dev, here.st_ino):
            same = "" if os.path.abspath(p) == os.path.abspath(target) else f" ({p})"
            raise OutputError(f"{target}: is one of this command's inputs{same}; writing it would destroy it: "
                              "choose another output file")


class Table:
    """The output columns of a plan: keys (data names) and headers (labels, Chinese first)."""

    def __init__(self, plan: ir.Plan):
        self.plan = plan
        cols: list[tuple[str, str, str]] = [(plan.person, plan.person, "text"), ("period", "period", "text")]
        cols += [(g, g, "text") for g in plan.groups]
        for s in plan.score_steps:
            if s.kind in ("item", "section_score", "section", "total", "recorded"):
                cols.append((s.name, s.label or s.name, "points"))
        if plan.grades:
            cols.append(("grade", "等级", "text"))
        for s in plan.result_steps:
            if s.kind in ("coefficient", "pay", "award", "pool"):
                cols.append((s.name, s.label or s.name, "money" if s.kind != "coefficient" else "number"))
        for b in plan.best_of:
            cols.append((b.award, b.label or b.award, "money"))
        for streak in plan.streaks:
            if streak.action == "award":
                cols.append((streak.name, streak.label or streak.name, "money"))
        cols += [("flags", "标记", "text"), ("status", "状态", "text"), ("notes", "说明", "text")]
        self.columns = cols
        self.places = declared_places(plan)

    @property
    def keys(self) -> list[str]:
        return [k for k, _, _ in self.columns]

    @property
    def headers(self) -> list[str]:
        return [h for _, h, _ in self.columns]

    def values(self, r: Result) -> dict[str, object]:
        out: dict[str, object] = {self.plan.person: r.person, "period": r.period}
        for g in self.plan.groups:
            out[g] = r.row.groups.get(g, "")
        for item in r.not_applicable:  # shown as not applicable, not as the 0 it counts for
            out[item] = NOT_APPLICABLE
        for k, _, _kind in self.columns:
            if k in out:
                continue
            if k == "grade":
                out[k] = (self.plan.grades[r.grade].label or self.plan.grades[r.grade].name) if r.grade is not None else ""
            elif k == "flags":
                out[k] = "; ".join(r.flags)
            elif k == "status":
                out[k] = r.status if r.reason is None else f"{r.status}: {r.reason}"
            elif k == "notes":
                out[k] = "; ".join(r.notes)
            elif k in r.steps:
                out[k] = r.steps[k]
            elif k in r.awards:
                out[k] = r.awards[k]  # rounded to money_round, as the rubric declares
            else:
                out[k] = None
        return out


    def text(self, key: str, v: object) -> str:
        """A value as every output writes it: numbers in their one spelling, text safe
        from spreadsheets."""
        if v is None:
            return ""
        if isinstance(v, Decimal):
            return spell(v, self.places.get(key))
        return safe_text(str(v))

    def texts(self, r: Result) -> list[str]:
        v = self.values(r)
        return [self.text(k, v[k]) for k in self.keys]


@contextmanager
def atomic_path(target: Path, keep_mode: bool = False) -> Iterator[Path]:
    """Yield a temporary file beside ``target``; rename it over the target only on success.
    A symlink is written through (the file it names is replaced, the link stays).
    The file is 0600 (``mkstemp``'s mode), or the replaced file's mode with ``keep_mode``."""
    target = Path(target)
    refuse_overwriting(target)
    real = Path(os.path.realpath(target))
    folder = real.parent
    if not folder.is_dir():
        raise OutputError(f"{target}: the folder {folder} does not exist; create it first")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".part", dir=folder)
    except OSError as e:
        raise OutputError(f"{target}: cannot write into the folder {folder} ({e.strerror})") from None
    os.close(fd)
    try:
        if keep_mode and real.is_file():
            os.chmod(tmp, stat.S_IMODE(real.stat().st_mode))
        yield Path(tmp)
        os.replace(tmp, real)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"{e.filename or target}: {e.strerror or e}") from None
    except BaseException:  # SIGTERM and SIGINT arrive as SystemExit: no .part is left
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(table: Table, results: Iterable[Result], stream: IO[str]) -> None:
    w = csv.writer(stream)
    w.writerow([safe_text(h) for h in table.headers])
    plan = table.plan
    keys = table.keys
    fixed = {"grade", "flags", "status", "notes", "period", plan.person, *plan.groups}
    step_keys = [k for k in keys if k not in fixed]
    # the common row (scored, nothing but steps) in the output's column order
    simple_layout = keys == [plan.person, "period", *plan.groups, *step_keys,
                             *(["grade"] if plan.grades else []), "flags", "status", "notes"]
    simple_layout = simple_layout and not plan.not_applicable  # an item may show as not applicable
    labels = [safe_text(g.label or g.name) for g in plan.grades]
    places = [table.places.get(k) for k in step_keys]
    for r in results:
        steps = r.steps
        if simple_layout and r.status == "scored" and not r.awards and not r.flags and not r.notes:
            try:
                numbers = [spell(steps[k], p) for k, p in zip(step_keys, places)]
            except KeyError:  # a step this row lacks: take the general path
                w.writerow(table.texts(r))
                continue
            line = [safe_text(r.person), safe_text(r.period),
                    *[safe_text(r.row.groups.get(g, "")) for g in plan.groups], *numbers]
            if plan.grades:
                line.append(labels[r.grade] if r.grade is not None else "")
            line += ["", "scored", ""]
            w.writerow(line)
            continue
        w.writerow(table.texts(r))


def write_json(table: Table, results: Iterable[Result], stream: IO[str]) -> None:
    # JSON results end up in spreadsheets too: the title and labels are neutralised as the
    # CSV's are (one function, safe_text); keys are names the rubric declared, never formulas
    doc = {
        "rubric": safe_text(table.plan.title),
        "columns": [{"key": k, "label": safe_text(h)} for k, h, _ in table.columns],
        "rows": [{k: table.text(k, v) if isinstance(v, (Decimal, str)) else v for k, v in table.values(r).items()}
                 for r in results],
    }
    json.dump(doc, stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def write_xlsx(table: Table, results: Iterable[Result], path: Path) -> None:
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    wb = Workbook()
    ws = wb.active
    ws.title = (table.plan.title or "结果")[:31].translate({ord(c): "_" for c in "[]:*?/\\"})
    ws.append(table.headers)
    for cell in ws[1]:
        if cell.data_type == "f":
            cell.data_type = "s"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    formats = {"points": "0.00", "money": "#,##0.00", "number": "0.00"}
    for r in results:
        v = table.values(r)
        ws.append([_excel_value(table, k, v[k]) for k in table.keys])
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":  # openpyxl reads "=…" text as a formula: keep it text
                cell.data_type = "s"
    for i, (_, header, kind) in enumerate(table.columns, start=1):
        letter = get_column_letter(i)
        if kind in formats:
            for cell in ws[letter][1:]:
                cell.number_format = formats[kind]
        width = max([_width(header)] + [_width("" if c.value is None else str(c.value)) for c in ws[letter][1:200]])
        ws.column_dimensions[letter].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "B2"
    _save_workbook(wb, path)


def _save_workbook(wb: Any, path: Path) -> None:
    """``wb.save(path)``, with the zip archive closed on failure too: left to the collector,
    ZipFile.__del__ writes its directory into the full disk again and prints that failure
    as a traceback after kpi's own message."""
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter  # type: ignore[import-untyped]

    archive = ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True)
    try:
        ExcelWriter(wb, archive).save()  # writes every part, then closes the archive
    except BaseException as e:
        with contextlib.suppress(Exception):  # the first error is the one to report
            archive.close()
        # openpyxl's sheet writers are generators over lxml files; left open by the failure, each
        # fails again when it is finalised and Python prints that as "Exception ignored ... Traceback"
        # after kpi's message.  The write has failed and kpi is about to exit: those echoes are dropped.
        sys.unraisablehook = lambda _unraisable: None
        # lxml's writer reports a failed write as SerialisationError("IO_EFBIG"), not as an OSError
        said = str(e)
        if type(e).__name__ == "SerialisationError" and said.startswith("IO_"):
            code = getattr(errno, said[3:], errno.EIO)
            raise OSError(code, os.strerror(code)) from None
        raise


def _excel_value(table: Table, key: str, x: object) -> object:
    """Excel keeps numbers as binary floats: a value goes in as a number only when
    the float reads back as exactly the same decimal; otherwise as exact text."""
    if not isinstance(x, Decimal):
        return x
    f = float(x)
    return f if Decimal(repr(f)) == x else table.text(key, x)


def _width(text: str) -> int:
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write(table: Table, results: list[Result], out: Path | None, fmt: str, stdout: IO[str]) -> None:
    if out is None:
        if fmt == "json":
            write_json(table, results, stdout)
        else:
            write_csv(table, results, stdout)
        return
    with atomic_path(out) as tmp:
        if fmt == "xlsx":
            write_xlsx(table, results, tmp)
        else:
            with tmp.open("w", encoding="utf-8", newline="") as f:
                (write_json if fmt == "json" else write_csv)(table, results, f)
