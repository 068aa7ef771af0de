"""Turn lark's parse exceptions into words: what was found, what was expected,
and a hint for the slips people really make (full-width punctuation from a
Chinese input method, ``=`` where ``:`` belongs, a ``%`` that drifted away
from its number, ``3-4`` for a range).

Nothing here may leak parser internals (terminal names, ``$END``) into text.
"""

from __future__ import annotations

import unicodedata
from typing import Any

# Named terminals of kpi.lark, in words.
_TERMINAL_WORDS = {
    "QUANTITY": "a number",
    "NAME": "a name",
    "STRING": 'a quoted label ("…")',
    "PLUSMINUS": "`±` (or `+-`)",
    "PERIOD_KIND": "`monthly`, `quarterly` or `yearly`",
    "ROUND_LEVEL": "`items`, `sections`, `total` or `money`",
    "VETO_SCOPE": "`item`, `section` or `appraisal`",
    "KEY_KIND": "`person` or `group`",
    "GRADE_TEST": "`is`, `below` or `at least`",
    "$END": "end of file",
}

# Keywords that begin a statement, an item clause: when most of a group is
# expected, name the group instead of listing thirty keywords.
_GROUPS = (
    ("the start of a statement (`input`, `section`, `item`, `grade`, …)",
     {"input", "metric", "section", "item", "grade", "award", "pay", "rater", "rubric", "period"}),
    ("an item clause (`level`, `tiers`, `ratio`, `deduct`, `criteria`, …)",
     {"level", "tiers", "ratio", "deduct", "criteria", "proportional", "checklist", "scale"}),
    ("an operator (`+`, `-`, `*`, `/`)", {"+", "-", "*", "/"}),
)

# Look-alike characters an input method slips in, and what was meant.
LOOKALIKES = {
    "：": ":", "，": ",", "（": "(", "）": ")", "％": "%", "＝": "=", "－": "-",
    "—": "-", "–": "-", "＋": "+", "＞": ">", "＜": "<", "｛": "{", "｝": "}",
    "“": '"', "”": '"', "「": '"', "」": '"', "；": "", ";": "", "．": ".", "。": ".",
    "０": "0", "１": "1", "２": "2", "３": "3", "４": "4", "５": "5", "６": "6",
    "７": "7", "８": "8", "９": "9", "…": "..", "‥": "..",
}


# Unicode's line breaks other than LF and CR (which kpi reads as lines): refused where they stand.
LINE_BREAKS = frozenset("\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _literals(expected: set[str], terminals: Any) -> tuple[set[str], set[str]]:
    """Split expected terminal names into keyword/punctuation texts and named kinds."""
    lits, kinds = set(), set()
    for name in expected:
        term = terminals.get(name)
        if term is not None and term.pattern.type == "str":
            lits.add(term.pattern.value)
        elif name in _TERMINAL_WORDS:
            kinds.add(name)
        # other internal terminals (whitespace, comments) are never worth naming
    return lits, kinds


def expected_words(lits: set[str], kinds: set[str]) -> str:
    lits = set(lits)
    parts: list[str] = []
    for words, group in _GROUPS:
        if len(group & lits) >= len(group) - 1:
            parts.append(words)
            lits -= group
            if not words.startswith("an operator"):
                # once a group is named, the rest of its kind is noise
                lits = {v for v in lits if not v.isalpha()}
    parts.extend(sorted(_TERMINAL_WORDS[k] for k in kinds))
    rest = sorted(f"`{v}`" for v in lits)
    parts.extend(rest[:8])
    if len(rest) > 8:
        parts.append("…")
    if not parts:
        return "something else"
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _found_words(token: Any) -> str:
    if token.type == "$END":
        return "end of file"
    if token.type == "STRING":
        return f"label {token.value}"
    if token.type == "QUANTITY":
        return f"number `{token.value}`"
    if token.type == "NAME":
        return f"name `{token.value}`"
    return f"`{token.value}`"


def describe_unexpected_token(exc: Any, text: str) -> tuple[str, str | None, int]:
    from kpidsl.syntax.grammar import compiled  # the terminal table of the one parser

    terminals = {t.name: t for t in compiled().terminals}
    token = getattr(exc, "token", None)
    expected = set(getattr(exc, "expected", None) or ())
    interactive = getattr(exc, "interactive_parser", None)
    if interactive is not None:
        # The state's own lookahead set is LALR-merged and names tokens that
        # could never come next; asking the parser what it accepts is exact.
        try:
            expected = set(interactive.accepts())
        except Exception:  # noqa: BLE001 - a best effort; the merged set still works
            pass
    lits, kinds = _literals(expected, terminals)
    if token is None or token.type == "$END":
        found, value, ttype = "end of file", "", "$END"
    else:
        found, value, ttype = _found_words(token), token.value, token.type
    message = f"unexpected {found}; expected {expected_words(lits, kinds)}"
    units = ("percent", "count", "money", "hours", "days", "points", "number", "level")
    hint = None
    if value == "=" and ":" in lits:
        hint = '`=` where `:` belongs: a name\'s unit follows a colon, as in `input rate "及时率": percent`'
    elif value == ":" and "=" in lits:
        hint = "`:` where `=` belongs: a formula follows `=`, as in `metric rate: percent = done / total`"
    elif value == "-" and ".." in lits:
        hint = "a range is written with two dots: `3..4`, not `3-4`"
    elif ttype == "$END" and "}" in lits:
        hint = "a `{` is never closed: add `}` at the end of the section or item"
    elif value == "}":
        hint = "this `}` closes nothing, or closes too early: check the braces above it"
    elif ttype == "NAME" and ":" in lits and value in units:
        hint = f"put a colon before the unit: `: {value}`"
    elif value in ("+", "-") and "PLUSMINUS" in kinds:
        hint = "a ratio's step counts both ways: write `±1pt` (or `+-1pt`)"
    elif ttype == "QUANTITY" and "PLUSMINUS" in kinds:
        hint = "write the step with its sign, e.g. `±1pt` (or `+-1pt`)"
    elif ttype == "NAME" and kinds == {"STRING"} and not lits:
        hint = 'labels are written in double quotes: "…"'
    elif ttype == "QUANTITY" and "QUANTITY" not in kinds and "NAME" in kinds:
        hint = "names start with a letter or a Chinese character, not a digit"
    return message, hint, max(len(value), 1)


def describe_unexpected_char(exc: Any, text: str) -> tuple[str, str | None, int]:
    ch = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
    if ch == '"':
        return ("a label opens a quote that is not closed on the same line",
                'close the label with `"` before the end of the line', 1)
    name = unicodedata.name(ch, "") if ch else ""
    shown = f"`{ch}`" + (f" ({name.lower()})" if name and not ch.isascii() else "")
    message = f"unexpected character {shown}"
    hint = None
    if ch in LOOKALIKES:
        meant = LOOKALIKES[ch]
        if meant:
            hint = f"this looks like a full-width or look-alike character: write `{meant}` instead"
        else:
            hint = "statements end at the end of the line; no `;` is needed"
    elif ch in LINE_BREAKS:
        hint = "an editor shows this as a new line, but it is not one: replace it with a newline"
    elif ch == "%":
        hint = "write `%` right after its number, with no space: `90%`"
    elif ch in "'‘’":
        hint = 'labels use straight double quotes: "…"'
    elif ch == "." and text[exc.pos_in_stream:exc.pos_in_stream + 2] != "..":
        hint = "a range is written with two dots: `0..100`"
    return message, hint, 1
