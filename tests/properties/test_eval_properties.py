"""Laws of the evaluator on generated rubrics and rows (hypothesis):

* it agrees with a naive reference that scores straight from the AST in exact fractions;
* the compiled backend and the IR interpreter agree on every step, to the last digit;
* every item's score stays inside 0..points (+bonus) unless its rule says it may not.

The rubrics come from tests/rubric_gen.py, kept to what the reference scores (top-level
items of every per-row rule).  How a data cell is read, fast and slow, is held equal in
tests/test_cells.py.
"""

from __future__ import annotations

import os
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from reference import Reference
from rubric_gen import rubric_and_rows

from kpidsl import interpret
from kpidsl.api import check_text, load_text
from kpidsl.engine.evaluate import Evaluator
from kpidsl.lower.lowerer import lower

EXAMPLES = int(os.environ.get("KPI_EXAMPLES", "150"))
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
    from kpidsl.engine.output import Table, write_csv

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
