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

A Driver is built once and never changed: each parse keeps its stacks in local
variables and its results in the builder it is given, so parses may run in many
threads at once.  The table's layout (``states``, ``Shift``, lark's ``Rule``) is
lark 1.3's; tests/test_lark_internals.py checks it.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

from lark.exceptions import UnexpectedCharacters
from lark.parsers.lalr_analysis import Shift

# What a reduction does with the values it pops (see _compile).
_GOTO, _PICK, _WHOLE, _SOME, _SPLICE = range(5)


class Rejected(Exception):
    """The text does not parse; ask lark's own driver why."""


class _Repeat(list):
    """The children of one of lark's repetition rules, to splice into the parent."""

    __slots__ = ()


class _End(tuple):
    """The end-of-input token."""

    __slots__ = ()


_END = _End(("$END",))


class Driver:
    """Runs one grammar's table.  ``builder_type`` has a method per rule, looked up
    here once; ``parse`` calls them on the builder it is handed."""

    def __init__(self, parse_table: Any, scanner: Any, builder_type: type, start: str = "start") -> None:
        self.scanner = scanner
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
                        self.rules.append(_compile(arg, builder_type))
                    row[symbol] = ~rule_index[arg]

    def parse(self, text: str, builder: Any, on_comment: Callable[[Any], None] | None = None) -> Any:
        table, rules, end = self.table, self.rules, self.end_state
        state = self.start_state
        stack: list[int] = [state]
        values: list = []
        push_state, push = stack.append, values.append
        try:
            # One loop for the tokens and the end marker after them: this is
            # the hot path of a large rubric, so reductions are inlined.
            for token in self.scanner.tokens(text, stack, on_comment, _END):
                kind = token[0]
                while True:
                    act = table[state].get(kind)
                    if act is None:
                        raise Rejected
                    if act >= 0:
                        push_state(act)
                        push(token)
                        state = act
                        break
                    size, origin, how, arg, build = rules[~act]
                    if how == _GOTO:  # a chain rule: the value stays, only the state changes
                        state = stack[-1] = table[stack[-2]][origin]
                        if state == end:
                            return values[-1]
                        continue
                    if how == _SOME:  # pick the kept children straight off the stack
                        children = arg(values)
                    elif size:
                        children = values[-size:]
                    else:
                        children = []
                    if size:
                        del stack[-size:]
                        del values[-size:]
                    if how == _PICK:
                        value = children[arg]
                    else:
                        if how == _SPLICE:
                            children = _splice(children, arg)
                        value = build(builder, children) if build is not None else _Repeat(children)
                    state = table[stack[-1]][origin]
                    push_state(state)
                    push(value)
                    if state == end:
                        return values[-1]
        except UnexpectedCharacters:
            raise Rejected from None
        raise Rejected


def _splice(children: Any, parts: Any) -> _Repeat:
    kept = None
    for i, splice in parts:
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
    return kept if kept is not None else _Repeat()


def _compile(rule: Any, builder_type: type) -> tuple[Any, ...]:
    """(size, origin, how, arg, build) for one grammar rule."""
    kept = [(i, not sym.is_term and sym.name.startswith("_"))
            for i, sym in enumerate(rule.expansion)
            if rule.options.keep_all_tokens or not (sym.is_term and sym.filter_out)]
    size, origin = len(rule.expansion), rule.origin.name
    if rule.options.expand1 and not rule.alias:
        # ``?rule``: one child left means that child.  No rule of kpi.lark
        # keeps several children under a ``?`` without naming them (`-> name`).
        if len(kept) != 1 or kept[0][1]:
            raise TypeError(f"grammar rule {origin!r} keeps {len(kept)} children under `?`")
        if size == 1:
            return (size, origin, _GOTO, None, None)
        return (size, origin, _PICK, kept[0][0], None)
    name = rule.alias or origin
    build = getattr(builder_type, name, None)  # a plain function: called with the parse's builder
    if build is None and not name.startswith("_"):
        raise TypeError(f"the AST builder has no method for grammar rule {name!r}")
    if any(splice for _, splice in kept):
        return (size, origin, _SPLICE, tuple(kept), build)
    if len(kept) == size:
        return (size, origin, _WHOLE, None, build)
    # _SOME reads the kept children off the value stack, counting from its top
    if not kept:
        return (size, origin, _SOME, lambda values: (), build)
    if len(kept) == 1:
        i = kept[0][0] - size
        return (size, origin, _SOME, lambda values: (values[i],), build)
    return (size, origin, _SOME, itemgetter(*(i - size for i, _ in kept)), build)
