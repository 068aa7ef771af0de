"""Any formula or condition of the IR said in the page's language, with every name a reader
sees on the form (a column's or a step's label, a grade's label) in place of the rubric's
identifiers.  Pay, awards, gates, flags, streaks and exclusions are described from their
lowered IR by these words, so a condition the rubric applies cannot be left off the page."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import assert_never

from kpidsl import ir
from kpidsl.numbers.spelling import percent, spell

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "and": "且", "or": "或", "not": "并非（{x}）", "is_yes": "{x}为“是”", "given": "{x}已填写", "if": "若{cond}，为 {then}；{other}", "elif": "否则", "else": "否则为 ",
        "min": "{args} 中较小者", "max": "{args} 中较大者", "sep": "、", "fail": "（无法计分，报数据错误）",
        "round": "{x}（舍入到 {step}）",
        "grade_is": "等级为{g}", "grade_not": "等级不是{g}", "grade_at_least": "等级为{g}或更高",
        "grade_at_most": "等级为{g}或更低", "grade_above": "等级高于{g}", "grade_below": "等级低于{g}",
        "agg": "同一{over}内{step}的{func}", "funcs_sum": "合计", "funcs_average": "平均值", "funcs_count": "人数",
        "funcs_max": "最高值", "funcs_min": "最低值",
        "funcs_variance_pop": "总体方差", "funcs_variance_sample": "样本方差", "funcs_stddev_pop": "总体标准差",
        "funcs_stddev_sample": "样本标准差", "funcs_median": "中位数", "funcs_percentile": "第 {at} 百分位数",
        "funcs_percent_rank": "百分位排名", "year": "年度", "quarter": "季度",
        "total": "总分", "grade": "等级",
        "between": "（{x}在 {low} 至 {high} 之间的部分）", "above": "（{x}超过 {low} 的部分）",
        "money": "{n} 元", "hours": "{n} 小时", "days": "{n} 天", "count": "{n} 次", "points": "{n} 分",
    },
    "en": {
        "and": "and", "or": "or", "not": "not ({x})", "is_yes": "{x} is yes", "given": "{x} is given", "if": "if {cond}, {then}; {other}", "elif": "otherwise ", "else": "otherwise ",
        "min": "the smaller of {args}", "max": "the larger of {args}", "sep": ", ", "fail": "(no score: a data error)",
        "round": "{x} (rounded to {step})",
        "grade_is": "the grade is {g}", "grade_not": "the grade is not {g}", "grade_at_least": "the grade is {g} or better",
        "grade_at_most": "the grade is {g} or worse", "grade_above": "the grade is better than {g}",
        "grade_below": "the grade is below {g}",
        "agg": "the {func} of {step} within the same {over}", "funcs_sum": "sum", "funcs_average": "average",
        "funcs_count": "head count", "funcs_max": "highest", "funcs_min": "lowest",
        "funcs_variance_pop": "population variance", "funcs_variance_sample": "sample variance",
        "funcs_stddev_pop": "population standard deviation", "funcs_stddev_sample": "sample standard deviation",
        "funcs_median": "median", "funcs_percentile": "{at} percentile", "funcs_percent_rank": "percent rank", "year": "year", "quarter": "quarter",
        "total": "total", "grade": "grade",
        "between": "(the part of {x} between {low} and {high})", "above": "(the part of {x} above {low})",
        "money": "{n} yuan", "hours": "{n} h", "days": "{n} days", "count": "{n}", "points": "{n} points",
    },
}

_OPS = {">=": "≥", "<=": "≤", "!=": "≠", "=": "=", "<": "<", ">": ">"}
_QTY = re.compile(r"^(-?\d+(?:\.\d+)?)(%|pt|分|元|h|小时|d|天|次)?$")
_SUFFIX_UNIT = {"pt": "points", "分": "points", "元": "money", "h": "hours", "小时": "hours", "d": "days", "天": "days",
                "次": "count"}


def quantity(text: str | None, lang: str) -> str:
    """A number as the rubric wrote it (``1pt``, ``200元``, ``90%``), in the page's words:
    ``1 分`` / ``1 point``; a formula (``2 * quota``) is left as it is."""
    if text is None:
        return ""
    m = _QTY.match(text.strip())
    if m is None:
        return text
    n, suffix = m.group(1), m.group(2)
    if suffix is None or suffix == "%":
        return text
    unit = _SUFFIX_UNIT[suffix]
    if lang == "en" and unit == "points" and Decimal(n) in (1, -1):
        return f"{n} point"
    return WORDS[lang][unit].format(n=n)


class Words:
    """Formulas and conditions of one plan in one language."""

    def __init__(self, plan: ir.Plan, lang: str) -> None:
        self.plan = plan
        self.lang = lang
        self.w = WORDS[lang]
        self.columns = {c.name: c for c in plan.columns}
        self.steps = {s.name: s for s in plan.score_steps + plan.result_steps}
        self.keys = dict(plan.key_labels)

    # ---- names ----

    def column(self, name: str) -> str:
        c = self.columns.get(name)
        return (c.label or c.name) if c is not None else name

    def step(self, name: str) -> str:
        if name in ("total", "grade"):
            return self.w[name]
        s = self.steps.get(name)
        return (s.label or s.name) if s is not None else name

    def group(self, name: str) -> str:
        return self.keys.get(name) or self.w.get(name) or name

    def grade(self, index: Decimal) -> str:
        i = int(index)
        g = self.plan.grades[i] if 0 <= i < len(self.plan.grades) else None
        return f"“{g.label or g.name}”" if g is not None else spell(index)

    # ---- values ----

    def unit_of(self, e: ir.Expr) -> str | None:
        if isinstance(e, ir.Cell):
            c = self.columns.get(e.column)
            return c.unit if c is not None else None
        return None

    def const(self, v: Decimal, unit: str | None) -> str:
        if unit == "percent":
            return percent(v)
        if unit in ("money", "hours", "days", "count"):
            return self.w[unit].format(n=spell(v))
        return spell(v)

    def expr(self, e: ir.Expr, unit: str | None = None, top: bool = True) -> str:
        """``e`` in words; ``unit``: the unit a bare constant here is in (from what it is compared
        with or added to)."""
        match e:
            case ir.Const():
                return self.const(e.value, unit)
            case ir.Cell():
                return self.column(e.column)
            case ir.Ref():
                s = self.steps.get(e.step)
                if s is not None and s.kind == "aux":  # an internal step: say what it computes
                    return self.expr(s.expr, unit, top)
                return self.step(e.step)
            case ir.Bin():
                piece = self.bracket(e.a) if e.op == "*" else None
                if piece is not None:  # one bracket of a progressive rate
                    text = f"{piece} × {self.factor(e.b, None, '*')}"
                    return text if top else f"({text})"
                u = self.unit_of(e.a) or self.unit_of(e.b) if e.op in "+-" else None
                # a chain of + (or of *) reads without brackets: (a + b) + c is a + b + c
                a = self.expr(e.a, u, True) if e.op in "+*" and isinstance(e.a, ir.Bin) and e.a.op == e.op \
                    and self.bracket(e.a.a) is None else self.factor(e.a, u, e.op)
                b = self.factor(e.b, u, e.op, right=True)
                text = f"{a} {'×' if e.op == '*' else '÷' if e.op == '/' else e.op} {b}"
                return text if top else f"({text})"
            case ir.Neg():
                return f"-{self.expr(e.a, unit, False)}"
            case ir.Min():
                return self.w["min"].format(args=self.w["sep"].join(self.expr(a, unit) for a in e.args))
            case ir.Max():
                return self.w["max"].format(args=self.w["sep"].join(self.expr(a, unit) for a in e.args))
            case ir.If():
                # a chain of cases reads "…; otherwise if …"
                other = self.w["elif" if isinstance(e.else_, ir.If) else "else"] + self.expr(e.else_, unit)
                return self.w["if"].format(cond=self.cond(e.cond), then=self.expr(e.then, unit), other=other)
            case ir.Round():
                return self.expr(e.a, unit, top)
            case ir.Fail():
                return self.w["fail"]
            case ir.Sqrt():
                return f"√({self.expr(e.a, unit)})"
            case ir.Agg():
                over = self.w.get(e.over) if e.over in ("year", "quarter") else self.group(e.over)
                func = self.w.get(f"funcs_{e.func}", e.func).format(at=percent(e.at) if e.at is not None else "")
                return self.w["agg"].format(func=func, step=self.expr(ir.Ref(e.step)), over=over)
            case _:
                assert_never(e)

    def bracket(self, e: ir.Expr) -> str | None:
        """``max(min(x, hi) - lo, 0)``: the part of x between lo and hi; ``max(x - lo, 0)``: the
        part of x above lo (how a progressive rate's brackets are lowered)."""
        if not (isinstance(e, ir.Max) and len(e.args) == 2 and e.args[1] == ir.Const(Decimal(0))
                and isinstance(e.args[0], ir.Bin) and e.args[0].op == "-"):
            return None
        inner, low = e.args[0].a, e.args[0].b
        if isinstance(inner, ir.Min) and len(inner.args) == 2:
            x, high = inner.args
            unit = self.unit_of(x)
            return self.w["between"].format(x=self.expr(x, unit, False), low=self.expr(low, unit, False),
                                            high=self.expr(high, unit, False))
        unit = self.unit_of(inner)
        return self.w["above"].format(x=self.expr(inner, unit, False), low=self.expr(low, unit, False))

    def factor(self, e: ir.Expr, unit: str | None, op: str, right: bool = False) -> str:
        """One operand: a constant multiplying money is a rate (``20%``)."""
        if isinstance(e, ir.Const) and op == "*" and 0 < abs(e.value) < 1:
            return percent(e.value)
        return self.expr(e, unit, False)

    def cond(self, c: ir.Cond, top: bool = True) -> str:
        match c:
            case ir.Cmp():
                g = self.grade_cmp(c)
                if g is not None:
                    return g
                unit = self.unit_of(c.a) or self.unit_of(c.b)
                return f"{self.expr(c.a, unit)} {_OPS[c.op]} {self.expr(c.b, unit)}"
            case ir.And():
                text = f" {self.w['and']} ".join(self.cond(a, False) for a in c.args)
                return text if top or self.lang == "zh" else f"({text})"
            case ir.Or():
                text = f" {self.w['or']} ".join(self.cond(a, False) for a in c.args)
                return text if top else f"（{text}）" if self.lang == "zh" else f"({text})"
            case ir.Not():
                return self.w["not"].format(x=self.cond(c.a))
            case ir.IsTrue():
                return self.w["is_yes"].format(x=self.expr(c.a))
            case ir.Given():
                return self.w["given"].format(x=self.column(c.column))
            case _:
                assert_never(c)

    def grade_cmp(self, c: ir.Cmp) -> str | None:
        """``grade <= 1`` is "the grade is 良好 or better": grades are numbered best first."""
        if not (isinstance(c.a, ir.Ref) and c.a.step == "grade" and isinstance(c.b, ir.Const)):
            return None
        g = self.grade(c.b.value)
        key = {"=": "grade_is", "!=": "grade_not", "<=": "grade_at_least", ">=": "grade_at_most",
               "<": "grade_above", ">": "grade_below"}[c.op]
        return self.w[key].format(g=g)

    def when(self, step: str) -> str | None:
        """The condition under which a 0/1 step (an eligibility, a streak's or a flag's
        condition) is 1, in words; None when it is not of that shape."""
        s = self.steps.get(step)
        if s is None:
            return None
        e = s.expr
        while isinstance(e, ir.Round):
            e = e.a
        if isinstance(e, ir.If) and e.then == ir.Const(Decimal(1)) and e.else_ == ir.Const(Decimal(0)):
            return self.cond(e.cond)
        return self.expr(e)


def rule_subject(expr: ir.Expr, kind: str) -> ir.Expr | None:
    """The value an item's rule scores, as the rule wrote it (``qa_score / 100分``), found in
    the item's lowered step by the rule's shape: what a tier compares, what a ratio or a
    change subtracts its target or last value from, what points or a deduction multiply."""
    for n in ir.walk(expr):
        if kind == "tiers" and isinstance(n, ir.Cmp):
            return n.a
        if kind in ("ratio", "change") and isinstance(n, ir.Bin) and n.op == "-" and not isinstance(n.a, ir.Const):
            return n.a
        if kind in ("proportional", "deduct") and isinstance(n, ir.Bin) and n.op == "*":
            if isinstance(n.a, ir.Const):
                return n.b
            if isinstance(n.b, ir.Const):
                return n.a
    return None
