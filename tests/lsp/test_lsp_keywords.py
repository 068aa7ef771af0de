"""The one function where `kpi lsp` leans on lark: which keywords the parser state accepts.

If the parser's internals change (another lexer, another table), this pins what completion
must still offer at each kind of cursor.
"""

from __future__ import annotations

import pytest

pytest.importorskip("pygls")
pytestmark = pytest.mark.lsp

from kpidsl.lsp.keywords import accepted  # noqa: E402

STATEMENTS = {"rubric", "input", "metric", "section", "item", "grade", "award", "use", "rater", "person", "group",
              "period", "total", "round", "veto", "note"}


def test_at_the_top_every_statement_keyword_and_no_name():
    words, name = accepted("")
    assert STATEMENTS <= words and not name


def test_inside_an_item_block_its_clauses():
    words, name = accepted('section s "s" weight 10% {\n  item a "a" points 5 { ')
    assert {"tiers", "deduct", "proportional", "ratio", "entered", "criteria", "bonus", "level", "scale"} <= words
    assert "rubric" not in words and not name


def test_after_a_colon_the_units_including_yes_no():
    words, name = accepted('input x "x": ')
    assert words == {"percent", "count", "money", "hours", "days", "points", "number", "level", "yes/no", "date"}


def test_word_sets_split_into_their_words():
    assert accepted("period ")[0] == {"monthly", "quarterly", "yearly"}
    assert {"at least", "below", "is"} <= accepted("award a 100 when grade ")[0]


def test_where_only_a_name_fits():
    assert accepted("item a points 5 { entered by ") == (frozenset(), True)


def test_a_prefix_that_does_not_parse_says_so():
    assert accepted("item item item") is None
