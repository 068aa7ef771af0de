"""The page's results section, every line said from the IR: pay and awards with their
conditions, the best-of awards with their gate and tie policy, streaks, quotas, flags,
grades by rank and exclusions.  Each rule is one line (a table row or a bullet) that names
all it reads, so a test can hold the line to the IR."""

from __future__ import annotations

from dataclasses import dataclass

from kpidsl import ir
from kpidsl.backends.docs.text import md, num
from kpidsl.backends.docs.words import Words
from kpidsl.numbers.spelling import percent

MONEY_KINDS = ("pay", "award", "pool")


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    kind: str
    formula: str


def step_rows(plan: ir.Plan, w: Words, t: dict) -> list[Row]:
    """One table row per result step a reader sees (pay, awards, pools, coefficients, flags)."""
    flag_labels = {f.step: f.label or f.name for f in plan.when_flags}
    out = []
    for s in plan.result_steps:
        if s.kind == "aux":
            continue
        if s.kind == "flag":
            label = flag_labels.get(s.name, s.label or s.name)
            cond = w.when(s.name) or ""
            out.append(Row(md(label), t["kinds"]["flag"], md(t["flag_when"].format(cond=cond))))
            continue
        unit = "money" if s.kind in MONEY_KINDS else None
        pool = next((p for p in plan.pools if p.name == s.name), None)
        if pool is not None:  # the team's amount, the same on every row, split evenly
            amount = w.expr(ir.Ref(pool.step), unit)
            out.append(Row(md(s.label or s.name), t["kinds"]["pool"],
                           md(t["pool_words"].format(amount=amount, group=w.group(pool.group)))))
            continue
        out.append(Row(md(s.label or s.name), t["kinds"].get(s.kind, s.kind), md(w.expr(s.expr, unit))))
    return out


def _ties(tie_by: tuple[str, ...], pick_by: str | None, w: Words, t: dict) -> str:
    """Who receives it when people tie: everyone, or after the tie-breaks, or one picked by the key."""
    by = t["list_sep"].join(w.expr(ir.Ref(s)) for s in tie_by)
    if pick_by is not None:
        key = w.keys.get(pick_by) or pick_by  # the person column, by its label
        return t["tie_by_pick"].format(by=by, key=key) if tie_by else t["tie_pick"].format(key=key)
    return t["tie_by"].format(by=by) if tie_by else t["ties_all"]


def bullets(plan: ir.Plan, w: Words, t: dict) -> list[str]:
    """The batch rules, one bullet each, as Markdown."""
    out = []
    for b in plan.best_of:
        line = t["best_of"].format(group=w.group(b.group), by=w.expr(ir.Ref(b.step)), label=b.label or b.award,
                                   amount=w.const(b.amount, "money"))
        gate = w.when(b.eligible)
        if gate is not None and gate != "1":
            line += t["only_if"].format(cond=gate)
        line += _ties(b.tie_by, b.pick_by, w, t)
        out.append(md(line))
    for s in plan.streaks:
        cond = w.when(s.step) or ""
        then = (t["streak_award"].format(amount=w.const(s.amount, "money")) if s.action == "award" and s.amount is not None
                else t["streak_flag"].format(flag=s.flag or ""))
        out.append(md(t["streak"].format(periods=s.periods, cond=cond, label=s.label or s.name, then=then)))
    for q in plan.quotas:
        grade = next((g.label or g.name for g in plan.grades if g.name == q.grade), q.grade)
        at_most = percent(q.at_most) if q.is_share else t["people"].format(n=num(q.at_most))
        line = t["quota"].format(grade=grade, at_most=at_most, group=w.group(q.group))
        below = t["quota_by"].format(by=t["list_sep"].join([w.expr(ir.Ref(s)) for s in q.tie_by] + [w.step("total")]))
        out.append(md(line + below))
    for f in plan.flags:
        bottom = percent(f.bottom) if f.is_share else t["people"].format(n=num(f.bottom))
        out.append(md(t["flag"].format(bottom=bottom, group=w.group(f.group), label=f.label or f.name)))
    return out


def ranked_note(plan: ir.Plan, w: Words, t: dict) -> str:
    """How grades by rank are cut: the rounding of each share, and what breaks a tie."""
    d = plan.distribution
    if d is None:
        return ""
    by = t["list_sep"].join([w.step("total"), *(w.expr(ir.Ref(s)) for s in d.tie_by)])
    return md(t["ranked_how"].format(group=w.group(d.group), rounding=t["rounding"][d.rounding], by=by))


def exclusions(plan: ir.Plan, w: Words, t: dict) -> list[str]:
    return [md(t["excluded_when"].format(cond=w.cond(cond), reason=reason) if reason
               else t["excluded_bare"].format(cond=w.cond(cond)))
            for cond, reason in plan.exclude]
