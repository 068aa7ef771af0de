"""Which keywords the grammar accepts at a cursor: the one place the server leans on lark.

The parser's own state knows what may come next; lark's interactive parser, built from
the same kpi.lark (``kpidsl.syntax.grammar.grammar_path``), is fed the text before the cursor and
asked which terminals it accepts.  If the parser's internals change, only this module
needs adapting; ``tests/test_lsp_keywords.py`` pins its behaviour.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from lark import Lark
from lark.exceptions import LarkError

from kpidsl.syntax.grammar import grammar_path

# A keyword as a completion offers it: words, and ``yes/no``.
_WORD = re.compile(r"[a-z][a-z/ ]*")


@lru_cache(maxsize=1)
def _lark() -> Lark:
    # lark's own contextual lexer: slower than kpidsl's scanner but only ever fed one
    # statement's worth of text, and independent of how kpidsl drives its tables.
    return Lark.open(str(grammar_path()), parser="lalr", lexer="contextual", cache=True)


def _words(pattern: Any) -> list[str]:
    """The literal words a terminal stands for: ``ITEM`` -> [item], ``PERIOD_KIND`` -> [monthly, ...]."""
    if pattern.type == "str":
        texts = [pattern.value]
    else:
        body = pattern.value
        if not (body.startswith("(?:") and body.endswith(")")):
            return []
        texts = [alt.replace("\\", "") for alt in body[3:-1].split("|")]
    return [t for t in texts if _WORD.fullmatch(t)]


def accepted(prefix: str) -> tuple[frozenset[str], bool] | None:
    """The keywords the grammar accepts after ``prefix``, and whether a name may come there.

    None when ``prefix`` itself does not parse (the caller falls back to a shorter prefix).
    """
    lark = _lark()
    try:
        ip = lark.parse_interactive(prefix)
        for _ in ip.iter_parse():
            pass
        terminals = ip.accepts()
    except LarkError:
        return None
    words: set[str] = set()
    for name in terminals:
        if name in ("$END", "NAME"):
            continue
        words.update(_words(lark.get_terminal(name).pattern))
    return frozenset(words), "NAME" in terminals
