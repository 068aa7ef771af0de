"""Weights: rater weights add up to 100%, and each level of sections and items adds
up to its parent's points (a section's ``%`` of its parent, or its ``out of``)."""

from __future__ import annotations

from decimal import Decimal

from kpidsl.analysis import rules
from kpidsl.check.base import HUNDRED, ONE, ZERO, Contribution, fmt, name_span
from kpidsl.check.ranges import Ranges
from kpidsl.diagnostics.diagnostic import Related, error
from kpidsl.numbers.intervals import Range
from kpidsl.syntax import ast


class Weights(Ranges):
    def _check_raters(self, stmts) -> None:
        weighted = [s for s in stmts if isinstance(s, ast.Rater) and s.weight is not None]
        if not weighted:
            return
        contributions = []
        for r in weighted:
            assert r.weight is not None
            self._points_like(r.weight, allow_percent=True)
            amount = r.weight.value  # 40% and 40 both mean forty out of a hundred
            contributions.append(Contribution(r, amount, r.span))
        self._check_sum(contributions, HUNDRED, "KPI103", "the rater weights", weighted[0].span, unit="%", more="")

    def _weight_points(self, q: ast.Quantity, parent_scale: Decimal) -> Decimal:
        if q.suffix == "%":
            return rules.weight_points(q.value, True, parent_scale)
        return self._points_like(q)

    def _check_member(self, m, parent_scale: Decimal, vetoes) -> tuple[Contribution | None, Range | None]:
        if isinstance(m, ast.Item):
            rng = self._check_item(m)
            if m.size_kind == "factor":
                return None, None
            points = self._points_like(m.size)
            return Contribution(m, points, name_span(m)), rng
        # a section
        for v in m.vetoes:
            self._check_veto(v)
        weight = self._weight_points(m.weight, parent_scale) if m.weight is not None else None
        out_of = self._points_like(m.out_of) if m.out_of is not None else None
        if m.out_of is not None:
            if weight is None:
                self.diagnostics.append(error(
                    "KPI104", f"section `{m.name}` says `out of {m.out_of}` but has no weight", name_span(m),
                    "`out of` rescales a weighted section: add e.g. `weight 30%`"))
        scale = rules.member_scale(weight, out_of, parent_scale)
        contributions, ranges = [], []
        for child in m.members:
            c, r = self._check_member(child, scale, vetoes + m.vetoes)
            if c is not None:
                contributions.append(c)
            if r is not None:
                ranges.append(r)
        inner = Range(ZERO, ZERO)
        for r in ranges:
            inner = inner + r
        if m.vetoes:
            inner = inner.hull(Range(ZERO, ZERO))
        if (weight is not None or out_of is not None) and contributions:
            self._check_sum(contributions, scale, "KPI102", f"the members of section `{m.name}`", name_span(m))
        sym = self.symbols.get(m.name)
        if weight is None:
            total = sum((c.amount for c in contributions), ZERO)
            if sym is not None and sym.node is m:
                sym.range = inner
            return Contribution(m, total, name_span(m)), inner
        factor = rules.rescale(weight, out_of) or ONE
        scaled = inner * Range(factor, factor)
        if sym is not None and sym.node is m:
            sym.range = scaled
        return Contribution(m, weight, name_span(m)), scaled

    def _check_sum(self, contributions: list[Contribution], expected: Decimal, code: str,
                   what: str, span: ast.Span, unit: str = "", more: str = ", or add an item") -> None:
        actual = sum((c.amount for c in contributions), ZERO)
        if actual == expected:
            return
        diff = actual - expected
        related = tuple(
            Related(f"`{c.node.name}` {fmt(c.amount)}{unit}", c.span) for c in contributions)
        biggest = sorted(contributions, key=lambda c: -c.amount)[:2]
        names = " or ".join(f"`{c.node.name}` ({fmt(c.amount)}{unit})" for c in biggest)
        if diff > 0:
            hint = f"{fmt(diff)}{unit} too many: take {fmt(diff)}{unit} from one of them, e.g. {names}"
        else:
            hint = f"{fmt(-diff)}{unit} missing: add {fmt(-diff)}{unit} to one of them, e.g. {names}{more}"
        self.diagnostics.append(error(
            code, f"{what} add up to {fmt(actual)}{unit}, not {fmt(expected)}{unit}", span, hint, related))
