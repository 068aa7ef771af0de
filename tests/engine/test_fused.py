"""The fused streaming loop of `kpi eval -o out.csv` (backends/fused.py, stream.py): one
generated loop per file reads, scores and spells a common row with no Row in between.
It must write what the general path writes (validator, evaluator, write_csv) for the same
file, line for line, and report the same problems in the same words; a common row must
stay in the loop (else the loop is only a detour), and an odd one must leave it.
"""

from __future__ import annotations

import csv
import io
import os
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rubric_gen import rubric_and_rows

from kpidsl import ir
from kpidsl.api import Scorer, load_text
from kpidsl.data.source import iter_rows
from kpidsl.engine import stream
from kpidsl.engine.fused import _plain_steps
from kpidsl.engine.output import Table, write_csv
from kpidsl.lower.lowerer import lower

EXAMPLES = int(os.environ.get("KPI_EXAMPLES", "150"))
ROOT = Path(__file__).resolve().parents[2]

RUBRIC = ('rubric "读数"\nperson id "工号"\ngroup team "团队"\nround total to 0.01\n'
          'input r "及时率": percent range 50%..150%\ninput k "次数": count range 0..20\n'
          'input s "销售额": money\ninput q "目标": money\n'
          'item a "A" points 30 { tiers r { when >= 90%: 30 when >= 80% and < 90%: 15 else: 0 } }\n'
          'item b "B" points 20 { deduct 5 per k }\n'
          'item c "C" points 20 { proportional s / q }\n'
          'item e "E" points 10 { ratio r target 90% ±1pt base 5 }\n'
          'item d "D" points 20 { level "好": 20 level "中": 15 level "差": 0 }\n'
          'grade good "良好" when >= 60\ngrade poor "待改进" otherwise\n')
HEADER = ["工号", "团队", "period", "r", "k", "s", "q", "d"]


def _scorer(text: str = RUBRIC) -> Scorer:
    program, diags = load_text(text, "fused.kpi")
    assert program is not None and not [d for d in diags if d.severity.value == "error"], diags
    return Scorer(lower(program))


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def _fused(scorer: Scorer, paths: list[Path], percent: str = "strict") -> tuple[str, list[str], int]:
    """What `kpi eval -o` writes through the loop, the problems, and how many rows left it."""
    declined = []
    row = stream.Validator.row

    def counted(self, number, values):
        declined.append(number)
        return row(self, number, values)
    errors: list = []
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(Table(scorer.plan).headers)
    stream.Validator.row = counted  # type: ignore[method-assign]
    try:
        w.writerows(stream.stream_lines(scorer.evaluator, paths, errors, percent))
    finally:
        stream.Validator.row = row  # type: ignore[method-assign]
    return out.getvalue(), [str(e) for e in errors], len(declined)


def _general(scorer: Scorer, paths: list[Path], percent: str = "strict") -> tuple[str, list[str]]:
    """The same file through the validator, one Row at a time, and write_csv."""
    errors: list = []
    out = io.StringIO()
    write_csv(Table(scorer.plan), scorer.evaluator.stream(iter_rows(scorer.plan, paths, errors, percent), errors), out)
    return out.getvalue(), [str(e) for e in errors]


COMMON = [["E1", "华东一组", "2024-01", "93.5%", "2", "12500", "10000", "20"],
          ["E2", "华南组", "2024-01", "85%", "0", "7000", "10000", "15"],
          ["张三", "", "2024-01", "50%", "20", "0", "20000", "0"],
          ["E4", "华北组", "2024-01", "150.00%", "1", "30000.5", "20000", "20"]]


def test_common_rows_stay_in_the_loop_and_are_written_as_the_general_path_writes_them(tmp_path):
    scorer = _scorer()
    path = _write(tmp_path / "a.csv", HEADER, COMMON)
    text, errors, declined = _fused(scorer, [path])
    assert declined == 0 and errors == []
    assert (text, errors) == (_general(scorer, [path])[0], [])
    # worked by hand: E1 a=30 (93.5% >= 90%), b=20-5*2=10, c=20*12500/10000 capped at 20,
    # e=5+(93.5-90)=8.5 (capped at 10), d=20; total 88.50, 良好
    line = next(r for r in csv.reader(io.StringIO(text)) if r[0] == "E1")
    assert line[3:] == ["30", "10", "20", "8.5", "20", "88.50", "良好", "", "scored", ""]
    # 张三: a=0, b=max(20-100, 0)=0, c=0, e=max(5-40, 0)=0, d=0: total 0.00, 待改进
    line = next(r for r in csv.reader(io.StringIO(text)) if r[0] == "张三")
    assert line[3:] == ["0", "0", "0", "0", "0", "0.00", "待改进", "", "scored", ""]


def test_bare_percents_stay_in_the_loop_in_whole_and_fraction_mode(tmp_path):
    scorer = _scorer()
    for mode, cells in (("whole", ["93.5", "85", "50", "150.00"]), ("fraction", ["0.935", "0.85", "0.5", "1.5"])):
        rows = [r[:3] + [c] + r[4:] for r, c in zip(COMMON, cells)]
        path = _write(tmp_path / f"{mode}.csv", HEADER, rows)
        text, errors, declined = _fused(scorer, [path], mode)
        assert (declined, errors) == (0, [])
        assert text == _general(scorer, [path], mode)[0]
        assert text == _fused(scorer, [_write(tmp_path / "pct.csv", HEADER, COMMON)])[0]


ODD_ROWS = [
    ["E5", "华东一组", "2024-01", " 93% ", "2", "12,500", "10000", "20"],  # spaces, a thousands separator
    ["E6", "华东一组", "2024-01", "93%", "-0", "007", "10000.000", "15"],  # -0 and leading zeros
    ["E7", "华东一组", "2024-01", "93%", "2.0", "1e3", "10000", "20"],  # a whole 2.0; an exponent
    ["", "华东一组", "2024-01", "93%", "2", "1", "10000", "20"],  # no id
    ["E8", "华东一组", "2024-01", "93%", "2", "1", "0", "20"],  # divides by zero
    ["E9", "华东一组", "2024-01", "93"],  # a short row
    ["E1", "华东一组", "2024-01", "93%", "2", "1", "10000", "20"],  # E1 again in the period
    ["=HYPERLINK(\"x\")", "@团队", "-2024", "93%", "21", "1", "10000", "优"],  # formula starts; k out of range; no such level
    ["E10", "华东一组", "2024-01", "９３%", "２", "1", "10000", "20"],  # full-width digits
    ["=SUM(1)", "+组", "-2024", "93%", "2", "1", "10000", "20"],  # keys a spreadsheet would run
]


def test_odd_rows_leave_the_loop_and_get_the_general_paths_lines_and_problems(tmp_path):
    scorer = _scorer()
    path = _write(tmp_path / "odd.csv", HEADER, COMMON + ODD_ROWS)
    text, errors, declined = _fused(scorer, [path])
    assert (text, errors) == _general(scorer, [path])
    assert errors  # not vacuous: the duplicate, the blank id, the short row…
    assert any("appears twice" in e for e in errors) and any("division by zero" in e for e in errors)
    # the five rows the loop cannot read itself (E5, E7, no id, the short row, the formula
    # row out of range), and not one of the others: -0, 007, full-width digits, a duplicate
    # and a zero divisor are read in the loop (Decimal and cells.read read them alike)
    assert declined == 5
    assert "'=SUM(1),'-2024,'+组,30,10,0.002,8,20,68.00," in text


def test_a_file_with_another_layout_gets_its_own_loop(tmp_path):
    """Two files, columns in another order and no group column: each its own loop."""
    scorer = _scorer()
    a = _write(tmp_path / "a.csv", HEADER, COMMON[:2])
    order = [7, 6, 5, 4, 3, 2, 0]  # d q s k r period 工号
    b = _write(tmp_path / "b.csv", [HEADER[i] for i in order], [[r[i] for i in order] for r in COMMON[2:]])
    text, errors, declined = _fused(scorer, [a, b])
    assert (declined, errors) == (0, [])
    assert (text, errors) == _general(scorer, [a, b])
    assert text.count("\n") == 5


def test_a_total_no_grade_covers_is_the_general_paths_error(tmp_path):
    scorer = _scorer(RUBRIC.replace("grade poor \"待改进\" otherwise\n", "grade poor \"待改进\" when < 30\n"))
    rows = [COMMON[0], ["E2", "华南组", "2024-01", "80%", "2", "0", "10000", "20"]]  # 15+10+0+0+20 = 45
    path = _write(tmp_path / "g.csv", HEADER, rows)
    text, errors, _ = _fused(scorer, [path])
    assert (text, errors) == _general(scorer, [path])
    assert errors == [f"{path}:3: no grade for a total of 45"]


cells = {
    "r": st.one_of(st.decimals(50, 150, places=2).map(lambda d: f"{d}%"), st.sampled_from(["90%", "93.%", ".5", "abc", ""])),
    "k": st.one_of(st.integers(0, 20).map(str), st.sampled_from(["-0", "03", "2.0", "-1", "1.5", "٣"])),
    "s": st.one_of(st.integers(0, 40000).map(str), st.decimals(0, 40000, places=3).map(str),
                   st.sampled_from(["0.0", "5E+3", "-0"])),
    "q": st.sampled_from(["10000", "20000", "0", "1.00"]),
    "d": st.sampled_from(["20", "15", "0", "15.0", "好"]),
}


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.fixed_dictionaries(cells), min_size=1, max_size=8))
def test_any_cells_give_the_general_paths_lines_and_problems(tmp_path_factory, rows):
    scorer = _scorer()
    path = _write(tmp_path_factory.mktemp("h") / "h.csv", HEADER,
                  [[f"E{j}", "组", "2024-01", *(r[c] for c in "rksqd")] for j, r in enumerate(rows)])
    assert _fused(scorer, [path])[:2] == _general(scorer, [path])


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(rubric_and_rows())
def test_generated_rubrics_give_the_general_paths_lines(tmp_path_factory, case):
    text, rows = case
    scorer = _scorer(text)
    if not scorer.evaluator.streams_lines:
        return  # vetoes: `kpi eval` takes the general path for them (test_eval_properties)
    header = list(rows[0])
    path = _write(tmp_path_factory.mktemp("g") / "g.csv", header, [[r[h] for h in header] for r in rows])
    assert _fused(scorer, [path])[:2] == _general(scorer, [path])


def _shipped() -> list[tuple[Path, Path]]:
    """The shipped examples `kpi eval -o` streams (the others have batch rules)."""
    from kpidsl.api import load_rubric

    out = []
    for rubric in sorted((ROOT / "rubrics").glob("*.kpi")):
        if load_rubric(str(rubric)).evaluator.streams_lines:
            out += [(rubric, data) for data in sorted((ROOT / "rubrics" / "examples").glob(rubric.stem + "*.csv"))]
    return out


SHIPPED = _shipped()


def test_some_shipped_examples_stream():
    assert len(SHIPPED) >= 5  # not vacuous: the test below has examples to run


@pytest.mark.parametrize("rubric,data", SHIPPED, ids=lambda p: p.name)
def test_shipped_examples_give_the_general_paths_lines(rubric, data):
    from kpidsl.api import load_rubric

    scorer = load_rubric(str(rubric))
    assert _fused(scorer, [data])[:2] == _general(scorer, [data])


# ---- which steps str() spells ----------------------------------------------------------
def _c(x: str) -> ir.Const:
    return ir.Const(Decimal(x))


WHOLE, COUNT, ANY = ir.Cell("level"), ir.Cell("count"), ir.Cell("pct")
SHAPES = {"level": (True, True, True), "count": (True, False, False), "pct": (False, False, False)}


@pytest.mark.parametrize("expr,plain", [
    (_c("5"), True),
    (_c("5.0"), False),  # str gives 5.0
    (_c("1E+1"), False),  # str gives 1E+1
    (_c("-0"), False),
    (_c("-3"), False),
    (WHOLE, True),
    (COUNT, False),  # "-0" is a whole count that reads as -0
    (ANY, False),
    (ir.Bin("+", WHOLE, _c("3")), True),
    (ir.Bin("*", WHOLE, _c("3")), True),
    (ir.Bin("-", _c("5"), WHOLE), False),  # may be negative
    (ir.Max((ir.Bin("-", _c("5"), ir.Bin("*", _c("1"), COUNT)), _c("0"))), True),  # deduct: max(5 - k, 0)
    (ir.Max((ir.Neg(WHOLE), _c("0"))), False),  # -0 when the level is 0: max keeps the first of equals
    (ir.Max((ir.Bin("*", _c("1"), COUNT), _c("0"))), False),  # 1 * -0 is -0
    (ir.Min((WHOLE, _c("3"))), True),
    (ir.Min((WHOLE, _c("-3"))), False),
    (ir.If(ir.Cmp(">=", ANY, _c("0.9")), _c("10"), _c("0")), True),
    (ir.If(ir.Cmp(">=", ANY, _c("0.9")), _c("10"), _c("0.5")), False),
    (ir.If(ir.Cmp(">=", ANY, _c("0.9")), _c("10"), ir.Fail("no tier", ANY)), True),  # Fail gives no value
    (ir.Bin("/", WHOLE, _c("1")), False),
    (ir.Round(WHOLE, Decimal(1), "half up"), False),
])
def test_steps_str_spells_are_exactly_the_whole_non_negative_ones(expr, plain):
    assert (_plain_steps([ir.Step("x", "item", expr)], SHAPES) == {"x"}) is plain


def test_a_step_reading_a_plain_step_is_plain():
    steps = [ir.Step("a", "item", WHOLE), ir.Step("b", "item", ir.Bin("+", ir.Ref("a"), _c("2"))),
             ir.Step("c", "item", ir.Bin("+", ir.Ref("b"), _c("0.5")))]
    assert _plain_steps(steps, SHAPES) == {"a", "b"}


def test_duplicates_are_found_across_spilled_runs(tmp_path, monkeypatch):
    """The loop adds to the duplicate index without its add(): runs must still spill."""
    from kpidsl.data.duplicates import DuplicateIndex

    spilled = []

    class Small(DuplicateIndex):
        def __init__(self):
            super().__init__(chunk=2)

        def spill(self):
            spilled.append(len(self.keys))
            super().spill()
    monkeypatch.setattr(stream, "DuplicateIndex", Small)
    rows = [[f"E{j % 5}", "组", "2024-01", "93%", "2", "1", "10000", "20"] for j in range(7)]
    text, errors, declined = _fused(_scorer(), [_write(tmp_path / "d.csv", HEADER, rows)])
    assert declined == 0 and spilled[:3] == [2, 2, 2]
    # rows 7 and 8 repeat E0 and E1 of rows 2 and 3, in other runs
    assert sorted((e.split(":")[1], e.rsplit(":", 1)[1]) for e in errors) == [("7", "2"), ("8", "3")]
    assert all("appears twice" in e for e in errors)


def test_what_the_reader_gives_is_known_by_its_spelling():
    """A level's points are read from a fixed table (whole and >= 0 here, or not); a count
    may be written -0 and a percent is anything: only the first is spelled by str()."""
    from kpidsl.data.cells import spec_of
    from kpidsl.data.fast_reader import reader_parts
    from kpidsl.engine.fused import _read_as

    scorer = _scorer(RUBRIC.replace('level "差": 0 }', 'level "差": 0 }\n'
                                    'item h "H" points 0 { level "半": 0.5 level "无": 0 }'))
    columns = {c.name: c for c in scorer.plan.columns}
    specs = [(spec_of(columns[n]), i) for i, n in enumerate(["r", "k", "d", "h"])]
    cols, namespace = reader_parts(specs, prefix="B")
    shapes = [_read_as(c, namespace) for c in cols]
    assert shapes == [(False, False, False), (True, False, False), (True, True, True), (False, True, True)]


def test_kpi_eval_to_a_file_writes_what_it_prints(kpi, write, tmp_path):
    """`kpi eval -o out.csv` streams through the loop; printing takes the general path.
    Titles a spreadsheet would run as formulas are quoted in both."""
    rubric = write(RUBRIC.replace('"A" points 30', '"=A+1" points 30'))
    data = _write(tmp_path / "a.csv", HEADER, COMMON + ODD_ROWS[-1:])
    out = tmp_path / "out.csv"
    streamed, printed = kpi("eval", rubric, data, "-o", out), kpi("eval", rubric, data)
    assert (streamed.returncode, printed.returncode) == (0, 0), streamed.stderr + printed.stderr
    assert out.read_text(encoding="utf-8") == printed.stdout
    assert printed.stdout.startswith("id,period,team,'=A+1,B,")


def test_a_row_with_a_cell_past_the_last_title_is_refused_by_the_loop_and_the_general_path(tmp_path):
    # p2's unquoted 1,000 in the last column splits into 1 and 000: read by position, late would
    # be 1 and p2 would score 99 without a word
    scorer = _scorer('rubric "t"\ninput late "迟到": count\nitem a "A" points 100 { deduct 1 per late }\n')
    path = tmp_path / "a.csv"
    path.write_text("id,late\np1,1\np2,1,000\np3,2\n", encoding="utf-8")
    for text, errors in (_fused(scorer, [path])[:2], _general(scorer, [path])):
        assert [e for e in errors if ":3: this row has 3 cells, more than the 2 titles of the header row" in e], errors
        assert "p2" not in text and "p1,,99" in text.replace("\r\n", "\n")
