"""The scanner for kpi.lark: its terminals as one regex and a keyword table per parser state,
shared by lark's LALR parser and ours.

lark's own contextual lexer costs about 8 µs a token here, which put a
10,000-item rubric at several seconds; one ``re`` scan plus a dictionary
look-up does the same job in a fraction of that.  It keeps lark's contract:
a word is a keyword only where the parser state accepts that keyword,
otherwise it is a NAME, so ``total`` stays usable as a name in formulas.

Everything here is derived from the terminals lark compiled out of kpi.lark
(``Lark.terminals``), so the grammar stays the one place the language's words
are written: a terminal that is a string, or a choice of strings
(``PERIOD_KIND: "monthly" | …``), becomes keywords; any other terminal becomes
a group of the regex under its own name (QUANTITY, STRING, COMMENT…).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any, NamedTuple

from lark.exceptions import UnexpectedCharacters
from lark.lexer import Lexer, Token

# The regex's groups for keyword-like text: words (names, and keywords that are
# names) and punctuation (every other string terminal).
WORD, PUNCT = "WORD", "PUNCT"


def choice_of_strings(pattern: Any) -> tuple[str, ...] | None:
    """The strings a terminal stands for, or None if it is a real regular expression.

    lark compiles ``T: "a" | "b c"`` to ``(?:a|b\\ c)``, each alternative
    ``re.escape``d; an alternative counts only if escaping it again gives it back.
    """
    if pattern.flags:
        return None
    if pattern.type == "str":
        return (pattern.value,)
    body = re.fullmatch(r"\(\?:(.*)\)", pattern.value, re.S)
    if body is None:
        return None
    alternatives = re.split(r"(?<!\\)\|", body[1])
    words = tuple(re.sub(r"\\(.)", r"\1", a, flags=re.S) for a in alternatives)
    if any(not w or re.escape(w) != a for w, a in zip(words, alternatives)):
        return None
    return words


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


class ScanTable(NamedTuple):
    """What the grammar's terminals say about scanning, worked out once per grammar."""

    regex: re.Pattern
    literal: dict[str, tuple[str, ...]]  # keyword or punctuation text -> terminals it can be, grammar order
    phrases: dict[str, tuple[tuple[str, str], ...]]  # first word -> (rest, terminal) of keywords with spaces
    name: str  # the terminal of names, which keyword-like words fall back to
    skipped: frozenset[str]  # ignored terminals other than white space (comments): read, never parsed


@lru_cache(maxsize=8)
def scan_table(terminals: tuple, ignore: tuple) -> ScanTable:
    """The scanner's regex and keyword table for one grammar's terminals.

    Cached because lark's parser and ours both scan (lru_cache is thread-safe;
    the table is never changed after it is built)."""
    literal: dict[str, tuple[str, ...]] = {}
    regexes = []
    for term in terminals:
        choice = choice_of_strings(term.pattern)
        if choice is None:
            regexes.append(term)
        else:
            for w in choice:
                literal[w] = literal.get(w, ()) + (term.name,)
    ignored = [t for t in regexes if t.name in ignore]
    spaces = [t for t in ignored if re.fullmatch(t.pattern.to_regexp(), " ")]
    names = [t for t in regexes if t not in ignored and any(re.fullmatch(t.pattern.to_regexp(), w) for w in literal)]
    if len(names) != 1 or len(spaces) != 1:
        raise TypeError("the scanner expects one terminal of names that keywords look like, and one of ignored "
                        f"white space; kpi.lark has {[t.name for t in names]} and {[t.name for t in spaces]}")
    name, name_re = names[0].name, names[0].pattern.to_regexp()
    words: list[str] = []  # regex alternatives read before names
    punct: list[str] = []
    phrases: dict[str, tuple[tuple[str, str], ...]] = {}
    for text, kinds in literal.items():
        head, _, rest = text.partition(" ")
        if rest:  # `at least`: joined by the scanner where the state accepts it
            if not re.fullmatch(name_re, head):
                raise TypeError(f"the scanner cannot read the keyword {text!r}: its first word is not a name")
            phrases[head] = phrases.get(head, ()) + tuple((" " + rest, k) for k in kinds)
        elif re.fullmatch(name_re, text):
            continue  # read as a name, then looked up
        elif re.match(r"\w", text):  # `yes/no`: before names, or `yes` would be read as one
            words.append(re.escape(text) + (r"(?!\w)" if re.search(r"\w$", text) else ""))
        else:
            punct.append(text)
    # longest first, since re takes the first alternative that matches
    punct.sort(key=len, reverse=True)
    singles = "".join(re.escape(p) for p in punct if len(p) == 1)
    punct_re = "|".join([re.escape(p) for p in punct if len(p) > 1] + ([f"[{singles}]"] if singles else []))
    groups = [f"(?P<{WORD}>{'|'.join(words + [name_re])})", f"(?P<{PUNCT}>{punct_re})"]
    for t in sorted(regexes, key=lambda t: -t.priority):
        if t is names[0] or t is spaces[0]:
            continue
        if t.name in (WORD, PUNCT):
            raise TypeError(f"kpi.lark's terminal {t.name} has a name the scanner keeps for itself")
        groups.append(f"(?P<{t.name}>{t.pattern.to_regexp()})")
    # White space is folded into every match: one regex call a token.  The
    # alternatives of kpi.lark mostly start with different characters, so their order
    # costs nothing; words, the commonest, come first.  Where two can start alike (a
    # DATE and a QUANTITY both start with digits), the grammar's priority decides,
    # as in lark's own lexer: sorted below, highest first.
    regex = re.compile(f"(?:{spaces[0].pattern.to_regexp()})?(?:{'|'.join(groups)})?")
    return ScanTable(regex, literal, phrases, name, frozenset(t.name for t in ignored if t is not spaces[0]))


def keyword_rows(table: ScanTable, states: Any) -> dict[int, dict[str, str]]:
    """state -> {text: the terminal it is there} for the keywords and punctuation each
    parser state accepts: worked out once, so reading a token never writes anything."""
    by_terminal: dict[str, list[tuple[int, str]]] = {}
    for text, kinds in table.literal.items():
        for rank, kind in enumerate(kinds):
            by_terminal.setdefault(kind, []).append((rank, text))
    rows = {}
    for state, accepts in states.items():
        row: dict[str, str] = {}
        ranks: dict[str, int] = {}
        for kind in accepts:
            for rank, text in by_terminal.get(kind, ()):
                if text not in ranks or rank < ranks[text]:  # the grammar's first terminal wins
                    row[text], ranks[text] = kind, rank
        rows[state] = row
    return rows


class Scanner:
    """Turns text into tokens, asking the parser's current state which
    terminal a keyword-like word is.  ``stack`` is the parser's live state stack:
    the state a token is read in is ``stack[-1]``.  Nothing is written while
    scanning, so one Scanner serves any number of parses at once."""

    def __init__(self, table: ScanTable, states: Any) -> None:
        self.table = table
        self.states = states
        self.rows = keyword_rows(table, states)

    def tokens(self, text: str, stack: list[Any], on_comment: Callable[[Tok], None] | None = None,
               end_marker: Any = None) -> Iterator[Any]:
        """The tokens of ``text``, then ``end_marker`` if one is given."""
        states, rows = self.states, self.rows
        literal, phrases, name, skipped = self.table.literal, self.table.phrases, self.table.name, self.table.skipped
        # every text matches (the regex is all optional), so never None
        scan: Callable[[str, int], re.Match[str]] = self.table.regex.match  # type: ignore[assignment]
        new = tuple.__new__
        offset = 0  # of the line in the text
        # No token spans lines, so the scanner goes line by line: no newline counting.
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
                if kind == WORD or kind == PUNCT:
                    state = stack[-1]
                    if value in phrases:
                        for rest, phrase_kind in phrases[value]:
                            if phrase_kind in states[state] and source.startswith(rest, npos):
                                value, npos = value + rest, npos + len(rest)
                                break
                    resolved = rows[state].get(value)
                    if resolved is None and kind == PUNCT and len(value) > 1:
                        # `a+-b` in a formula: `+-` (±) is not taken here, so `+` then `-`,
                        # as lark's contextual lexer reads it
                        for cut in range(len(value) - 1, 0, -1):
                            shorter = rows[state].get(value[:cut])
                            if shorter is not None:
                                value, npos, resolved = value[:cut], start + cut, shorter
                                break
                    if resolved is not None:
                        kind = resolved
                    else:
                        kinds = literal.get(value)
                        # a keyword the state does not accept is a name where a name fits;
                        # otherwise the parser is handed the keyword, so its error names it
                        kind = kinds[0] if kinds is not None and (kind == PUNCT or name not in states[state]) else name
                elif kind in skipped:  # a comment: not the parser's, but the formatter keeps it
                    if on_comment is not None:
                        on_comment(new(Tok, (kind, value, line, start + 1, npos + 1, offset + start, offset + npos)))
                    pos = npos
                    continue
                yield new(Tok, (kind, value, line, start + 1, npos + 1, offset + start, offset + npos))
                pos = npos
            offset += end + 1
        if end_marker is not None:
            yield end_marker


class KpiLexer(Lexer):
    """The Scanner behind lark's lexer interface, for lark's own parser, which
    explains syntax errors: its exceptions want lark Tokens."""

    # lark 1.x calls lex(lexer_state, parser_state) only on lexers that declare this:
    # the scanner needs the parser's state (tests/test_lark_internals.py holds lark to it)
    __future_interface__ = 1

    def __init__(self, lexer_conf: Any) -> None:
        self.table = scan_table(tuple(lexer_conf.terminals), tuple(lexer_conf.ignore))
        self.scanner: Scanner | None = None

    def lex(self, lexer_state: Any, parser_state: Any) -> Iterator[Token]:
        text = lexer_state.text
        text = getattr(text, "text", text)  # lark 1.3 hands over a TextSlice
        # Built on the first syntax error and kept: a file with many broken statements
        # is explained one statement at a time, and the keyword rows cost a whole table.
        states = parser_state.parse_conf.parse_table.states
        scanner = self.scanner
        if scanner is None or scanner.states is not states:
            scanner = self.scanner = Scanner(self.table, states)
        try:
            for t in scanner.tokens(text, parser_state.state_stack):
                yield Token(t.type, t.value, t.start_pos, t.line, t.column, t.line, t.end_column, t.end_pos)
        except UnexpectedCharacters as exc:
            exc.state = parser_state.position
            raise
