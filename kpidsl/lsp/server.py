"""The pygls server behind ``kpi lsp``: open documents, their analyses, and the LSP features.

Every open document keeps its latest analysis and its last one that parsed, so hover,
completion and go-to-definition keep working while a line is half typed.  Changes are
re-checked after a short pause (``debounce``), and so is every open document that
``use``s the changed one.  All state lives in one ``Documents`` object per server.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from dataclasses import dataclass
from typing import Any

from lsprotocol import types as lsp
from pygls.io_ import StdinAsyncReader, StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from kpidsl import __version__
from kpidsl.lsp import assist, features, framing
from kpidsl.lsp.analysis import Analysis, analyze

DEFAULT_DEBOUNCE = 0.2  # seconds: long enough to cover a burst of keystrokes, short enough to feel live


@dataclass(frozen=True)
class Entry:
    version: int
    analysis: Analysis
    good: Analysis | None  # the last analysis that parsed, for names while the text does not


def path_of(uri: str) -> str:
    path = to_fs_path(uri)
    return os.path.abspath(path) if path else uri


def uri_of(path: str) -> str:
    return (from_fs_path(path) or path) if not path.startswith("<") else path


class Documents:
    """The open documents' analyses, kept current with the editor's text."""

    def __init__(self, server: LanguageServer, debounce: float = DEFAULT_DEBOUNCE):
        self.server = server
        self.debounce = debounce
        self.entries: dict[str, Entry] = {}
        self.pending: dict[str, asyncio.Task] = {}

    def _open_text(self, path: str) -> str | None:
        uri = uri_of(path)
        if uri in self.entries or uri in self.server.workspace.text_documents:
            return self.server.workspace.get_text_document(uri).source
        return None

    def current(self, uri: str) -> Entry:
        """The document's analysis for its current text, re-analysing if the text moved on."""
        doc = self.server.workspace.get_text_document(uri)
        entry = self.entries.get(uri)
        version = doc.version or 0
        if entry is None or entry.version != version or entry.analysis.text != doc.source.replace("\r\n", "\n"):
            a = analyze(path_of(uri), doc.source, self._open_text)
            entry = Entry(version, a, a if a.parsed else (entry.good if entry else None))
            self.entries[uri] = entry
        return entry

    def publish(self, uri: str) -> None:
        a = self.current(uri).analysis
        self.server.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=features.diagnostics(a, uri_of), version=self.current(uri).version))

    def dependents(self, uri: str) -> list[str]:
        path = path_of(uri)
        return [u for u, e in self.entries.items() if u != uri and path in e.analysis.texts]

    def changed(self, uri: str) -> None:
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._later(uri))

    async def _later(self, uri: str) -> None:
        await asyncio.sleep(self.debounce)
        self.pending.pop(uri, None)
        if uri in self.server.workspace.text_documents:
            self.publish(uri)
        for other in self.dependents(uri):
            self.entries.pop(other, None)  # what it uses changed under it
            self.publish(other)

    def closed(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.entries.pop(uri, None)
        self.server.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    # ---- what the features need ----

    def names(self, uri: str) -> tuple[Any, Any, Any]:
        """(analysis, definitions, total): definitions from the last analysis that parsed."""
        entry = self.current(uri)
        source = entry.analysis if entry.analysis.parsed else (entry.good or entry.analysis)
        return entry.analysis, source.definitions, source.total

    def scope(self, uri: str, name: str) -> dict[str, str]:
        """The texts a name can be written in: this document, what it uses, and every open
        document that uses the file the name is defined in (open text beats the disk)."""
        a, defs, _ = self.names(uri)
        texts = dict(a.texts)
        home = defs[name].span.file if name in defs else a.path
        for other, e in self.entries.items():
            if other != uri and home in e.analysis.texts:
                texts.update(e.analysis.texts)
        for path in list(texts):
            live = self._open_text(path)
            if live is not None:
                texts[path] = live.replace("\r\n", "\n")
        return texts


class KpiServer(LanguageServer):
    """pygls' server on kpi's message loop (``framing.py``), which answers every request,
    even one whose body is not JSON or whose params do not fit."""

    def start_io(self, stdin: Any = None, stdout: Any = None) -> None:
        self._stop_event = stop = threading.Event()
        reader = StdinAsyncReader(stdin or sys.stdin.buffer, self.thread_pool)
        writer = StdoutWriter(stdout or sys.stdout.buffer)
        self.protocol.set_writer(writer)
        try:
            asyncio.run(framing.run(stop, reader, self.protocol, writer))
        except (BrokenPipeError, KeyboardInterrupt, SystemExit):
            pass  # the editor went away or said exit: nothing is left to answer
        finally:
            self.shutdown()


def make_server(debounce: float | None = None) -> LanguageServer:
    server = KpiServer("kpi", __version__)
    docs = Documents(server, DEFAULT_DEBOUNCE if debounce is None else debounce)

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: LanguageServer, params: lsp.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("debounceMs"), int | float):
            docs.debounce = options["debounceMs"] / 1000

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
        docs.publish(params.text_document.uri)
        for other in docs.dependents(params.text_document.uri):
            docs.entries.pop(other, None)
            docs.publish(other)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: LanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
        docs.changed(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
        for other in docs.dependents(params.text_document.uri):
            docs.entries.pop(other, None)
            docs.publish(other)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
        docs.closed(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: LanguageServer, params: lsp.HoverParams) -> lsp.Hover | None:
        a, defs, total = docs.names(params.text_document.uri)
        return features.hover(a, defs, total, params.position)

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[" ", ":"]))
    def completion(ls: LanguageServer, params: lsp.CompletionParams) -> lsp.CompletionList:
        a, defs, _ = docs.names(params.text_document.uri)
        return lsp.CompletionList(is_incomplete=False, items=assist.completion(a, defs, params.position))

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: LanguageServer, params: lsp.DefinitionParams) -> lsp.Location | None:
        a, defs, _ = docs.names(params.text_document.uri)
        w = features.cursor_word(a, params.position)
        if w is None:
            return None
        return features.definition(defs, w.text, docs.scope(params.text_document.uri, w.text), uri_of)

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    def references(ls: LanguageServer, params: lsp.ReferenceParams) -> list[lsp.Location] | None:
        a, defs, _ = docs.names(params.text_document.uri)
        w = features.cursor_word(a, params.position)
        if w is None or w.text not in defs:
            return None
        found = features.references(w.text, docs.scope(params.text_document.uri, w.text), uri_of)
        if not params.context.include_declaration:
            home = features.definition(defs, w.text, docs.scope(params.text_document.uri, w.text), uri_of)
            found = [loc for loc in found if loc != home]
        return found

    @server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
    def prepare_rename(ls: LanguageServer, params: lsp.PrepareRenameParams) -> lsp.Range | None:
        a, defs, _ = docs.names(params.text_document.uri)
        w = features.cursor_word(a, params.position)
        return features.word_range(w, a.text) if w is not None and w.text in defs else None

    @server.feature(lsp.TEXT_DOCUMENT_RENAME)
    def rename(ls: LanguageServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
        a, defs, _ = docs.names(params.text_document.uri)
        w = features.cursor_word(a, params.position)
        if w is None or w.text not in defs:
            return None
        return features.rename(w.text, params.new_name, docs.scope(params.text_document.uri, w.text), uri_of)

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: LanguageServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit] | None:
        return features.formatting(docs.current(params.text_document.uri).analysis)

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def symbols(ls: LanguageServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
        entry = docs.current(params.text_document.uri)
        return features.document_symbols(entry.analysis if entry.analysis.parsed else (entry.good or entry.analysis))

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
    def code_action(ls: LanguageServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        a, defs, _ = docs.names(params.text_document.uri)
        return assist.code_actions(a, defs, uri_of, list(params.context.diagnostics))

    return server


def serve(debounce: float | None = None) -> None:
    """Serve LSP over stdin/stdout until the client says exit."""
    make_server(debounce).start_io()
