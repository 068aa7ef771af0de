"""One data cell, one reading: the ways the readers drifted apart, pinned through the public API."""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpidsl import ir
from kpidsl.api import load_rubric, load_text
from kpidsl.data.cells import PERCENT_MODES, CellError, PercentNumber, read, spec_of
from kpidsl.data.fast_reader import compile_row_reader
from kpidsl.data.source import DataProblems, read_rows
from kpidsl.data.validate import Validator
from kpidsl.lower.lowerer import lower

D = Decimal

RANGED = '''rubric "区间"
input r "及时率": percent range 50%..150%
item a "A" points 100 { tiers r { when >= 90%: 100 else: 0 } }
'''

SCALE = '''rubric "量表"
item a "A" points 100 { scale 1.5: 0, 2: 50, 3: 100 }
'''


def test_a_percent_just_below_its_range_is_refused_whatever_the_decimal_context(write, tmp_path):
    """Thirty digits of 49.999…% is below 50%: the batch path read it under the default
    28-digit context, rounded it to 50% and scored it; the streaming path refused it."""
    s = load_rubric(write(RANGED))
    cell = "49.99999999999999999999999999999%"
    with pytest.raises(DataProblems) as e:
        s.rows([{"id": "a", "r": cell}])
    assert "below the lowest allowed value 50%" in e.value.errors[0].message
    data = tmp_path / "d.csv"
    data.write_text(f"id,r\na,{cell}\nb, {cell}\n", encoding="utf-8")
    with pytest.raises(DataProblems) as e:
        read_rows(s.plan, [data])
    assert [x.row for x in e.value.errors] == [2, 3]  # the usual spelling and the unusual one alike


def test_a_scale_step_with_a_fraction_is_read_the_same_however_it_is_spelled(write):
    """`scale 1.5: …` offers 1.5: the generated reader took "1.5", the full reader refused
    " 1.5" as not a whole number."""
    s = load_rubric(write(SCALE))
    rows = s.rows([{"id": "a", "a": "1.5"}, {"id": "b", "a": " 1.5"}])
    assert [r.cells["a"] for r in rows] == [D("1.5"), D("1.5")]
    with pytest.raises(DataProblems) as e:
        s.rows([{"id": "c", "a": "2.5"}])
    assert "not one of the allowed values 1.5, 2, 3" in e.value.errors[0].message


@pytest.mark.parametrize("cell", ["100%", " 100%", "100 %", "１００％"])
def test_a_percent_is_read_to_the_same_digits_however_it_is_spelled(write, cell):
    """"100%" was Decimal('1.00') on the fast paths and Decimal('1') on the full one."""
    s = load_rubric(write(RANGED))
    (row,) = s.rows([{"id": "a", "r": cell}])
    assert str(row.cells["r"]) == "1.00"


@pytest.mark.parametrize("mode, cell, want", [("whole", "100", "1.00"), ("whole", 93, "0.93"),
                                               ("fraction", "1.00", "1.00"), ("strict", "0", "0")])
def test_bare_numbers_in_a_percent_column_follow_the_percent_mode(write, mode, cell, want):
    s = load_rubric(write(RANGED.replace("50%..150%", "0%..150%")))
    (row,) = s.rows([{"id": "a", "r": cell}], percent=mode)
    assert str(row.cells["r"]) == want


# ---- the generated reader against the spec, for every kind of column ------------------------------

EXAMPLES = int(os.environ.get("KPI_EXAMPLES", "150"))
ROOT = Path(__file__).resolve().parents[2]

# Spellings of a cell, usual and not: the fast reader may decline any of them (the spec's
# reader then reads or explains it) but must never read one differently.
ODD = ["93%", "93.5%", "100%", "0%", "93", "0.93", "-3", "3", "0", "00", "007", "12.50", "1e3", "1E3", "1_000",
       " 5", "5 ", "３", "٣", "²", "nan", "NaN", "Infinity", "9.%", ".5", "5.", "-0", "-0%", "-0.0", "+5", "-1.5%",
       "93 %", "９３％", "93％", "是", "否", "yes", "No", "√", "", " ", "12,500", "¥12", "12元", "1.2.3", "不适用",
       "n/a", "-", "5%%", "%", "1.5", "2.5", "0.5", "4", "6", "21", "20", "150%", "151%", "49%", "50%", "3\n",
       None, 0, 1, 93, -1, 0.5, 0.93, 3.0, float("nan"), float("inf"), True, False,
       PercentNumber(0.93), PercentNumber(1.2), PercentNumber(-0.01)]
# Commas: thousands separators in groups of three, and what is not one (1,00; a decimal comma)
COMMAS = ["1,000", "12,345.5", "1,00", "3,5", "0,5%", "1,0000", ",5", "1,000,", "1,,000", "1，000", "1,000.5%",
          "-1,000", "+12,345", "1,234,567", "12,34,567", "1,000.00元", "¥1,000", "1.000,5", "1,000 ", "1 ,000"]
UNITS = ["percent", "count", "money", "number", "points", "level", "yes/no", "days", "hours"]
BOUNDS = [None, D(0), D("0.5"), D(1), D(-1), D("1.5"), D(3), D(20), D("-0.5"), D("0.9")]


def _shipped_columns() -> list[ir.Column]:
    out = []
    for p in sorted((ROOT / "rubrics").glob("*.kpi")):
        out.extend(load_rubric(p).plan.columns)
    return out


SHIPPED = _shipped_columns()


@st.composite
def columns(draw) -> ir.Column:
    if draw(st.booleans()):
        return draw(st.sampled_from(SHIPPED))
    unit = draw(st.sampled_from(UNITS))
    low, high = draw(st.sampled_from(BOUNDS)), draw(st.sampled_from(BOUNDS))
    values = st.decimals(-5, 25, places=draw(st.sampled_from([0, 1, 2])), allow_nan=False)
    allowed = draw(st.none() | st.lists(values, min_size=1, max_size=4, unique=True).map(lambda v: tuple(sorted(v))))
    ranges = draw(st.none() | st.lists(st.tuples(values, values).map(lambda t: tuple(sorted(t))),
                                       min_size=1, max_size=3).map(tuple))
    integer = unit in ("count", "level", "yes/no") or draw(st.booleans())
    levels = draw(level_texts(allowed, ranges)) if unit != "yes/no" else ()
    return ir.Column("c", None, unit, low, high, allowed, ranges, integer, 7, "gen.kpi", levels=levels)


# Level texts as rubrics write them, and some that cannot name a value: a number ("5"), a
# grouped number ("1,000"), one text given twice.
TEXTS = ["好", "中", "差", "十分积极主动", "A", "Good", "5", "1,000", " 好", "不适用", "是"]


@st.composite
def level_texts(draw, allowed: tuple[Decimal, ...] | None,
                ranges: tuple[tuple[Decimal, Decimal], ...] | None) -> tuple[tuple[str, Decimal, Decimal], ...]:
    """Texts for a column's levels (its allowed values, or its ranges), or none at all."""
    if not draw(st.booleans()):
        return ()
    points = [(a, a) for a in allowed or ()] + list(ranges or ())
    return tuple((draw(st.sampled_from(TEXTS)), lo, hi) for lo, hi in points)


def _near(col: ir.Column) -> list[str]:
    """Spellings on and just beside every value the column names: bounds, allowed values, levels."""
    marks = [x for x in (col.low, col.high) if x is not None] + list(col.allowed or ())
    marks += [x for pair in col.allowed_ranges or () for x in pair]
    out = []
    for x in marks:
        for y in (x, x - D("0.01"), x + D("0.01"), x - D("1E-30"), x + D("1E-30")):
            out.append(f"{y:f}")
            out.append(f"{y * 100:f}%")
    return out


@st.composite
def column_and_cell(draw):
    col = draw(columns())
    cell = draw(st.sampled_from(ODD) | st.sampled_from(_near(col) or ["0"]) | st.sampled_from(COMMAS)
                | st.sampled_from([t for t, _, _ in col.levels] or ["好"])
                | st.from_regex(r"-?[0-9]{1,3}(\.[0-9]{1,3})?%?", fullmatch=True)
                | st.text(alphabet="0123456789.-+%％ ,３元", max_size=6))
    return col, draw(st.sampled_from(PERCENT_MODES)), cell


def _spec_reading(spec, cell):
    try:
        return read(spec, cell)
    except CellError as e:
        return e.message


@settings(max_examples=EXAMPLES * 4, deadline=None, suppress_health_check=list(HealthCheck))
@given(column_and_cell())
def test_the_generated_reader_reads_what_the_spec_reads(case):
    """For any column and any cell, the generated reader gives the spec's value, to the
    digit, or declines the cell; it never accepts what the spec refuses."""
    col, mode, cell = case
    spec = spec_of(col, mode)
    fast = compile_row_reader([(spec, 0)])([cell])
    want = _spec_reading(spec, cell)
    if fast is not None:
        got = fast[col.name]
        assert isinstance(want, Decimal), (col, mode, cell, got, want)
        assert str(got) == str(want), (col, mode, cell)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(columns(), st.data())
def test_the_generated_reader_takes_the_usual_spelling_of_every_good_value(col, data):
    """Not vacuous: a value the spec accepts, written the usual way, goes the fast way."""
    spec = spec_of(col, "strict")
    if col.unit == "yes/no":
        spellings = ["是", "否", "yes", "No", "1", "0"]
    else:
        marks = [D(n) for n in (0, 1, 3, 20)] + [x for x in (col.low, col.high) if x is not None]
        marks += list(col.allowed or ()) + [x for pair in col.allowed_ranges or () for x in pair]
        values = {y for x in marks for y in (x, x - D("0.01"), x + D("0.01"))}
        if col.unit == "percent":  # a percent is written with its sign, allowed values or not
            spellings = [f"{(x * 100).normalize():f}%" for x in (col.allowed or values)]
        elif col.allowed is not None:  # a level is looked up by the rubric's own spelling of it
            spellings = [f"{x:f}" for x in col.allowed]
        else:
            spellings = [f"{x.normalize():f}" for x in values]
    good = [c for c in spellings if not isinstance(_spec_reading(spec, c), str)]
    if not good:
        return
    cell = data.draw(st.sampled_from(good))
    fast = compile_row_reader([(spec, 0)])([cell])
    assert fast is not None and str(fast[col.name]) == str(read(spec, cell)), (col, cell)


FAST_RUBRIC = ('rubric "读数"\ninput r "及时率": percent range 50%..150%\ninput k "次数": count range 0..20\n'
               'input m "金额": money\ninput law "违规": yes/no\n'
               'item a "A" points 30 { tiers r { when >= 90%: 30 else: 0 } }\n'
               'item b "B" points 20 { deduct 5 per k }\n'
               'item c "C" points 20 { proportional m / 1000 }\n'
               'item d "D" points 20 { level "好": 20 level "中": 10 level "差": 0 }\n'
               'item e "E" points 10 { level "高": 8..10 level "低": 0..7 }\n'
               'veto law "违规"\n')


# `.last` values that may be left out and an item that may not apply: the generated reader
# reads the other cells, and those depend on the rest of the row.
MIXED_RUBRIC = ('rubric "混合"\ninput r "及时率": percent range 50%..150%\ninput k "次数": count range 0..20\n'
                'item a "A" points 40 { change r by 2pt per 1% base 20 }\n'
                'item b "B" points 30 { deduct 5 per k }\n'
                'item d "D" points 30 { not applicable: spread evenly\n level "好": 30 level "中": 15 level "差": 0 }\n')


@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.integers(0, 4), st.sampled_from(ODD)), max_size=2), st.sampled_from(PERCENT_MODES))
def test_a_row_with_optional_cells_is_read_the_same_with_and_without_the_generated_reader(odd, mode):
    cells: list[object] = ["93%", "90%", "2", "15", ""]  # r, r.last, k, d, not_applicable
    for i, cell in odd:
        cells[i] = cell
    program, diags = load_text(MIXED_RUBRIC, "mixed.kpi")
    assert program is not None and not diags
    plan = lower(program)
    assert any(c.optional for c in plan.columns) and any(c.may_be_na for c in plan.columns)
    header = ["id", "period", "r", "r.last", "k", "d", "not_applicable"]
    values = ["E1", "2024-01", *cells]
    fast = Validator(plan, "x.csv", header, mode)
    assert fast.fast is not None and fast.others
    if not odd:
        assert fast.fast(values) is not None
    slow = Validator(plan, "x.csv", header, mode)
    slow.fast = None
    got, want = fast.row(2, values), slow.row(2, values)
    assert (got is None) == (want is None)
    if got is not None and want is not None:
        assert got.cells == want.cells
        assert all(str(got.cells[k]) == str(want.cells[k]) for k in want.cells)
    assert [e.message for e in fast.errors] == [e.message for e in slow.errors]


@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from(ODD)), max_size=2), st.sampled_from(PERCENT_MODES))
def test_a_row_is_read_the_same_with_and_without_the_generated_reader(odd, mode):
    cells: list[object] = ["93%", "2", "12500", "否", "10", "9"]  # a row the fast reader takes, then one or two odd cells
    for i, cell in odd:
        cells[i] = cell
    program, diags = load_text(FAST_RUBRIC, "fast.kpi")
    assert program is not None and not diags
    plan = lower(program)
    header = ["id", "period", "r", "k", "m", "law", "d", "e"]  # d, e: the points of items d and e
    values = ["E1", "2024-01", *cells]
    fast = Validator(plan, "x.csv", header, mode)
    assert fast.fast is not None  # the generated reader is in play for this plan
    if not odd:
        assert fast.fast(values) is not None  # and takes the usual row
    slow = Validator(plan, "x.csv", header, mode)
    slow.fast = None  # each cell read by its spec
    got, want = fast.row(2, values), slow.row(2, values)
    assert (got is None) == (want is None)
    if got is not None and want is not None:
        assert got.cells == want.cells
        assert all(str(got.cells[k]) == str(want.cells[k]) for k in want.cells)  # the same digits, too
    assert [e.message for e in fast.errors] == [e.message for e in slow.errors]


NUMBER_CELLS = (st.integers(-10 ** 19, 10 ** 19) | st.sampled_from([10 ** 18 - 1, 10 ** 18, -(10 ** 18), 0, 3, 20])
                | st.floats(allow_nan=True, allow_infinity=True)
                | st.floats(-1000, 1000).map(lambda x: round(x, 3))
                | st.decimals(allow_nan=True, allow_infinity=True)  # a JSON number, read from its text
                | st.sampled_from([D("93.5"), D("1E+3"), D("0." + "1" * 400), D("-0"), D("NaN")])
                | st.sampled_from([0.1 + 0.2, 1e-25, 1e16, 9.999999999999999e15, 0.12345678901234567, 93.5, 0.935,
                                   float("nan"), float("inf"), -0.0, True, False, None]))


@settings(max_examples=EXAMPLES * 4, deadline=None, suppress_health_check=list(HealthCheck))
@given(columns(), st.sampled_from(PERCENT_MODES), NUMBER_CELLS, st.booleans())
def test_the_generated_reader_reads_numbers_from_a_workbook_as_the_spec_reads_them(col, mode, v, shown_as_percent):
    """XLSX and JSON cells are numbers, not text: ints, floats, NaN, infinities, floats
    with long or exponent spellings, a percent-formatted float.  The generated reader gives
    the spec's value, to the digit, or declines."""
    if shown_as_percent and isinstance(v, float):
        v = PercentNumber(v)
    spec = spec_of(col, mode)
    fast = compile_row_reader([(spec, 0)])([v])
    want = _spec_reading(spec, v)
    if fast is not None:
        assert isinstance(want, Decimal), (col, mode, v, fast, want)
        assert str(fast[col.name]) == str(want), (col, mode, v)


# ---- numbers as people spell them, and what kpi says when it cannot read one ---------------------

COMMA_RUBRIC = '''rubric "逗号"
input m "金额": money
input r "完成率": percent
item a "A" points 50 { proportional m / 100000 }
item b "B" points 50 { tiers r { when >= 90%: 50 else: 0 } }
'''


@pytest.mark.parametrize("cell, want", [("1,000", "1000"), ("12,345.5", "12345.5"), ("1,234,567.25", "1234567.25"),
                                        ("¥12，500元", "12500")])
def test_thousands_separators_in_groups_of_three_are_read(write, cell, want):
    s = load_rubric(write(COMMA_RUBRIC))
    (row,) = s.rows([{"id": "a", "m": cell, "r": "50%"}])
    assert str(row.cells["m"]) == want


@pytest.mark.parametrize("cell, hint", [
    ("1,00", "if 1,00 means 1.00, write a decimal point; a comma separates thousands only, in groups of three"),
    ("3,5", "if 3,5 means 3.5, write a decimal point"),
    ("12,34,567", "a comma separates thousands only, in groups of three (1,000 or 12,345.5)"),
    ("1,0000", "if 1,0000 means 1.0000, write a decimal point"),
    ("1,000.5,0", "a comma separates thousands only"),
])
def test_a_comma_that_does_not_group_by_three_is_refused_with_a_hint(write, cell, hint):
    """1,00 was read as 100 and 3,5 as 35: the comma was dropped wherever it stood."""
    s = load_rubric(write(COMMA_RUBRIC))
    with pytest.raises(DataProblems) as e:
        s.rows([{"id": "a", "m": cell, "r": "50%"}])
    (err,) = e.value.errors
    assert err.message == f"{cell!r} is not a number" and err.hint is not None and err.hint.startswith(hint)


def test_a_percent_above_the_default_range_hints_at_the_range_clause(write):
    s = load_rubric(write(COMMA_RUBRIC))
    with pytest.raises(DataProblems) as e:
        s.rows([{"id": "a", "m": "5", "r": "105%"}])
    (err,) = e.value.errors
    assert err.message == "'105%' is above the highest allowed value 100%"
    assert err.hint == "if r can be above 100%, widen its range in the rubric: `input r: percent range 0%..200%`"


def test_a_json_number_is_read_from_its_text(write, tmp_path):
    """JSON numbers went through a binary float: 0.1 + 0.2 of a cell is exact only as text,
    and a number with 400 places was rounded into a score instead of refused."""
    s = load_rubric(write(COMMA_RUBRIC))
    data = tmp_path / "d.json"
    data.write_text('[{"id": "a", "m": 12345.678901234567890123, "r": "50%"},'
                    ' {"id": "b", "m": 0.' + "1" * 400 + ', "r": "50%"}]', encoding="utf-8")
    with pytest.raises(DataProblems) as e:
        read_rows(s.plan, [data])
    (err,) = e.value.errors
    assert err.row == 3 and err.message == "'0.111111111111111111…' (402 characters) is too long to be a number"
    data.write_text('[{"id": "a", "m": 12345.67890123456789012, "r": "50%"}]', encoding="utf-8")
    (row,) = read_rows(s.plan, [data])
    assert str(row.cells["m"]) == "12345.67890123456789012"  # all 17 places, past a float's 17 digits


LEVEL_RUBRIC = '''rubric "等级"
total 11
item t "协作" points 5 {
  level "十分积极主动": 5
  level "能主动积极配合": 3..4
  level "不注重团结协作": 0
}
item d "纪律" points 6 { level "好": 6 level "中": 5 level "差": 4 }
'''


def test_a_level_rated_cell_takes_the_level_text_or_its_points(write):
    s = load_rubric(write(LEVEL_RUBRIC))
    rows = s.rows([{"id": "a", "t": "十分积极主动", "d": " 中 "}, {"id": "b", "t": "3.5", "d": "4"},
                   {"id": "c", "t": "不注重团结协作", "d": "好"}])
    assert [(r.cells["t"], r.cells["d"]) for r in rows] == [(5, 5), (D("3.5"), 4), (0, 6)]
    with pytest.raises(DataProblems) as e:
        s.rows([{"id": "a", "t": "能主动积极配合", "d": "优"}])
    ranged, unknown = e.value.errors
    assert ranged.message == "'能主动积极配合' is a level worth 3 to 4 points"
    assert ranged.hint == "write the points you give within 3..4, e.g. 4"
    assert unknown.message == "'优' is not a number"
