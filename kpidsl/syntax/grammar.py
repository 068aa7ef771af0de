"""kpi.lark as lark compiles it, loaded once: the parse table, the scanner's table and the
statement keywords, and the one place that reaches into lark's internals for them.

The internals read here and in lexer.py and lalr.py are lark 1.3's (pyproject.toml
pins ``lark>=1.3,<1.4``); tests/test_lark_internals.py fails, naming what moved,
if a lark release changes them.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from lark import Lark

from kpidsl.syntax.lexer import KpiLexer, ScanTable, scan_table

_HERE = Path(__file__).resolve().parent
# Installed wheels carry the grammar inside the package; a source checkout keeps
# it in the top-level grammar/ folder.
_GRAMMAR_PATHS = (_HERE.parent / "kpi.lark", _HERE.parent.parent / "grammar" / "kpi.lark")

# Held while lark analyses the grammar, so two threads' first parses do not both
# write lark's cache file at once.  It guards, it holds nothing.
_LOADING = threading.Lock()


def grammar_path() -> Path:
    for p in _GRAMMAR_PATHS:
        if p.is_file():
            return p
    raise FileNotFoundError("kpi.lark grammar not found next to the kpidsl package")


def load(text: str | None = None) -> Lark:
    """A lark LALR parser for kpi.lark (or for grammar ``text``), with the kpidsl scanner."""
    if text is not None:
        return Lark(text, parser="lalr", lexer=KpiLexer, maybe_placeholders=False)
    return Lark.open(str(grammar_path()), parser="lalr", lexer=KpiLexer, maybe_placeholders=False, cache=True)


# The cached values are never changed once built, and lru_cache is thread-safe.
@lru_cache(maxsize=1)
def compiled() -> Lark:
    """kpi.lark, analysed by lark once (and cached on disk, so the CLI starts fast).
    lark's own driver on it explains syntax errors; text that parses goes through
    ``lalr.Driver`` on its table."""
    with _LOADING:
        return load()


def parse_table(lark: Lark) -> Any:
    """lark's LALR table: ``states`` {state: {symbol: (Shift, state) or (Reduce, Rule)}},
    and ``start_states`` / ``end_states`` by start rule."""
    return lark.parser.parser.parser.parse_table


def scan_table_for(lark: Lark) -> ScanTable:
    return scan_table(tuple(lark.terminals), tuple(lark.lexer_conf.ignore))


def scan_table_of_kpi() -> ScanTable:
    return scan_table_for(compiled())


def statement_words(lark: Lark, start: str = "start") -> frozenset[str]:
    """The words a statement can begin with: the keywords the parser accepts where a
    statement starts (before the first statement, or after any whole one)."""
    table = parse_table(lark)
    accepts = table.states[table.start_states[start]]
    return frozenset(text for text, kinds in scan_table_for(lark).literal.items()
                     if any(kind in accepts for kind in kinds))
