"""A deliberately naive reference: scores one row straight from the AST, in
exact fractions, without the IR, the lowering or the compiled backend.  The
property tests hold the real evaluator to it."""

from __future__ import annotations

from fractions import Fraction

from kpidsl.syntax import ast


def F(q: ast.Quantity) -> Fraction:
    v = Fraction(q.value)
    return v / 100 if q.suffix == "%" else v


class Reference:
    def __init__(self, program):
        self.stmts = program.statements
        self.inputs = {s.name: s for s in self.stmts if isinstance(s, ast.Input)}
        self.metrics = {s.name: s for s in self.stmts if isinstance(s, ast.Metric)}

    def expr(self, e, row) -> Fraction:
        if isinstance(e, ast.Number):
            return F(e.quantity)
        if isinstance(e, ast.Var):
            if e.name in self.inputs:
                return Fraction(row[e.name])
            return self.expr(self.metrics[e.name].expr, row)
        if isinstance(e, ast.Neg):
            return -self.expr(e.operand, row)
        if isinstance(e, ast.BinOp):
            a, b = self.expr(e.left, row), self.expr(e.right, row)
            return {"+": a + b, "-": a - b, "*": a * b}.get(e.op) if e.op != "/" else a / b
        raise NotImplementedError(type(e).__name__)

    def in_band(self, band: ast.Band, x: Fraction) -> bool:
        for b in band.bounds:
            v = F(b.value)
            ok = {">": x > v, ">=": x >= v, "<": x < v, "<=": x <= v, "=": x == v}[b.op]
            if not ok:
                return False
        return True

    def item(self, it: ast.Item, row) -> Fraction:
        points = Fraction(it.size.value)
        cap = points + (Fraction(it.bonus.value) if it.bonus else 0)
        rule = it.rule
        base = Fraction(rule.base.value) if getattr(rule, "base", None) is not None else points
        if rule is None or isinstance(rule, (ast.Levels, ast.EnteredBy)):
            score = Fraction(row[it.name])
        elif isinstance(rule, ast.Scale):
            step = Fraction(row[it.name])
            score = next(Fraction(s.points.value) for s in rule.steps if Fraction(s.step.value) == step)
        elif isinstance(rule, ast.Checklist):
            score = Fraction(rule.scores[int(row[it.name])].value)
        elif isinstance(rule, ast.Tiers):
            x = self.expr(rule.subject, row)
            score = None
            for t in rule.tiers:
                if t.band is None or self.in_band(t.band, x):
                    score = Fraction(t.points.value)
                    break
        elif isinstance(rule, ast.Ratio):
            x = self.expr(rule.subject, row)
            per = F(rule.per) if rule.per else (Fraction(1, 100) if self._percent(rule.subject) else 1)
            score = min(max(base + (x - F(rule.target)) / per * Fraction(rule.step.value), 0), cap)
        elif isinstance(rule, ast.Proportional):
            score = min(max(points * self.expr(rule.subject, row), 0), cap)
        elif isinstance(rule, ast.Deduct):
            score = base - Fraction(rule.amount.value) * self.expr(rule.per, row)
            if rule.floored:
                score = max(score, 0)
        else:
            raise NotImplementedError(type(rule).__name__)
        for v in it.vetoes:
            if row[v.condition]:
                score = Fraction(0)
        return score

    def _percent(self, e) -> bool:
        return isinstance(e, ast.Var) and e.name in self.inputs and self.inputs[e.name].unit == "percent"

    def section(self, s: ast.Section, parent_scale: Fraction, row) -> Fraction:
        weight = None
        if s.weight is not None:
            weight = Fraction(s.weight.value) * parent_scale / 100 if s.weight.suffix == "%" else Fraction(s.weight.value)
        scale = Fraction(s.out_of.value) if s.out_of else weight
        inner = sum((self.member(m, scale if scale is not None else parent_scale, row) for m in s.members), Fraction(0))
        if s.out_of is not None and weight is not None:
            inner = inner * weight / Fraction(s.out_of.value)
        return inner

    def member(self, m, scale, row) -> Fraction:
        return self.item(m, row) if isinstance(m, ast.Item) else self.section(m, scale, row)

    def scores(self, row) -> dict[str, Fraction]:
        out: dict[str, Fraction] = {}

        def walk(members):
            for m in members:
                if isinstance(m, ast.Item):
                    out[m.name] = self.item(m, row)
                else:
                    walk(m.members)
        top = [s for s in self.stmts if isinstance(s, (ast.Item, ast.Section))]
        walk(top)
        out["total"] = sum((self.member(m, Fraction(100), row) for m in top), Fraction(0))
        return out
