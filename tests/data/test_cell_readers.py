"""Every reader of a data cell gives the same value or a refusal for the same text:
cells.read (Python), the generated fast reader, DuckDB's reading (backends/sql/cells.py,
as `kpi eval --engine duckdb` runs it) and the form's JavaScript (cells.js, under node,
fed the rules the form embeds).  All four are made from one CellSpec; this holds them equal."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from decimal import Decimal

import nodejs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cells import COMMAS, EXAMPLES, ODD, _near, columns

from kpidsl import ir
from kpidsl.backends.form.html import _column_spec
from kpidsl.backends.form.javascript import cell_library, decimal_library
from kpidsl.backends.sql.cells import CellReader
from kpidsl.backends.sql.types import cell_places
from kpidsl.backends.sql.values import col
from kpidsl.data.cells import PERCENT_MODES, CellError, read, spec_of
from kpidsl.data.fast_reader import compile_row_reader

pytestmark = pytest.mark.node  # the form's reader runs under Node.js

D = Decimal


def _duckdb():
    try:
        import duckdb
    except ImportError:
        message = "these tests need duckdb (pip install duckdb)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return duckdb


# ---- the four readers, each over a batch of (column, mode, texts) ------------------------

Case = tuple[ir.Column, str, list[str]]
Verdict = str | None  # the value's digits ("0.93"), BLANK (not given), or None: refused
BLANK = "blank"  # a blank cell of a column that may be blank (an optional input's, a list's)


def _digits(x: Decimal) -> str:
    return format(x.copy_abs() if x == 0 else x, "f")  # -0 and 0 are one value


def python_verdicts(cases: list[Case]) -> list[list[Verdict]]:
    out = []
    for c, mode, texts in cases:
        spec = spec_of(c, mode)
        row = []
        for t in texts:
            try:
                x = read(spec, t)
                row.append(BLANK if x is None else _digits(x))
            except CellError:
                row.append(None)
        out.append(row)
    return out


def fast_verdicts(cases: list[Case]) -> list[list[Verdict | bool]]:
    """False where the fast reader declines (cells.read then decides): it may never refuse."""
    out: list[list[Verdict | bool]] = []
    for c, mode, texts in cases:
        parse = compile_row_reader([(spec_of(c, mode), 0)])
        out.append([False if (r := parse([t])) is None else BLANK if (x := r[c.name]) is None else _digits(x)
                    for t in texts])
    return out


def sql_verdicts(con, cases: list[Case]) -> list[list[Verdict]]:
    """As duck.py reads a CSV: the column's value (NULL when unread), then its spec's checks
    on the value by name; a row failing either is refused."""
    out = []
    for c, mode, texts in cases:
        reader = CellReader(spec_of(c, mode), cell_places(c), False)
        value = reader.value(col("t")).sql(dialect="duckdb")
        checked = reader.checked(col("v")).sql(dialect="duckdb")
        con.execute("CREATE OR REPLACE TEMP TABLE cells (i INTEGER, t VARCHAR)")
        con.executemany("INSERT INTO cells VALUES (?, ?)", list(enumerate(texts)))
        # as backends/sql/cells.reading reads a column that may be blank: its blank is no error
        blank = f"{reader.text(col('t')).sql(dialect='duckdb')} = ''" if c.blank else "false"
        rows = con.execute(f"SELECT i, v, v IS NOT NULL AND coalesce({checked}, false), b FROM "
                           f"(SELECT i, {value} AS v, {blank} AS b FROM cells) ORDER BY i").fetchall()
        out.append([BLANK if b else _digits(v) if ok else None for _, v, ok, b in rows])
    return out


_NODE_RUNNER = """
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(input.map(([rule, texts]) => texts.map((t) => {
  const r = Cells.read(rule, t);
  return r.error ? null : r.value === null ? "blank" : Dec.str(r.value);
}))));
"""


def form_verdicts(cases: list[Case]) -> list[list[Verdict]]:
    """One node run for the whole batch; each column's rules as the form embeds them."""
    payload = [[_column_spec(c, mode)["cell"], texts] for c, mode, texts in cases]
    out = nodejs.run(decimal_library() + cell_library() + _NODE_RUNNER, payload)
    assert isinstance(out, list)
    return [[None if v is None else BLANK if v == BLANK else _digits(D(v)) for v in row] for row in out]


def _places(digits: str) -> int:
    x = D(digits).normalize()
    return max(0, -x.as_tuple().exponent)  # type: ignore[operator]


def assert_all_agree(con, cases: list[Case]) -> int:
    """Every reader gives Python's verdict; returns how many values were compared."""
    want = python_verdicts(cases)
    fast, sql, form = fast_verdicts(cases), sql_verdicts(con, cases), form_verdicts(cases)
    compared = 0
    for (c, mode, texts), w, f, s, j in zip(cases, want, fast, sql, form, strict=True):
        for text, wv, fv, sv, jv in zip(texts, w, f, s, j, strict=True):
            where = (c.unit, c.low, c.high, c.allowed, c.allowed_ranges, c.integer, mode, text)
            assert jv == wv, ("form", where, jv, wv)
            assert fv is False or fv == wv, ("fast reader", where, fv, wv)
            # the one documented difference: SQL keeps cell_places(c) places; the duckdb engine
            # hands a longer value to the Python engine (duck.Unkept), which keeps it
            if wv == BLANK or sv == BLANK:
                assert sv == wv, ("sql", where, sv, wv)
            elif not (sv is None and wv is not None and _places(wv) > cell_places(c)):
                assert sv is None if wv is None else sv is not None and D(sv) == D(wv), ("sql", where, sv, wv)
            compared += 1
    return compared


# ---- the cells: spellings people and spreadsheets write ---------------------------------

FULL = str.maketrans("0123456789", "０１２３４５６７８９")


@st.composite
def spelled(draw, value: str) -> str:
    """``value`` (digits with an optional point) dressed as people write it."""
    whole, _, frac = value.partition(".")
    if draw(st.booleans()) and len(whole) > 3:  # thousands separators, in groups of three
        sep = draw(st.sampled_from([",", "，"]))
        head = len(whole) % 3 or 3
        whole = whole[:head] + "".join(sep + whole[i:i + 3] for i in range(head, len(whole), 3))
    elif draw(st.booleans()) and len(whole) > 1:  # a comma that is not one: 1,00 or 12,3456
        at = draw(st.integers(1, len(whole) - 1))
        whole = whole[:at] + draw(st.sampled_from([",", "，"])) + whole[at:]
    text = whole + ("." + frac if frac or "." in value else "")
    if frac and draw(st.integers(0, 4)) == 0:  # a decimal comma: 3,5
        text = whole + "," + frac
    if draw(st.booleans()):
        text = text.translate(FULL)
    sign = draw(st.sampled_from(["", "", "-", "+"]))
    prefix = draw(st.sampled_from(["", "", "¥", "￥"]))
    suffix = draw(st.sampled_from(["", "", "%", "％", " %", "元", "%元"]))
    pad = draw(st.sampled_from(["", "", " ", "\u3000", "\t"]))
    return pad + prefix + sign + text + suffix + pad


NUMBER_TEXT = st.from_regex(r"[0-9]{0,7}(\.[0-9]{0,3})?", fullmatch=True).filter(lambda t: t not in ("", "."))


@st.composite
def batch(draw) -> list[Case]:
    cases = []
    for _ in range(draw(st.integers(1, 6))):
        c = dataclasses.replace(draw(columns()), blank=draw(st.booleans()))  # blank: an optional input's
        near = _near(c)
        # a scale's points (1.5 among them) and the ends of each ranged level, as written
        levels = [format(a, "f") for a in (*(c.allowed or ()), *(x for r in c.allowed_ranges or () for x in r))]
        # a level's text, as a rater types it (and with white space around it)
        texts = [pad + t + pad for t, _, _ in c.levels for pad in ("", " ", "\u3000")]
        cell = (NUMBER_TEXT.flatmap(spelled) | st.sampled_from([t for t in ODD if isinstance(t, str)])
                | st.sampled_from(COMMAS) | st.sampled_from(texts or ["好"])
                | st.sampled_from(near or ["0"]) | st.sampled_from(levels or ["1.5"])
                | st.sampled_from(["", " ", "是", "否", "yes", "N", "√", "×", "abc", "1e3", "--5", "5-", "%5",
                                   "1.5.0", "５．５", "٣", "12元%", "元", "¥", "0x10", "½", "1 000"])
                | st.text(alphabet="0123456789.-+%％ ,，３¥元a", max_size=8))
        cases.append((c, draw(st.sampled_from(PERCENT_MODES)), draw(st.lists(cell, min_size=1, max_size=12))))
    return cases


@pytest.fixture(scope="module")
def con():
    connection = _duckdb().connect(":memory:")
    yield connection
    connection.close()


@settings(max_examples=max(EXAMPLES // 3, 30), deadline=None, suppress_health_check=list(HealthCheck))
@given(batch())
def test_every_reader_reads_a_cell_as_cells_read_does(con, cases):
    assert assert_all_agree(con, cases) == sum(len(t) for _, _, t in cases)


# ---- hand-worked: what each spelling is, by arithmetic, read by all four -----------------

def _column(unit: str, allowed: tuple[Decimal, ...] | None = None, integer: bool = False,
            low: Decimal | None = None, high: Decimal | None = None,
            ranges: tuple[tuple[Decimal, Decimal], ...] | None = None,
            levels: tuple[tuple[str, Decimal, Decimal], ...] = (), blank: bool = False) -> ir.Column:
    return ir.Column("c", None, unit, low, high, allowed, ranges, integer, 1, "hand.kpi", levels=levels, blank=blank)


SCALE = _column("points", (D("1.5"), D(2), D(3)), integer=True)  # `scale 1.5: 0, 2: 50, 3: 100`
LEVELS = _column("points", ranges=((D(0), D(7)), (D(8), D(10))))  # `level "高": 8..10 level "低": 0..7`
PERCENT = _column("percent", low=D(0), high=D("1.5"))
OPEN_PERCENT = _column("percent")
MONEY = _column("money", low=D(0))
COUNT = _column("count", integer=True, low=D(0))
YES_NO = _column("yes/no", integer=True)
RATING = _column("points", low=D(0), high=D(100), blank=True)  # `input peer …: points range 0..100 columns …`
MAYBE = _column("yes/no", integer=True, blank=True)  # `input … : yes/no when blank: skip`
# `level "好": 6  level "中": 5  level "差": 0`
NAMED = _column("points", (D(0), D(5), D(6)), levels=(("好", D(6), D(6)), ("中", D(5), D(5)), ("差", D(0), D(0))))
# `level "主动": 5  level "配合": 3..4  level "勉强": 0`: the ranged level's text names no one value
NAMED_RANGES = _column("points", ranges=((D(5), D(5)), (D(3), D(4)), (D(0), D(0))),
                       levels=(("主动", D(5), D(5)), ("配合", D(3), D(4)), ("勉强", D(0), D(0))))

HAND = [  # column, --percent-cells, cell, value worked by hand (None: refused)
    (SCALE, "strict", "1.5", "1.5"), (SCALE, "strict", "2", "2"), (SCALE, "strict", "2.5", None),
    (SCALE, "strict", "3", "3"), (SCALE, "strict", "1", None),
    (LEVELS, "strict", "0", "0"), (LEVELS, "strict", "7", "7"), (LEVELS, "strict", "7.5", None),
    (LEVELS, "strict", "8", "8"), (LEVELS, "strict", "10", "10"), (LEVELS, "strict", "11", None),
    (OPEN_PERCENT, "whole", "93", "0.93"), (OPEN_PERCENT, "whole", "0.5", "0.005"),
    (OPEN_PERCENT, "fraction", "93", "93"), (OPEN_PERCENT, "strict", "-5%", "-0.05"),
    (OPEN_PERCENT, "whole", "-5", "-0.05"), (OPEN_PERCENT, "strict", "93", None),
    (PERCENT, "strict", "93%", "0.93"), (PERCENT, "strict", "９３％", "0.93"), (PERCENT, "strict", "93 %", "0.93"),
    (PERCENT, "strict", "93", None), (PERCENT, "whole", "93", "0.93"), (PERCENT, "fraction", "0.93", "0.93"),
    (PERCENT, "fraction", ".5", "0.5"), (PERCENT, "strict", "0", "0"), (PERCENT, "strict", "151%", None),
    (PERCENT, "strict", "+5%", "0.05"),
    (MONEY, "strict", "¥12,500", "12500"), (MONEY, "strict", "12500元", "12500"), (MONEY, "strict", "+5", "5"),
    (MONEY, "strict", ".5", "0.5"), (MONEY, "strict", "-5", None), (MONEY, "strict", "5%", None),
    (MONEY, "strict", "1,234.50 元", "1234.50"), (MONEY, "strict", "abc", None), (MONEY, "strict", "", None),
    (COUNT, "strict", "3", "3"), (COUNT, "strict", "３", "3"), (COUNT, "strict", "3.0", "3.0"),
    (COUNT, "strict", "3.5", None), (COUNT, "strict", "-1", None), (COUNT, "strict", "٣", None),
    (YES_NO, "strict", "是", "1"), (YES_NO, "strict", "No", "0"), (YES_NO, "strict", "maybe", None),
    # a column that may be blank: blank (white space only) is not given; anything else is read as ever
    (RATING, "strict", "", BLANK), (RATING, "strict", "  ", BLANK), (RATING, "strict", "\u3000", BLANK),
    (RATING, "strict", "85", "85"), (RATING, "strict", "101", None), (RATING, "strict", "abc", None),
    (RATING, "strict", "-", None), (MAYBE, "strict", "", BLANK), (MAYBE, "strict", "是", "1"),
    (MAYBE, "strict", "maybe", None), (MONEY, "strict", " ", None),
    # thousands separators in groups of three only; a decimal comma is refused
    (MONEY, "strict", "1,000", "1000"), (MONEY, "strict", "12,345.5", "12345.5"), (MONEY, "strict", "1，000", "1000"),
    (MONEY, "strict", "1,234,567", "1234567"), (MONEY, "strict", "1,00", None), (MONEY, "strict", "3,5", None),
    (MONEY, "strict", "1,0000", None), (MONEY, "strict", "12,34,567", None), (MONEY, "strict", ",500", None),
    (MONEY, "strict", "1,000.5,0", None), (MONEY, "strict", "¥1,000元", "1000"), (OPEN_PERCENT, "strict", "0,5%", None),
    (OPEN_PERCENT, "strict", "1,000%", "10.00"), (COUNT, "strict", "1,000", "1000"),
    # a level's text reads as its points
    (NAMED, "strict", "好", "6"), (NAMED, "strict", " 中\u3000", "5"), (NAMED, "strict", "差", "0"),
    (NAMED, "strict", "6", "6"), (NAMED, "strict", "优", None), (NAMED, "strict", "好好", None),
    (NAMED_RANGES, "strict", "主动", "5"), (NAMED_RANGES, "strict", "勉强", "0"), (NAMED_RANGES, "strict", "配合", None),
    (NAMED_RANGES, "strict", "3.5", "3.5"),
]


USUAL = re.compile(r"-?[0-9]+(\.[0-9]+)?%?")  # the spellings the fast reader is there for


def test_the_hand_worked_spellings_are_read_alike_by_every_reader(con):
    cases = [(c, mode, [text]) for c, mode, text, _ in HAND]
    assert [v for (v,) in python_verdicts(cases)] == [want for *_, want in HAND]
    assert assert_all_agree(con, cases) == len(HAND)
    # not vacuous for the fast reader: it takes every good value written the usual way
    # (but a bare 0 in a strict percent column and 3.0 in a count are left to cells.read)
    usual = [(case, want) for case, (c, mode, text, want) in zip(cases, HAND) if want not in (None, BLANK)
             and USUAL.fullmatch(text) and (c, mode, text) not in ((PERCENT, "strict", "0"), (COUNT, "strict", "3.0"))]
    assert [v for (v,) in fast_verdicts([case for case, _ in usual])] == [want for _, want in usual]


def test_the_form_embeds_the_rules_kpi_eval_reads_by(tmp_path, kpi):
    """`kpi form --percent-cells whole` gives the form the same rule as kpi eval's option."""
    rubric = tmp_path / "r.kpi"
    rubric.write_text('rubric "r"\ninput r "及时率": percent range 0%..150%\n'
                      'item a "A" points 100 { tiers r { when >= 90%: 100 else: 0 } }\n', encoding="utf-8")
    for mode in ("strict", "whole"):
        out = tmp_path / f"{mode}.html"
        r = kpi("form", str(rubric), "-o", str(out), "--percent-cells", mode)
        assert r.returncode == 0, r.stderr
        html = out.read_text(encoding="utf-8")
        start = html.index('<script type="application/json" id="kpi-config">')
        config = json.loads(html[html.index(">", start) + 1:html.index("</script>", start)])
        (rule,) = [c["cell"] for c in config["columns"] if c["name"] == "r"]
        assert rule["percent_mode"] == mode and rule["kind"] == "percent"


def test_the_white_space_every_reader_strips_is_what_str_strip_strips():
    from kpidsl.data.cells import SPACES
    assert set(SPACES) == {chr(i) for i in range(0x110000) if chr(i).isspace()}


# ---- dates: each spelling, generated, read alike; hand-worked day numbers ------------------

DATE = _column("date")


@st.composite
def date_text(draw) -> str:
    """A date as people write it (ISO, slashes, 年月日, padded or not, full-width digits), an
    Excel serial, or a near miss (no such month or day, a year kpi does not read)."""
    y = draw(st.integers(1890, 10050))
    m = draw(st.integers(0, 13))
    d = draw(st.integers(0, 32))
    pad = draw(st.booleans())
    mm, dd = (f"{m:02d}", f"{d:02d}") if pad else (str(m), str(d))
    text = draw(st.sampled_from([f"{y}-{mm}-{dd}", f"{y}/{mm}/{dd}", f"{y}年{mm}月{dd}日", f"{y}-{mm}/{dd}",
                                 f"{y}年{mm}月{dd}", str(draw(st.integers(0, 3_000_000))), f"{y}{mm}{dd}"]))
    if draw(st.booleans()):
        text = text.translate(FULL)
    space = draw(st.sampled_from(["", "", " ", "\u3000"]))
    return space + text + space


@settings(max_examples=max(EXAMPLES // 3, 30), deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(date_text(), min_size=1, max_size=30))
def test_every_reader_reads_a_date_cell_as_cells_read_does(con, texts):
    assert assert_all_agree(con, [(DATE, "strict", texts)]) == len(texts)


# Worked by hand: 1970-01-01 to 2026-01-01 is 56 years with 14 leap days (1972 … 2024),
# 56 × 365 + 14 = 20454; then Jan 31 + Feb 28 + Mar 31 + Apr 30 + May 31 = 151 days to
# 1 June, and 29 more to 30 June: 20634.  Excel's serial of 1970-01-01 is 25569, so serial
# 46203 is 46203 − 25569 = 20634 too.  1900-03-01 is serial 61: 25569 − 61 = 25508 days
# before 1970 (70 years, 17 leap days 1904 … 1968: 70 × 365 + 17 = 25567, plus Jan 31 + Feb 28 = 59
# days from 1900-01-01 to 1900-03-01: 25567 − 59 = 25508).
DATES_BY_HAND = [
    ("2026-06-30", "20634"), ("2026/6/30", "20634"), ("2026年6月30日", "20634"), ("２０２６-０６-３０", "20634"),
    (" 2026-6-30 ", "20634"), ("46203", "20634"), ("1970-01-01", "0"), ("1969-12-31", "-1"),
    ("61", "-25508"), ("1900-03-01", "-25508"), ("60", None), ("2026-02-29", None), ("2024-02-29", "19782"),
    ("2026-13-01", None), ("2026-04-31", None), ("2026-6", None), ("2026.6.30", None), ("20260630", None),
    ("", None), ("abc", None), ("2026-06-30日", None), ("1900-02-29", None), ("2000-02-29", "11016"),
    ("2100-02-29", None),
]
# 2000-02-29: 1970 to 2000 is 30 years, 7 leap days (1972 … 1996): 10957; + 31 + 28 = 11016.
# 2024-02-29: 1970 to 2024 is 54 years, 13 leap days (1972 … 2020): 19723; + 31 + 28 = 19782.


def test_dates_worked_by_hand_are_read_alike_by_every_reader(con):
    cases = [(DATE, "strict", [text]) for text, _ in DATES_BY_HAND]
    assert [v for (v,) in python_verdicts(cases)] == [want for _, want in DATES_BY_HAND]
    assert assert_all_agree(con, cases) == len(DATES_BY_HAND)
    # the fast reader reads each good date itself (it calls the one date reader)
    good = [(case, want) for case, (_, want) in zip(cases, DATES_BY_HAND) if want is not None]
    assert [v for (v,) in fast_verdicts([case for case, _ in good])] == [want for _, want in good]


def test_a_date_formatted_xlsx_cell_and_a_serial_number_read_as_the_date():
    import datetime

    spec = spec_of(DATE)
    assert read(spec, datetime.datetime(2026, 6, 30)) == read(spec, datetime.date(2026, 6, 30)) == D(20634)
    assert read(spec, 46203) == read(spec, 46203.0) == D(20634)
    for bad in (datetime.datetime(2026, 6, 30, 9, 30), 46203.5, True):
        with pytest.raises(CellError):
            read(spec, bad)
