"""A contextual lexer for kpi.lark, plugged into lark's LALR parser.

lark's own contextual lexer costs about 8 µs a token here, which put a
10,000-item rubric at several seconds; one ``re`` scan plus a dictionary
look-up does the same job in a fraction of that.  It keeps lark's contract:
a word is a keyword only where the parser state accepts that keyword,
otherwise it is a NAME, so ``total`` stays usable as a name in formulas.

The terminal table comes from the grammar itself (``lexer_conf.terminals``),
so kpi.lark stays the one place the language is defined.
"""

from __future__ import annotations

import re

from lark.exceptions import UnexpectedCharacters
from lark.lexer import Lexer, Token

# Leading white space is folded into every match: one regex call a token.
_SCAN = re.compile(
    r"""[ \t\f\r\n]*(?:
        (?P<COMMENT>\#[^\n]*)
      | (?P<STRING>"[^"\n]*")
      | (?P<QUANTITY>\d+(?:\.\d+)?(?:%|pt|分|元|小时|h|天|d|次)?)
      | (?P<WORD>[^\W\d]\w*(?:/no)?)
      | (?P<PUNCT>\.\.|>=|<=|\+-|[-+*/×÷(){}:,=<>≥≤±])
    )?""",
    re.VERBOSE,
)


class KpiLexer(Lexer):
    __future_interface__ = 1

    def __init__(self, lexer_conf):
        self.callbacks = lexer_conf.callbacks
        # word or punctuation text -> the terminal names it can stand for
        self.literal: dict[str, tuple[str, ...]] = {}
        for term in lexer_conf.terminals:
            p = term.pattern
            if p.type == "str":
                self._add(p.value, term.name)
            elif term.name in ("PERIOD_KIND", "ROUND_LEVEL", "VETO_SCOPE", "KEY_KIND", "GRADE_TEST", "PLUSMINUS"):
                for alt in re.findall(r"[^|()?:\\]+(?:\\ [a-z]+)?", p.value):
                    self._add(alt.replace("\\ ", " ").replace("\\", ""), term.name)
        self._add("+-", "PLUSMINUS")

    def _add(self, text: str, name: str) -> None:
        self.literal[text] = self.literal.get(text, ()) + (name,)

    def _resolve(self, state: int, accepts, value: str, is_word: bool) -> str:
        """Which terminal ``value`` is in parser state ``state``."""
        names = self.literal.get(value, ())
        for n in names:
            if n in accepts:
                return n
        if is_word and (not names or "NAME" in accepts):
            return "NAME"
        # Nothing fits: hand the parser the keyword so its error names it.
        return names[0] if names else "NAME"

    def lex(self, lexer_state, parser_state):
        text = lexer_state.text
        text = getattr(text, "text", text)
        states = parser_state.parse_conf.parse_table.states
        memo: dict = {}
        resolve = self._resolve
        comment_cb = self.callbacks.get("COMMENT")
        scan = _SCAN.match
        new_str = str.__new__
        pos, line, line_start, end = 0, 1, 0, len(text)
        while True:
            m = scan(text, pos)
            kind = m.lastgroup
            if kind is None:
                stop = m.end()
                if stop >= end:
                    return
                nl = text.count("\n", pos, stop)
                if nl:
                    line += nl
                    line_start = text.rindex("\n", pos, stop) + 1
                raise UnexpectedCharacters(text, stop, line, stop - line_start + 1,
                                           allowed=None, state=parser_state.position)
            start = m.start(kind)
            if start != pos:
                nl = text.count("\n", pos, start)
                if nl:
                    line += nl
                    line_start = text.rindex("\n", pos, start) + 1
            value = m.group(kind)
            npos = m.end()
            col = start - line_start + 1
            if kind == "COMMENT":
                if comment_cb is not None:
                    comment_cb(Token("COMMENT", value, start, line, col, line, col + len(value), npos))
                pos = npos
                continue
            if kind == "WORD" or kind == "PUNCT":
                if value == "at" and text.startswith(" least", npos):
                    state = parser_state.position
                    if "GRADE_TEST" in states[state]:
                        value, npos = "at least", npos + 6
                elif kind == "WORD" and value.endswith("/no") and value != "yes/no":
                    value, npos = value[:-3], npos - 3
                state = parser_state.position
                key = (state, value)
                resolved = memo.get(key)
                if resolved is None:
                    resolved = memo[key] = resolve(state, states[state], value, kind == "WORD")
                kind = resolved
            # Token() goes through a keyword-compatibility shim; filling the
            # slots directly is a third of the lexer's time saved.
            tok = new_str(Token, value)
            tok.type = kind
            tok.value = value
            tok.start_pos = start
            tok.line = tok.end_line = line
            tok.column = col
            tok.end_column = col + (npos - start)
            tok.end_pos = npos
            yield tok
            pos = npos
