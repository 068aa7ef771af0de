"""Laws of the evaluator on generated rubrics and rows (hypothesis):

* it agrees with a naive reference that scores straight from the AST in exact fractions;
* the compiled backend and the IR interpreter agree on every step, to the last digit;
* every item's score stays inside 0..points (+bonus) unless its rule says it may not.

How a data cell is read, fast and slow, is held equal in tests/test_cells.py.
"""

from __future__ import annotations

import os
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings, strategies as st

from kpidsl import interpret
from kpidsl.api import check_text, load_text
from kpidsl.evaluate import Evaluator
from kpidsl.lower import lower

from reference import Reference

EXAMPLES = int(os.environ.get("KPI_EXAMPLES", "150"))
pct = st.integers(0, 100).map(lambda n: f"{n}%")


@st.composite
def rubric_and_rows(draw):
    n = draw(st.integers(1, 6))
    # points that add up to 100: cut points on 1..99
    cuts = sorted(draw(st.sets(st.integers(1, 99), min_size=n - 1, max_size=n - 1)))
    sizes = [b - a for a, b in zip([0] + cuts, cuts + [100])]
    lines = ['rubric "生成的考核表"', 'input r "及时率": percent', 'input k "次数": count range 0..20',
             'input law "违规": yes/no']
    data_cols = {"r": pct, "k": st.integers(0, 20).map(str), "law": st.sampled_from(["是", "否"])}
    items = []
    for i, size in enumerate(sizes):
        kind = draw(st.sampled_from(["tiers", "ratio", "proportional", "deduct", "levels", "scale",
                                     "checklist", "entered", "veto"]))
        name = f"i{i}"
        if kind == "tiers":
            t = sorted(draw(st.sets(st.integers(1, 99), min_size=1, max_size=3)))
            pts = [draw(st.integers(0, size)) for _ in t]
            bands = [f"when >= {t[-1]}%: {size}"]
            for j in range(len(t) - 2, -1, -1):
                bands.append(f"when >= {t[j]}% and < {t[j + 1]}%: {pts[j]}")
            bands.append(f"when < {t[0]}%: 0")
            rule = "tiers r { " + " ".join(bands) + " }"
        elif kind == "ratio":
            target = draw(st.integers(50, 100))
            step = draw(st.sampled_from(["1", "0.5", "2"]))
            base = draw(st.integers(0, size))
            rule = f"ratio r target {target}% ±{step}pt base {base}"
        elif kind == "proportional":
            rule = "proportional r"
        elif kind == "deduct":
            amount = draw(st.integers(1, 10))
            rule = f"deduct {amount} per k" + (" no floor" if draw(st.booleans()) else "")
        elif kind == "levels":
            rule = f'level "好": {size} level "中": {size / 2:g} level "差": 0'
            data_cols[name] = st.sampled_from([str(size), f"{size / 2:g}", "0"])
        elif kind == "scale":
            rule = f"scale 1: 0, 2: {size / 2:g}, 3: {size}"
            data_cols[name] = st.sampled_from(["1", "2", "3"])
        elif kind == "checklist":
            rule = f'checklist "及时", "准确" scores {size}, {size / 2:g}, 0'
            data_cols[name] = st.sampled_from(["0", "1", "2"])
        elif kind == "entered":
            rule = "entered by qa"
            data_cols[name] = st.integers(0, size).map(str)
        else:
            rule = f'veto law "违规"\n  level "好": {size} level "差": 0'
            data_cols[name] = st.sampled_from([str(size), "0"])
        items.append((name, size, rule))
    if any("entered by qa" in r for _, _, r in items):
        lines.append('rater qa "质检员"')
    for name, size, rule in items:
        lines.append(f'item {name} "项目{name}" points {size} {{\n  {rule}\n}}')
    text = "\n".join(lines) + "\n"
    rows = draw(st.lists(st.fixed_dictionaries(data_cols), min_size=1, max_size=5))
    for j, row in enumerate(rows):
        row["id"] = f"p{j}"
    return text, rows


def _fraction_row(row):
    out = {}
    for k, v in row.items():
        if k == "id":
            continue
        if v in ("是", "否"):
            out[k] = 1 if v == "是" else 0
        elif v.endswith("%"):
            out[k] = Fraction(v[:-1]) / 100
        else:
            out[k] = Fraction(v)
    return out


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(rubric_and_rows())
def test_evaluator_agrees_with_the_naive_reference(case):
    text, rows = case
    errors = [d for d in check_text(text, "gen.kpi") if d.severity.value == "error"]
    assert not errors, (errors, text)
    program, _ = load_text(text, "gen.kpi")
    plan = lower(program)
    from kpidsl.api import Scorer
    results = Scorer(plan).evaluate(rows)
    ref = Reference(program)
    for row, res in zip(rows, results):
        expected = ref.scores(_fraction_row(row))
        for name, want in expected.items():
            got = Fraction(res.steps[name])
            # only a division may round (to 20 places); the total is rounded to nothing here
            assert abs(got - want) <= Fraction(1, 10**15), (name, got, want, text, row)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(rubric_and_rows())
def test_compiled_backend_equals_the_interpreter_and_scores_stay_in_range(case):
    text, rows = case
    program, _ = load_text(text, "gen.kpi")
    plan = lower(program)
    ev = Evaluator(plan)
    from kpidsl.api import Scorer
    results = Scorer(plan).evaluate(rows)
    sizes = {s.name: s for s in program.statements if hasattr(s, "size")}
    for res in results:
        steps: dict[str, Decimal] = {}
        for s in plan.score_steps:
            steps[s.name] = interpret.value(s.expr, res.row.cells, steps)
            assert steps[s.name] == res.steps[s.name], (s.name, text)
            # equal as decimals AND written the same, so every output agrees to the last digit
            assert str(steps[s.name]) == str(res.steps[s.name])
        for name, item in sizes.items():
            score = res.steps[name]
            rule = item.rule
            may_go_negative = getattr(rule, "floored", True) is False
            assert score <= item.size.value, (name, score)
            if not may_go_negative:
                assert score >= 0, (name, score)
    assert ev.compiled.source.count("def score") == 1


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(rubric_and_rows())
def test_the_one_pass_stream_writes_what_the_general_path_writes(case):
    """`kpi eval -o out.csv` streams rows through the one-pass compiled function; it must write
    exactly the lines the general path writes for the same rows."""
    import csv
    import io

    from kpidsl.api import Scorer
    from kpidsl.output import Table, write_csv

    text, rows = case
    program, _ = load_text(text, "gen.kpi")
    scorer = Scorer(lower(program))
    if not scorer.evaluator.streams_lines:
        # vetoes take the general path: compare the same rubric without them, not nothing
        assert scorer.plan.vetoes, text
        program, _ = load_text(text.replace('veto law "违规"\n  ', ""), "gen.kpi")
        scorer = Scorer(lower(program))
    assert scorer.evaluator.streams_lines, text
    data = scorer.rows(rows)
    general = io.StringIO()
    write_csv(Table(scorer.plan), scorer.evaluator.evaluate(data), general)
    fast = io.StringIO()
    w = csv.writer(fast)
    w.writerow(Table(scorer.plan).headers)
    errors: list = []
    w.writerows(scorer.evaluator.stream_lines(data, errors))
    assert not errors
    assert fast.getvalue() == general.getvalue()
