"""Pages complete by construction: every constant and every condition of the IR is named on the
page, on the line (or the item's block) that describes the rule it belongs to; and on the form,
each item's row carries the numbers of its rule.

The IR is walked here on its own, not through the page's words (kpidsl/backends/docs/words.py):
a condition's columns (by label), steps (by label), grades (by label) and constants (as numbers,
a fraction also as a percent) must all be on the line of the rule that applies it.  Shipped
rubrics, the documented patterns and generated rubrics (tests/rubric_gen.py)."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from rubric_gen import rubric_and_rows

from kpidsl import ir
from kpidsl.api import load_rubric, load_text
from kpidsl.backends.docs.page import render_page
from kpidsl.backends.docs.text import TEXT, md
from kpidsl.backends.form.html import render as render_form
from kpidsl.lower.lowerer import lower

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = sorted((ROOT / "rubrics").glob("*.kpi")) + sorted((ROOT / "docs" / "patterns").glob("*.kpi"))
TOTAL = {"zh": "总分", "en": "total"}
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?%?")


def numbers(text: str) -> set[Decimal]:
    """Every number written in ``text``; ``20%`` counts as 20% (0.2) and as 20."""
    out = set()
    for tok in _NUMBER.findall(text):
        if tok.endswith("%"):
            out.add((Decimal(tok[:-1]) / 100).normalize())
            tok = tok[:-1]
        out.add(Decimal(tok).normalize())
    return out


class Needs:
    """What a line must name for a formula or condition of the IR: labels and constants."""

    def __init__(self, plan: ir.Plan, lang: str) -> None:
        self.plan = plan
        self.lang = lang
        self.columns = {c.name: c for c in plan.columns}
        self.steps = {s.name: s for s in plan.score_steps + plan.result_steps}
        self.labels: set[str] = set()
        self.consts: set[Decimal] = set()

    def step_label(self, name: str) -> str | None:
        if name == "total":
            return TOTAL[self.lang]
        s = self.steps.get(name)
        if s is None or s.kind == "aux":
            return None
        return s.label or s.name

    def node(self, e: ir.Node, scaled: bool = True) -> Needs:
        """``scaled``: count constants that multiply or divide (off inside an item's own
        arithmetic, where a slope or a weight is derived from numbers the page states)."""
        match e:
            case ir.Const():
                self.consts.add(e.value.normalize())
            case ir.Cell():
                c = self.columns[e.column]
                self.labels.add(c.label or c.name)
            case ir.Ref():
                label = self.step_label(e.step)
                if label is not None:
                    self.labels.add(label)
                elif e.step in self.steps:  # an internal step is said by what it computes
                    self.node(self.steps[e.step].expr, scaled)
            case ir.Cmp() if isinstance(e.a, ir.Ref) and e.a.step == "grade" and isinstance(e.b, ir.Const):
                g = self.plan.grades[int(e.b.value)]
                self.labels.add(g.label or g.name)
            case ir.If() if e.then == ir.Const(Decimal(1)) and e.else_ == ir.Const(Decimal(0)):
                self.node(e.cond, scaled)  # a yes/no step: 1 when its condition holds
            case ir.Bin() if e.op in "*/" and not scaled:
                for x, other in ((e.a, e.b), (e.b, e.a)):
                    # a slope (times a difference) or a rater's weight (times their column) is
                    # derived from numbers stated elsewhere: per/step, the raters' table
                    rater_col = isinstance(other, ir.Cell) and "." in other.column
                    if not isinstance(x, ir.Const) or not (isinstance(other, ir.Bin) or rater_col):
                        self.node(x, scaled)
            case ir.Fail():
                pass
            case ir.Agg():
                self.node(ir.Ref(e.step), scaled)
            case ir.Round():
                self.node(e.a, scaled)
            case _:
                for child in _direct(e):
                    self.node(child, scaled)
        return self

    def missing(self, line: str) -> list[str]:
        have = numbers(line)
        out = [f"label {x!r}" for x in sorted(self.labels) if md(x) not in line]
        out += [f"number {x}" for x in sorted(self.consts) if x not in have]
        return out


def _direct(e: ir.Node) -> tuple[ir.Node, ...]:
    match e:
        case ir.Bin() | ir.Cmp():
            return (e.a, e.b)
        case ir.Neg() | ir.Not() | ir.IsTrue() | ir.Round() | ir.Sqrt():
            return (e.a,)
        case ir.Min() | ir.Max() | ir.And() | ir.Or():
            return e.args
        case ir.If():
            return (e.cond, e.then, e.else_)
        case _:
            return ()


def _section(page: str, heading: str) -> str:
    """The part of the page under ``## heading``, to the next heading of level 2."""
    start = page.index(f"\n## {heading}\n")
    end = page.find("\n## ", start + 1)
    return page[start:end if end >= 0 else None]


def _row(text: str, label: str) -> str:
    """The table row whose first cell is ``label``."""
    lines = [x for x in text.splitlines() if x.startswith(f"| {md(label)} |")]
    assert lines, f"no row for {label!r}"
    return lines[0]


def _bullet(text: str, label: str) -> str:
    """Every bullet that names ``label`` (a grade's label is in its quota's bullet and in a gate)."""
    lines = [x for x in text.splitlines() if x.startswith("- ") and md(label) in x]
    assert lines, f"no bullet names {label!r}"
    return "\n".join(lines)


def _block(page: str, item: str) -> str:
    """An item's part of the page: from its anchor to the next anchor or heading of level 2."""
    start = page.index(f'<a id="{item.lower()}"></a>')
    rest = page[start + 1:]
    ends = [i for i in (rest.find('<a id="'), rest.find("\n## ")) if i >= 0]
    return rest[:min(ends)] if ends else rest


def problems(plan: ir.Plan, page: str, lang: str, form: str | None = None) -> list[str]:
    out = []
    items = {it.name for it in plan.outline.items()}
    for s in plan.score_steps:
        if s.name in items:
            need = Needs(plan, lang).node(s.expr, scaled=False)
            need.labels.discard(TOTAL[lang])
            # the raters' columns are in the data table; a subject column is named in the block
            need.labels -= {c.label or c.name for c in plan.columns if "." in c.name}
            # an item scored by weighted raters mixes their marks by the weights in the raters' table
            raters = "\n".join(x for x in page.splitlines() if any(f"(`{r.name}`)" in x for r in plan.outline.raters))
            out += [f"item {s.name}: {m}" for m in need.missing(_block(page, s.name) + raters)]
            if form is not None:
                row = re.search(rf'<tr class="item[^"]*" data-item="{re.escape(s.name)}">(.*?)</tr>', form, re.S)
                assert row is not None, s.name
                text = re.sub(r"<[^>]+>", " ", row.group(1))
                # the form shows each rule's conditions and amounts: the numbers of its comparisons
                cmp = Needs(plan, lang)
                for c in ir.walk(s.expr):
                    if isinstance(c, ir.Cmp) and not any(isinstance(x, ir.Fail) for x in ir.walk(s.expr)):
                        cmp.node(c)
                out += [f"form item {s.name}: {m}" for m in cmp.missing(text) if m.startswith("number")]
    t = TEXT[lang]
    results = _section(page, t["results"]) if f"\n## {t['results']}\n" in page else ""
    flags = {f.step: f.label or f.name for f in plan.when_flags}
    for s in plan.result_steps:
        if s.kind == "aux":
            continue
        label = flags.get(s.name, s.label or s.name)
        line = _row(results, label)
        out += [f"result {s.name}: {m}" for m in Needs(plan, lang).node(s.expr).missing(line)]
    for g in plan.grades:
        if g.cond is not None and plan.distribution is None:
            line = _row(_section(page, t["grades"]), g.label or g.name)
            out += [f"grade {g.name}: {m}" for m in Needs(plan, lang).node(g.cond).missing(line)]
    for b in plan.best_of:
        line = _bullet(results, b.label or b.award)
        need = Needs(plan, lang).node(ir.Const(b.amount))
        if next(s for s in plan.result_steps if s.name == b.eligible).expr != ir.Const(Decimal(1)):
            need.node(ir.Ref(b.eligible))  # a gate: a grade, a condition
        need.node(plan_step(plan, b.step))
        for t in b.tie_by:
            need.node(ir.Ref(t))
        out += [f"best of {b.award}: {m}" for m in need.missing(line)]
        if b.pick_by is not None:  # one of the tied is paid: by whose key, not "everyone tied"
            key = dict(plan.key_labels).get(b.pick_by) or b.pick_by
            if key not in line:
                out.append(f"best of {b.award}: the tie pick by {key}")
    for st in plan.streaks:
        line = _bullet(results, st.label or st.name)
        need = Needs(plan, lang).node(plan_step(plan, st.step)).node(ir.Const(Decimal(st.periods)))
        if st.amount is not None:
            need.node(ir.Const(st.amount))
        if st.flag:
            need.labels.add(st.flag)
        out += [f"streak {st.name}: {m}" for m in need.missing(line)]
    for f in plan.flags:
        line = _bullet(results, f.label or f.name)
        need = Needs(plan, lang).node(ir.Const(f.bottom))
        need.labels.add(dict(plan.key_labels).get(f.group, f.group))
        out += [f"flag {f.name}: {m}" for m in need.missing(line)]
    for q in plan.quotas:
        grade = next(g for g in plan.grades if g.name == q.grade)
        line = _bullet(results, grade.label or grade.name)
        need = Needs(plan, lang).node(ir.Const(q.at_most))
        for t in q.tie_by:
            need.node(ir.Ref(t))
        out += [f"quota {q.grade}: {m}" for m in need.missing(line)]
    for cond, reason in plan.exclude:
        line = _bullet(results, reason) if reason else results
        out += [f"exclusion: {m}" for m in Needs(plan, lang).node(cond).missing(line)]
    if plan.distribution is not None:
        for sl in plan.distribution.slices:
            g = plan.grades[sl.grade]
            line = _row(_section(page, t["grades"]), g.label or g.name)
            out += [f"ranked grade {g.name}: {m}" for m in Needs(plan, lang).node(ir.Const(sl.share)).missing(line)]
    return out


def plan_step(plan: ir.Plan, name: str) -> ir.Expr:
    return ir.Ref(name)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_constant_and_condition_of_a_shipped_rubric_is_on_its_page_and_form(path, lang):
    plan = load_rubric(path).plan
    page = render_page(plan, path.stem, lang).markdown
    try:
        form: str | None = render_form(plan, lang)
    except ValueError:  # a rubric scored on its group's statistics has no one-person form
        form = None
    assert problems(plan, page, lang, form) == []


@settings(max_examples=int(os.environ.get("KPI_EXAMPLES", 60)), deadline=None,
          suppress_health_check=list(HealthCheck))
@given(rubric_and_rows(rich=True))
def test_every_constant_and_condition_of_a_generated_rubric_is_on_its_page(case):
    text, _ = case
    program, diags = load_text(text)
    assert program is not None and not diags
    plan = lower(program)
    for lang in ("zh", "en"):
        page = render_page(plan, "generated", lang).markdown
        assert problems(plan, page, lang, render_form(plan, lang)) == [], text


# ---- the page's language ----------------------------------------------------------------------

_LATIN = re.compile(r"[A-Za-z]{2,}")
_CJK = re.compile(r"[\u3400-\u9fff\uff08\uff09\uff1a\uff1b\u3001\u3002]+")


def _rubric_texts(plan: ir.Plan) -> set[str]:
    """Every text the rubric's author wrote: names, not the page's own words."""
    o = plan.outline
    out = {plan.title, o.position or "", *o.notes, *(o.fields or ()), *(o.signatures or ())}
    out |= {r.label or r.name for r in o.raters} | {r.name for r in o.raters}
    out |= {c.label or "" for c in plan.columns} | {c.name for c in plan.columns}
    out |= {s.label or "" for s in plan.score_steps + plan.result_steps} | {s.name for s in plan.score_steps}
    out |= {g.label or g.name for g in plan.grades} | {label for _, label in plan.key_labels}
    out |= {b.label or b.award for b in plan.best_of} | {s.label or s.name for s in plan.streaks}
    out |= {s.flag or "" for s in plan.streaks} | {f.label or f.name for f in plan.flags + plan.when_flags}
    out |= {reason or "" for _, reason in plan.exclude} | {label for _, label, _ in plan.vetoes}
    out |= set(plan.groups) | {c.source[1] or "" for c in plan.columns if c.source}

    def visit(members: tuple[ir.ShownItem | ir.ShownSection, ...]) -> None:
        for m in members:
            out.update({m.label or m.name, m.name, *m.notes})
            if isinstance(m, ir.ShownSection):
                visit(m.members)
            else:
                out.update(m.criteria)
                if m.rule is not None:
                    out.update(lv.text for lv in m.rule.levels)
                    out.update(m.rule.checks)
    visit(o.members)
    return {x for x in out if x}


def prose(page: str, plan: ir.Plan, person: str = "") -> str:
    """The page with the rubric's own texts, code, link targets and anchors taken out."""
    text = re.sub(r"(`+)[^`]*?\1", " ", re.sub(r"```.*?```", lambda m: m.group(0).split("\n", 1)[1], page, flags=re.S))
    text = re.sub(r"\]\([^)]*\)|<a id=\"[^\"]*\"></a>|&[a-z]+;", " ", text)
    for x in sorted(_rubric_texts(plan) | {person}, key=len, reverse=True):
        if x.isascii():  # an identifier, only as a whole word
            text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(md(x))}(?![A-Za-z0-9_])", " ", text)
            text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(x)}(?![A-Za-z0-9_])", " ", text)
        elif x:
            text = text.replace(md(x), " ").replace(x, " ")
    return text


def _example_page(path: Path, lang: str) -> tuple[ir.Plan, str, str]:
    from kpidsl.cli.docs import example_for

    scorer = load_rubric(path)
    example = path.parent / "examples" / f"{path.stem}.csv"
    worked = example_for(scorer, example, f"examples/{example.name}") if example.is_file() else None
    page = render_page(scorer.plan, path.stem, lang, path.read_text(encoding="utf-8"), worked).markdown
    return scorer.plan, page, worked.person if worked else ""


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_chinese_page_has_no_english_words_outside_names_and_code(path):
    plan, page, person = _example_page(path, "zh")
    words = sorted(set(_LATIN.findall(prose(page, plan, person))))
    assert words == [], f"English on the zh page of {path.stem}: {words}"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_an_english_page_has_no_chinese_outside_names_and_code(path):
    """The English design notes quote the source document's Chinese terms; they are names too."""
    plan, page, person = _example_page(path, "en")
    if "\n## Design notes\n" in page:
        page = page[:page.index("\n## Design notes\n")]
    text = prose(page, plan, person)
    runs = sorted(set(_CJK.findall(text)))
    assert runs == [], f"Chinese on the en page of {path.stem}: {runs}"
