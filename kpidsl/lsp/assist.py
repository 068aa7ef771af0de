"""Completion and code actions: what may be typed at the cursor, and fixes from the checker's hints.

Keywords come from the grammar (``keywords.accepted``); names from the last analysis that
parsed, so completion keeps working while the document is mid-edit.  Code actions turn a
hint the checker already wrote into an edit: "did you mean `x`?" replaces the name, and a
weight sum that is off offers to take (or add) the difference at each contributor.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from lsprotocol import types as lsp

from kpidsl.diagnostics.diagnostic import Diagnostic
from kpidsl.lsp.analysis import Analysis, Definition, occurrences
from kpidsl.lsp.features import UriOf, _line, char_index, lsp_range, word_range
from kpidsl.lsp.keywords import accepted
from kpidsl.numbers.spelling import spell
from kpidsl.syntax import ast

_COMPLETION_KINDS = {"input": lsp.CompletionItemKind.Variable, "metric": lsp.CompletionItemKind.Function,
                     "section": lsp.CompletionItemKind.Module, "item": lsp.CompletionItemKind.Field,
                     "rater": lsp.CompletionItemKind.Class, "person": lsp.CompletionItemKind.Reference,
                     "group": lsp.CompletionItemKind.Reference, "grade": lsp.CompletionItemKind.EnumMember}

# The words just before a name that say which kind of name belongs there.
_NAME_CONTEXT: tuple[tuple[tuple[str, ...], frozenset[str]], ...] = (
    (("entered", "by"), frozenset({"rater"})),
    (("shared", "by"), frozenset({"group", "person"})),
    (("give", "to"), frozenset({"item"})),
    (("requires", "grade"), frozenset({"grade"})),
    (("grade", "is"), frozenset({"grade"})),
    (("grade", "below"), frozenset({"grade"})),
    (("at", "least"), frozenset({"grade"})),
    (("veto",), frozenset({"input"})),
    (("quota",), frozenset({"grade"})),
)
_PREVIOUS = re.compile(r'"[^"\n]*"|#[^\n]*|[^\s"#]+')


def _prefix(a: Analysis, pos: lsp.Position) -> tuple[str, str]:
    """The text before the cursor (without the word being typed) and the current line's part of it."""
    lines = a.text.split("\n")[: pos.line + 1]
    if not lines:
        return "", ""
    cut = char_index(_line(a.texts, a.path, pos.line), pos.character)
    head = lines[-1][:cut]
    m = re.search(r"[^\W\d]\w*$", head)
    if m:
        head = head[: m.start()]
    return "\n".join(lines[:-1] + [head]), head


def _keywords(before: str, line: str) -> tuple[frozenset[str], bool]:
    """Keywords valid at the cursor; when an earlier mistake stops the parse, the current
    line alone is tried (most statements and clauses start a line), then statement starts."""
    for text in (before, line.lstrip()):
        found = accepted(text)
        if found is not None:
            return found
    found = accepted("")
    return found if found is not None else (frozenset(), True)


def _name_kinds(before: str) -> frozenset[str] | None:
    toks = [t for t in _PREVIOUS.findall(before) if not t.startswith("#")][-2:]
    for words, kinds in _NAME_CONTEXT:
        if tuple(toks[-len(words):]) == words:
            return kinds
    return None


def completion(a: Analysis, defs: Mapping[str, Definition], pos: lsp.Position) -> list[lsp.CompletionItem]:
    before, line = _prefix(a, pos)
    words, names_ok = _keywords(before, line)
    items = [lsp.CompletionItem(w, kind=lsp.CompletionItemKind.Keyword, sort_text=f"1{w}") for w in sorted(words)]
    if names_ok:
        kinds = _name_kinds(before)
        for d in defs.values():
            if kinds is None or d.kind in kinds:
                label = getattr(d.node, "label", None)
                items.append(lsp.CompletionItem(
                    d.name, kind=_COMPLETION_KINDS.get(d.kind, lsp.CompletionItemKind.Value),
                    detail=d.kind + (f" “{label}”" if label else ""), sort_text=f"0{d.name}"))
    return items


# ---- code actions -------------------------------------------------------------------------------

_DID_YOU_MEAN = re.compile(r"did you mean `([^`]+)`\?")
_FIRST_NAME = re.compile(r"`([^`]+)`")
_SUM = re.compile(r"add up to (-?[\d.]+)%?, not (-?[\d.]+)%?$")
_CONTRIBUTOR = re.compile(r"^`([^`]+)` (-?[\d.]+)")


def _matches(d: Diagnostic, wanted: lsp.Diagnostic, a: Analysis) -> bool:
    return d.code == wanted.code and d.span.file == a.path and lsp_range(d.span, a.texts).start == wanted.range.start


def _number(v: Decimal) -> str:
    return spell(v)


def _size(node: Any) -> ast.Quantity | None:
    if isinstance(node, ast.Item):
        return node.size
    if isinstance(node, ast.Section | ast.Rater):
        return node.weight
    return None


def _did_you_mean(d: Diagnostic, a: Analysis, uri: str, diag: lsp.Diagnostic) -> list[lsp.CodeAction]:
    fix, wrong = _DID_YOU_MEAN.search(d.hint or ""), _FIRST_NAME.search(d.message)
    if not fix or not wrong:
        return []
    lines = range(d.span.line - 1, d.span.end_line)
    spots = [w for w in occurrences(wrong.group(1), a.text) if w.line in lines]
    if not spots:
        return []
    edit = lsp.TextEdit(word_range(spots[0], a.text), fix.group(1))
    return [lsp.CodeAction(f"Change `{wrong.group(1)}` to `{fix.group(1)}`", kind=lsp.CodeActionKind.QuickFix,
                           diagnostics=[diag], is_preferred=True, edit=lsp.WorkspaceEdit(changes={uri: [edit]}))]


def _weight_sum(d: Diagnostic, a: Analysis, defs: Mapping[str, Definition], uri_of: UriOf,
                diag: lsp.Diagnostic) -> list[lsp.CodeAction]:
    m = _SUM.search(d.message)
    if not m:
        return []
    diff = Decimal(m.group(1)) - Decimal(m.group(2))
    out = []
    for r in d.related:
        c = _CONTRIBUTOR.match(r.message)
        if not c or c.group(1) not in defs:
            continue
        q, amount = _size(defs[c.group(1)].node), Decimal(c.group(2))
        if q is None or amount == 0:
            continue
        new = q.value - diff * q.value / amount  # the amount is in points; the weight may be written in %
        if new <= 0:
            continue
        verb = f"Take {_number(abs(diff))} from" if diff > 0 else f"Add {_number(abs(diff))} to"
        text = _number(new) + q.suffix
        edit = lsp.TextEdit(lsp_range(q.span, a.texts), text)
        out.append(lsp.CodeAction(
            f"{verb} `{c.group(1)}` ({q} → {text})", kind=lsp.CodeActionKind.QuickFix, diagnostics=[diag],
            edit=lsp.WorkspaceEdit(changes={uri_of(q.span.file): [edit]})))
    return out


def code_actions(a: Analysis, defs: Mapping[str, Definition], uri_of: UriOf,
                 wanted: list[lsp.Diagnostic]) -> list[lsp.CodeAction]:
    out: list[lsp.CodeAction] = []
    for diag in wanted:
        for d in a.diagnostics:
            if _matches(d, diag, a):
                out.extend(_did_you_mean(d, a, uri_of(a.path), diag))
                out.extend(_weight_sum(d, a, defs, uri_of, diag))
                break
    return out
