"""The fast path of `kpi eval` (issue 14): the generated reader takes every common spelling
(bare percents under --percent-cells whole and fraction, numbers from XLSX and JSON), a
declared group costs no second parse, and the one-pass output spells every value as
``spelling.spell`` does.  What the fast reader reads is held to ``cells.read`` for any
cell in tests/test_cells.py; here, that the common spellings do go the fast way, and that
the fast output equals the general path's on values that test its spelling.
"""

from __future__ import annotations

import csv
import io
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpidsl.api import Scorer, load_text
from kpidsl.data.cells import PercentNumber, read, spec_of
from kpidsl.data.fast_reader import compile_row_reader
from kpidsl.data.validate import Validator
from kpidsl.engine.output import Table, write_csv
from kpidsl.lower.lowerer import lower

EXAMPLES = int(os.environ.get("KPI_EXAMPLES", "150"))

RUBRIC = ('rubric "读数"\nperson id "工号"\ngroup team "团队"\n'
          'input r "及时率": percent range 50%..150%\ninput k "次数": count range 0..20\n'
          'input m "金额": money\n'
          'item a "A" points 40 { tiers r { when >= 90%: 40 else: 0 } }\n'
          'item b "B" points 30 { deduct 5 per k }\n'
          'item d "D" points 30 { level "好": 30 level "中": 15 level "差": 0 }\n')


def _plan(text: str = RUBRIC):
    program, diags = load_text(text, "fast.kpi")
    assert program is not None and not diags, diags
    return lower(program)


HEADER = ["工号", "团队", "period", "r", "k", "m", "d"]


def test_bare_percents_go_the_fast_way_in_whole_and_fraction_mode():
    plan = _plan()
    for mode, cell, want in (("whole", "93.5", "0.935"), ("fraction", "0.935", "0.935"), ("whole", "93.5%", "0.935"),
                             ("fraction", "93.5%", "0.935"), ("whole", "100", "1.00")):
        v = Validator(plan, "x.csv", HEADER, mode)
        assert v.fast is not None
        cells = v.fast(["E1", "华东一组", "2024-01", cell, "2", "12500", "15"])
        assert cells is not None, (mode, cell)
        assert str(cells["r"]) == want == str(read(spec_of(plan.columns[0], mode), cell))


def test_numbers_from_a_workbook_go_the_fast_way_and_read_as_the_spec_reads():
    plan = _plan()
    for mode, cell in (("strict", PercentNumber(0.935)), ("whole", 93.5), ("fraction", 0.935), ("whole", 93)):
        v = Validator(plan, "x.xlsx", HEADER, mode)
        values = ["E1", "华东一组", "2024-01", cell, 2, 12500.5, 15]
        cells = v.fast(values)  # type: ignore[misc]
        assert cells is not None, (mode, cell)
        specs = {c.name: spec_of(c, mode) for c in plan.columns}
        for name, i in (("r", 3), ("k", 4), ("d", 6)):  # m: no rule reads it
            assert str(cells[name]) == str(read(specs[name], values[i])), (mode, name)
    # a bare number in a percent column, strict: declined, and the spec explains
    v = Validator(plan, "x.xlsx", HEADER, "strict")
    assert v.fast(["E1", "华东一组", "2024-01", 0.935, 2, 12500, 15]) is None  # type: ignore[misc]


def test_a_group_column_costs_no_second_parse_and_is_read_as_the_general_path_reads_it():
    plan = _plan()
    v = Validator(plan, "x.csv", HEADER, "whole")
    calls = []
    inner = v.fast
    assert inner is not None

    def counting(values):
        calls.append(1)
        return inner(values)
    v.fast = counting
    slow = Validator(plan, "x.csv", HEADER, "whole")
    slow.fast = None
    for values in (["E1", " 华东一组 ", "2024-01", "93", "2", "12500", "15"],
                   ["E2", "", "2024-01", "93", "2", "12500", "15"],
                   ["E3", 7, "2024-01", "93", "2", "12500", "15"],  # a number as the group: the general path
                   [" ", "华南组", "2024-01", "93", "2", "12500", "15"]):
        calls.clear()
        got, want = v.row(2, values), slow.row(2, values)
        assert len(calls) == 1, values
        assert (got is None) == (want is None)
        if got is not None and want is not None:
            assert (got.person, got.period, got.groups, got.cells) == (want.person, want.period, want.groups,
                                                                        want.cells)
    assert [str(e) for e in v.errors] == [str(e) for e in slow.errors]


def test_the_generated_reader_covers_bare_percents_in_each_mode_it_accepts():
    """Not vacuous: each mode's usual spelling of a good value is taken, with the spec's digits."""
    col = _plan().columns[0]
    for mode, cells in (("whole", ["50", "93.25", "150", "100.0"]), ("fraction", ["0.5", "0.9325", "1.5", "1"])):
        spec = spec_of(col, mode)
        for cell in cells:
            fast = compile_row_reader([(spec, 0)])([cell])
            assert fast is not None and str(fast["r"]) == str(read(spec, cell)), (mode, cell)


PAY = ('rubric "工资"\ninput m "金额": money\ninput n "扣款": money\ninput k "次数": count\n'
       'item a "A" points 90 { proportional m / 1000 }\n'
       'item b "B" points 10 { deduct 7.5 per k no floor }\n'
       'pay p1 "P1" = m * 3 - n\npay p2 "P2" = (m - n) / 7\npay p3 "P3" = (n - m) / 4 * 0\n'
       'pay p4 "P4" = m / 1000000000\npay p5 "P5" = m * 100000\n')
money = st.one_of(st.integers(0, 10 ** 9).map(str),
                  *(st.decimals(0, 10 ** 6, places=p).map(lambda d: f"{d:f}") for p in (1, 2, 4)),
                  st.sampled_from(["0", "0.00", "12.50", "1000", "0.0000001", "999999999.99"]))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(money, money, st.integers(0, 5)), min_size=1, max_size=6), st.sampled_from(["", "round total to 0.01\n",
                                                                                  "round total to 1\n",
                                                                                  "round money to 0.01\n"]))
def test_the_fast_output_spells_every_value_as_the_general_path_does(rows, rounding):
    """Negative values, zeros with a sign, exponents, trailing zeros and declared places: the
    spelling the generated one-pass function takes from str() is spelling.spell's."""
    text = PAY.replace('input m', rounding + 'input m', 1)
    scorer = Scorer(_plan(text))
    assert scorer.evaluator.streams_lines
    data = scorer.rows([{"id": f"p{j}", "m": m, "n": n, "k": str(k)} for j, (m, n, k) in enumerate(rows)])
    general = io.StringIO()
    write_csv(Table(scorer.plan), scorer.evaluator.evaluate(data), general)
    fast = io.StringIO()
    w = csv.writer(fast)
    w.writerow(Table(scorer.plan).headers)
    errors: list = []
    w.writerows(scorer.evaluator.stream_lines(data, errors))
    assert not errors
    assert fast.getvalue() == general.getvalue()
