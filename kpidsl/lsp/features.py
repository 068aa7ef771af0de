"""LSP answers computed from an ``Analysis``: diagnostics, hover, completion, symbols, edits.

Each function is pure: it takes the analysis (and, for cross-file answers, the texts of
the files in scope) and returns lsprotocol values.  Positions: the AST counts 1-based
characters, LSP counts 0-based UTF-16 code units; ``lsp_range`` and ``char_index``
convert, so a line with an emoji or a rare CJK character is still underlined right.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from kpidsl.diagnostics.codes import CODES
from kpidsl.diagnostics.codes import explain as explain_code
from kpidsl.diagnostics.diagnostic import Diagnostic, KpiError, Severity
from kpidsl.lsp.analysis import Analysis, Definition, Word, block_end, kind_of, lines_of, name_span, occurrences, word_at
from kpidsl.numbers.spelling import spell
from kpidsl.syntax import ast
from kpidsl.syntax.formatter import format_text
from kpidsl.syntax.printer import band_text, expr_text, quantity_text, rule_text

UriOf = Callable[[str], str]

_SEVERITY = {Severity.ERROR: lsp.DiagnosticSeverity.Error, Severity.WARNING: lsp.DiagnosticSeverity.Warning,
             Severity.INFO: lsp.DiagnosticSeverity.Information}
# The page `kpi explain CODE` mirrors; the same address SARIF output gives as helpUri.
EXPLAIN_URL = "https://kpidsl.invalid/diagnostics/#{code}"
_CODE = re.compile(r"KPI\d{3}")
NAME = re.compile(r"[^\W\d]\w*")


# ---- positions ------------------------------------------------------------------------------


def _line(texts: Mapping[str, str], file: str, n: int) -> str:
    lines = lines_of(texts.get(file, ""))
    return lines[n] if 0 <= n < len(lines) else ""


def _utf16(line: str, chars: int) -> int:
    return len(line[:chars].encode("utf-16-le")) // 2


def char_index(line: str, utf16: int) -> int:
    """The character index of a UTF-16 column in ``line``."""
    units = 0
    for i, ch in enumerate(line):
        if units >= utf16:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


def lsp_range(span: ast.Span, texts: Mapping[str, str]) -> lsp.Range:
    line, end_line = max(span.line - 1, 0), max(span.end_line - 1, 0)
    start = _utf16(_line(texts, span.file, line), max(span.column - 1, 0))
    end = _utf16(_line(texts, span.file, end_line), max(span.end_column - 1, 0))
    return lsp.Range(lsp.Position(line, start), lsp.Position(end_line, end))


def word_range(w: Word, text: str) -> lsp.Range:
    line = lines_of(text)[w.line]
    return lsp.Range(lsp.Position(w.line, _utf16(line, w.start)), lsp.Position(w.line, _utf16(line, w.end)))


def cursor_word(a: Analysis, pos: lsp.Position) -> Word | None:
    return word_at(a.text, pos.line, char_index(_line(a.texts, a.path, pos.line), pos.character))


# ---- diagnostics ------------------------------------------------------------------------------


def _use_span(a: Analysis, file: str) -> ast.Span | None:
    """The ``use`` line of this document that brings ``file`` in (or the first ``use``)."""
    if a.program is None:
        return None
    uses = [s for s in a.program.root.statements if isinstance(s, ast.Use)]
    here = Path(a.path).parent
    for u in uses:
        if str((here / u.path).resolve()) == file:
            return u.span
    return uses[0].span if uses else None


def to_lsp_diagnostic(d: Diagnostic, a: Analysis, uri_of: UriOf) -> lsp.Diagnostic:
    span, message = d.span, d.message
    if span.file != a.path:  # a problem inside a used file is shown on the `use` that brings it in
        message = f"{Path(span.file).name}:{span.line}: {message}"
        span = _use_span(a, span.file) or ast.Span(a.path, 1, 1, 1, 1)
    if d.hint:
        message += f"\nhint: {d.hint}"
    related = [lsp.DiagnosticRelatedInformation(lsp.Location(uri_of(r.span.file), lsp_range(r.span, a.texts)), r.message)
               for r in d.related]
    if d.span.file != a.path:
        related.insert(0, lsp.DiagnosticRelatedInformation(
            lsp.Location(uri_of(d.span.file), lsp_range(d.span, a.texts)), d.message))
    return lsp.Diagnostic(
        range=lsp_range(span, a.texts), message=message, severity=_SEVERITY[d.severity], code=d.code,
        code_description=lsp.CodeDescription(EXPLAIN_URL.format(code=d.code.lower())) if d.code in CODES else None,
        source="kpi", related_information=related or None)


def diagnostics(a: Analysis, uri_of: UriOf) -> list[lsp.Diagnostic]:
    return [to_lsp_diagnostic(d, a, uri_of) for d in sorted(a.diagnostics, key=Diagnostic.sort_key)]


# ---- hover ------------------------------------------------------------------------------------


def _fmt(v: Decimal) -> str:
    return spell(v if v == v.to_integral_value() else v.quantize(Decimal("0.01")))


def _labelled(d: Definition) -> str:
    label = getattr(d.node, "label", None)
    return f"**{d.kind}** `{d.name}`" + (f" “{label}”" if label else "")


def describe(d: Definition, total: Decimal) -> str:
    """The hover text of a definition, in Markdown."""
    n, lines = d.node, [_labelled(d)]
    if isinstance(n, ast.Input | ast.Metric):
        lines.append(f"- unit: {n.unit}")
        if n.range is not None:
            high = quantity_text(n.range.high) if n.range.high is not None else ""
            lines.append(f"- range: {quantity_text(n.range.low)}..{high}")
        if isinstance(n, ast.Input) and n.source is not None:
            detail = f" “{n.source.detail}”" if n.source.detail else ""
            lines.append(f"- source: from {n.source.who}{detail}")
        if isinstance(n, ast.Metric):
            lines.append(f"- formula: `{expr_text(n.expr)}`")
    elif isinstance(n, ast.Item):
        lines.append(f"- {n.size_kind}: {quantity_text(n.size)}")
        if d.share is not None:
            lines.append(f"- weight in the total: {_fmt(d.share)} of {_fmt(total)} points")
        lines.append(f"- rule: {rule_text(n.rule)}")
        lines.extend(f"- criteria: {c}" for c in n.criteria)
    elif isinstance(n, ast.Section):
        if n.weight is not None:
            lines.append(f"- weight: {quantity_text(n.weight)}")
        if n.out_of is not None:
            lines.append(f"- out of: {quantity_text(n.out_of)}")
        if d.share is not None:
            lines.append(f"- weight in the total: {_fmt(d.share)} of {_fmt(total)} points")
    elif isinstance(n, ast.Rater) and n.weight is not None:
        lines.append(f"- weight: {quantity_text(n.weight)}")
    elif isinstance(n, ast.Grade):
        lines.append(f"- when: {band_text(n.band) if n.band is not None else 'otherwise'}")
        if n.coefficient is not None:
            lines.append(f"- coefficient: {quantity_text(n.coefficient)}")
    if isinstance(n, ast.Item | ast.Section):
        parent = d.section
        lines.append(f"- adds to: section `{parent.name}`" + (f" “{parent.label}”" if parent.label else "")
                     if parent is not None else "- adds to: the total")
    if d.span.file != "" and Path(d.span.file).name:
        lines.append(f"- defined in {Path(d.span.file).name}:{d.span.line}")
    return "\n".join(lines)


def hover(a: Analysis, defs: Mapping[str, Definition], total: Decimal, pos: lsp.Position) -> lsp.Hover | None:
    w = cursor_word(a, pos)
    line = _line(a.texts, a.path, pos.line)
    at = char_index(line, pos.character)
    text: str | None = None
    code = next((m for m in _CODE.finditer(line) if m.start() <= at <= m.end()), None)  # also in a comment
    if code is not None:
        text = explain_code(code.group())
        w = Word(code.group(), pos.line, code.start(), code.end())
    elif w is not None and w.text in defs:
        text = describe(defs[w.text], total)
    if text is None:  # on a diagnostic's range: explain its code
        for d in a.diagnostics:
            s = d.span
            if s.file == a.path and s.line <= pos.line + 1 <= s.end_line and \
                    (s.line < pos.line + 1 or s.column <= at + 1) and (s.end_line > pos.line + 1 or at + 1 <= s.end_column):
                text = explain_code(d.code)
                break
    if text is None:
        return None
    rng = word_range(w, a.text) if w is not None else None
    return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, text if "**" in text else f"```\n{text}\n```"), rng)


# ---- definitions, references, rename -------------------------------------------------------------


def definition(defs: Mapping[str, Definition], name: str, texts: Mapping[str, str], uri_of: UriOf) -> lsp.Location | None:
    d = defs.get(name)
    return None if d is None else lsp.Location(uri_of(d.span.file), lsp_range(d.span, texts))


def references(name: str, texts: Mapping[str, str], uri_of: UriOf) -> list[lsp.Location]:
    out: list[lsp.Location] = []
    for file, text in texts.items():
        out.extend(lsp.Location(uri_of(file), word_range(w, text)) for w in occurrences(name, text))
    return out


def rename(name: str, new: str, texts: Mapping[str, str], uri_of: UriOf) -> lsp.WorkspaceEdit | None:
    if not NAME.fullmatch(new):
        raise ValueError(f"`{new}` is not a name: a name starts with a letter and has letters, digits and _")
    changes: dict[str, list[lsp.TextEdit]] = {}
    for file, text in texts.items():
        edits = [lsp.TextEdit(word_range(w, text), new) for w in occurrences(name, text)]
        if edits:
            changes[uri_of(file)] = edits
    return lsp.WorkspaceEdit(changes=changes) if changes else None


# ---- formatting and outline ----------------------------------------------------------------------


def formatting(a: Analysis) -> list[lsp.TextEdit] | None:
    """The whole document in `kpi fmt`'s layout; None (no edit) when it does not parse."""
    try:
        new = format_text(a.text, a.path)
    except KpiError:
        return None
    if new == a.text:
        return []
    lines = a.text.split("\n")
    end = lsp.Position(len(lines) - 1, _utf16(lines[-1], len(lines[-1])))
    return [lsp.TextEdit(lsp.Range(lsp.Position(0, 0), end), new)]


_SYMBOL_KINDS = {"section": lsp.SymbolKind.Namespace, "item": lsp.SymbolKind.Field, "input": lsp.SymbolKind.Variable,
                 "metric": lsp.SymbolKind.Function, "rater": lsp.SymbolKind.Object, "person": lsp.SymbolKind.Key,
                 "group": lsp.SymbolKind.Key, "grade": lsp.SymbolKind.EnumMember, "award": lsp.SymbolKind.Event,
                 "pool": lsp.SymbolKind.Struct, "pay": lsp.SymbolKind.Function, "streak": lsp.SymbolKind.Event,
                 "flag": lsp.SymbolKind.Event}


def document_symbols(a: Analysis) -> list[lsp.DocumentSymbol]:
    """Sections and items as an outline, with the document's own declarations beside them."""
    if a.program is None:
        return []

    def symbol(node: Any) -> lsp.DocumentSymbol | None:
        kind = kind_of(node)
        if kind is None:
            return None
        sel = lsp_range(name_span(node, a.texts), a.texts)
        end = block_end(node, a.texts)
        span = node.span if end is None else node.span._replace(end_line=end[0], end_column=end[1])
        whole = lsp_range(span, a.texts)
        if (whole.end.line, whole.end.character) < (sel.end.line, sel.end.character):
            whole = lsp.Range(whole.start, sel.end)
        if (whole.start.line, whole.start.character) > (sel.start.line, sel.start.character):
            whole = lsp.Range(sel.start, whole.end)
        children = [c for c in (symbol(m) for m in node.members) if c] if isinstance(node, ast.Section) else None
        detail = node.label if getattr(node, "label", None) else kind
        if isinstance(node, ast.Item):
            detail = f"{detail} · {quantity_text(node.size)}"
        elif isinstance(node, ast.Section) and node.weight is not None:
            detail = f"{detail} · {quantity_text(node.weight)}"
        return lsp.DocumentSymbol(node.name, _SYMBOL_KINDS[kind], whole, sel, detail=detail, children=children)

    return [s for s in (symbol(n) for n in a.program.root.statements) if s is not None]
