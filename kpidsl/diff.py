"""``kpi diff OLD NEW``: what changed between two versions of a rubric, in words,
and with data, whose total, grade or pay changes and by how much."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from . import ast
from .formatter import strip_spans
from .semantics import show


def _q(q: ast.Quantity | None) -> str:
    return "—" if q is None else str(q)


def expr_text(e) -> str:
    if isinstance(e, ast.Number):
        return str(e.quantity)
    if isinstance(e, ast.Var):
        return e.name
    if isinstance(e, ast.Neg):
        return f"-{expr_text(e.operand)}"
    if isinstance(e, ast.BinOp):
        return f"({expr_text(e.left)} {e.op} {expr_text(e.right)})"
    if isinstance(e, ast.Call):
        over = f" over {e.over}" if e.over else ""
        return f"{e.func}({', '.join(expr_text(a) for a in e.args)}{over})"
    if isinstance(e, ast.Progressive):
        return f"progressive {expr_text(e.subject)} {{ " + ", ".join(
            f"from {b.start}: {b.rate}" for b in e.brackets) + " }"
    return "?"


def band_text(b: ast.Band | None) -> str:
    if b is None:
        return "else"
    return " and ".join(f"{x.op} {x.value}" for x in b.bounds)


def rule_text(rule) -> str:
    """One line a reviewer can read: the rule's kind and every number in it."""
    if rule is None:
        return "entered directly"
    if isinstance(rule, ast.Levels):
        return "levels " + ", ".join(f'"{lv.text}": {lv.low}' + (f"..{lv.high}" if lv.high else "") for lv in rule.levels)
    if isinstance(rule, ast.Scale):
        return "scale " + ", ".join(f"{s.step}: {s.points}" for s in rule.steps)
    if isinstance(rule, ast.Tiers):
        return f"tiers {expr_text(rule.subject)}: " + "; ".join(f"{band_text(t.band)} → {t.points}" for t in rule.tiers)
    if isinstance(rule, ast.Ratio):
        return (f"ratio {expr_text(rule.subject)} target {rule.target} ±{rule.step}"
                + (f" per {rule.per}" if rule.per else "") + (f" base {rule.base}" if rule.base else ""))
    if isinstance(rule, ast.Proportional):
        return f"proportional {expr_text(rule.subject)}"
    if isinstance(rule, ast.Deduct):
        return (f"deduct {rule.amount} per {expr_text(rule.per)}" + (f" base {rule.base}" if rule.base else "")
                + ("" if rule.floored else " no floor"))
    if isinstance(rule, ast.Change):
        return f"change {expr_text(rule.subject)} by {rule.by} per {rule.per}" + (f" base {rule.base}" if rule.base else "")
    if isinstance(rule, ast.Checklist):
        return f"checklist of {len(rule.checks)} scores " + ", ".join(str(q) for q in rule.scores)
    if isinstance(rule, ast.EnteredBy):
        return f"entered by {rule.rater}"
    return type(rule).__name__


def condition_text(c) -> str:
    if isinstance(c, ast.Compare):
        return f"{expr_text(c.left)} {c.op} {expr_text(c.right)}"
    if isinstance(c, ast.Truth):
        return expr_text(c.expr)
    if isinstance(c, ast.GradeTest):
        return f"grade {c.test} {c.grade}"
    return "?"


def statement_text(s) -> str:
    """One line for the statements the detailed comparison above does not cover."""
    if isinstance(s, ast.Rounding):
        return f"round {s.level} to {s.step} {s.mode}"
    if isinstance(s, ast.Quota):
        ties = f" tie by {', '.join(expr_text(e) for e in s.tie_by)}" if s.tie_by else ""
        return f"quota {s.grade} at most {s.at_most} per {s.per}{ties}"
    if isinstance(s, ast.Flag):
        return f"flag {s.name} bottom {s.bottom} per {s.per}"
    if isinstance(s, ast.Streak):
        then = f"award {s.amount}" if s.action == "award" else f'flag "{s.flag}"'
        return f"streak {s.name} when {condition_text(s.when)} for {s.periods} periods {then}"
    if isinstance(s, ast.Exclude):
        return f"exclude when {condition_text(s.when)}"
    if isinstance(s, ast.Veto):
        return f"veto {s.condition} zeroes {s.scope}"
    if isinstance(s, ast.Key):
        return f"{s.kind} {s.name}"
    if isinstance(s, ast.TextList):
        return f"{s.kind} " + ", ".join(s.texts)
    if isinstance(s, ast.Note):
        return f'note "{s.text}"'
    if isinstance(s, ast.Use):
        return f'use "{s.path}"' if s.names is None else f'use {", ".join(s.names)} from "{s.path}"'
    return type(s).__name__.lower()


_OTHER = (ast.Rounding, ast.Quota, ast.Flag, ast.Streak, ast.Exclude, ast.Veto, ast.Key, ast.TextList, ast.Note, ast.Use)


def _members(statements) -> dict[str, tuple[str, object]]:
    """Every section and item by name, with its path for messages."""
    out: dict[str, tuple[str, object]] = {}

    def walk(ms, path):
        for m in ms:
            if isinstance(m, ast.Section):
                out[m.name] = (path + m.name, m)
                walk(m.members, path + m.name + "/")
            elif isinstance(m, ast.Item):
                out[m.name] = (path + m.name, m)
    walk([s for s in statements if isinstance(s, (ast.Section, ast.Item))], "")
    return out


def _named(statements, kind) -> dict[str, object]:
    return {s.name: s for s in statements if isinstance(s, kind)}


def _label(node) -> str:
    label = getattr(node, "label", None)
    return f"`{node.name}`" + (f" ({label})" if label else "")


def describe_changes(old: list, new: list) -> list[str]:
    lines: list[str] = []
    old_settings = {s.key: s.value for s in old if isinstance(s, ast.Setting)}
    new_settings = {s.key: s.value for s in new if isinstance(s, ast.Setting)}
    for key in sorted(set(old_settings) | set(new_settings)):
        a, b = old_settings.get(key), new_settings.get(key)
        if str(a) != str(b):
            lines.append(f"{key}: {a if a is not None else '—'} → {b if b is not None else '—'}")
    for kind, word in ((ast.Input, "input"), (ast.Metric, "metric"), (ast.Rater, "rater")):
        a, b = _named(old, kind), _named(new, kind)
        for n in sorted(a.keys() - b.keys()):
            lines.append(f"removed {word} {_label(a[n])}")
        for n in sorted(b.keys() - a.keys()):
            lines.append(f"added {word} {_label(b[n])}")
        for n in sorted(a.keys() & b.keys()):
            x, y = a[n], b[n]
            if kind is ast.Rater and str(x.weight) != str(y.weight):
                lines.append(f"rater {_label(y)}: weight {_q(x.weight)} → {_q(y.weight)}")
            elif kind is ast.Input and (x.unit, strip_spans(x.range)) != (y.unit, strip_spans(y.range)):
                lines.append(f"input {_label(y)}: {x.unit} → {y.unit}" if x.unit != y.unit
                             else f"input {_label(y)}: range changed")
            elif kind is ast.Metric and strip_spans(x.expr) != strip_spans(y.expr):
                lines.append(f"metric {_label(y)}: {expr_text(x.expr)} → {expr_text(y.expr)}")
    a, b = _members(old), _members(new)
    for n in sorted(a.keys() - b.keys()):
        lines.append(f"removed {type(a[n][1]).__name__.lower()} {a[n][0]} {_label(a[n][1])}")
    for n in sorted(b.keys() - a.keys()):
        node = b[n][1]
        size = f", {node.size_kind} {node.size}" if isinstance(node, ast.Item) else ""
        lines.append(f"added {type(node).__name__.lower()} {b[n][0]} {_label(node)}{size}")
    for n in sorted(a.keys() & b.keys()):
        path, x = a[n]
        y = b[n][1]
        if isinstance(x, ast.Section) and isinstance(y, ast.Section):
            if str(x.weight) != str(y.weight) or str(x.out_of) != str(y.out_of):
                lines.append(f"section {path}: weight {_q(x.weight)}" + (f" out of {x.out_of}" if x.out_of else "")
                             + f" → {_q(y.weight)}" + (f" out of {y.out_of}" if y.out_of else ""))
        elif isinstance(x, ast.Item) and isinstance(y, ast.Item):
            if str(x.size) != str(y.size) or x.size_kind != y.size_kind:
                lines.append(f"item {path} {_label(y)}: {x.size_kind} {x.size} → {y.size_kind} {y.size}")
            if strip_spans(x.rule) != strip_spans(y.rule):
                lines.append(f"item {path}: rule {rule_text(x.rule)}\n    → {rule_text(y.rule)}")
            if str(x.bonus) != str(y.bonus):
                lines.append(f"item {path}: bonus {_q(x.bonus)} → {_q(y.bonus)}")
            for what, a1, b1 in (("not applicable", x.not_applicable, y.not_applicable),
                                 ("vetoes", x.vetoes, y.vetoes), ("criteria", x.criteria, y.criteria),
                                 ("entered by", x.entered_by, y.entered_by)):
                if strip_spans(a1) != strip_spans(b1):
                    lines.append(f"item {path}: {what} changed")
        if isinstance(x, ast.Section) and isinstance(y, ast.Section) and strip_spans(x.vetoes) != strip_spans(y.vetoes):
            lines.append(f"section {path}: vetoes changed")
    ga, gb = _named(old, ast.Grade), _named(new, ast.Grade)
    for n in sorted(ga.keys() - gb.keys()):
        lines.append(f"removed grade {_label(ga[n])}")
    for n in sorted(gb.keys() - ga.keys()):
        lines.append(f"added grade {_label(gb[n])} when {band_text(gb[n].band)}")
    for n in sorted(ga.keys() & gb.keys()):
        x, y = ga[n], gb[n]
        if strip_spans(x.band) != strip_spans(y.band):
            lines.append(f"grade {_label(y)}: {band_text(x.band)} → {band_text(y.band)}")
        if str(x.coefficient) != str(y.coefficient):
            lines.append(f"grade {_label(y)}: coefficient {_q(x.coefficient)} → {_q(y.coefficient)}")
    for kind, word in ((ast.Pay, "pay"), (ast.Pool, "pool"), (ast.Award, "award")):
        a2, b2 = _named(old, kind), _named(new, kind)
        for n in sorted(a2.keys() - b2.keys()):
            lines.append(f"removed {word} {_label(a2[n])}")
        for n in sorted(b2.keys() - a2.keys()):
            lines.append(f"added {word} {_label(b2[n])}")
        for n in sorted(a2.keys() & b2.keys()):
            if strip_spans(a2[n]) != strip_spans(b2[n]):
                x, y = a2[n], b2[n]
                if kind is ast.Award:
                    lines.append(f"award {_label(y)}: {x.amount} → {y.amount}" if str(x.amount) != str(y.amount)
                                 else f"award {_label(y)}: conditions changed")
                else:
                    lines.append(f"{word} {_label(y)}: {expr_text(x.expr)} → {expr_text(y.expr)}")
    before = {statement_text(x) for x in old if isinstance(x, _OTHER)}
    after = {statement_text(x) for x in new if isinstance(x, _OTHER)}
    lines += [f"removed: {t}" for t in sorted(before - after)]
    lines += [f"added: {t}" for t in sorted(after - before)]
    return lines


@dataclass
class Impact:
    person: str
    period: str
    changes: list[tuple[str, str, str, Decimal | None]]  # label, old, new, delta
    size: Decimal


def data_impact(old_scorer, new_scorer, old_results, new_results) -> list[Impact]:
    """Whose total, grade or pay changes, largest first."""
    from .output import Table

    old_t, new_t = Table(old_scorer.plan), Table(new_scorer.plan)
    keys = [k for k, _, kind in new_t.columns
            if k in ("total", "grade", "coefficient", "flags") or kind == "money"]
    labels = dict((k, h) for k, h, _ in new_t.columns)
    old_by = {(r.person, r.period): old_t.values(r) for r in old_results}
    impacts = []
    for r in new_results:
        before = old_by.get((r.person, r.period))
        if before is None:
            continue
        after = new_t.values(r)
        changes, size = [], Decimal(0)
        for k in keys:
            a, b = before.get(k), after.get(k)
            if a == b or (a is None and b is None):
                continue
            delta = b - a if isinstance(a, Decimal) and isinstance(b, Decimal) else None
            changes.append((labels.get(k, k), _fmt(a), _fmt(b), delta))
            if delta is not None:
                size = max(size, abs(delta))
            elif k == "grade":
                size = max(size, Decimal("0.001"))
        if changes:
            impacts.append(Impact(r.person, r.period, changes, size))
    impacts.sort(key=lambda i: (-i.size, i.person, i.period))
    return impacts


def _fmt(v) -> str:
    if v is None:
        return "—"
    return show(v) if isinstance(v, Decimal) else str(v)


def render_impacts(impacts: list[Impact]) -> list[str]:
    lines = []
    for i in impacts:
        who = i.person + (f" ({i.period})" if i.period else "")
        parts = []
        for label, a, b, delta in i.changes:
            d = "" if delta is None else f" ({'+' if delta > 0 else ''}{show(delta)})"
            parts.append(f"{label} {a} → {b}{d}")
        lines.append(f"{who}: " + "; ".join(parts))
    return lines
