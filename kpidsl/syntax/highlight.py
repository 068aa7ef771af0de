"""A Pygments lexer for .kpi rubrics, registered as ``kpi`` through the package's
``pygments.lexers`` entry point, so mkdocs (and any Pygments user) highlights rubrics.

Its keywords and units are read from the grammar (``grammar/kpi.lark``), the one place
the language is defined: every quoted word of the grammar is a keyword, and the words
of the ``unit`` rule are units.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pygments.lexer import RegexLexer, words  # type: ignore[import-untyped]
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text, Whitespace  # type: ignore[import-untyped]

from kpidsl.syntax.grammar import grammar_path


@lru_cache(maxsize=1)
def vocabulary() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(keywords, units) as the grammar spells them."""
    text = grammar_path().read_text(encoding="utf-8")
    text = re.sub(r"//[^\n]*", "", text)
    quoted = {w for q in re.findall(r'"([A-Za-z][A-Za-z /-]*)"', text) for w in q.split()}
    unit_rule = re.search(r"^!?unit\s*:(.*?)(?=^\S)", text, re.S | re.M)
    units = set(re.findall(r'"([A-Za-z][A-Za-z/-]*)"', unit_rule.group(1))) if unit_rule else set()
    # longest first, so "yes/no" wins over a shorter word
    return (tuple(sorted(quoted - units, key=lambda w: (-len(w), w))),
            tuple(sorted(units, key=lambda w: (-len(w), w))))


_WORD_END = r"(?![\w/-])"
_QUANTITY = r"\d+(?:\.\d+)?"


class KpiLexer(RegexLexer):
    name = "kpi"
    aliases = ["kpi", "kpidsl"]
    filenames = ["*.kpi"]
    mimetypes = ["text/x-kpi"]

    keywords, units = vocabulary()
    tokens = {
        "root": [
            (r"\s+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r'"[^"\n]*"', String.Double),  # labels
            (_QUANTITY + r"%", Number.Percent),
            (_QUANTITY + r"元", Number.Money),
            (_QUANTITY + r"(?:pt|分|小时|h|天|d|次)?", Number),
            (words(units, suffix=_WORD_END), Keyword.Type),
            (words(keywords, suffix=_WORD_END), Keyword),
            (r"(?:±|\+-|>=|<=|≥|≤|\.\.|[-+*/<>=])", Operator),
            (r"[:,(){}.]", Punctuation),
            (r"[^\W\d][\w.]*", Name),
            (r"[^\S\n]+", Text),
        ],
    }
