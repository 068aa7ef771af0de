"""A contextual lexer for kpi.lark, shared by lark's LALR parser and ours.

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
from typing import NamedTuple

from lark.exceptions import UnexpectedCharacters
from lark.lexer import Lexer, Token

# Leading white space is folded into every match: one regex call a token.  The
# alternatives start with different characters, so their order is free: the
# commonest come first.  No token spans lines, so the parser's scanner goes
# line by line (no newline counting); the formatter scans the whole text.
_SCAN = re.compile(
    r"""[ \t\f\r\n]*(?:
        (?P<WORD>yes/no(?!\w)|[^\W\d]\w*)
      | (?P<PUNCT>\.\.|>=|<=|\+-|[-+*/×÷(){}:,=<>≥≤±])
      | (?P<QUANTITY>\d+(?:\.\d+)?(?:%|pt|分|元|小时|h|天|d|次)?)
      | (?P<STRING>"[^"\n]*")
      | (?P<COMMENT>\#[^\n]*)
    )?""",
    re.VERBOSE,
)

# Terminals defined as alternatives of words (`PERIOD_KIND: "monthly" | ...`).
_WORD_SETS = ("PERIOD_KIND", "ROUND_LEVEL", "VETO_SCOPE", "KEY_KIND", "GRADE_TEST", "PLUSMINUS")


class Tok(NamedTuple):
    """A token.  Lighter than lark's ``Token`` (a str with eight slots to fill),
    which counts at 200,000 tokens a large rubric; tokens never span lines."""

    type: str
    value: str
    line: int
    column: int
    end_column: int
    start_pos: int
    end_pos: int

    @property
    def end_line(self) -> int:
        return self.line


class Scanner:
    """Turns text into tokens, asking the parser's current state which
    terminal a keyword-like word is.  ``stack`` is the parser's live state stack:
    the state a token is read in is ``stack[-1]``."""

    def __init__(self, terminals):
        # word or punctuation text -> the terminal names it can stand for
        self.literal: dict[str, tuple[str, ...]] = {}
        for term in terminals:
            p = term.pattern
            if p.type == "str":
                self._add(p.value, term.name)
            elif term.name in _WORD_SETS:
                for alt in re.findall(r"[^|()?:\\]+(?:\\ [a-z]+)?", p.value):
                    self._add(alt.replace("\\ ", " ").replace("\\", ""), term.name)
        self._add("+-", "PLUSMINUS")
        # (state, keyword) -> terminal; the parse table never changes, so neither
        # does this, and it holds keywords only, so it stays small
        self.memo: dict = {}

    def _add(self, text: str, name: str) -> None:
        self.literal[text] = self.literal.get(text, ()) + (name,)

    def _resolve(self, accepts, value: str, is_word: bool) -> str:
        """Which terminal ``value`` is in a state that accepts ``accepts``."""
        names = self.literal.get(value, ())
        for n in names:
            if n in accepts:
                return n
        if is_word and (not names or "NAME" in accepts):
            return "NAME"
        # Nothing fits: hand the parser the keyword so its error names it.
        return names[0] if names else "NAME"

    def tokens(self, text: str, states, stack: list, on_comment=None, end_marker=None):
        """The tokens of ``text``, then ``end_marker`` if one is given."""
        memo, literal = self.memo, self.literal
        resolve = self._resolve
        scan = _SCAN.match
        new = tuple.__new__
        offset = 0  # of the line in the text
        for line, source in enumerate(text.split("\n"), 1):
            if not source:  # blank lines, and the padding that keeps a piece's lines true
                offset += 1
                continue
            pos, end = 0, len(source)
            while True:
                m = scan(source, pos)
                kind = m.lastgroup
                if kind is None:
                    stop = m.end()
                    if stop >= end:
                        break
                    raise UnexpectedCharacters(text, offset + stop, line, stop + 1, allowed=None)
                value = m[kind]
                npos = m.end()
                start = npos - len(value)
                if kind == "COMMENT":
                    if on_comment is not None:
                        on_comment(new(Tok, ("COMMENT", value, line, start + 1, npos + 1,
                                             offset + start, offset + npos)))
                    pos = npos
                    continue
                if kind == "WORD" or kind == "PUNCT":
                    state = stack[-1]
                    if value == "at" and source.startswith(" least", npos) and "GRADE_TEST" in states[state]:
                        value, npos = "at least", npos + 6
                    if value in literal:
                        resolved = memo.get((state, value))
                        if resolved is None:
                            resolved = memo[state, value] = resolve(states[state], value, kind == "WORD")
                        kind = resolved
                    else:  # a word no rule uses as a keyword
                        kind = "NAME"
                yield new(Tok, (kind, value, line, start + 1, npos + 1, offset + start, offset + npos))
                pos = npos
            offset += end + 1
        if end_marker is not None:
            yield end_marker


class KpiLexer(Lexer):
    """The Scanner behind lark's lexer interface, for lark's own parser, which
    explains syntax errors: its exceptions want lark Tokens."""

    __future_interface__ = 1

    def __init__(self, lexer_conf):
        self.scanner = Scanner(lexer_conf.terminals)

    def lex(self, lexer_state, parser_state):
        text = lexer_state.text
        text = getattr(text, "text", text)
        states = parser_state.parse_conf.parse_table.states
        try:
            for t in self.scanner.tokens(text, states, parser_state.state_stack):
                yield Token(t.type, t.value, t.start_pos, t.line, t.column, t.line, t.end_column, t.end_pos)
        except UnexpectedCharacters as exc:
            exc.state = parser_state.position
            raise
