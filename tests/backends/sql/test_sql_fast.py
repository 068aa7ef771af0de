"""The SQL backend's 64-bit arithmetic on DuckDB (backends/sql_values.py, sql/types.py): a value
is a BIGINT only where the columns' declared ranges prove that it and every intermediate fit,
else 38 digits wide.  Held here at the edges: values at the very ends of declared ranges whose
sums and products land just inside and just outside 64 bits (DuckDB stops with an overflow
error if a proof is wrong), cells on both sides of the fast reading's limit, and divisions
whose digits are found several at a time; each against hand-worked values and the Python
evaluator."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sql_diff
from engines import DuckDB

from kpidsl import ir
from kpidsl.api import Scorer, load_text
from kpidsl.backends.sql import query as sql
from kpidsl.lower.lowerer import lower

pytest.importorskip("duckdb")

TOP = Decimal("9223372036854.775807")  # at 6 places, the whole number 2**63 - 1
HALF = Decimal("4611686018427.387903")  # 2**62 - 1 at 6 places: twice it still fits 64 bits


@pytest.fixture(scope="module")
def db():
    d = DuckDB()
    yield d
    d.con.close()


def column(name: str, unit: str = "number", low: Decimal | None = None, high: Decimal | None = None) -> ir.Column:
    return ir.Column(name, None, unit, low, high, None, None, False, 1, "hand.kpi")


def plan(columns: tuple[ir.Column, ...], steps: dict[str, ir.Expr]) -> ir.Plan:
    return ir.Plan("hand", "id", "period", (), columns, tuple(ir.Step(n, "item", e) for n, e in steps.items()),
                   (), (), ())


def run(db: DuckDB, p: ir.Plan, cells: list[dict[str, str]]) -> list[dict]:
    """The query's answer row by row, after checking that the Python evaluator agrees on every step."""
    rows = sql_diff.hand_rows(cells)
    sql_diff.assert_same(Scorer(p), rows, "duckdb", db.load, db.fetch, check_inputs=False)
    got = sql_diff.run_hand(p, rows, "duckdb", db.load, db.fetch)
    return [got[r.number] for r in rows]


x, y, z = ir.Cell("x"), ir.Cell("y"), ir.Cell("z")


def test_values_at_the_ends_of_declared_ranges_just_inside_and_outside_64_bits(db):
    columns = (column("x", low=Decimal(0), high=TOP), column("y", low=-HALF, high=HALF),
               column("z", low=-HALF, high=Decimal(0)))
    steps = {
        "y2": ir.Bin("+", y, y),  # 2**63 - 2 at most: 64 bits
        "sum": ir.Bin("+", x, y),  # past 2**63 - 1: wide
        "diff": ir.Bin("-", x, y),  # likewise, with y at its low end
        "neg": ir.Neg(x),
        "negz": ir.Bin("+", x, ir.Neg(z)),  # -z is 0..2**62 - 1: the sum is wide
        "twice": ir.Bin("*", x, ir.Const(Decimal(2))),
        "square": ir.Bin("*", y, y),  # 12 places, 2**124: wide
        "cross": ir.Bin("*", z, x),  # from the ends of both: -(2**62 - 1) × (2**63 - 1) at 12 places
        "top": ir.Max((x, y)),
        "r": ir.Round(x, Decimal("0.01"), "half up"),
        "q": ir.Bin("/", x, y),
    }
    p = plan(columns, steps)
    query = sql.build(p, "duckdb", sql_diff.TABLE, sql_diff.ROW).sql()
    assert "AS BIGINT" in query and "AS INT128" in query  # both widths are used
    ends = run(db, p, [{"x": str(TOP), "y": str(HALF), "z": str(-HALF)}, {"x": str(TOP), "y": str(-HALF), "z": "0"}])
    hi, lo = ends
    assert hi["y2"] == Decimal("9223372036854.775806")
    assert hi["sum"] == Decimal("13835058055282.163710") and lo["sum"] == Decimal("4611686018427.387904")
    assert lo["diff"] == Decimal("13835058055282.163710")
    assert hi["neg"] == -TOP
    assert hi["negz"] == Decimal("13835058055282.163710") and lo["negz"] == TOP
    assert hi["twice"] == Decimal("18446744073709.551614")
    assert hi["square"] == Decimal("21267647932558653957237540.927630737409")  # (2**62 - 1)**2 at 12 places
    assert hi["cross"] == Decimal("-42535295865117307919086767.873688862721") and lo["cross"] == 0
    assert hi["top"] == TOP and lo["top"] == TOP
    assert hi["r"] == Decimal("9223372036854.78")
    # (2**63 - 1) / (2**62 - 1) = 2 + 1 / (2**62 - 1), to 20 places
    assert hi["q"] == Decimal("2.00000000000000000022") and lo["q"] == Decimal("-2.00000000000000000022")


def test_a_cell_reads_the_same_on_both_sides_of_the_fast_readings_limit(db):
    # No range: a number cell (6 places) is read through 64 bits below 10**6, a money cell
    # (4 places) below 10**10, and as 38 digits beyond.
    columns = (column("x", low=Decimal("-1e30")), column("y", unit="money", low=Decimal("-1e30")))
    steps = {"x": x, "y": y, "xy": ir.Bin("+", x, y)}
    values = [("999999.999999", "9999999999.9999"), ("1000000", "10000000000"), ("-999999.999999", "-9999999999.9999"),
              ("-1000000", "-10000000000"), ("0.000001", "0.0001"), ("-1000000.000001", "-10000000000.0001"),
              ("123456789012345678.123456", "12345678901234567890.1234"), ("0", "0")]
    got = run(db, plan(columns, steps), [{"x": a, "y": b} for a, b in values])
    for (a, b), record in zip(values, got):
        assert (record["x"], record["y"]) == (Decimal(a), Decimal(b))
        assert record["xy"] == Decimal(a) + Decimal(b)


def test_a_bounded_division_finds_its_digits_several_at_a_time(db):
    # 0..1 over 0.01..1 (percents): every step of the long division fits 64 bits; the quotient
    # (up to 10**22 at 20 places) is rounded by a shift and a 64-bit division (10**18 = 2**18 × 5**18)
    columns = (column("x", "percent", Decimal(0), Decimal(1)), column("y", "percent", Decimal("0.01"), Decimal(1)),
               column("z", "money", Decimal(0), Decimal(10 ** 9)))
    steps = {"q": ir.Bin("/", x, y), "m": ir.Bin("/", z, y), "h": ir.Round(ir.Bin("/", x, y), Decimal("0.01"), "half even")}
    p = plan(columns, steps)
    cells = [("1", "0.03"), ("0.000001", "0.999999"), ("0.5", "0.01"), ("0.333333", "0.07"), ("0", "0.5"), ("0.05", "0.8"),
             ("0.1", "0.8")]
    got = run(db, p, [{"x": a, "y": b, "z": "1000000000"} for a, b in cells])
    want = ["33.33333333333333333333", "0.00000100000100000100", "50", "4.76190000000000000000", "0",
            "0.0625", "0.125"]
    assert [r["q"] for r in got] == [Decimal(w) for w in want]
    assert got[0]["m"] == Decimal("33333333333.33333333333333333333")
    assert [r["h"] for r in got] == [Decimal(w) for w in ("33.33", "0.00", "50.00", "4.76", "0.00", "0.06", "0.12")]


def test_the_benchmark_shapes_compute_in_64_bits():
    # percents, points and tiers over them: BIGINT from the cell to the step, no 128-bit operation
    text = """rubric "r"
input r "率": percent
input s "分": points range 0..10
item a "A" points 10 { tiers r { when >= 99%: 10 when >= 95%: 8 else: 0 } }
item b "B" points 10 { ratio r target 90% ±1pt base 5 }
item c "C" points 10 { deduct 1 per s }
"""
    query = sql.build(lower(load_text(text, "r.kpi")[0]), "duckdb").sql()
    steps = query[:query.index("_kpi_g")]  # everything before the grade's index
    assert "INT128" not in steps, steps
    assert 'CAST(CAST("r" AS DECIMAL(18, 6)) * 1000000 AS BIGINT)' in query


def test_a_constant_divisor_is_a_shift_then_a_division(db):
    # Rounding to 0.01 at 6 places divides by 10**4 = 2**4 × 625: w's whole number (up to
    # 2**67 - 1) shifted by 4 fits 64 bits, v's (up to 2**68 - 1) does not.
    columns = (column("w", low=Decimal(0), high=Decimal("147573952589676.412927")),
               column("v", low=Decimal(0), high=Decimal("295147905179352.825855")))
    w, v = ir.Cell("w"), ir.Cell("v")
    steps = {"down": ir.Round(w, Decimal("0.01"), "down"), "up": ir.Round(w, Decimal("0.01"), "up"),
             "even": ir.Round(v, Decimal("0.01"), "half even")}
    rows = [("147573952589676.412927", "295147905179352.825855"), ("0.005", "0.005"),
            ("99999999999999.999999", "12345678901234.565")]
    got = run(db, plan(columns, steps), [{"w": a, "v": b} for a, b in rows])
    assert [(r["down"], r["up"], r["even"]) for r in got] == [
        (Decimal("147573952589676.41"), Decimal("147573952589676.42"), Decimal("295147905179352.83")),
        (Decimal("0.00"), Decimal("0.01"), Decimal("0.00")),
        (Decimal("99999999999999.99"), Decimal("100000000000000.00"), Decimal("12345678901234.56"))]
