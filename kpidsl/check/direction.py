"""Direction: an input or metric declared ``higher is better`` or ``lower is better``,
and a proof that each item's points (and each directed metric) move that way with it.

A slope is the sign of how a formula moves as one name rises: +1 (never down), -1
(never up), 0 (it does not read the name) or None (it can go either way, or the
checker cannot tell).  Slopes combine by the rules of derivatives' signs: a sum
keeps a slope its terms agree on, a product or a quotient needs the sign of the
other factor (from the checker's ranges), min, max, clamping and rounding keep it.
Each rule then turns its subject's slope into the points' slope: tiers by the
order of their points, ``ratio`` and ``proportional`` up, ``deduct`` down,
``change`` by the sign of its ``by``.  Where the slope is None nothing is said: a
warning (KPI125) is given only when the points provably move the wrong way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kpidsl.analysis.units import INTEGER_UNITS
from kpidsl.check.bands import band_interval
from kpidsl.check.base import Context, name_span
from kpidsl.diagnostics.diagnostic import Diagnostic, Related, Severity, warning
from kpidsl.numbers.intervals import INF, Interval, gaps
from kpidsl.syntax import ast
from kpidsl.syntax.names import names_in

if TYPE_CHECKING:
    from kpidsl.check.formulas import Formulas

Slope = int | None

_KEEPS = ("floor", "ceil", "round", "number")  # monotone in their first argument
_AGGREGATES = ("sum", "average", "max", "min")  # a person's own value enters its group's the same way


def _join(a: Slope, b: Slope) -> Slope:
    """The slope of a sum of two terms."""
    if a is None or b is None:
        return None
    if a == 0:
        return b
    if b == 0 or a == b:
        return a
    return None


def _times(slope: Slope, sign: Slope) -> Slope:
    """A term's slope times a factor of known sign (0 when the term does not move)."""
    if slope == 0 or sign == 0:
        return 0
    if slope is None or sign is None:
        return None
    return slope * sign


def _neg(s: Slope) -> Slope:
    return None if s is None else -s


def _word(better: str) -> int:
    return 1 if better == "higher" else -1


def directions(ctx: Context, f: Formulas) -> None:
    """Pass, after every other that can find an error: only a sound rubric's arithmetic is
    worth proving (KPI125).  Reads the symbols' ranges the members pass left."""
    stmts = ctx.stmts
    directed = [(s, s.direction) for s in stmts
                if isinstance(s, (ast.Input, ast.Metric)) and s.direction is not None]
    if not directed or any(d.severity == Severity.ERROR for d in ctx.diagnostics):
        return
    slopes = _Slopes(f, {s.name: s for s in stmts if isinstance(s, ast.Metric)})
    mark = len(ctx.diagnostics)
    found: list[Diagnostic] = []
    for item in _items(stmts):
        how = slopes.rule_slope(item.rule)
        sym = ctx.symbols.get(item.name)
        if how is None or sym is not None and sym.range is not None and sym.range.lo == sym.range.hi:
            continue  # clamped to one value (KPI111 says so): the points move no way at all
        subject, sign = how
        direct = {n for n, _ in names_in(subject)}
        # the names the rule reads itself first, so the warning names the nearest cause
        for node, way in sorted(directed, key=lambda d: d[0].name not in direct):
            slope = _times(slopes.slope(subject, node.name, frozenset()), sign)
            if slope is not None and slope != 0 and slope != _word(way.better):
                found.append(_against(item, node.name, way, slope))
                break
    for m, own in directed:
        if not isinstance(m, ast.Metric):
            continue
        for node, way in directed:
            slope = slopes.slope(m.expr, node.name, frozenset({m.name})) if node is not m else 0
            if slope is None or slope == 0 or slope == _word(own.better) * _word(way.better):
                continue
            moves = "rises" if slope > 0 else "falls"
            found.append(warning(
                "KPI125", f"metric `{m.name}` is {own.better} is better, but it {moves} as "
                f"`{node.name}` rises, and `{node.name}` is {way.better} is better", name_span(m),
                "turn the formula round, or correct one of the two directions",
                (Related(f"`{node.name}` is declared {way.better} is better", way.span),)))
            break
    del ctx.diagnostics[mark:]  # the ranges asked for along the way report nothing new
    ctx.diagnostics.extend(found)


class _Slopes:
    """How formulas move as one name rises, with the ranges ``Formulas`` works out for the
    sign of a factor."""

    def __init__(self, f: Formulas, metric_nodes: dict[str, ast.Metric]) -> None:
        self.f = f
        self.metric_nodes = metric_nodes

    # ---- each rule: its subject, and which way its points go as the subject rises ----------
    def rule_slope(self, rule: Any) -> tuple[ast.Expr, Slope] | None:
        if isinstance(rule, (ast.Ratio, ast.Proportional)):
            step = rule.step.value if isinstance(rule, ast.Ratio) else Decimal(1)
            return rule.subject, (1 if step > 0 else 0)
        if isinstance(rule, ast.Deduct):
            return rule.per, (-1 if rule.amount.value > 0 else 0)
        if isinstance(rule, ast.Change):
            by = rule.by.value
            return rule.subject, (1 if by > 0 else -1 if by < 0 else 0)
        if isinstance(rule, ast.Tiers):
            return rule.subject, self.tiers_slope(rule)
        return None  # levels, scales, checklists and entered points read no value

    def tiers_slope(self, rule: ast.Tiers) -> Slope:
        """Up or down as the subject rises through the tiers, `else` filling the gaps it closes."""
        unit, dom = self.f.expr(rule.subject)
        if unit is None or dom is None:
            return None
        u = unit if unit != "bare" else None
        integer = unit in INTEGER_UNITS and self.f.whole(rule.subject)
        domain = Interval(dom.lo if dom.lo != -INF else None, dom.hi if dom.hi != INF else None,
                          dom.lo != -INF, dom.hi != INF, integer)
        pieces: list[tuple[Interval, Decimal]] = []
        for t in rule.tiers:
            if t.band is not None:
                iv = band_interval(self.f, t.band, u, integer)
                if iv is None:
                    return None
                iv = iv.intersect(domain)
                if not iv.is_empty():
                    pieces.append((iv, t.points.value))
        fallback = next((t.points.value for t in rule.tiers if t.band is None), None)
        if fallback is not None:
            pieces += [(hole, fallback) for hole in gaps(domain, [iv for iv, _ in pieces])]
        pieces.sort(key=lambda x: (x[0].lo if x[0].lo is not None else -INF, not x[0].lo_closed))
        seq = [p for _, p in pieces]
        ups = any(b > a for a, b in zip(seq, seq[1:]))
        downs = any(b < a for a, b in zip(seq, seq[1:]))
        return None if ups and downs else 1 if ups else -1 if downs else 0

    # ---- formulas ---------------------------------------------------------------------------
    def sign(self, e: Any) -> Slope:
        _, r = self.f.expr(e)
        if r is None:
            return None
        if r.lo == 0 and r.hi == 0:
            return 0
        return 1 if r.lo >= 0 else -1 if r.hi <= 0 else None

    def slope(self, e: Any, name: str, seen: frozenset[str]) -> Slope:
        if isinstance(e, ast.Number):
            return 0
        if isinstance(e, ast.Var):
            if e.name == name:
                return 1
            metric = self.metric_nodes.get(e.name)
            if metric is None or e.name in seen:
                return 0 if metric is None else None
            return self.slope(metric.expr, name, seen | {e.name})
        if isinstance(e, ast.Neg):
            return _neg(self.slope(e.operand, name, seen))
        if isinstance(e, ast.BinOp):
            a, b = self.slope(e.left, name, seen), self.slope(e.right, name, seen)
            if e.op == "+":
                return _join(a, b)
            if e.op == "-":
                return _join(a, _neg(b))
            if a == 0 and b == 0:
                return 0
            left = self.sign(e.left) if b != 0 else 0
            right = self.sign(e.right) if a != 0 else 0
            if e.op == "*":  # (ab)' = a'b + ab'
                return _join(_times(a, right), _times(b, left))
            return _join(_times(a, right), _times(_neg(b), left))  # (a/b)' = a'/b - ab'/b²
        if isinstance(e, ast.Call):
            slopes = [self.slope(x, name, seen) for x in e.args]
            if e.over is not None:
                return slopes[0] if e.func in _AGGREGATES and slopes else 0 if e.func == "count" else None
            if e.func in ("min", "max"):
                out: Slope = 0
                for s in slopes:
                    out = _join(out, s)
                return out
            if e.func in _KEEPS and slopes:
                return slopes[0]
            if e.func == "abs" and slopes:
                return _times(slopes[0], self.sign(e.args[0]))
            return None if any(s != 0 for s in slopes) else 0
        if isinstance(e, ast.Progressive):
            if any(b.rate.value < 0 for b in e.brackets):
                return None
            return self.slope(e.subject, name, seen)
        return None  # a condition where a number belongs: reported elsewhere


def _against(item: ast.Item, name: str, way: ast.Direction, slope: int) -> Diagnostic:
    assert item.rule is not None
    more = "more" if slope > 0 else "fewer"
    fix = ("divide the target by the actual value (`target / max(actual, target)`) instead of the actual by "
           "the target" if way.better == "lower" and isinstance(item.rule, ast.Proportional)
           else "turn the rule round, or correct the declared direction")
    return warning(
        "KPI125", f"item `{item.name}` gives {more} points as `{name}` rises, but `{name}` is "
        f"{way.better} is better", item.rule.span, fix,
        (Related(f"`{name}` is declared {way.better} is better", way.span),))


def _items(members: Iterable[Any]) -> Iterator[ast.Item]:
    for m in members:
        if isinstance(m, ast.Item):
            yield m
        elif isinstance(m, ast.Section):
            yield from _items(m.members)
