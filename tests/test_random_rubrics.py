"""Random rubrics that `kpi check` accepts, with random valid data: the API's eval, the
one-pass compiled stream, the IR interpreter and the form's JavaScript (node) all finish
and agree digit for digit.

The generator builds nested sections (with and without `out of`), every per-row rule,
bonuses, `round` lines at every level in every mode, vetoes of every scope, grades with
coefficients, pays and awards.  One node process scores a whole batch of examples."""

from __future__ import annotations

from decimal import Decimal

import nodejs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpidsl import interpret
from kpidsl.api import Scorer, check_text, load_text
from kpidsl.backends.javascript import batch_only
from kpidsl.lower import lower
from kpidsl.semantics import show
from kpidsl.validate import DataProblems

STEPS = ["0.01", "0.1", "0.5", "1", "2", "0.25"]
MODES = ["", " half up", " half even", " up", " down"]
pct = st.one_of(st.integers(0, 120).map(lambda n: f"{n}%"),
                st.tuples(st.integers(0, 99), st.integers(0, 9)).map(lambda t: f"{t[0]}.{t[1]}%"))


def _split(draw, whole: int, n: int) -> list[int]:
    """n positive whole numbers adding up to ``whole`` (n <= whole)."""
    cuts = sorted(draw(st.sets(st.integers(1, whole - 1), min_size=n - 1, max_size=n - 1))) if n > 1 else []
    return [b - a for a, b in zip([0] + cuts, cuts + [whole])]


@st.composite
def rubric_and_rows(draw):
    lines = ['rubric "随机考核表"']
    for level in ("items", "sections", "total", "money"):
        if draw(st.booleans()):
            lines.append(f"round {level} to {draw(st.sampled_from(STEPS))}{draw(st.sampled_from(MODES))}")
    lines += ['input r "及时率": percent range 0..150%', 'input k "次数": count range 0..20', 'input law "违规": yes/no',
              'input v "事故": yes/no', 'input w "严重": yes/no', 'input base "基数": money range 0..100000',
              'input x "销量": number range 0..200', 'rater qa "质检员"']
    cols = {"r": pct, "k": st.integers(0, 20).map(str), "law": st.sampled_from(["是", "否"]),
            "v": st.sampled_from(["是", "否"]), "w": st.sampled_from(["是", "否", "是", "否", "否"]),
            "base": st.integers(0, 100000).map(str),
            "x": st.one_of(st.integers(0, 200).map(str), st.decimals(0, 200, places=2).map(str))}
    counter = iter(range(1000))

    def item(size: int, indent: str) -> str:
        name = f"i{next(counter)}"
        kind = draw(st.sampled_from(["tiers", "ratio", "proportional", "deduct", "levels", "scale",
                                     "checklist", "entered", "veto", "plain"]))
        bonus = ""
        if kind == "tiers":
            t = sorted(draw(st.sets(st.integers(1, 99), min_size=1, max_size=3)))
            bands = [f"when >= {t[-1]}%: {size}"]
            for j in range(len(t) - 2, -1, -1):
                bands.append(f"when >= {t[j]}% and < {t[j + 1]}%: {draw(st.integers(0, size))}")
            bands.append(f"when < {t[0]}%: 0")
            rule = "tiers r { " + " ".join(bands) + " }"
        elif kind == "ratio":
            rule = (f"ratio r target {draw(st.integers(50, 100))}% ±{draw(st.sampled_from(['1', '0.5', '2']))}pt"
                    f" base {draw(st.integers(0, size))}")
            if draw(st.booleans()):
                bonus = f"bonus up to {draw(st.integers(1, 10))}\n{indent}  "
        elif kind == "proportional":
            rule = draw(st.sampled_from(["proportional r", "proportional x / 100"]))
            if draw(st.booleans()):
                bonus = f"bonus up to {draw(st.integers(1, 10))}\n{indent}  "
        elif kind == "deduct":
            rule = f"deduct {draw(st.sampled_from(['1', '2', '0.5', '3']))} per k"
        elif kind == "levels":
            rule = f'level "好": {size} level "中": {size / 2:g} level "差": 0'
            cols[name] = st.sampled_from([str(size), f"{size / 2:g}", "0"])
        elif kind == "scale":
            rule = f"scale 1: 0, 2: {size / 4:g}, 3: {size}"
            cols[name] = st.sampled_from(["1", "2", "3"])
        elif kind == "checklist":
            rule = f'checklist "及时", "准确" scores {size}, {size / 3:g}, 0'
            cols[name] = st.sampled_from(["0", "1", "2"])
        elif kind == "entered":
            rule = "entered by qa"
            # halves and thirds: ties for the `round` lines, and digits past them
            cols[name] = st.one_of(st.integers(0, size).map(str), st.just(f"{size / 3:.2f}"),
                                   st.just(f"{size - 0.5:g}"), st.just(f"{size - 0.25:g}"), st.just(f"{size - 0.05:g}"))
        elif kind == "veto":
            rule = f'veto law "违规"\n{indent}  level "好": {size} level "差": 0'
            cols[name] = st.sampled_from([str(size), "0"])
        else:
            rule = "entered by qa"
            cols[name] = st.integers(0, size).map(str)
        return f'{indent}item {name} "项目{name}" points {size} {{\n{indent}  {bonus}{rule}\n{indent}}}'

    def members(whole: int, indent: str, depth: int) -> list[str]:
        n = draw(st.integers(1, min(4, whole)))
        out = []
        for size in _split(draw, whole, n):
            shape = draw(st.sampled_from(["item", "item", "section", "out of"])) if depth < 2 else "item"
            if shape == "item":
                out.append(item(size, indent))
                continue
            name = f"s{next(counter)}"
            scale = draw(st.sampled_from([10, 50, 100])) if shape == "out of" else size
            head = f'{indent}section {name} "分组{name}" weight {size}' + (f" out of {scale}" if shape == "out of" else "")
            body = members(scale, indent + "  ", depth + 1)
            if draw(st.integers(0, 3)) == 0:
                body.insert(0, f'{indent}  veto v "事故" zeroes section')
            out.append(head + " {\n" + "\n".join(body) + f"\n{indent}}}")
        return out

    lines += members(100, "", 0)
    if draw(st.integers(0, 3)) == 0:
        lines.append('veto w "严重" zeroes appraisal')
    graded = draw(st.booleans())
    if graded:
        cut = draw(st.integers(30, 95))
        lines += [f'grade good "好" when >= {cut} coefficient 1.2', 'grade poor "差" otherwise coefficient 0.8']
        lines.append('pay p1 "绩效" = base * coefficient')
    lines.append(draw(st.sampled_from(['pay p2 "工资" = total / 80 * base',
                                       'pay p2 "工资" = base * total / 100 when total >= 60',
                                       'pay p2 "工资" = base / 3 + base * x / 7'])))
    if draw(st.booleans()):
        lines.append('award a1 "全勤" 50 when law')
    text = "\n".join(lines) + "\n"
    rows = draw(st.lists(st.fixed_dictionaries(cols), min_size=1, max_size=4))
    for j, row in enumerate(rows):
        row["id"] = f"p{j}"
    return text, rows


def _interpreted(plan, row):
    """Score steps, grade and result steps by walking the IR: no compiled code."""
    steps: dict[str, Decimal] = {}
    for s in plan.score_steps:
        steps[s.name] = interpret.value(s.expr, row.cells, steps)
    grade = None
    for i, g in enumerate(plan.grades):
        if g.cond is None or interpret.truth(g.cond, row.cells, steps):
            grade = i
            break
    all_steps = dict(steps, grade=Decimal(-1 if grade is None else grade))
    for s in plan.result_steps:
        all_steps[s.name] = interpret.value(s.expr, row.cells, all_steps)
    del all_steps["grade"]
    return all_steps, grade


BATCH = 12


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(rubric_and_rows(), min_size=BATCH, max_size=BATCH))
def test_eval_compiled_interpreter_and_javascript_agree(cases):
    plans, cell_rows, expected = [], [], []
    for text, records in cases:
        errors = [d for d in check_text(text, "gen.kpi") if d.severity.value == "error"]
        assert not errors, (errors, text)
        program, _ = load_text(text, "gen.kpi")
        plan = lower(program)
        scorer = Scorer(plan)
        try:
            rows = scorer.rows(records)
        except DataProblems as e:
            raise AssertionError(([str(x) for x in e.errors], records, text)) from None
        results = scorer.evaluator.evaluate(rows)  # what `kpi eval` and the API run
        assert len(results) == len(records) and all(r.status == "scored" for r in results), text
        # the one-pass compiled stream, where it applies, writes the same digits
        if scorer.evaluator.streams_lines:
            streamed = list(scorer.evaluator.stream(rows, errs := []))
            assert not errs, (errs, text)
            for a, b in zip(streamed, results, strict=True):
                assert {k: str(v) for k, v in a.steps.items()} == {k: str(v) for k, v in b.steps.items()}, text
                assert a.grade == b.grade
        skip = batch_only(plan)
        for res in results:
            steps, grade = _interpreted(plan, res.row)
            assert grade == res.grade, text
            for name, v in steps.items():
                if name not in skip:
                    assert str(v) == str(res.steps[name]), (name, v, res.steps[name], text)
        plans.append(plan)
        cell_rows.append([r.row.cells for r in results])
        expected.append((text, skip, results))
    js = nodejs.score_many(plans, cell_rows)
    assert len(js) == len(expected)
    compared = 0
    for (text, skip, results), js_rows, plan in zip(expected, js, plans, strict=True):
        assert len(js_rows) == len(results)
        for res, j in zip(results, js_rows, strict=True):
            assert "error" not in j and "excluded" not in j, (j, text)
            assert j["grade"] == res.grade, text
            for step in plan.score_steps + plan.result_steps:
                if step.name in skip or step.kind == "aux":
                    continue
                assert j[step.name] == show(res.steps[step.name]), (step.name, j[step.name], res.steps[step.name], text)
                compared += 1
    assert compared > 0
