"""Documentation backend: a rubric as a Markdown page people read, with SVG charts.

Rendered by jinja2 (``kpidsl/templates/docs/``) from the IR alone: the outline for
what the rubric says, the steps for what it computes.  Every number a chart shows
comes from the IR interpreter (``charts.py``); the worked example is ``kpi eval
--explain``'s own text.  The one thing read from the source text is the authors'
CHOSEN and CORRECTED comments, which are not part of the IR (``decision_notes``).
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
from kpidsl.backends.docs.svg import bands_svg, bar_svg, line_svg
from kpidsl.backends.docs.text import TEXT, bound_words, num, rule_words
from kpidsl.numbers.spelling import percent

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
    explanation: str
    steps: dict[str, Decimal]  # every step's value, for the pay chart's other inputs
    raw_cells: dict[str, Decimal]


# ---- the authors' decisions, from comments -------------------------------------------------


_DECISION = re.compile(r"\b(CHOSEN|CORRECTED)\b")


def decision_notes(source: str) -> tuple[str, ...]:
    """Each comment that records a decision (CHOSEN or CORRECTED), joined into one line.
    Comments are not in the IR, so this reads the source text: a note starts at its keyword
    and runs on through the comment lines below it, to a blank comment, a rule line, code,
    or the next note."""
    out: list[str] = []
    current: list[str] | None = None

    def close() -> None:
        nonlocal current
        if current:
            out.append(" ".join(current))
        current = None

    for line in source.splitlines():
        text = _comment(line)
        whole = line.lstrip().startswith("#")
        if text is None or not whole or not text.strip("-—=* "):
            close()
            m = _DECISION.search(text or "")
            if text and not whole and m is not None:  # a trailing comment is a note of its own
                out.append(text[m.start():].strip())
            continue
        m = _DECISION.search(text)
        if m is not None and (current is None or text.lstrip("* ").startswith(m.group(1))):
            close()
            current = [text[m.start():].strip()]
        elif current is not None:
            current.append(text.strip())
    close()
    return tuple(out)


def _comment(line: str) -> str | None:
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == "#" and not quoted:
            return line[i + 1:].strip()
    return None


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


def cond_words(c: ir.Cond | None, t: dict) -> str:
    if c is None:
        return t["otherwise"]
    if isinstance(c, ir.And):
        return f" {t['and']} ".join(cond_words(a, t) for a in c.args)
    if isinstance(c, ir.Cmp) and isinstance(c.b, ir.Const):
        left = c.a.step if isinstance(c.a, ir.Ref) else "…"
        left = t["total"] if left == "total" else left
        op = {">=": "≥", "<=": "≤", "!=": "≠"}.get(c.op, c.op)
        return f"{left} {op} {num(c.b.value)}"
    return "…"


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
                                            group=dict(plan.key_labels).get(plan.distribution.group,
                                                                            plan.distribution.group))
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
    columns = [(c, _filled_by(c, outline, {"system": t["system"], **raters})) for c in plan.columns]
    markdown = environment().get_template("page.md.j2").render(
        plan=plan, outline=outline, t=t, lang=lang, top=top, raters=raters, curves=curves,
        words=lambda it: rule_words(it, plan, t, raters), weights=weights, weight_chart=weight_chart,
        band_chart=band_chart, bands=bands, cond_words=lambda c: cond_words(c, t), ranked=ranked, pay_charts=pay_charts,
        result_steps=[s for s in plan.result_steps if s.kind != "aux"], columns=columns, na_items=na_items,
        example=example, decisions=decision_notes(source) if source else (), fence=_fence(example),
        rows=member_rows(outline.members, top), share=lambda w: f"{num((w * 100 / top).quantize(Decimal('0.1')))}%", weight_points=weight_points,
        bound=lambda tier: bound_words(tier, t), range_text=range_text)
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
    if c.allowed is not None:
        return ", ".join(num(v, percent) for v in c.allowed)
    if c.allowed_ranges is not None:
        return ", ".join(f"{num(a, percent)}–{num(b, percent)}" for a, b in c.allowed_ranges)
    if c.low is None and c.high is None:
        return ""
    low = num(c.low, percent) if c.low is not None else ""
    high = num(c.high, percent) if c.high is not None else ""
    return f"{low}–{high}" if high else f"≥ {low}"


def _fence(example: Example | None) -> str:
    longest = max((len(m) for m in re.findall(r"`+", example.explanation)), default=0) if example else 0
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
