"""``kpi diff OLD NEW``: what changed between two versions of a rubric, in words,
and with data, whose total, grade or pay changes and by how much."""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass, replace
from decimal import Decimal
from typing import Any

from kpidsl.numbers.semantics import show
from kpidsl.syntax import ast, ast_rank
from kpidsl.syntax.names import names_in
from kpidsl.syntax.printer import band_text, expr_text, not_applicable_text, quantity_text, rule_text, statement_text, strip_spans


def _q(q: Any) -> str:
    """A number as written, a bound from data as its formula, or a dash for none."""
    return "—" if q is None else quantity_text(q)


def _limits(node: Any) -> list[Any]:
    """The bounds, bracket starts, targets and caps written in a rule, formula or item."""
    if isinstance(node, ast.Tiers):
        return [b.value for t in node.tiers if t.band is not None for b in t.band.bounds] + _limits(node.subject)
    if isinstance(node, ast.Ratio):
        return [node.target] + _limits(node.subject)
    if isinstance(node, ast.Progressive):
        return [b.start for b in node.brackets] + _limits(node.subject)
    if isinstance(node, ast.BinOp):
        return _limits(node.left) + _limits(node.right)
    if isinstance(node, ast.Neg):
        return _limits(node.operand)
    if isinstance(node, ast.Call):
        return [x for a in node.args for x in _limits(a)]
    return []


def _data_sources(limits: Any) -> list[str]:
    seen: list[str] = []
    for v in limits:
        if v is not None and not isinstance(v, ast.Quantity):
            seen += [n for n, _ in names_in(v) if n not in seen]
    return seen


def _bounds_change(old: list, new: list) -> list[str]:
    """How the bounds from data changed between two versions of a rule, formula or bonus (their
    ``_limits``): the checker proves bounds that are numbers, and leaves bounds from data to each row."""
    a, b = _data_sources(old), _data_sources(new)
    was = any(v is not None and not isinstance(v, ast.Quantity) for v in old)
    now = any(v is not None and not isinstance(v, ast.Quantity) for v in new)

    def names(ns: list[str]) -> str:
        return ", ".join(f"`{n}`" for n in ns) or "a formula"
    if now and not was:
        return [f"    its bounds now come from data ({names(b)}): no longer proven here, checked for each row"]
    if was and not now:
        return [f"    its bounds no longer come from data ({names(a)}): numbers again, proven by the checker"]
    if was and now and a != b:
        return [f"    its bounds now read {names(b)} instead of {names(a)}"]
    return []


_OTHER = (ast_rank.Distribution, ast.Rounding, ast.Quota, ast.Flag, ast.WhenFlag, ast.Streak, ast.Exclude, ast.ExcludeFrom, ast.Veto, ast.Key, ast.TextList, ast.Note, ast.Use)


def _grade_text(g: ast.Grade, when: str = "when ") -> str:
    """``when >= 90`` (``when else`` for `otherwise`, as ever), or a ranked grade's ``top 20%``."""
    if isinstance(g, ast_rank.RankedGrade):
        return f"{g.side} {g.share}"
    return when + band_text(g.band)


def _members(statements: Any) -> dict[str, tuple[str, object]]:
    """Every section and item by name, with its path for messages."""
    out: dict[str, tuple[str, object]] = {}

    def walk(ms: Any, path: str) -> None:
        for m in ms:
            if isinstance(m, ast.Section):
                out[m.name] = (path + m.name, m)
                walk(m.members, path + m.name + "/")
            elif isinstance(m, ast.Item):
                out[m.name] = (path + m.name, m)
    walk([s for s in statements if isinstance(s, (ast.Section, ast.Item))], "")
    return out


def _named(statements: Any, kind: Any) -> dict[str, Any]:
    return {s.name: s for s in statements if isinstance(s, kind)}


def _label(node: Any) -> str:
    label = getattr(node, "label", None)
    return f"`{node.name}`" + (f" ({label})" if label else "")


def _standing(r: ast.Rater) -> str:
    if not r.counted:
        return "not counted"
    return f"weight {r.weight}" if r.weight is not None else "no weight"


def _direction(d: ast.Direction | None) -> str:
    return "no direction" if d is None else f"{d.better} is better"


def _range(r: ast.Range | None) -> str:
    if r is None:
        return "no range"
    return f"range {r.low}..{r.high if r.high is not None else ''}"


def _source(src: ast.Source | None) -> str:
    if src is None:
        return "no source"
    return f"from {src.who}" + (f' "{src.detail}"' if src.detail else "")


def _declaration_changes(word: str, x: Any, y: Any) -> list[str]:
    """How an input, metric or rater kept under the same name changed.  Each clause that
    changes meaning gets its line; a change none of them names is still said, so that two
    versions that differ never read as `no change in meaning`."""
    head = f"{word} {_label(y)}"
    lines: list[str] = []
    if isinstance(x, ast.Rater):
        if x.counted != y.counted:
            lines.append(f"{head}: {_standing(x)} → {_standing(y)}")
            if not y.counted:
                lines.append("    its marks are now recorded in columns of their own and summed into nothing")
            elif y.weight is not None:
                lines.append(f"    its marks now count toward the total, at weight {y.weight}")
            else:  # a third party: fills only what names it
                lines.append("    it now fills only the items `entered by` it and the inputs `from` it")
        elif str(x.weight) != str(y.weight):
            lines.append(f"{head}: weight {_q(x.weight)} → {_q(y.weight)}")
    else:
        if x.unit != y.unit:
            lines.append(f"{head}: {x.unit} → {y.unit}")
        if strip_spans(x.range) != strip_spans(y.range):
            lines.append(f"{head}: {_range(x.range)} → {_range(y.range)}")
        if strip_spans(x.direction) != strip_spans(y.direction):
            lines.append(f"{head}: {_direction(x.direction)} → {_direction(y.direction)}")
        if isinstance(x, ast.Input) and strip_spans(x.source) != strip_spans(y.source):
            lines.append(f"{head}: {_source(x.source)} → {_source(y.source)}")
        if isinstance(x, ast.Metric) and strip_spans(x.expr) != strip_spans(y.expr):
            lines.append(f"{head}: {expr_text(x.expr)} → {expr_text(y.expr)}")
            lines += lookup_changes(x.expr, y.expr)
            lines += _bounds_change(_limits(x.expr), _limits(y.expr))
    if not lines and strip_spans(replace(x, label=None)) != strip_spans(replace(y, label=None)):
        lines.append(f"{head}: changed")
    return lines


def _lookups(node: Any) -> list[Any]:
    """Every ``tiers`` and ``table`` in a formula or rule, outermost first, in the order written."""
    found: list = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.Tiers, ast.Table)):
            found.append(n)
        if isinstance(n, tuple):
            stack.extend(reversed(n))
        elif is_dataclass(n) and not isinstance(n, ast.Quantity):
            stack.extend(getattr(n, f.name) for f in reversed(fields(n)) if f.name != "span")
    return found


def _cells(values: Any) -> str:
    return ", ".join(map(str, values))


def _band_changes(what: str, old: tuple[Any, ...], new: tuple[Any, ...], shown: Any) -> list[str]:
    """Bands of one key, matched by position: a band moved, a value changed, bands added or removed.
    ``shown``: what a band gives, as text (a tier's value, a row's values)."""
    lines = []
    for i, (a, b) in enumerate(zip(old, new), start=1):
        if strip_spans(a.band) != strip_spans(b.band):
            lines.append(f"{what} {i}: {band_text(a.band)} → {band_text(b.band)}")
    for a in old[len(new):]:
        lines.append(f"removed {what} {band_text(a.band)}" + (f": {shown(a)}" if shown else ""))
    for b in new[len(old):]:
        lines.append(f"added {what} {band_text(b.band)}" + (f": {shown(b)}" if shown else ""))
    return lines


def lookup_changes(old: Any, new: Any) -> list[str]:
    """Each band and value that changed in the look-ups of a formula or rule, one line each
    (``row >= 4.5, column < 90%: 8% → 9%``); nothing when the look-ups cannot be matched
    one for one (one added or removed: the formula's own line says it)."""
    a, b = _lookups(old), _lookups(new)
    if len(a) != len(b):
        return []
    lines: list[str] = []
    for x, y in zip(a, b):
        if type(x) is not type(y) or strip_spans(x) == strip_spans(y):
            continue
        if isinstance(x, ast.Tiers):
            if strip_spans(x.subject) != strip_spans(y.subject):
                lines.append(f"tiers on {expr_text(x.subject)} → on {expr_text(y.subject)}")
            lines += _band_changes("tier", x.tiers, y.tiers, lambda t: str(t.points))
            lines += [f"tier {band_text(t.band)}: {t.points} → {u.points}"
                      for t, u in zip(x.tiers, y.tiers) if str(t.points) != str(u.points)]
            continue
        for key, p, q in (("rows", x.row_key, y.row_key), ("columns", x.column_key, y.column_key)):
            if strip_spans(p) != strip_spans(q):
                lines.append(f"table {key} by {expr_text(p)} → by {expr_text(q)}")
        lines += _band_changes("column", x.columns, y.columns, None)
        lines += _band_changes("row", x.rows, y.rows, lambda r: _cells(r.cells))
        for r, s in zip(x.rows, y.rows):
            for c, v, w in zip(y.columns, r.cells, s.cells):
                if str(v) != str(w):
                    lines.append(f"row {band_text(s.band)}, column {band_text(c.band)}: {v} → {w}")
            if len(r.cells) != len(s.cells):
                lines.append(f"row {band_text(s.band)}: {_cells(r.cells)} → {_cells(s.cells)}")
    return ["    " + line for line in lines]


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
            lines += _declaration_changes(word, a[n], b[n])
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
                lines += lookup_changes(x.rule, y.rule)
                lines += _bounds_change(_limits(x.rule), _limits(y.rule))
            if _q(x.bonus) != _q(y.bonus):
                lines.append(f"item {path}: bonus {_q(x.bonus)} → {_q(y.bonus)}")
                lines += _bounds_change([x.bonus], [y.bonus])
            if strip_spans(x.not_applicable) != strip_spans(y.not_applicable):
                lines.append(f"item {path}: not applicable changed")
                if any(na is not None and na.when is not None for na in (x.not_applicable, y.not_applicable)):
                    lines.append(f"    {not_applicable_text(x.not_applicable)} → {not_applicable_text(y.not_applicable)}")
            for what, a1, b1 in (("vetoes", x.vetoes, y.vetoes), ("criteria", x.criteria, y.criteria),
                                 ("entered by", x.entered_by, y.entered_by)):
                if strip_spans(a1) != strip_spans(b1):
                    lines.append(f"item {path}: {what} changed")
        if isinstance(x, ast.Section) and isinstance(y, ast.Section) and strip_spans(x.vetoes) != strip_spans(y.vetoes):
            lines.append(f"section {path}: vetoes changed")
    ga, gb = _named(old, ast.Grade), _named(new, ast.Grade)
    for n in sorted(ga.keys() - gb.keys()):
        lines.append(f"removed grade {_label(ga[n])}")
    for n in sorted(gb.keys() - ga.keys()):
        lines.append(f"added grade {_label(gb[n])} {_grade_text(gb[n])}")
    for n in sorted(ga.keys() & gb.keys()):
        x, y = ga[n], gb[n]
        if strip_spans(x.band) != strip_spans(y.band) or _grade_text(x) != _grade_text(y):
            lines.append(f"grade {_label(y)}: {_grade_text(x, '')} → {_grade_text(y, '')}")
        if str(x.coefficient) != str(y.coefficient):
            lines.append(f"grade {_label(y)}: coefficient {_q(x.coefficient)} → {_q(y.coefficient)}")
    for result, word in ((ast.Pay, "pay"), (ast.Pool, "pool"), (ast.Award, "award")):
        a2, b2 = _named(old, result), _named(new, result)
        for n in sorted(a2.keys() - b2.keys()):
            lines.append(f"removed {word} {_label(a2[n])}")
        for n in sorted(b2.keys() - a2.keys()):
            lines.append(f"added {word} {_label(b2[n])}")
        for n in sorted(a2.keys() & b2.keys()):
            if strip_spans(a2[n]) != strip_spans(b2[n]):
                x, y = a2[n], b2[n]
                if result is ast.Award:
                    lines.append(f"award {_label(y)}: {x.amount} → {y.amount}" if str(x.amount) != str(y.amount)
                                 else f"award {_label(y)}: conditions changed")
                else:
                    lines.append(f"{word} {_label(y)}: {expr_text(x.expr)} → {expr_text(y.expr)}")
                    lines += lookup_changes(x.expr, y.expr)
                    lines += _bounds_change(_limits(x.expr), _limits(y.expr))
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


def data_impact(old_scorer: Any, new_scorer: Any, old_results: Any, new_results: Any) -> list[Impact]:
    """Whose total, grade or pay changes, largest first."""
    from kpidsl.engine.output import Table

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


def _fmt(v: Any) -> str:
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
