"""Suppressing a warning on one line, with the reason written beside it:

    item late "迟到" points 10 { ... }  # kpi: ignore[KPI140] 迟到次数本就按月清零

The comment names the codes it silences (``ignore[KPI140, KPI141]``) and, after them, why.
It silences those codes on its own line only.  Errors cannot be silenced: a rubric with an
error cannot score anyone, whatever a comment says.  A suppression that gives no reason
(KPI020), or that silences nothing on its line (KPI021), is itself warned about, so
comments cannot pile up unexplained or outlive the problem they were written for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kpidsl.diagnostics.diagnostic import Diagnostic, Severity, warning
from kpidsl.diagnostics.span import Span

_COMMENT = re.compile(r"#\s*kpi:\s*ignore\[([^\]]*)\](.*)$")
_CODE = re.compile(r"^KPI\d{3}$")


@dataclass(frozen=True)
class Suppression:
    file: str
    line: int
    column: int
    end_column: int
    codes: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Suppressed:
    """A diagnostic a comment silenced, and the reason the comment gives (SARIF keeps both)."""
    diagnostic: Diagnostic
    reason: str


def find(text: str, file: str) -> list[Suppression]:
    """Every ``# kpi: ignore[...]`` comment in a rubric's text (not one inside a string)."""
    out = []
    for number, line in enumerate(text.split("\n"), start=1):
        at = line.find("#")
        while at >= 0 and line.count('"', 0, at) % 2:  # a # inside a string: look further
            at = line.find("#", at + 1)
        if at < 0:
            continue
        m = _COMMENT.match(line, at)
        if m is None:
            continue
        codes = tuple(c.strip().upper() for c in m.group(1).split(",") if c.strip())
        reason = m.group(2).strip().lstrip(":-—– ").strip()
        out.append(Suppression(file, number, at + 1, len(line) + 1, codes, reason))
    return out


def apply(diags: list[Diagnostic], texts: dict[str, str]) -> tuple[list[Diagnostic], list[Suppressed]]:
    """The diagnostics left once the comments in ``texts`` (file name -> text) are honoured,
    with a warning for each comment without a reason or silencing nothing; and what was
    silenced, with its reason."""
    comments = [s for file, text in texts.items() for s in find(text, file)]
    if not comments:
        return diags, []
    by_line = {(s.file, s.line): s for s in comments}
    used: set[tuple[str, int, str]] = set()
    kept: list[Diagnostic] = []
    silenced: list[Suppressed] = []
    for d in diags:
        s = by_line.get((d.span.file, d.span.line))
        if s is not None and d.code in s.codes and d.severity is not Severity.ERROR:
            used.add((s.file, s.line, d.code))
            silenced.append(Suppressed(d, s.reason))
        else:
            kept.append(d)
    for s in comments:
        span = Span(s.file, s.line, s.column, s.line, s.end_column)
        bad = [c for c in s.codes if not _CODE.match(c)]
        if not s.codes or bad:
            kept.append(warning("KPI021", f"this suppression names no diagnostic code{': ' + ', '.join(bad) if bad else ''}",
                                span, "write the codes kpi reported, e.g. # kpi: ignore[KPI140] the reason"))
            continue
        idle = [c for c in s.codes if (s.file, s.line, c) not in used]
        if idle:
            errors = [c for c in idle if any(d.code == c and d.span.file == s.file and d.span.line == s.line
                                             for d in diags)]
            why = ("an error cannot be ignored: fix it" if errors else
                   "nothing on this line is reported with " + ("this code" if len(idle) == 1 else "these codes"))
            kept.append(warning("KPI021", f"this suppression silences nothing: {', '.join(idle)} ({why})", span,
                                "remove the comment, or the codes in it that no longer apply"))
        if not s.reason:
            kept.append(warning("KPI020", f"this suppression of {', '.join(s.codes)} gives no reason", span,
                                "say why after the codes, e.g. # kpi: ignore[KPI140] counted by HR each month"))
    return sorted(kept, key=Diagnostic.sort_key), silenced
