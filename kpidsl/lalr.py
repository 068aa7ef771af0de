"""A lean LALR(1) driver over lark's parse table: the parser's fast path.

lark builds the grammar's tables and owns every syntax error; this module only
runs those tables on text that parses.  lark's own driver is general: each
reduction passes through a chain of wrapper objects (child filter, single-child
expansion) and hashes ``Rule`` objects, which made it most of a 10,000-item
rubric's check time.  Here every rule is compiled once into a tuple the loop
reads directly, and chain rules such as ``expr: sum`` or ``statement: item``
(which only rename the value on the stack) cost one goto.

The shaping rules are lark's (see ``lark.parse_tree_builder``): tokens from
anonymous string terminals are dropped unless the rule is ``!``-marked, a
``?rule`` with one child left is replaced by that child, and children from
lark's generated ``__x_star_n`` repetition rules are spliced into their parent.

On the first token the table does not allow (or a character no token starts
with), ``parse`` raises ``Rejected`` and the caller parses again with lark's
own driver, whose exceptions carry the parser state the error messages need.
Both drivers read the same table, so they accept the same texts and build the
same trees; tests/test_properties.py holds them to it.
"""

from __future__ import annotations

from lark.exceptions import UnexpectedCharacters
from lark.parsers.lalr_analysis import Shift

_GOTO, _PICK, _BUILD = 0, 1, 2


class Rejected(Exception):
    """The text does not parse; ask lark's own driver why."""


class _Repeat(list):
    """The children of one of lark's repetition rules, to splice into the parent."""

    __slots__ = ()


class Driver:
    def __init__(self, parse_table, scanner, builder, start: str = "start"):
        self.scanner = scanner
        self.states = parse_table.states  # the scanner reads each state's acceptable terminals
        self.start_state = parse_table.start_states[start]
        self.end_state = parse_table.end_states[start]
        rule_index: dict = {}
        self.rules: list[tuple] = []
        # state -> {symbol: shift or goto state (>= 0) or ~rule index (< 0)}
        self.table: dict[int, dict[str, int]] = {}
        for state, actions in parse_table.states.items():
            row = self.table[state] = {}
            for symbol, (action, arg) in actions.items():
                if action is Shift:
                    row[symbol] = arg
                else:
                    if arg not in rule_index:
                        rule_index[arg] = len(self.rules)
                        self.rules.append(_compile(arg, builder))
                    row[symbol] = ~rule_index[arg]

    def parse(self, text: str, on_comment=None):
        table, rules, stack, values = self.table, self.rules, [self.start_state], []
        try:
            for token in self.scanner.tokens(text, self.states, stack, on_comment):
                kind = token[0]
                while True:
                    act = table[stack[-1]].get(kind)
                    if act is None:
                        raise Rejected
                    if act >= 0:
                        stack.append(act)
                        values.append(token)
                        break
                    rule = rules[~act]
                    if rule[2] == _GOTO:  # a chain rule: the value stays, only the state changes
                        stack[-1] = table[stack[-2]][rule[1]]
                    else:
                        _reduce(rule, table, stack, values)
        except UnexpectedCharacters:
            raise Rejected from None
        end = self.end_state
        while stack[-1] != end:
            act = table[stack[-1]].get("$END")
            if act is None or act >= 0:
                raise Rejected
            rule = rules[~act]
            if rule[2] == _GOTO:
                stack[-1] = table[stack[-2]][rule[1]]
            else:
                _reduce(rule, table, stack, values)
        return values[-1]


def _reduce(rule, table, stack, values) -> None:
    size, origin, kind, arg, build, expand1 = rule
    if size:
        children = values[-size:]
        del stack[-size:]
        del values[-size:]
    else:
        children = []
    if kind == _PICK:
        value = children[arg]
    else:
        if arg is not None:
            kept = None
            for i, splice in arg:
                child = children[i]
                if splice:
                    if kept is None:
                        kept = child  # left recursion: grow the child's list in place
                    else:
                        kept.extend(child)
                elif kept is None:
                    kept = _Repeat((child,))
                else:
                    kept.append(child)
            children = kept if kept is not None else _Repeat()
        if build is None:
            value = children if type(children) is _Repeat else _Repeat(children)
        elif expand1 and len(children) == 1:
            value = children[0]
        else:
            value = build(children)
    values.append(value)
    stack.append(table[stack[-1]][origin])


def _compile(rule, builder) -> tuple:
    """(size, origin, kind, arg, build, expand1) for one grammar rule."""
    keep_all = rule.options.keep_all_tokens
    kept = [(i, not sym.is_term and sym.name.startswith("_"))
            for i, sym in enumerate(rule.expansion)
            if keep_all or not (sym.is_term and sym.filter_out)]
    size, origin = len(rule.expansion), rule.origin.name
    expand1 = bool(rule.options.expand1) and not rule.alias
    if expand1 and len(kept) == 1 and not kept[0][1]:
        if size == 1:
            return (size, origin, _GOTO, None, None, True)
        return (size, origin, _PICK, kept[0][0], None, True)
    name = rule.alias or origin
    build = getattr(builder, name, None)
    if build is None and not name.startswith("_"):
        raise TypeError(f"the AST builder has no method for grammar rule {name!r}")
    whole = len(kept) == size and not any(splice for _, splice in kept)
    return (size, origin, _BUILD, None if whole else tuple(kept), build, expand1)
