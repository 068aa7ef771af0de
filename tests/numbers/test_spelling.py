"""One spelling of a number and of a percent (numbers/spelling.py), used by every message,
page, chart and output.  Expected texts are written out by hand."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpidsl.backends.docs.text import num
from kpidsl.check.base import fmt, fmt_in
from kpidsl.numbers.spelling import in_unit, percent, spell

KPIDSL = Path(__file__).resolve().parents[2] / "kpidsl"


@pytest.mark.parametrize(("value", "text"), [
    ("0.935", "93.5%"), ("1", "100%"), ("0.9", "90%"), ("1.05", "105%"), ("0", "0%"), ("-0", "0%"),
    ("-0.00", "0%"), ("-0.015", "-1.5%"), ("0.0000001", "0.00001%"),
])
def test_a_fraction_is_said_as_a_percent(value, text):
    assert percent(Decimal(value)) == text


@pytest.mark.parametrize(("value", "text"), [
    ("85.50", "85.5"), ("100", "100"), ("1E+2", "100"), ("-0", "0"), ("-0.000", "0"), ("0.10", "0.1"),
    ("1E-7", "0.0000001"),
    # more digits than Python's default 28: kept, not rounded (the old .normalize() rounded them)
    ("1234567890.12345678901234567891", "1234567890.12345678901234567891"),
])
def test_a_number_is_said_without_trailing_zeros_and_never_minus_zero(value, text):
    assert spell(Decimal(value)) == text


def test_every_layer_says_it_the_same_way():
    minus_zero = Decimal("-0.0")
    assert in_unit(minus_zero, "percent") == num(minus_zero, True) == fmt_in(minus_zero, "percent") == "0%"
    assert in_unit(minus_zero, None) == num(minus_zero) == fmt_in(minus_zero, "count") == fmt(minus_zero) == "0"
    assert fmt(Decimal("Infinity")) == "unbounded" and fmt_in(Decimal("-Infinity"), "percent") == "-unbounded"


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None, min_value=-10**12, max_value=10**12))
def test_the_spelling_reads_back_as_the_value(x):
    text = spell(x)
    assert Decimal(text) == x
    assert not text.startswith("-0") or (x != 0 and text.startswith("-0."))
    assert "E" not in text and (text == "0" or "." not in text or not text.endswith("0"))
    sign, digits, exponent = x.as_tuple()
    assert Decimal(percent(x)[:-1]) == Decimal((sign, digits, int(exponent) + 2))  # x × 100, exactly


def test_no_module_spells_a_number_its_own_way():
    """``(x * 100).normalize()`` and ``format(x.normalize(), "f")`` were ten homes of one
    fact; a new one here means a message or page may say -0, or 93.50, where others say 93.5."""
    own = re.compile(r"normalize\(\)\s*:f\}|normalize\(\),\s*[\"']f[\"']|\* 100\)\.normalize\(\)")
    found = [f"{p.relative_to(KPIDSL)}:{i}" for p in KPIDSL.rglob("*.py") if p.name != "spelling.py"
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if own.search(line)]
    assert found == []
