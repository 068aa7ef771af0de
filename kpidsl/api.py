"""Library entry points: check text or files and get diagnostics as data."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from kpidsl import ir
from kpidsl.check.checker import check
from kpidsl.diagnostics.diagnostic import Diagnostic, Severity
from kpidsl.syntax.loader import Loader, Program
from kpidsl.syntax.parser import read_source


class _RecordingReader:
    """Reads files as UTF-8 and keeps their text, so reports can quote lines."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    def __call__(self, path: Path) -> str:
        text = read_source(path)  # not UTF-8: raises, naming the file
        self.texts[str(path)] = text
        return text


def load_text(text: str, file: str = "<string>") -> tuple[Program | None, list[Diagnostic]]:
    loader = Loader()
    program = loader.load_text(text, file)
    return program, loader.diagnostics


def check_text(text: str, file: str = "<string>") -> list[Diagnostic]:
    """Every diagnostic for one rubric's text. Never raises for bad input."""
    from kpidsl.diagnostics import suppress

    program, diags = load_text(text, file)
    if program is not None and not diags:
        diags = check(program)
    return suppress.apply(diags, {file: text})[0]


def check_files(files: list[Path], stdin: str | None = None) -> tuple[list[Diagnostic], dict[str, str]]:
    """Diagnostics for several files, each reported once even when files share a used library,
    less those a ``# kpi: ignore[...]`` comment silences (``checked_files`` keeps them).
    ``stdin``: the text of a file named ``-``."""
    diags, texts, _ = checked_files(files, stdin)
    return diags, texts


def checked_files(files: list[Path], stdin: str | None = None) -> tuple[list[Diagnostic], dict[str, str], list[Any]]:
    """``check_files``, and what the comments silenced, with their reasons (``suppress.Suppressed``)."""
    from kpidsl.diagnostics import suppress

    reader = _RecordingReader()
    seen: set = set()
    out: list[Diagnostic] = []
    for f in files:
        loader = Loader(read=reader)
        if stdin is not None and str(f) == "-":
            reader.texts["-"] = stdin  # a rubric piped in: `use` is read from the working folder
            program = loader.load_text(stdin, "-")
        else:
            program = loader.load(f)
        diags = loader.diagnostics
        if program is not None and not diags:
            diags = check(program)
        for d in diags:
            key = (d.code, d.span, d.message)
            if key not in seen:
                seen.add(key)
                out.append(d)
    kept, silenced = suppress.apply(out, reader.texts)
    return kept, reader.texts, silenced


# ---- scoring ------------------------------------------------------------------------------


class RubricErrors(Exception):
    """The rubric has errors; it cannot score anyone until they are fixed."""

    def __init__(self, diagnostics: list[Diagnostic], sources: dict[str, str]):
        super().__init__(f"{sum(1 for d in diagnostics if d.severity.value == 'error')} error(s) in the rubric")
        self.diagnostics = diagnostics
        self.sources = sources


class Scorer:
    """A checked, lowered and compiled rubric, ready to score rows.

    >>> scorer = load_rubric("rubrics/installation_aftersales_card.kpi")   # doctest: +SKIP
    >>> results = scorer.evaluate([{"id": "张三", "installs_ok": "93%", ...}])  # doctest: +SKIP
    """

    def __init__(self, plan: ir.Plan, files: tuple[Path, ...] = ()):
        from kpidsl.engine.evaluate import Evaluator

        self.plan = plan
        self.evaluator = Evaluator(plan)
        self.files = files  # the rubric and every file it uses: no command may write over them

    def item_points(self) -> dict[str, Decimal]:
        """Each item's points (a factor item's top coefficient), by item name."""
        return {it.name: it.size for it in self.plan.outline.items()}

    def evaluate(self, records: Any, percent: str = "strict", file: str = "<records>") -> Any:
        """Score rows given as dicts (or anything with ``to_dict("records")``, like a DataFrame)."""
        return self.evaluator.evaluate(self.rows(records, percent, file))

    def rows(self, records: Any, percent: str = "strict", file: str = "<records>") -> list[Any]:
        """Validated data rows from dicts; raises DataProblems listing every problem."""
        from kpidsl.data.source import DataProblems, Validator

        if hasattr(records, "to_dict"):
            records = records.to_dict("records")
        records = list(records)
        header: list[str] = []
        for r in records:
            for k in r:
                if k not in header:
                    header.append(str(k))
        v = Validator(self.plan, file, header, percent, needs_groups=self.evaluator.groups_needed())
        if v.errors:
            raise DataProblems(v.errors)
        rows = []
        for i, rec in enumerate(records, start=2):
            row = v.row(i, [rec.get(h) for h in header])
            if row is not None:
                rows.append(row)
        if v.errors:
            raise DataProblems(v.errors)
        return rows

    def explain(self, result: Any) -> str:
        from kpidsl.engine.explain import explain

        return explain(self.plan, result)


def load_rubric(path: str | Path) -> Scorer:
    """Load, check and compile a rubric; raises RubricErrors if it has errors."""
    from kpidsl.lower.lowerer import lower

    files = [Path(path)]
    diags, sources = check_files(files)
    if any(d.severity.value == "error" for d in diags):
        raise RubricErrors(diags, sources)
    unfinished = [replace(d, severity=Severity.ERROR) for d in diags if d.code == "KPI115"]
    if unfinished:  # a draft checks with warnings, but nothing is scored from it
        raise RubricErrors(unfinished, sources)
    loader = Loader(read=lambda p: sources[str(p)] if str(p) in sources else read_source(p))
    program = loader.load(path)
    if program is None:  # checked clean above, so it loads; a file changed in between does not
        raise RubricErrors(loader.diagnostics, sources)
    return Scorer(lower(program), tuple(Path(f) for f in sources))
