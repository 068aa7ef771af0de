"""`kpi lsp` driven as an editor drives it: a separate server process, spoken to over stdio.

Two files joined by `use` (lib.kpi declares `late`, `boss` and the grades; main.kpi uses
them), opened, edited, broken mid-edit and repaired, with every feature the server offers.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")
pytestmark = pytest.mark.lsp

from lsprotocol import types as lsp  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient  # noqa: E402

from kpidsl.api import check_text  # noqa: E402
from kpidsl.syntax.formatter import format_text  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

LIB = """\
# shared definitions
input late "迟到次数": count
rater boss "主管"
grade good "良好" when >= 80
grade poor "待改进" otherwise
"""

MAIN = """\
rubric "测试"
use "lib.kpi"

input sales "销售额": percent range 0%..200% from boss "月报"

section work "工作业绩" weight 60% {
  item selling "销售" points 40 { proportional sales / 100% }
  item attendance "出勤" points 20 { deduct 2 per late }
}
section attitude "态度" weight 40% out of 10 {
  item manner "礼仪" points 10 { entered by boss }
}
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest_lsp.fixture(config=ClientServerConfig(
    server_command=[sys.executable, "-m", "kpidsl.cli.main", "lsp", "--debounce-ms", "10"], server_env=_env()))
async def client(lsp_client: LanguageClient, request):
    folder = request.getfixturevalue("tmp_path")
    (folder / "lib.kpi").write_text(LIB, encoding="utf-8")
    (folder / "main.kpi").write_text(MAIN, encoding="utf-8")
    lsp_client.folder = folder  # type: ignore[attr-defined]
    result = await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=lsp.ClientCapabilities(), root_uri=from_fs_path(str(folder))))
    lsp_client.capabilities_seen = result.capabilities  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


def uri(client, name: str) -> str:
    return from_fs_path(str(client.folder / name))


async def open_doc(client, name: str, text: str | None = None) -> str:
    u = uri(client, name)
    text = (client.folder / name).read_text(encoding="utf-8") if text is None else text
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(u, "kpi", 1, text)))
    await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return u


async def replace(client, u: str, text: str, version: int) -> list[lsp.Diagnostic]:
    """Send a whole-text change and wait for the debounced diagnostics for this version."""
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        lsp.VersionedTextDocumentIdentifier(version, u), [lsp.TextDocumentContentChangeWholeDocument(text)]))
    while True:
        params = await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if params.uri == u and params.version == version:
            return list(params.diagnostics)


def at(text: str, needle: str, offset: int = 0) -> lsp.Position:
    """The position of ``needle`` (+ offset characters) in ``text``; the fixtures are all BMP."""
    i = text.index(needle) + offset
    line = text.count("\n", 0, i)
    return lsp.Position(line, i - (text.rfind("\n", 0, i) + 1))


def apply(text: str, edits) -> str:
    lines = text.split("\n")
    offsets = [0]
    for ln in lines:
        offsets.append(offsets[-1] + len(ln) + 1)
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        s = offsets[e.range.start.line] + e.range.start.character
        t = offsets[e.range.end.line] + e.range.end.character
        text = text[:s] + e.new_text + text[t:]
    return text


@pytest.mark.asyncio
async def test_initialize_announces_every_feature(client):
    caps = client.capabilities_seen
    assert caps.hover_provider and caps.definition_provider and caps.references_provider
    assert caps.rename_provider and caps.document_formatting_provider and caps.document_symbol_provider
    assert caps.code_action_provider and caps.completion_provider is not None
    assert caps.text_document_sync is not None


@pytest.mark.asyncio
async def test_diagnostics_on_open_and_edit_with_codes_related_and_explain_link(client):
    u = await open_doc(client, "main.kpi")
    assert list(client.diagnostics[u]) == []
    broken = MAIN.replace("points 20 {", "points 25 {")
    diags = await replace(client, u, broken, 2)
    assert [d.code for d in diags] == [c.code for c in check_text(broken, str(client.folder / "main.kpi"))]
    (d,) = diags
    assert d.code == "KPI102" and d.severity == lsp.DiagnosticSeverity.Error
    assert "add up to 65, not 60" in d.message and "hint: 5 too many" in d.message
    assert "kpi102" in d.code_description.href
    assert {r.message for r in d.related_information} == {"`selling` 40", "`attendance` 25"}
    assert d.range.start == at(broken, "work")
    # repaired: the diagnostics clear
    assert await replace(client, u, MAIN, 3) == []


@pytest.mark.asyncio
async def test_code_actions_from_weight_sum_and_did_you_mean(client):
    u = await open_doc(client, "main.kpi")
    broken = MAIN.replace("points 20 {", "points 25 {")
    diags = await replace(client, u, broken, 2)
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        lsp.TextDocumentIdentifier(u), diags[0].range, lsp.CodeActionContext(diags)))
    titles = [a.title for a in actions]
    assert "Take 5 from `attendance` (25 → 20)" in titles and "Take 5 from `selling` (40 → 35)" in titles
    fix = next(a for a in actions if "attendance" in a.title)
    fixed = apply(broken, fix.edit.changes[u])
    assert fixed == MAIN

    typo = MAIN.replace("proportional sales", "proportional salse")
    diags = await replace(client, u, typo, 3)
    (d,) = [d for d in diags if d.code == "KPI140"]
    assert "did you mean `sales`?" in d.message
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        lsp.TextDocumentIdentifier(u), d.range, lsp.CodeActionContext([d])))
    assert [a.title for a in actions] == ["Change `salse` to `sales`"]
    assert apply(typo, actions[0].edit.changes[u]) == MAIN


@pytest.mark.asyncio
async def test_hover_on_input_item_and_code(client):
    u = await open_doc(client, "main.kpi")
    h = await client.text_document_hover_async(lsp.HoverParams(lsp.TextDocumentIdentifier(u), at(MAIN, "sales /", 2)))
    text = h.contents.value
    assert "**input** `sales` “销售额”" in text
    assert "unit: percent" in text and "range: 0%..200%" in text and "source: from boss “月报”" in text
    h = await client.text_document_hover_async(lsp.HoverParams(lsp.TextDocumentIdentifier(u), at(MAIN, "selling")))
    text = h.contents.value
    assert "points: 40" in text and "weight in the total: 40 of 100 points" in text
    assert "rule: proportional" in text and "adds to: section `work` “工作业绩”" in text
    h = await client.text_document_hover_async(lsp.HoverParams(lsp.TextDocumentIdentifier(u), at(MAIN, "manner")))
    assert "weight in the total: 40 of 100 points" in h.contents.value  # 10 out of 10, weighted 40%
    # a name from the used file, and a code written in a comment
    h = await client.text_document_hover_async(lsp.HoverParams(lsp.TextDocumentIdentifier(u), at(MAIN, "late }")))
    assert "**input** `late` “迟到次数”" in h.contents.value and "lib.kpi:2" in h.contents.value
    commented = MAIN + "# see KPI102\n"
    await replace(client, u, commented, 2)
    h = await client.text_document_hover_async(lsp.HoverParams(lsp.TextDocumentIdentifier(u), at(commented, "KPI102", 3)))
    assert "KPI102 (error)" in h.contents.value


@pytest.mark.asyncio
async def test_completion_offers_keywords_from_the_parser_state_and_names(client):
    u = await open_doc(client, "main.kpi")
    text = MAIN + "item extra points 5 { \n"
    await replace(client, u, text, 2)
    items = await client.text_document_completion_async(lsp.CompletionParams(
        lsp.TextDocumentIdentifier(u), at(text, "{ \n", 2)))
    labels = {i.label for i in items.items}
    assert {"proportional", "deduct", "tiers", "entered"} <= labels and "rubric" not in labels
    # after `entered by` only raters fit; lib.kpi's `boss` is one
    text = MAIN + "item extra points 5 { entered by \n"
    await replace(client, u, text, 3)
    items = await client.text_document_completion_async(lsp.CompletionParams(
        lsp.TextDocumentIdentifier(u), at(text, "by \n", 3)))
    assert [i.label for i in items.items] == ["boss"]
    # units after the colon of an input
    text = MAIN + 'input more "更多": \n'
    await replace(client, u, text, 4)
    items = await client.text_document_completion_async(lsp.CompletionParams(
        lsp.TextDocumentIdentifier(u), at(text, ': \n', 2)))
    assert {"percent", "count", "money", "yes/no"} <= {i.label for i in items.items}


@pytest.mark.asyncio
async def test_definition_references_and_rename_across_use(client):
    lib = await open_doc(client, "lib.kpi")
    u = await open_doc(client, "main.kpi")
    loc = await client.text_document_definition_async(lsp.DefinitionParams(
        lsp.TextDocumentIdentifier(u), at(MAIN, "late }")))
    assert loc.uri == lib and loc.range.start == at(LIB, "late")
    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=lsp.TextDocumentIdentifier(u), position=at(MAIN, "boss }"),
        context=lsp.ReferenceContext(include_declaration=True)))
    assert sorted((r.uri, r.range.start.line) for r in refs) == [(lib, 2), (u, 3), (u, 10)]
    # from the library's side, the files that use it are found too
    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=lsp.TextDocumentIdentifier(lib), position=at(LIB, "late"),
        context=lsp.ReferenceContext(include_declaration=False)))
    assert [(r.uri, r.range.start) for r in refs] == [(u, at(MAIN, "late }"))]
    edit = await client.text_document_rename_async(lsp.RenameParams(
        lsp.TextDocumentIdentifier(u), at(MAIN, "late }"), "lateness"))
    new_lib, new_main = apply(LIB, edit.changes[lib]), apply(MAIN, edit.changes[u])
    assert "input lateness" in new_lib and "per lateness }" in new_main and "late " not in new_main
    (client.folder / "lib.kpi").write_text(new_lib, encoding="utf-8")
    assert check_text(new_main, str(client.folder / "main.kpi")) == []


@pytest.mark.asyncio
async def test_formatting_is_kpi_fmt(client):
    messy = MAIN.replace("  item selling", "        item    selling").replace("section attitude", "section   attitude")
    u = await open_doc(client, "main.kpi", messy)
    edits = await client.text_document_formatting_async(lsp.DocumentFormattingParams(
        lsp.TextDocumentIdentifier(u), lsp.FormattingOptions(2, True)))
    assert apply(messy, edits) == format_text(messy)


@pytest.mark.asyncio
async def test_document_symbols_outline_sections_and_items(client):
    u = await open_doc(client, "main.kpi")
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(lsp.TextDocumentIdentifier(u)))
    outline = {s.name: [c.name for c in s.children or []] for s in symbols}
    assert outline == {"sales": [], "work": ["selling", "attendance"], "attitude": ["manner"]}
    work = next(s for s in symbols if s.name == "work")
    assert work.kind == lsp.SymbolKind.Namespace and work.selection_range.start == at(MAIN, "work")
    assert work.range.end.line >= at(MAIN, "}\nsection").line


@pytest.mark.asyncio
async def test_a_document_mid_edit_that_does_not_parse(client):
    u = await open_doc(client, "main.kpi")
    half = MAIN.replace("  item attendance", "  item attendance \"出勤\" points {\n  item attendance")
    diags = await replace(client, u, half, 2)
    assert diags and {d.code for d in diags} == {"KPI001"}
    # the names of the last text that parsed still answer
    h = await client.text_document_hover_async(lsp.HoverParams(lsp.TextDocumentIdentifier(u), at(half, "sales /", 1)))
    assert "unit: percent" in h.contents.value
    loc = await client.text_document_definition_async(lsp.DefinitionParams(
        lsp.TextDocumentIdentifier(u), at(half, "late }")))
    assert loc.uri == uri(client, "lib.kpi")
    text = half + "item extra points 5 { entered by \n"
    await replace(client, u, text, 3)
    items = await client.text_document_completion_async(lsp.CompletionParams(
        lsp.TextDocumentIdentifier(u), at(text, "by \n", 3)))
    assert [i.label for i in items.items] == ["boss"]
    edits = await client.text_document_formatting_async(lsp.DocumentFormattingParams(
        lsp.TextDocumentIdentifier(u), lsp.FormattingOptions(2, True)))
    assert not edits  # never reformat text that does not parse
    assert await replace(client, u, MAIN, 4) == []
