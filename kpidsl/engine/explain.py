"""How every number for one person was reached, in words:

    installs 安装一次完成合计率 = 23  (of 30)
        ratio installs_ok target 90% ±1pt base 20; value 0.93, before clamping 23
"""

from __future__ import annotations

from decimal import Decimal

from kpidsl import interpret, ir
from kpidsl.engine.result import Result
from kpidsl.numbers.spelling import declared_places, spell


def _num(x: Decimal, places: int | None = None) -> str:
    """A rounded step keeps its declared places (85.50); others drop trailing zeros."""
    return spell(x, places)


def explain(plan: ir.Plan, r: Result) -> str:
    item_points = {it.name: it.size for it in plan.outline.items()}
    places = declared_places(plan)
    head = f"{r.person}" + (f" ({r.period})" if r.period else "")
    if r.status != "scored":
        return f"{head}: {r.status} — {r.reason}"
    lines = [head]
    out = {na.item: na for na in plan.not_applicable if na.item in r.not_applicable}
    for s in plan.score_steps + plan.result_steps:
        # the kpi's own bookkeeping (aux steps, a flag's test) has no name a user wrote:
        # a raised flag is listed below by its label
        if s.kind in ("aux", "flag") or s.name.startswith("_") or s.name not in r.steps:
            continue
        label = f" {s.label}" if s.label else ""
        of = f"  (of {_num(item_points[s.name])})" if s.name in item_points else ""
        if s.name in out:
            lines.append(f"  {s.name}{label} = not applicable{of}")
            lines.append(f"      {out[s.name].spread}")
            continue
        lines.append(f"  {s.name}{label} = {_num(r.steps[s.name], places.get(s.name))}{of}")
        details = []
        if s.name == "total" and out:  # not a plain sum: the points of what does not apply moved
            details.append("the sections and items that apply, with the points of "
                           + ", ".join(na.label or na.item for na in out.values()) + " re-spread as shown above")
        elif s.why:
            details.append(s.why)
        for name, e in s.trace:
            try:
                v = interpret.value(e, r.row.cells, r.steps)
                shown = f"{_num(v * 100)}%" if name.endswith(" %") else _num(v)
                details.append(f"{name.removesuffix(' %')} {shown}")
            except Exception:  # noqa: BLE001 - a trace is a courtesy; the score itself was computed
                continue
        if details:
            lines.append("      " + "; ".join(details))
        if s.name == "total" and r.grade is not None:
            g = plan.grades[r.grade]
            lines.append(f"  grade {g.label or g.name}")
    for k, v in r.awards.items():
        lines.append(f"  award {k} = {_num(v)}")
    for f in r.flags:
        lines.append(f"  flag: {f}")
    said = {na.note for na in out.values()}  # beside the item already
    for n in r.notes:
        if n not in said:
            lines.append(f"  note: {n}")
    return "\n".join(lines)
