"""The form's square root (templates/form/decimal.js) digit for digit against the Python
evaluator's, on values worked by hand (√2, √3, √125 to 20 places, exact roots, ties to even,
a negative value), and a form refused for a rubric whose scores read a group figure."""

from __future__ import annotations

from decimal import Decimal

import group_stats_cases as cases
import nodejs
import pytest

from kpidsl.backends.form import javascript
from kpidsl.backends.form.html import render
from kpidsl.numbers.stats import sqrt

VALUES = ["0", "2", "3", "125", "10", "156.25", "0.0001", "-4", "-3.50",
          "1.000000000000000000010000000000000000000025", "1.000000000000000000030000000000000000000225",
          "123456789012345678.123456"]


@pytest.mark.node
def test_the_form_s_square_root_equals_python_s():
    script = javascript.decimal_library() + """
const xs = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = xs.map((x) => { try { return Dec.str(Dec.sqrt(Dec.parse(x))); } catch (e) { return e.message; } });
process.stdout.write(JSON.stringify(out));
"""
    got = nodejs.run(script, VALUES)

    def python(x: str) -> str:
        try:
            return format(sqrt(Decimal(x)), "f")
        except Exception as e:  # the data error, in its words
            return str(e)
    assert [Decimal(g) if g[0].isdigit() else g for g in got] == \
        [Decimal(p) if p[0].isdigit() else p for p in map(python, VALUES)]
    assert got[1] == "1.4142135623730950488" and got[7] == "square root of a negative number: -4"


@pytest.mark.parametrize("lang, words", [("zh", "一张表单只填一个人"), ("en", "a form scores one person")])
def test_a_form_is_refused_when_scores_read_a_group_figure(lang, words):
    with pytest.raises(ValueError, match=words):
        render(cases.scorer(cases.CALIBRATED).plan, lang)


def test_a_form_shows_a_square_root_of_a_person_s_own_value():
    assert "Dec.sqrt(" in render(cases.scorer(cases.ROOTS).plan, "zh")
