"""The parts of lark that are not its public API and that kpidsl reads (grammar.py, lalr.py,
lexer.py, syntax_errors.py) are still where and what they were in lark 1.3.

pyproject.toml pins ``lark>=1.3,<1.4`` for this reason.  Before widening the pin, run
this file against the new lark: each failure names what moved and who reads it.
"""

import tomllib
from pathlib import Path

import lark
import pytest
from lark.exceptions import UnexpectedCharacters, UnexpectedToken
from lark.grammar import Rule
from lark.parsers.lalr_analysis import Reduce, Shift

from kpidsl.syntax.grammar import compiled, grammar_path, parse_table
from kpidsl.syntax.lexer import KpiLexer, choice_of_strings

ROOT = Path(__file__).resolve().parents[2]


def need(ok, what: str) -> None:
    if not ok:
        pytest.fail(f"lark {lark.__version__} no longer has {what}; kpidsl reads it "
                    "(see the module docstring of tests/test_lark_internals.py)", pytrace=False)


def test_the_pin_names_the_installed_minor_version():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    pin = next(d for d in deps if d.startswith("lark"))
    assert pin == "lark>=1.3,<1.4", f"pyproject.toml pins {pin!r}: a wider pin needs this file to pass on every version in it"
    need(lark.__version__.startswith("1.3."), f"the version this file was written for (1.3.x; installed: {lark.__version__})")


def test_the_parse_table_is_where_and_what_the_driver_reads():
    parser = compiled()
    need(hasattr(parser, "parser") and hasattr(parser.parser, "parser") and hasattr(parser.parser.parser, "parser")
         and hasattr(parser.parser.parser.parser, "parse_table"),
         "the LALR table at Lark.parser.parser.parser.parse_table (grammar.parse_table)")
    table = parse_table(parser)
    for attr in ("states", "start_states", "end_states"):
        need(isinstance(getattr(table, attr, None), dict), f"a dict parse_table.{attr} (lalr.Driver)")
    need(isinstance(table.start_states.get("start"), int) and isinstance(table.end_states.get("start"), int),
         "start_states/end_states keyed by the start rule's name, giving int states (lalr.Driver)")
    need(all(isinstance(s, int) and isinstance(row, dict) for s, row in table.states.items()),
         "parse_table.states as {int state: {symbol name: action}} (lalr.Driver, lexer.keyword_rows)")
    shifts = reduces = 0
    for row in table.states.values():
        for symbol, action in row.items():
            need(isinstance(symbol, str) and isinstance(action, tuple) and len(action) == 2,
                 "each action as a pair (Shift or Reduce, argument) keyed by the symbol's name (lalr.Driver)")
            kind, arg = action
            need(kind is Shift or kind is Reduce,
                 "the action kinds lark.parsers.lalr_analysis.Shift / Reduce, compared with `is` (lalr.Driver)")
            if kind is Shift:
                shifts += 1
                need(isinstance(arg, int) and arg in table.states, "a Shift's argument as the next state, an int")
            else:
                reduces += 1
                need(isinstance(arg, Rule), "a Reduce's argument as a lark.grammar.Rule (lalr._compile)")
    need(shifts and reduces, "both Shift and Reduce actions in the table")


def test_rules_carry_what_the_driver_compiles():
    rules = {id(arg): arg for row in parse_table(compiled()).states.values()
             for kind, arg in row.values() if kind is Reduce}.values()
    for rule in rules:
        need(isinstance(getattr(rule.origin, "name", None), str), "Rule.origin.name (lalr._compile)")
        need(rule.alias is None or isinstance(rule.alias, str), "Rule.alias, the `-> name` of a rule (lalr._compile)")
        for opt in ("keep_all_tokens", "expand1"):
            need(hasattr(rule.options, opt), f"Rule.options.{opt}, from `!rule` / `?rule` (lalr._compile)")
        for sym in rule.expansion:
            need(isinstance(sym.name, str) and isinstance(sym.is_term, bool), "Symbol.name and Symbol.is_term (lalr._compile)")
            if sym.is_term:
                need(hasattr(sym, "filter_out"), "Terminal.filter_out, true for anonymous keywords (lalr._compile)")
    # `x*` is compiled to a helper rule whose name starts with "_", spliced into its parent
    need(any(r.origin.name.startswith("__") for r in rules), "repetition helper rules named `__…` (lalr._compile splices `_` rules)")
    need(any(r.options.expand1 for r in rules) and any(r.options.keep_all_tokens for r in rules),
         "`?rule` and `!rule` recorded on the rules kpi.lark marks")


def test_terminals_are_what_the_scanner_derives_from():
    parser = compiled()
    need(isinstance(parser.lexer_conf.ignore, (list, tuple)) and "WS" in parser.lexer_conf.ignore,
         "Lark.lexer_conf.ignore, the %ignore'd terminal names (grammar.scan_table_for)")
    terminals = {t.name: t for t in parser.terminals}
    for t in terminals.values():
        need(t.pattern.type in ("str", "re") and isinstance(t.pattern.value, str) and callable(t.pattern.to_regexp),
             "TerminalDef.pattern with .type 'str'/'re', .value and .to_regexp() (lexer.scan_table)")
    need(terminals["RUBRIC"].pattern.type == "str" and terminals["RUBRIC"].pattern.value == "rubric",
         "keywords as str patterns named after their text (lexer.scan_table)")
    # A terminal written as a choice of strings compiles to "(?:a|b)" of escaped strings.
    need(set(choice_of_strings(terminals["PERIOD_KIND"].pattern) or ()) == {"monthly", "quarterly", "yearly"}
         and set(choice_of_strings(terminals["GRADE_TEST"].pattern) or ()) == {"is", "below", "at least"}
         and set(choice_of_strings(terminals["PLUSMINUS"].pattern) or ()) == {"±", "+-"},
         "a choice of strings (`PERIOD_KIND: \"monthly\" | …`) compiled to `(?:monthly|…)` (lexer.choice_of_strings)")


def test_lark_hands_a_future_interface_lexer_the_parser_state():
    seen = {}

    class Recording(KpiLexer):
        def lex(self, lexer_state, parser_state):
            seen["text"] = getattr(lexer_state.text, "text", lexer_state.text)
            seen["states"] = parser_state.parse_conf.parse_table.states
            seen["stack"] = parser_state.state_stack
            seen["position"] = parser_state.position
            return super().lex(lexer_state, parser_state)

    need(getattr(KpiLexer, "__future_interface__", None) == 1, "the __future_interface__ switch lexer.KpiLexer sets")
    parser = lark.Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer=Recording, maybe_placeholders=False)
    try:
        parser.parse('rubric "x"\n')
    except TypeError as exc:
        need(False, f"lex(lexer_state, parser_state) for lexers with __future_interface__ = 1 ({exc})")
    need(seen.get("text") == 'rubric "x"\n', "LexerState.text (a TextSlice with .text in 1.3, or the str)")
    need(isinstance(seen.get("states"), dict), "ParserState.parse_conf.parse_table.states (lexer.KpiLexer)")
    need(isinstance(seen.get("stack"), list), "ParserState.state_stack, the live state stack (lexer.Scanner)")
    need(isinstance(seen.get("position"), int), "ParserState.position, the state an error happened in (lexer.KpiLexer)")


def test_errors_carry_what_the_messages_read():
    parser = compiled()
    with pytest.raises(UnexpectedToken) as caught:
        parser.parse('input rate "及时率" = percent')
    exc = caught.value
    need(exc.token.type == "EQUAL" and exc.token.value == "=" and isinstance(exc.expected, (set, frozenset)),
         "UnexpectedToken.token and .expected (syntax_errors.describe_unexpected_token)")
    need("COLON" in exc.interactive_parser.accepts(),
         "UnexpectedToken.interactive_parser.accepts() (syntax_errors.describe_unexpected_token)")
    with pytest.raises(UnexpectedCharacters) as chars:
        parser.parse('input rate "及时率"： percent')
    need(chars.value.pos_in_stream == 'input rate "及时率"'.__len__() and chars.value.line == 1,
         "UnexpectedCharacters(seq, lex_pos, line, column) and its .pos_in_stream (lexer.Scanner, syntax_errors)")
