"""Documentation backend: a rubric as a Markdown page people read, with SVG charts.

Rendered by jinja2 (``kpidsl/templates/docs/``) from the IR alone: the outline for
what the rubric says, the steps for what it computes.  Every number a chart shows
comes from the IR interpreter (``charts.py``); the worked example is ``kpi eval
--explain``'s own text.  The one thing read from the source text is the authors'
design notes, which are not part of the IR (``notes.py``).  Every rule's words come from the
IR (``words.py``, ``results.py``), so what the rubric applies is what the page says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from kpidsl import interpret, ir
from kpidsl.backends.docs import charts
from kpidsl.backends.docs.charts import Line, Mark
from kpidsl.backends.docs.env import environment
from kpidsl.backends.docs.notes import design_notes
from kpidsl.backends.docs.results import bullets, exclusions, ranked_note, step_rows
from kpidsl.backends.docs.svg import bands_svg, bar_svg, line_svg
from kpidsl.backends.docs.text import TEXT, bound_words, code, md, num, rule_words
from kpidsl.backends.docs.words import Words, quantity, rule_subject
from kpidsl.numbers.spelling import declared_places, percent, spell

SCORED_KINDS = ("tiers", "ratio", "proportional", "deduct", "change")


@dataclass(frozen=True, slots=True)
class Chart:
    file: str  # relative to the page: NAME/item.svg
    alt: str
    svg: str


@dataclass(frozen=True, slots=True)
class Page:
    name: str  # the rubric's file stem: the page is NAME.md
    title: str
    position: str | None
    period: str | None
    items: int
    markdown: str
    charts: tuple[Chart, ...]


@dataclass(frozen=True, slots=True)
class Example:
    """One person's scored row from the rubric's example data, and how it was reached."""
    person: str
    period: str
    cells: tuple[tuple[str, str, str], ...]  # (column, label, value as shown)
    explanation: str  # unused by the page since the trace is said in the page's language; kept for callers
    steps: dict[str, Decimal]  # every step's value, for the pay chart's other inputs
    raw_cells: dict[str, Decimal]
    source: str = ""  # where the example data is, as the page names it
    grade: int | None = None
    awards: tuple[tuple[str, Decimal], ...] = ()
    flags: tuple[str, ...] = ()


# ---- the page --------------------------------------------------------------------------------


def weight_points(m: ir.ShownItem | ir.ShownSection) -> Decimal:
    """A member's share of the total, in points: a section's weight as written (``60%`` of
    100, or ``40``), else what its members add up to; a factor item adds no points."""
    if isinstance(m, ir.ShownItem):
        return m.size if m.size_kind == "points" else Decimal(0)
    if m.weight is not None:
        return Decimal(m.weight.removesuffix("%"))
    return sum((weight_points(x) for x in m.members), Decimal(0))


def item_steps(plan: ir.Plan) -> dict[str, ir.Step]:
    return {s.name: s for s in plan.score_steps}


def score_curve(plan: ir.Plan, item: ir.ShownItem, t: dict) -> Line | None:
    """Points against the value the item's rule scores, from the item's own step."""
    step = item_steps(plan).get(item.name)
    if step is None or item.rule is None or item.rule.kind not in SCORED_KINDS:
        return None
    subj = charts.subject(step.expr)
    if subj is None:
        return None
    columns = {c.name: c for c in plan.columns}

    def f(x: Decimal) -> Decimal | None:
        return charts.at(step.expr, subj, x)

    bounds = charts.boundaries(step.expr, subj)
    goals = charts.targets(step.expr, subj)
    low, high, percent = charts.domain(subj, columns, f, bounds + goals)
    integer = charts.is_integer(subj, columns)
    samples = charts.curve_samples(f, low, high, integer, bounds + goals)
    caps, floors = charts.clamps(step.expr)
    x_marks = tuple(Mark(b, "boundary", num(b, percent)) for b in bounds if low <= b <= high)
    x_marks += tuple(Mark(g, "target", f"{t['target']} {num(g, percent)}") for g in goals if low <= g <= high)
    y_marks = tuple(Mark(c, "cap", f"{t['cap']} {num(c)}") for c in caps)
    y_marks += tuple(Mark(c, "floor", f"{t['floor']} {num(c)}") for c in floors)
    col = columns.get(subj.column) if isinstance(subj, ir.Cell) else None
    x_title = (col.label or col.name) if col is not None else item.rule.subject
    return Line(item.name, item.label or item.name, x_title, t["points"], percent, low, high, samples, x_marks, y_marks)


def pay_curves(plan: ir.Plan, example: Example | None, top: Decimal, t: dict) -> tuple[Line, ...]:
    """Each pay step that depends on the total, against the total, the other inputs taken from
    the worked example's person."""
    if example is None:
        return ()
    out = []
    for s in plan.result_steps:
        if s.kind != "pay" or ir.Ref("total") not in set(ir.walk(s.expr)):
            continue
        if any(isinstance(n, ir.Agg) for n in ir.walk(s.expr)):
            continue

        def f(x: Decimal, s: ir.Step = s) -> Decimal | None:
            steps = dict(example.steps, total=x)
            try:
                return interpret.value(s.expr, example.raw_cells, steps)
            except charts._ERRORS:
                return None

        xs = charts.grid(Decimal(0), top, charts.nice_step(top, 50))
        out.append(Line(s.name, s.label or s.name, t["total"], s.label or s.name, False, Decimal(0), top,
                        charts.sample(f, xs)))
    return tuple(out)


def trace(plan: ir.Plan, example: Example, t: dict, w: Words) -> str:
    """The worked example, step by step in the page's language: each item, section, the total,
    the grade, pay and awards, with the value the engine computed."""
    sizes = {it.name: it.size for it in plan.outline.items()}
    places = declared_places(plan)
    lines = [example.person + (f" ({example.period})" if example.period else "")]
    for s in plan.score_steps + plan.result_steps:
        if s.kind in ("aux", "flag") or s.name not in example.steps:
            continue
        label = w.step(s.name) if s.name != "total" else t["total"]
        if s.kind == "section_score":
            continue
        of = t["trace_of"].format(n=num(sizes[s.name])) if s.name in sizes else ""
        of += t["trace_recorded"] if s.kind == "recorded" else ""
        lines.append(f"  {label} = {spell(example.steps[s.name], places.get(s.name))}{of}")
        if s.name == "total" and example.grade is not None:
            g = plan.grades[example.grade]
            lines.append(f"  {t['trace_grade']}: {g.label or g.name}")
    best = {b.award: b.label or b.award for b in plan.best_of} | {s.name: s.label or s.name for s in plan.streaks}
    for award, v in example.awards:
        lines.append(f"  {t['trace_award']}: {best.get(award, award)} = {spell(v)}")
    for f in example.flags:
        lines.append(f"  {t['trace_flag']}: {f}")
    return "\n".join(lines)


def subject_words(it: ir.ShownItem, plan: ir.Plan, lang: str) -> str:
    """What an item's rule scores, by its label when it is a column (as the form names it)."""
    if it.rule is None:
        return ""
    step = next((s for s in plan.score_steps if s.name == it.name), None)
    subj = (rule_subject(step.expr, it.rule.kind) or charts.subject(step.expr)) if step is not None and it.rule else None
    return md(Words(plan, lang).expr(subj)) if subj is not None else code(it.rule.subject)


def item_vetoes(it: ir.ShownItem, plan: ir.Plan, w: Words, t: dict) -> list[str]:
    """A veto that zeroes this item (or its section, or everything), said where the item is."""
    step = next((s for s in plan.score_steps if s.name == it.name), None)
    if step is None:
        return []
    read = {n.column for n in ir.walk(step.expr) if isinstance(n, ir.Cell)}
    return [md(t["veto_here"].format(cond=w.column(column))) for column, _label, _zeroed in plan.vetoes if column in read]


def header(plan: ir.Plan, t: dict, top: Decimal) -> str:
    """The line under the title: position, period and full marks, each only when known."""
    o = plan.outline
    parts = []
    if o.position:
        parts.append(f"**{t['position']}:** {md(o.position)}")
    if o.period:
        parts.append(f"**{t['period']}:** {t['periods'].get(o.period, o.period)}")
    if o.members:
        parts.append(f"**{t['full']}:** {num(top)}")
    return " · ".join(parts)


def section_words(m: ir.ShownSection, t: dict, lang: str) -> str:
    if m.weight is None or m.out_of is None:
        return ""
    return t["section_weight"].format(out_of=num(Decimal(m.out_of.rstrip("%分pt"))), weight=quantity(m.weight, lang)) \
        if m.out_of.rstrip("%分pt").replace(".", "", 1).isdigit() else ""


def render_page(plan: ir.Plan, name: str, lang: str = "zh", source: str | None = None,
                example: Example | None = None) -> Page:

    t = TEXT[lang]
    outline = plan.outline
    top = sum((weight_points(m) for m in outline.members), Decimal(0)) or Decimal(100)
    raters = {r.name: r.label or r.name for r in outline.raters}
    figures: list[Chart] = []
    curves: dict[str, str] = {}
    for it in outline.items():
        line = score_curve(plan, it, t)
        if line is not None:
            chart = Chart(f"{name}/{it.name}.svg", f"{t['curve_of']} {it.label or it.name}", line_svg(line))
            figures.append(chart)
            curves[it.name] = chart.file
    weights = tuple((m.label or m.name, weight_points(m)) for m in outline.members)
    weight_chart = None
    if outline.members:  # a pay sheet without items has no weights to draw
        weight_chart = Chart(f"{name}/weights.svg", t["weights"], bar_svg(t["weights"], weights, top))
        figures.append(weight_chart)
    # grades by rank have no band of totals to draw: the table says which share of a group
    bands = charts.grade_bands(plan, top) if plan.distribution is None else ()
    ranked = {} if plan.distribution is None else {
        s.grade: t["ranked"][s.side].format(share=percent(s.share),
                                            group=Words(plan, lang).group(plan.distribution.group))
        for s in plan.distribution.slices}
    band_chart = None
    if bands:
        band_chart = Chart(f"{name}/grades.svg", t["grades"], bands_svg(t["grades"], bands, top))
        figures.append(band_chart)
    pay_charts = []
    for line in pay_curves(plan, example, top, t):
        chart = Chart(f"{name}/pay-{line.name}.svg", f"{line.title} / {t['total']}", line_svg(line))
        figures.append(chart)
        pay_charts.append((line, chart))
    na_items = {c.name.split(".")[0] for c in plan.columns if c.may_be_na}
    w = Words(plan, lang)
    worked = trace(plan, example, t, w) if example else ""
    counted = frozenset(r.name for r in outline.raters if r.counted and r.weight is not None)
    columns = [(c, _filled_by(c, outline, {"system": t["system"], **raters})) for c in plan.columns]
    markdown = environment().get_template("page.md.j2").render(
        plan=plan, outline=outline, t=t, lang=lang, top=top, raters=raters, curves=curves,
        words=lambda it: rule_words(it, plan, t, raters, counted), weights=weights, weight_chart=weight_chart,
        band_chart=band_chart, bands=bands, cond_words=lambda c: w.cond(c) if c is not None else t["otherwise"],
        ranked=ranked, ranked_note=ranked_note(plan, w, t), pay_charts=pay_charts,
        rows_of_results=step_rows(plan, w, t), bullets=bullets(plan, w, t), exclusions=exclusions(plan, w, t),
        columns=columns, na_items=na_items, header=header(plan, t, top),
        item_vetoes=lambda it: item_vetoes(it, plan, w, t),
        na_when=lambda it: md(w.when(f"_na_{it.name}") or ""),
        section_words=lambda m: section_words(m, t, lang), rule_kind=lambda m: t["rule_kinds"].get(m.rule.kind, "") if m.rule else "",
        example=example, trace=worked, fence=_fence(worked),
        decisions=design_notes(source, lang) if source else (),
        rows=member_rows(outline.members, top), share=lambda w: f"{num((w * 100 / top).quantize(Decimal('0.1')))}%", weight_points=weight_points,
        bound=lambda tier: bound_words(tier, t), range_text=range_text, subject=lambda it: subject_words(it, plan, lang))
    return Page(name, plan.title, outline.position, outline.period, len(outline.items()), markdown, tuple(figures))


def member_rows(members: Iterable[ir.ShownItem | ir.ShownSection], top: Decimal, depth: int = 0) -> list[tuple[int, ir.ShownItem | ir.ShownSection, str]]:
    """The overview table's rows, depth first: (depth, member, its share of the total)."""
    out = []
    for m in members:
        share = f"{num((weight_points(m) * 100 / top).quantize(Decimal('0.1')))}%" if depth == 0 and top else ""
        out.append((depth, m, share))
        if isinstance(m, ir.ShownSection):
            out += member_rows(m.members, top, depth + 1)
    return out


def range_text(c: ir.Column) -> str:
    percent = c.unit == "percent"
    if c.unit == "date":  # any calendar date the reader accepts: its bounds are day numbers
        return ""
    if c.allowed is not None:
        return ", ".join(num(v, percent) for v in c.allowed)
    if c.allowed_ranges is not None:
        return ", ".join(f"{num(a, percent)}–{num(b, percent)}" for a, b in c.allowed_ranges)
    if c.low is None and c.high is None:
        return ""
    low = num(c.low, percent) if c.low is not None else ""
    high = num(c.high, percent) if c.high is not None else ""
    return f"{low}–{high}" if low and high else f"≤ {high}" if high else f"≥ {low}"


def _fence(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _filled_by(col: ir.Column, outline: ir.Outline, raters: dict[str, str]) -> str:
    if col.source is not None:  # the input says where it comes from: `from system "安装记录"`
        who, detail = col.source
        who = raters.get(who, who)
        return f"{who} · {detail}" if detail else who
    for it in outline.items():
        for who, column in it.rater_columns:
            if column == col.name:
                return raters.get(who, who)
        if it.column == col.name:
            return raters.get(it.entered_by, it.entered_by) if it.entered_by else ""
    return ""


def files(pages: list[Page], lang: str = "zh") -> list[tuple[str, str]]:
    """(path relative to the site folder, text) of every page, its charts, and the index."""
    out = []
    for p in pages:
        out.append((f"{p.name}.md", p.markdown))
        out += [(c.file, c.svg) for c in p.charts]
    out.append(("index.md", render_index(pages, lang)))
    return out


def render_index(pages: list[Page], lang: str = "zh") -> str:
    return environment().get_template("index.md.j2").render(pages=pages, t=TEXT[lang])
