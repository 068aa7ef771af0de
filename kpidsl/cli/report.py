"""The one place diagnostics become text: human (rustc-style, with the source
line and a caret under the span), JSON (a stable schema, see
docs/diagnostics.md), GitHub workflow annotations and SARIF 2.1.0."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from kpidsl.diagnostics.diagnostic import Diagnostic, Severity, Span
from kpidsl.syntax.errors import display_width
from kpidsl.syntax.parser import read_source

JSON_SCHEMA = "kpidsl.check/1"

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


class SourceCache:
    """Source lines for quoting; the checker's inputs, read once."""

    def __init__(self, texts: dict[str, str] | None = None):
        self._lines: dict[str, list[str]] = {}
        for name, text in (texts or {}).items():
            self._lines[name] = text.split("\n")

    def line(self, file: str, n: int) -> str | None:
        if file not in self._lines:
            try:
                self._lines[file] = read_source(file).split("\n")
            except (OSError, UnicodeDecodeError):
                self._lines[file] = []
        lines = self._lines[file]
        return lines[n - 1] if 0 < n <= len(lines) else None


def printable(text: str) -> str:
    """Control characters from a hostile file are shown escaped, never sent to the terminal."""
    return "".join(
        ch if ch == "\t" or unicodedata.category(ch) not in ("Cc", "Cf") else f"\\u{ord(ch):04x}"
        for ch in text)


def counts(diags: list[Diagnostic]) -> Counter:
    return Counter(d.severity for d in diags)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def summary_line(diags: list[Diagnostic], n_files: int) -> str:
    c = counts(diags)
    if not diags:
        return f"{_plural(n_files, 'file')} checked: no problems found."
    parts = [_plural(c[Severity.ERROR], "error"), _plural(c[Severity.WARNING], "warning")]
    if c[Severity.INFO]:
        parts.append(_plural(c[Severity.INFO], "note"))
    return f"{_plural(n_files, 'file')} checked: " + ", ".join(parts) + "."


def render_human(diags: list[Diagnostic], sources: SourceCache,
                 style: Callable[..., str] = lambda text, **kw: text) -> str:
    out: list[str] = []
    for d in diags:
        head = style(f"{d.severity.value}[{d.code}]", fg=_COLORS[d.severity], bold=True)
        out.append(f"{head}: {style(printable(d.message), bold=True)}")
        s = d.span
        gutter = len(str(max(s.line, 1)))
        pad = " " * gutter
        out.append(f"{pad}{style('-->', fg='blue')} {s.file}:{s.line}:{s.column}")
        text = sources.line(s.file, s.line)
        if text is not None:
            out.append(f"{pad} {style('|', fg='blue')}")
            out.append(f"{style(str(s.line).rjust(gutter), fg='blue')} {style('|', fg='blue')} {printable(text)}")
            start = max(s.column - 1, 0)
            end = s.end_column - 1 if s.end_line == s.line else len(text)
            end = max(end, start + 1)
            lead = display_width(printable(text[:start]))
            width = max(display_width(printable(text[start:end])), 1)
            out.append(f"{pad} {style('|', fg='blue')} {' ' * lead}{style('^' * width, fg=_COLORS[d.severity], bold=True)}")
        for r in d.related:
            where = f"line {r.span.line}" if r.span.file == s.file else f"{r.span.file}:{r.span.line}"
            out.append(f"{pad} {style('=', fg='blue')} note: {printable(r.message)} ({where})")
        if d.hint:
            out.append(f"{pad} {style('=', fg='blue')} {style('hint', bold=True)}: {printable(d.hint)}")
        out.append("")
    return "\n".join(out)


def _span_json(span: Span) -> dict[str, Any]:
    return {"file": span.file, "line": span.line, "column": span.column,
            "end_line": span.end_line, "end_column": span.end_column}


def render_json(diags: list[Diagnostic], files: list[str]) -> str:
    c = counts(diags)
    doc = {
        "schema": JSON_SCHEMA,
        "files": files,
        "diagnostics": [
            {"code": d.code, "severity": d.severity.value, "message": d.message, "hint": d.hint,
             **_span_json(d.span),
             "related": [{"message": r.message, **_span_json(r.span)} for r in d.related]}
            for d in diags
        ],
        "summary": {"files": len(files), "errors": c[Severity.ERROR],
                    "warnings": c[Severity.WARNING], "notes": c[Severity.INFO]},
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(diags: list[Diagnostic]) -> str:
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    lines = []
    for d in diags:
        s = d.span
        props = ",".join([
            f"file={_gh_escape(s.file, True)}", f"line={s.line}", f"col={s.column}",
            f"endLine={s.end_line}", f"endColumn={s.end_column}", f"title={_gh_escape(d.code, True)}",
        ])
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        lines.append(f"::{level[d.severity]} {props}::{_gh_escape(message)}")
    return "\n".join(lines)


def file_uri(file: str) -> str:
    """A file name as a SARIF artifact URI (RFC 3986): an absolute path as a file: URI, a
    relative one as a relative reference, every byte outside the unreserved set and ``/``
    percent-encoded, so a space, ``#``, ``%`` or a bracket in a name is data, not syntax."""
    path = Path(file)
    if path.is_absolute():
        return path.as_uri()
    return quote(path.as_posix().encode("utf-8", "surrogateescape"), safe="/")


def render_sarif(diags: list[Diagnostic], version: str, silenced: Sequence[Any] = ()) -> str:
    """SARIF 2.1.0; a diagnostic a ``# kpi: ignore[...]`` comment silenced is kept as a
    result with an in-source suppression and the comment's reason as its justification."""
    from kpidsl.diagnostics.codes import CODES

    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    reasons = {id(s.diagnostic): s.reason for s in silenced}
    diags = [*diags, *(s.diagnostic for s in silenced)]
    used = sorted({d.code for d in diags})
    rules = [{
        "id": code,
        "name": CODES[code].title.replace(" ", "_") if code in CODES else code,
        "shortDescription": {"text": CODES[code].title if code in CODES else code},
        "fullDescription": {"text": CODES[code].summary if code in CODES else code},
        "helpUri": f"https://kpidsl.invalid/diagnostics/#{code.lower()}",
    } for code in used]
    index = {code: i for i, code in enumerate(used)}
    results = []
    for d in diags:
        s = d.span
        text = d.message + (f" (hint: {d.hint})" if d.hint else "")
        results.append({
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": level[d.severity],
            "message": {"text": text},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": file_uri(s.file)},
                "region": {"startLine": max(s.line, 1), "startColumn": max(s.column, 1),
                           "endLine": max(s.end_line, 1), "endColumn": max(s.end_column, 1)},
            }}],
            "relatedLocations": [{
                "id": i,
                "message": {"text": r.message},
                "physicalLocation": {
                    "artifactLocation": {"uri": file_uri(r.span.file)},
                    "region": {"startLine": max(r.span.line, 1), "startColumn": max(r.span.column, 1)},
                },
            } for i, r in enumerate(d.related)],
        })
        if id(d) in reasons:
            results[-1]["suppressions"] = [{"kind": "inSource", "justification": reasons[id(d)]}]
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "kpi", "informationUri": "https://kpidsl.invalid/",
                                "version": version, "rules": rules}},
            "results": results,
        }],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)
