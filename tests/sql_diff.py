"""The SQL backend's differential harness, shared by the DuckDB, PostgreSQL and Spark tests:
rows validated in Python are loaded into an engine as a typed table (the columns of
``kpidsl/engine/duck.py``), the rubric's query runs there, and its answers are read back as the
Python evaluator's ``Result`` objects, so both sides are written the way ``kpi eval``
writes them and compared as text, and every output step also as a number.

A row the rubric cannot score is compared too: the Python evaluator's errors (row,
column, message, rubric line, advice) against the query's ``_kpi_error`` and
``_kpi_error_column``, read as ``kpi eval --engine duckdb`` reads them.  And a typed
table that did not come through kpi's reader, with bad inputs worked by hand.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from kpidsl import ir
from kpidsl.api import Scorer, load_rubric, load_text
from kpidsl.backends.sql import query as sql
from kpidsl.data.validate import DataError, DataProblems, Row
from kpidsl.engine import duck
from kpidsl.engine.output import Table
from kpidsl.engine.result import Result
from kpidsl.lower.lowerer import lower

ROOT = Path(__file__).resolve().parent.parent
TABLE = duck.TABLE
ROW = "_kpi_row"  # the row number column of the harness's input table


def shipped() -> list[tuple[str, Path, Path]]:
    """Every shipped rubric with example data: (name, rubric, data)."""
    out = []
    for rubric in sorted((ROOT / "rubrics").glob("*.kpi")):
        data = ROOT / "rubrics" / "examples" / f"{rubric.stem}.csv"
        if data.exists():
            out.append((rubric.stem, rubric, data))
    return out


def shipped_case(rubric: Path, data: Path) -> tuple[Scorer, list[Row]]:
    scorer = load_rubric(str(rubric))
    with open(data, encoding="utf-8-sig", newline="") as f:
        records = list(csv.DictReader(f))
    return scorer, scorer.rows(records, file=str(data))


@dataclass(frozen=True)
class Outcome:
    """What one side made of a batch: every row's output line, or the rows it refused."""
    lines: tuple[tuple[str, ...], ...] = ()
    steps: tuple[tuple[tuple[str, Decimal | None], ...], ...] = ()  # output steps as numbers, row by row
    errors: tuple[tuple[int, str, str, int, str], ...] = ()  # row, column, message, rubric line, hint


def outcome(plan: ir.Plan, results: list[Result], steps: Sequence[str]) -> Outcome:
    table = Table(plan)
    numbers = tuple(tuple((s, r.steps.get(s)) for s in steps) for r in results if r.status == "scored")
    return Outcome(tuple(tuple(table.texts(r)) for r in results), numbers)


def refused(errors: list[DataError]) -> Outcome:
    return Outcome(errors=tuple(sorted((e.row, e.column or "", e.message, e.rubric_line or 0, e.hint or "")
                                       for e in errors)))


def python(scorer: Scorer, rows: list[Row], steps: Sequence[str]) -> Outcome:
    try:
        return outcome(scorer.plan, scorer.evaluator.evaluate(rows), steps)
    except DataProblems as e:
        return refused(e.errors)


# An engine: load(plan, rows) makes the input table; fetch(sql) returns the answer as dicts.
Load = Callable[[ir.Plan, list[Row]], None]
Fetch = Callable[[str], list[dict]]


def engine(plan: ir.Plan, rows: list[Row], dialect: str, load: Load, fetch: Fetch,
           check_inputs: bool = True) -> tuple[sql.Query, Outcome]:
    """The rubric's query for ``dialect`` over the rows; raises SQLError when it is not translated.
    The query checks its inputs, as `kpi sql` writes it: rows the reader took must pass."""
    query = sql.build(plan, dialect, TABLE, ROW, check_inputs)
    load(plan, rows)
    by_number = {r.number: r for r in rows}
    results, errors = [], []
    for record in fetch(query.sql()):
        row = by_number[int(record[ROW])]
        if record[sql.ERROR] is not None:
            errors.append(duck.error(plan, row.file, row.number, record[sql.ERROR], record[sql.ERROR_COLUMN], None))
        else:
            at = {name: i for i, name in enumerate(record)}
            results.append(duck._result(query, row, tuple(record.values()), at))
    if errors:
        return query, refused(errors)
    results.sort(key=lambda r: r.row.number)
    return query, outcome(plan, results, query.steps)


def assert_same(scorer: Scorer, rows: list[Row], dialect: str, load: Load, fetch: Fetch, what: str = "",
                check_inputs: bool = True) -> None:
    """The engine answers exactly what the Python evaluator answers (raises SQLError if untranslated).
    ``check_inputs`` False: rows made by hand, past what a cell may hold, for the arithmetic."""
    query, got = engine(scorer.plan, rows, dialect, load, fetch, check_inputs)
    want = python(scorer, rows, query.steps)
    context = f"{what}\n--- {dialect} SQL ---\n{query.sql()}"
    assert got.errors == want.errors, (got.errors, want.errors, context)
    assert got.lines == want.lines, (_first_difference(got.lines, want.lines), context)
    # as numbers too: a step the output does not show (or shows rounded) is held all the same
    for g, w in zip(got.steps, want.steps, strict=True):
        for (name, a), (_, b) in zip(g, w, strict=True):
            assert a is not None and b is not None and Decimal(a) == Decimal(b), (name, a, b, context)


def generated(text: str, records: list[dict], same: Callable[[Scorer, list[Row], str], None]) -> None:
    """A generated rubric and its rows: the engine (``same``) agrees with Python.  The generators
    write per-row rules only, so a rubric SQL does not translate fails here."""
    scorer = Scorer(lower(load_text(text, "gen.kpi")[0]))
    same(scorer, scorer.rows(records), text)


def _first_difference(got, want):
    for i, (a, b) in enumerate(zip(got, want)):
        if a != b:
            return i, [(x, y) for x, y in zip(a, b) if x != y]
    return len(got), len(want)


def columns(plan: ir.Plan) -> list[tuple[str, str]]:
    """The typed input table: (name, SQL type), as ``kpidsl/engine/duck.py`` makes it for DuckDB."""
    return [(ROW if n == duck.ID else n, t) for n, t in duck._columns(plan)]


def values(plan: ir.Plan, rows: list[Row]) -> list[list[object]]:
    """The rows in the order of ``columns``."""
    names = [c.name for c in plan.columns]
    return [[r.person, r.period, *[r.groups.get(g, "") for g in plan.groups], r.number,
             *[r.cells.get(n) for n in names]] for r in rows]


# ---- a typed table from a user's database, not read through kpi: its bad inputs -------------------
# Every number column holds 10 places, so a value the rubric refuses (1.5 times late, 150%) is kept
# as it is; the query refuses it in cells.read's words, naming the column.  Worked by hand.
TYPED_CASES = {  # name: (rubric, input columns, rows: person, cells; then the column and words refused)
    "cells": ("""rubric "r"
input late "迟到次数": count
input score "评分": number range 0..10
input rate "及时率": percent range 0%..100%
input fired "违规": yes/no
item b "B" points 30 { deduct 5 per late }
item c "C" points 40 { tiers score { when >= 8: 40 when >= 5 and < 8: 20 else: 0 } veto fired }
item r "R" points 30 { ratio rate target 90% ±1pt base 20 }
""", ["late", "score", "rate", "fired"], [
        ("ok", "0", "8", "0.935", "0", None, None),
        ("neg", "-1", "8", "0.5", "0", "late", "'-1' is a negative count"),
        ("blank", None, "8", "0.5", "0", "late", "blank cell"),
        ("half", "1.5", "3", "0.5", "0", "late", "'1.5' is not a whole number"),
        ("high", "2", "11", "0.5", "0", "score", "'11' is above the highest allowed value 10"),
        ("low", "0", "-0.5", "0.5", "0", "score", "'-0.5' is below the lowest allowed value 0"),
        ("pct", "1", "3", "1.5", "0", "rate", "'150%' is above the highest allowed value 100%"),
        ("places", "1", "3", "0.123456789", "0", "rate",
         "'12.3456789%' has more decimal places than kpi keeps for this column: at most 4"),
        ("no-rate", "1", "3", None, "0", "rate", "blank cell"),
        ("two", "0", "10", "0.935", "2", "fired", "'2' is not yes or no"),
        ("first", "-1", "11", "0.5", "0", "late", "'-1' is a negative count"),  # the first column's
        ("huge", "1" + "0" * 18, "3", "0.5", "0", "late",
         "'1000000000000000000' is too large: at most 18 digits before the point"),
    ]),
    # an item marked not applicable (a.na = 1) may leave its cell blank, not out of range
    "not applicable": ("""rubric "r"
item a "A" points 60 {
  not applicable: give to b
}
item b "B" points 40 { }
""", ["a", "a.na", "b"], [
        ("na-blank", None, "1", "30", None, None),
        ("na-zero", "0", "1", "30", None, None),
        ("applies", "50", "0", "30", None, None),
        ("blank", None, "0", "30", "a", "blank cell"),
        ("na-over", "61", "1", "30", "a", "'61' is above the highest allowed value 60"),
        ("na-unsaid", "50", None, "30", "a.na", "blank cell"),
    ]),
}


def typed_refusals(case: str, dialect: str, load: Callable[..., None],
                   fetch: Fetch) -> list[tuple[str, str | None, str | None]]:
    """(person, column, error) of every row of TYPED_CASES[case], as ``dialect``'s engine answers."""
    text, names, records = TYPED_CASES[case]
    plan = lower(load_text(text, "typed.kpi")[0])
    order = [c.name for c in plan.columns]
    assert sorted(order) == sorted(names)
    rows = [Row("t", i, person, "2024-01", {}, {}) for i, (person, *_) in enumerate(records, start=2)]
    table = [[person, "2024-01", i, *(None if dict(zip(names, cells))[n] is None else Decimal(dict(zip(names, cells))[n])
                                      for n in order)]
             for i, (person, *cells, _, _) in enumerate(records, start=2)]
    load(plan, rows, [(n, "DECIMAL(38, 10)" if t.startswith("DECIMAL") else t) for n, t in columns(plan)], table)
    answer = fetch(sql.build(plan, dialect, TABLE, ROW).sql())
    return sorted((r[plan.person], r[sql.ERROR_COLUMN], r[sql.ERROR]) for r in answer)


def typed_want(case: str) -> list[tuple[str, str | None, str | None]]:
    return sorted((person, column, error) for person, *_, column, error in TYPED_CASES[case][2])


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# ---- hand-worked division and rounding ----------------------------------------------------------
# Worked by hand, not by the Python code: (step, x, half up, half even, up, down).  "up" and
# "down" are toward +inf and -inf; "half up" sends a tie away from zero; every step in both signs,
# a tie that rounds to an even and to an odd neighbour, and values just off a tie.
MODES = ("half up", "half even", "up", "down")
ROUNDING = [
    ("0.01", "1.005", "1.01", "1.00", "1.01", "1.00"),
    ("0.01", "-1.005", "-1.01", "-1.00", "-1.00", "-1.01"),
    ("0.01", "1.015", "1.02", "1.02", "1.02", "1.01"),
    ("0.01", "-1.015", "-1.02", "-1.02", "-1.01", "-1.02"),
    ("0.01", "2.3449", "2.34", "2.34", "2.35", "2.34"),
    ("0.01", "-2.3451", "-2.35", "-2.35", "-2.34", "-2.35"),
    ("0.01", "2.37", "2.37", "2.37", "2.37", "2.37"),
    ("1", "2.5", "3", "2", "3", "2"),
    ("1", "-2.5", "-3", "-2", "-2", "-3"),
    ("1", "3.5", "4", "4", "4", "3"),
    ("1", "-3.5", "-4", "-4", "-3", "-4"),
    ("1", "0.4", "0", "0", "1", "0"),
    ("1", "-0.4", "0", "0", "0", "-1"),
    ("1", "7.000001", "7", "7", "8", "7"),
    ("1", "-7.000001", "-7", "-7", "-7", "-8"),
    ("10", "25", "30", "20", "30", "20"),
    ("10", "-25", "-30", "-20", "-20", "-30"),
    ("10", "35", "40", "40", "40", "30"),
    ("10", "-35", "-40", "-40", "-30", "-40"),
    ("10", "14.999999", "10", "10", "20", "10"),
    ("10", "-14.999999", "-10", "-10", "-10", "-20"),
    ("10", "40", "40", "40", "40", "40"),
    ("0.5", "1.25", "1.5", "1.0", "1.5", "1.0"),
    ("0.5", "-1.25", "-1.5", "-1.0", "-1.0", "-1.5"),
    ("0.5", "1.75", "2.0", "2.0", "2.0", "1.5"),
    ("0.5", "-1.75", "-2.0", "-2.0", "-1.5", "-2.0"),
    ("0.5", "0.26", "0.5", "0.5", "0.5", "0.0"),
    ("0.5", "-0.24", "0.0", "0.0", "0.0", "-0.5"),
    ("5", "12.5", "15", "10", "15", "10"),
    ("5", "-12.5", "-15", "-10", "-10", "-15"),
    ("5", "17.5", "20", "20", "20", "15"),
    ("5", "-17.5", "-20", "-20", "-15", "-20"),
    ("5", "7.4", "5", "5", "10", "5"),
    ("5", "-7.6", "-10", "-10", "-5", "-10"),
    ("0.25", "0.125", "0.25", "0.00", "0.25", "0.00"),
    ("0.25", "-0.125", "-0.25", "0.00", "0.00", "-0.25"),
    ("0.25", "0.375", "0.50", "0.50", "0.50", "0.25"),
    ("0.25", "-0.375", "-0.50", "-0.50", "-0.25", "-0.50"),
    ("0.25", "1.1", "1.00", "1.00", "1.25", "1.00"),
    ("0.25", "-1.2", "-1.25", "-1.25", "-1.00", "-1.25"),
    ("3", "4.5", "6", "6", "6", "3"),
    ("3", "-4.5", "-6", "-6", "-3", "-6"),
    ("3", "7.5", "9", "6", "9", "6"),
    ("3", "-7.5", "-9", "-6", "-6", "-9"),
    ("3", "1", "0", "0", "3", "0"),
    ("3", "-2", "-3", "-3", "0", "-3"),
    ("3", "0.000001", "0", "0", "3", "0"),
]

# a ÷ b to 20 places, ties to even: (a, b, quotient); None: the row is refused for a zero divisor.
DIVISION = [
    ("1", "3", "0.33333333333333333333"),
    ("2", "3", "0.66666666666666666667"),
    ("-2", "3", "-0.66666666666666666667"),
    ("2", "-3", "-0.66666666666666666667"),
    ("-2", "-3", "0.66666666666666666667"),
    ("10", "4", "2.5"),
    ("-7", "8", "-0.875"),
    ("0.000001", "7", "0.00000014285714285714"),
    ("123456.789", "0.001", "123456789"),
    ("3", "200000000000000000000", "0.00000000000000000002"),  # 1.5e-20: the tie goes to 2, even
    ("5", "200000000000000000000", "0.00000000000000000002"),  # 2.5e-20: the tie stays at 2
    ("7", "200000000000000000000", "0.00000000000000000004"),  # 3.5e-20
    ("-3", "200000000000000000000", "-0.00000000000000000002"),
    ("-5", "200000000000000000000", "-0.00000000000000000002"),
    ("1", "300000000000000000000", "0"),
    ("99999999999", "0.000001", "99999999999000000"),  # a quotient needs 20 places below 38: under 10**18
    ("1", "0", None),
]

# round(a ÷ b, 1): the quotient is taken to 20 places first, then rounded, as the evaluator does:
# 5e19 ÷ (1e20 + 0.000001) is just under one half, but 0.50000000000000000000 at 20 places.
# (a, b, half up, half even, up, down)
DIVIDE_THEN_ROUND = [
    ("50000000000000000000", "100000000000000000000.000001", "1", "0", "1", "0"),
    ("5", "8", "1", "1", "1", "0"),
    ("-5", "8", "-1", "-1", "0", "-1"),
    ("1", "2", "1", "0", "1", "0"),
    ("-3", "2", "-2", "-2", "-1", "-2"),
    ("1", "3", "0", "0", "1", "0"),
]


def _number_column(name: str) -> ir.Column:
    return ir.Column(name, None, "number", None, None, None, None, False, 1, "hand.kpi")


def hand_plan(steps: list[tuple[str, ir.Expr]], columns: tuple[str, ...]) -> ir.Plan:
    """A plan of output steps over number columns, as lowering would make for a formula."""
    return ir.Plan("hand", "id", "period", (), tuple(_number_column(c) for c in columns),
                   tuple(ir.Step(name, "item", e) for name, e in steps), (), (), ())


def hand_rows(cells: list[dict[str, str]]) -> list[Row]:
    return [Row("hand.csv", i + 2, f"p{i}", "", {}, {k: Decimal(v) for k, v in c.items()}) for i, c in enumerate(cells)]


def run_hand(plan: ir.Plan, rows: list[Row], dialect: str, load: Load, fetch: Fetch) -> dict[int, dict]:
    """The query's answer by row number: every output step, and the error.  The arithmetic
    is asked of values no cell may hold (2E20 has more whole digits than a cell): the
    query's input checks, which would refuse them, are left out."""
    query = sql.build(plan, dialect, TABLE, ROW, check_inputs=False)
    load(plan, rows)
    return {int(r[ROW]): r for r in fetch(query.sql())}


def check_rounding(dialect: str, load: Load, fetch: Fetch) -> int:
    """Every ROUNDING line, one plan per step (a step of each mode over the column x)."""
    checked = 0
    for step in dict.fromkeys(line[0] for line in ROUNDING):
        lines = [line for line in ROUNDING if line[0] == step]
        steps = [(f"r{i}", ir.Round(ir.Cell("x"), Decimal(step), mode)) for i, mode in enumerate(MODES)]
        got = run_hand(hand_plan(steps, ("x",)), hand_rows([{"x": line[1]} for line in lines]), dialect, load, fetch)
        for number, line in enumerate(lines, start=2):
            record = got[number]
            assert record[sql.ERROR] is None, (line, record)
            for i, mode in enumerate(MODES):
                want = line[2 + i]
                assert str(record[f"r{i}"]) == want, (f"round {line[1]} to {step} {mode}", record[f"r{i}"], want)
                checked += 1
    return checked


def check_division(dialect: str, load: Load, fetch: Fetch) -> int:
    checked = 0
    cases = [
        # a column over a column, a column over a constant divisor, a constant over a column
        ("cells", lambda a, b: (ir.Bin("/", ir.Cell("a"), ir.Cell("b")), {"a": a, "b": b})),
        ("constant divisor", lambda a, b: (ir.Bin("/", ir.Cell("a"), ir.Const(Decimal(b))), {"a": a, "b": "1"})),
        ("constant dividend", lambda a, b: (ir.Bin("/", ir.Const(Decimal(a)), ir.Cell("b")), {"a": "1", "b": b})),
    ]
    for how, make in cases:
        lines = [line for line in DIVISION if how == "cells" or (line[2] is not None and "." not in line[0] + line[1])]
        if how == "cells":  # one plan: every line a row of one table, one query (a query costs Spark seconds)
            plan = hand_plan([("q", make("1", "1")[0])], ("a", "b"))
            answer = run_hand(plan, hand_rows([make(a, b)[1] for a, b, _ in lines]), dialect, load, fetch)
            answers = [answer[number] for number in range(2, len(lines) + 2)]
        else:  # the constant is in the plan: a plan a line
            answers = [run_hand(hand_plan([("q", make(a, b)[0])], ("a", "b")), hand_rows([make(a, b)[1]]), dialect, load,
                                fetch)[2] for a, b, _ in lines]
        for (a, b, want), got in zip(lines, answers, strict=True):
            if want is None:
                assert got[sql.ERROR] == "division by zero", (a, b, got)
            else:
                assert got[sql.ERROR] is None and got["q"] == Decimal(want), (how, a, b, got["q"], want)
            checked += 1
    lines = DIVIDE_THEN_ROUND
    steps = [(f"r{i}", ir.Round(ir.Bin("/", ir.Cell("a"), ir.Cell("b")), Decimal(1), mode)) for i, mode in enumerate(MODES)]
    got = run_hand(hand_plan(steps, ("a", "b")), hand_rows([{"a": a, "b": b} for a, b, *_ in lines]), dialect, load, fetch)
    for number, line in enumerate(lines, start=2):
        for i, mode in enumerate(MODES):
            assert str(got[number][f"r{i}"]) == line[2 + i], (f"round({line[0]} / {line[1]}, 1) {mode}",
                                                              got[number][f"r{i}"], line[2 + i])
            checked += 1
    return checked
