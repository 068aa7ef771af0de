"""The documentation backend's words: page text in Chinese and English, and each scoring
rule said in plain words from the IR's outline and the item's lowered step."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from kpidsl import ir
from kpidsl.backends.docs import charts
from kpidsl.numbers.spelling import in_unit

TEXT: dict[str, dict[str, Any]] = {
    "zh": {
        "lang": "zh", "index_title": "考核表", "index_intro": "每份考核表一页：评分规则、得分曲线、示例与设计说明。",
        "position": "岗位", "period": "考核周期", "full": "满分", "item_count": "项目数",
        "periods": {"monthly": "月度", "quarterly": "季度", "yearly": "年度"},
        "glance": "概要", "raters": "评分人", "rater": "评分人", "weight": "权重", "no_weight": "不计权重（第三方录入）", "not_counted": "不计入总分（单独记录）",
        "data": "数据", "column": "数据列", "label": "名称", "unit": "单位", "range": "取值范围", "filled_by": "数据来源 / 填写人", "system": "系统",
        "units": {"percent": "百分比", "count": "次数", "money": "金额", "hours": "小时", "days": "天", "points": "分",
                  "number": "数值", "level": "等级", "yes/no": "是/否"},
        "sections": "考核项目", "item": "项目", "points": "得分", "size": "分值", "rule": "规则", "share": "占总分",
        "criteria": "考核标准", "note": "说明", "curve_of": "得分曲线：", "weights": "权重构成",
        "grades": "等级", "grade": "等级", "when": "条件", "coefficient": "系数", "otherwise": "其他情况", "and": "且",
        "total": "总分", "results": "结果与薪酬", "formula": "算法", "kind": "类型",
        "kinds": {"pay": "薪酬", "award": "奖励", "pool": "团队奖金", "coefficient": "系数", "grade": "等级"},
        "vetoes": "否决", "veto": "为“是”时，{zeroed}记 0 分", "excluded": "不参与考评",
        "example": "示例", "example_intro": "示例数据（rubrics/examples）中的第一位：{person}。每个数字的来历，与 `kpi eval --explain` 的输出相同：",
        "value": "取值", "decisions": "设计说明",
        "decisions_intro": "考核表作者在原始文件之外所作的选择（CHOSEN）与更正（CORRECTED）：",
        "pay_caption": "其他数据取自示例中的 {person}", "target": "目标", "cap": "上限", "floor": "下限",
        "when_tier": "当", "else": "其他", "level_text": "等级描述", "step": "档位", "failed": "未做到项数",
        "na": "本项可标记为“不适用”。", "bonus": "另有加分，最多 {bonus}。", "factor": "系数项，最高 {size}。",
        "best_of": "每个 {group} 得分最高者获得 {label}：{amount}", "streak": "连续 {periods} 期：{label}",
        "quota": "{grade} 在每个 {group} 内最多 {at_most}",
        "ranked": {"top": "每个 {group} 内排名前 {share}", "bottom": "每个 {group} 内排名后 {share}"}, "flag": "每个 {group} 末位 {bottom}：{label}",
        "pool": "{label}：在 {group} 内分配",
        "ratio": "以 {target} 为目标：达到目标得 {base} 分；每高出或低于 {per}，加或减 {step}。",
        "proportional": "按比例计分：得分 = {size} × {subject}。",
        "deduct": "从 {base} 分扣起：{subject} 每 1 次扣 {amount}{floored}。", "floored": "，扣完为止",
        "not_floored": "，可扣至负分",
        "change": "与上期相比：{subject} 每变化 {per}，在 {base} 分的基础上加或减 {by}。",
        "levels": "评分人按下表选择等级：", "scale": "评分人按下表的档位打分：",
        "checklist": "逐项检查，未做到的项数决定得分：", "entered": "由{rater}直接录入得分。",
        "raters_enter": "由{raters}打分。", "one_enters": "直接录入得分。",
        "clamp": "得分不低于 {floor}，不高于 {cap}。", "clamp_low": "得分不低于 {floor}。",
        "clamp_high": "得分不高于 {cap}。", "curve_alt": "得分曲线",
        "tier_table": "得分档位（由上到下，取第一个符合的档位）：",
    },
    "en": {
        "lang": "en", "index_title": "Rubrics", "index_intro": "One page per rubric: how it scores, score curves, a worked example and the authors' decisions.",
        "position": "Position", "period": "Period", "full": "Full marks", "item_count": "Items",
        "periods": {"monthly": "monthly", "quarterly": "quarterly", "yearly": "yearly"},
        "glance": "At a glance", "raters": "Raters", "rater": "Rater", "weight": "Weight", "no_weight": "no weight (enters scores for others)", "not_counted": "not counted (recorded on its own)",
        "data": "Data", "column": "Column", "label": "Label", "unit": "Unit", "range": "Range", "filled_by": "Source / filled by", "system": "system",
        "units": {"percent": "percent", "count": "count", "money": "money", "hours": "hours", "days": "days", "points": "points",
                  "number": "number", "level": "level", "yes/no": "yes/no"},
        "sections": "Sections and items", "item": "Item", "points": "Points", "size": "Worth", "rule": "Rule", "share": "Share of total",
        "criteria": "Criteria", "note": "Note", "curve_of": "Score curve:", "weights": "Weight breakdown",
        "grades": "Grades", "grade": "Grade", "when": "When", "coefficient": "Coefficient", "otherwise": "otherwise", "and": "and",
        "total": "total", "results": "Results and pay", "formula": "Formula", "kind": "Kind",
        "kinds": {"pay": "pay", "award": "award", "pool": "team pool", "coefficient": "coefficient", "grade": "grade"},
        "vetoes": "Vetoes", "veto": "when yes, {zeroed} scores 0", "excluded": "Not appraised",
        "example": "Worked example", "example_intro": "The first person in the example data (rubrics/examples), {person}; every number explained as `kpi eval --explain` does:",
        "value": "Value", "decisions": "Decisions",
        "decisions_intro": "Where the rubric departs from its source document: the authors' choices (CHOSEN) and corrections (CORRECTED).",
        "pay_caption": "other inputs from {person}'s example row", "target": "target", "cap": "cap", "floor": "floor",
        "when_tier": "when", "else": "otherwise", "level_text": "Level", "step": "Step", "failed": "Points not met",
        "na": "This item may be marked not applicable.", "bonus": "A bonus of up to {bonus} on top.", "factor": "A factor item, up to {size}.",
        "best_of": "The best in each {group} receives {label}: {amount}", "streak": "{periods} periods in a row: {label}",
        "quota": "{grade}: at most {at_most} in each {group}",
        "ranked": {"top": "the top {share} of each {group}", "bottom": "the bottom {share} of each {group}"}, "flag": "The bottom {bottom} of each {group}: {label}",
        "pool": "{label}: shared within the {group}",
        "ratio": "Target {target} earns {base}; each {per} above or below adds or takes {step}.",
        "proportional": "Proportional: points = {size} × {subject}.",
        "deduct": "From {base}, {amount} off for each {subject}{floored}.", "floored": ", never below zero",
        "not_floored": ", and it may go below zero",
        "change": "Against the last period: each {per} of change in {subject} adds or takes {by}, from {base}.",
        "levels": "The rater picks a level:", "scale": "The rater scores on this scale:",
        "checklist": "Each point is checked; how many were not met decides the points:", "entered": "{rater} enters the points.",
        "raters_enter": "Scored by {raters}.", "one_enters": "The points are entered directly.",
        "clamp": "Never below {floor}, never above {cap}.", "clamp_low": "Never below {floor}.",
        "clamp_high": "Never above {cap}.", "curve_alt": "score curve",
        "tier_table": "Tiers (the first that applies, top to bottom):",
    },
}


def md(text: object) -> str:
    """Text for a Markdown table cell or paragraph: no markup, no broken table."""
    s = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = re.sub(r"([\\`*_\[\]|])", r"\\\1", s)
    return s.replace("\n", " ")


def link(target: object) -> str:
    """A file name as a Markdown link's destination: percent-encoded (RFC 3986), so a ``)``,
    a space or ``<`` in a rubric's file name is part of the address, never markup."""
    return quote(str(target), safe="/")


def code(text: object) -> str:
    s = str(text).replace("|", "\\|")
    fence = "``" if "`" in s else "`"
    return f"{fence}{s}{fence}"


def num(x: Decimal, percent: bool = False) -> str:
    return in_unit(x, "percent" if percent else None)



def _n(x: Decimal) -> str:
    return num(x)


def bound_words(t: ir.ShownTier, text: dict) -> str:
    if not t.bounds:
        return text["else"]
    ops = {">=": "≥", "<=": "≤"}
    return f" {text['and']} ".join(f"{ops.get(b.op, b.op)} {b.value}" for b in t.bounds)


def rule_words(it: ir.ShownItem, plan: ir.Plan, t: dict, raters: dict[str, str]) -> list[str]:
    """Sentences for one item's rule, as Markdown; tables (tiers, levels) are the template's."""
    r = it.rule
    out: list[str] = []
    size = _n(it.size)
    if r is None:
        who = [md(raters.get(w, w)) for w, _ in it.rater_columns]
        out.append(t["raters_enter"].format(raters="、".join(who) if t["lang"] == "zh" else ", ".join(who))
                   if who else t["one_enters"])
    elif r.kind == "ratio":
        out.append(t["ratio"].format(target=r.target, base=r.base or size, per=r.per or "1%", step=r.step))
    elif r.kind == "proportional":
        out.append(t["proportional"].format(size=size, subject=code(r.subject)))
    elif r.kind == "deduct":
        out.append(t["deduct"].format(base=r.base or size, amount=r.amount, subject=code(r.subject),
                                      floored=t["floored"] if r.floored else t["not_floored"]))
    elif r.kind == "change":
        out.append(t["change"].format(per=r.per, subject=code(r.subject), by=r.by, base=r.base or size))
    elif r.kind == "tiers":
        out.append(t["tier_table"])
    elif r.kind in ("levels", "scale", "checklist"):
        out.append(t[r.kind])
    elif r.kind == "entered":
        out.append(t["entered"].format(rater=md(raters.get(r.rater or "", r.rater or ""))))
    if r is not None and r.kind in ("ratio", "proportional", "change", "deduct"):
        step = next((s for s in plan.score_steps if s.name == it.name), None)
        if step is not None:
            caps, floors = charts.clamps(step.expr)
            if caps and floors:
                out.append(t["clamp"].format(floor=_n(max(floors)), cap=_n(min(caps))))
            elif floors and r.kind != "deduct":
                out.append(t["clamp_low"].format(floor=_n(max(floors))))
            elif caps:
                out.append(t["clamp_high"].format(cap=_n(min(caps))))
    if it.bonus:
        out.append(t["bonus"].format(bonus=it.bonus))
    if it.size_kind == "factor":
        out.append(t["factor"].format(size=size))
    return out
