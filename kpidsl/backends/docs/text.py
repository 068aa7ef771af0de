"""The documentation backend's words: page text in Chinese and English, and each scoring
rule said in plain words from the IR's outline and the item's lowered step."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from kpidsl import ir
from kpidsl.backends.docs import charts
from kpidsl.backends.docs.words import WORDS, Words, quantity, rule_subject
from kpidsl.numbers.spelling import in_unit

TEXT: dict[str, dict[str, Any]] = {
    "zh": {
        "lang": "zh", "index_title": "考核表", "index_intro": "每份考核表一页：评分规则、得分曲线、示例与设计说明。",
        "position": "岗位", "period": "考核周期", "full": "满分", "item_count": "项目数",
        "periods": {"monthly": "月度", "quarterly": "季度", "yearly": "年度"},
        "glance": "概要", "raters": "评分人", "rater": "评分人", "weight": "权重", "no_weight": "不计权重",
        "not_counted": "不计入总分（单独记录）",
        "data": "数据", "column": "数据列", "label": "名称", "unit": "单位", "range": "取值范围", "filled_by": "数据来源 / 填写人", "system": "系统",
        "units": {"percent": "百分比", "count": "次数", "money": "金额", "hours": "小时", "days": "天", "points": "分",
                  "number": "数值", "level": "等级", "yes/no": "是/否", "date": "日期"},
        "sections": "考核项目", "item": "项目", "points": "得分", "size": "分值", "rule": "规则", "share": "占总分",
        "criteria": "考核标准", "note": "说明", "curve_of": "得分曲线：", "weights": "权重构成",
        "grades": "等级", "grade": "等级", "when": "条件", "coefficient": "系数", "otherwise": "其他情况", "and": "且",
        "total": "总分", "results": "结果与薪酬", "formula": "算法", "kind": "类型",
        "kinds": {"pay": "薪酬", "award": "奖励", "pool": "团队奖金", "coefficient": "系数", "grade": "等级", "flag": "标记"},
        "rule_kinds": {"tiers": "分档", "ratio": "对照目标", "proportional": "按比例", "deduct": "扣分", "change": "与上期比",
                       "levels": "等级描述", "scale": "档位", "checklist": "逐项检查", "entered": "直接录入"},
        "vetoes": "否决", "veto": "为“是”时，{zeroed}记 0 分", "excluded": "不参与考评",
        "example": "示例", "example_intro": "示例数据（{source}）中的第一位：{person}。各项得分的计算如下（`kpi eval --explain` 给出同样的数字）：",
        "value": "取值", "decisions": "设计说明",
        "decisions_intro": "考核表作者对原始文件所作的选择与更正：",
        "pay_caption": "其他数据取自示例中的 {person}", "target": "目标", "cap": "上限", "floor": "下限",
        "when_tier": "当", "else": "其他", "level_text": "等级描述", "step": "档位", "failed": "未做到项数",
        "na": "本项可标记为“不适用”。", "na_when": "当{cond}时本项不适用。", "veto_here": "{cond}为“是”时，本项记 0 分。", "bonus": "另有加分，最多 {bonus}。", "factor": "系数项，最高 {size}。",
        "best_of": "每个{group}内{by}最高者获得{label}：{amount}", "only_if": "；条件：{cond}",
        "ties_all": "；并列最高者都获得", "tie_by": "；并列时依次比较{by}（高者优先），仍并列者都获得",
        "tie_pick": "；仍并列时只给{key}按字符编码排在最前的一人", "tie_by_pick": "；并列时依次比较{by}（高者优先），仍并列时只给{key}按字符编码排在最前的一人",
        "list_sep": "、", "people": "{n} 人",
        "streak": "连续 {periods} 期{cond}（{label}）：{then}", "streak_award": "奖励 {amount}", "streak_flag": "标记“{flag}”",
        "quota": "每个{group}内{grade}最多 {at_most}", "quota_by": "；超出时按{by}排名（高者优先），其余降一级",
        "ranked": {"top": "每个{group}内排名前 {share}", "bottom": "每个{group}内排名后 {share}"},
        "ranked_how": "在每个{group}内按{by}排名（高者优先）；每档人数为比例 × 人数，{rounding}；排名相同者都得较好的等级。",
        "rounding": {"down": "向下取整", "up": "向上取整", "half up": "四舍五入"},
        "flag": "每个{group}末位 {bottom}：{label}", "flag_when": "当{cond}时标记",
        "pool_words": "团队金额（{amount}）由同一{group}内的人平分",
        "excluded_when": "{cond}：{reason}", "excluded_bare": "{cond}",
        "ratio": "以 {target} 为目标：达到目标得 {base}；{subject}每高出或低于 {per}，加或减 {step}。",
        "proportional": "按比例计分：得分 = {size} × {subject}。",
        "deduct": "从 {base} 扣起：{subject}每 1 次扣 {amount}{floored}。", "floored": "，扣完为止（最低 0 分）",
        "not_floored": "，可扣至负分",
        "change": "与上期相比：{subject}每变化 {per}，在 {base} 的基础上加或减 {by}。",
        "levels": "评分人按下表选择等级：", "scale": "评分人按下表的档位打分：",
        "levels_range": "评分人按下表选择等级，并在该等级的分数范围内打分：",
        "checklist": "逐项检查，未做到的项数决定得分：", "entered": "由{rater}直接录入得分。",
        "raters_enter": "由{raters}打分。", "one_enters": "直接录入得分。",
        "recorded_too": "{raters}也填写本项，单独记录，不计入总分。",
        "clamp": "得分不低于 {floor}，不高于 {cap}。", "clamp_low": "得分不低于 {floor}。",
        "clamp_high": "得分不高于 {cap}。", "curve_alt": "得分曲线",
        "tier_table": "得分档位（由上到下，取第一个符合的档位）：",
        "section_weight": "本部分按 {out_of} 分计，折算为总分中的 {weight}。",
        "unit_step": "1 个单位",
        "trace_of": "（满分 {n}）", "trace_recorded": "（不计入总分）", "trace_grade": "等级", "trace_award": "奖励", "trace_flag": "标记", "trace_note": "说明",
    },
    "en": {
        "lang": "en", "index_title": "Rubrics", "index_intro": "One page per rubric: how it scores, score curves, a worked example and the authors' design notes.",
        "position": "Position", "period": "Period", "full": "Full marks", "item_count": "Items",
        "periods": {"monthly": "monthly", "quarterly": "quarterly", "yearly": "yearly"},
        "glance": "At a glance", "raters": "Raters", "rater": "Rater", "weight": "Weight", "no_weight": "no weight",
        "not_counted": "not counted (recorded on its own)",
        "data": "Data", "column": "Column", "label": "Label", "unit": "Unit", "range": "Range", "filled_by": "Source / filled by", "system": "system",
        "units": {"percent": "percent", "count": "count", "money": "money", "hours": "hours", "days": "days", "points": "points",
                  "number": "number", "level": "level", "yes/no": "yes/no", "date": "date"},
        "sections": "Sections and items", "item": "Item", "points": "Points", "size": "Worth", "rule": "Rule", "share": "Share of total",
        "criteria": "Criteria", "note": "Note", "curve_of": "Score curve:", "weights": "Weight breakdown",
        "grades": "Grades", "grade": "Grade", "when": "When", "coefficient": "Coefficient", "otherwise": "otherwise", "and": "and",
        "total": "total", "results": "Results and pay", "formula": "How it is computed", "kind": "Kind",
        "kinds": {"pay": "pay", "award": "award", "pool": "team pool", "coefficient": "coefficient", "grade": "grade", "flag": "flag"},
        "rule_kinds": {"tiers": "tiers", "ratio": "against a target", "proportional": "proportional", "deduct": "deductions",
                       "change": "against last period", "levels": "levels", "scale": "scale", "checklist": "checklist",
                       "entered": "entered"},
        "vetoes": "Vetoes", "veto": "when yes, {zeroed} scores 0", "excluded": "Not appraised",
        "example": "Worked example", "example_intro": "The first person in the example data ({source}), {person}; how each score was reached (`kpi eval --explain` gives the same numbers):",
        "value": "Value", "decisions": "Design notes",
        "decisions_intro": "The authors' choices and corrections to the source document:",
        "pay_caption": "other inputs from {person}'s example row", "target": "target", "cap": "cap", "floor": "floor",
        "when_tier": "when", "else": "otherwise", "level_text": "Level", "step": "Step", "failed": "Points not met",
        "na": "This item may be marked not applicable.", "na_when": "Not applicable when {cond}.", "veto_here": "When {cond} is yes, this item scores 0.", "bonus": "A bonus of up to {bonus} on top.", "factor": "A factor item, up to {size}.",
        "best_of": "The highest {by} in each {group} receives {label}: {amount}", "only_if": "; only if {cond}",
        "ties_all": "; everyone tied for the highest receives it",
        "tie_by": "; a tie is broken by {by} (higher first), and everyone still tied receives it",
        "tie_pick": "; of those tied, only the first by {key} (compared by character code) receives it",
        "tie_by_pick": "; a tie is broken by {by} (higher first), then only the first by {key} (compared by character code) receives it",
        "list_sep": ", ", "people": "{n} people",
        "streak": "{periods} periods in a row in which {cond} ({label}): {then}", "streak_award": "an award of {amount}",
        "streak_flag": "flagged “{flag}”",
        "quota": "{grade}: at most {at_most} in each {group}", "quota_by": "; beyond that, ranked by {by} (higher first), the rest move down one grade",
        "ranked": {"top": "the top {share} of each {group}", "bottom": "the bottom {share} of each {group}"},
        "ranked_how": "Ranked within each {group} by {by} (higher first); each grade takes its share × the group's size people, {rounding}; people ranked equal all get the better grade.",
        "rounding": {"down": "rounded down", "up": "rounded up", "half up": "rounded half up"},
        "flag": "The bottom {bottom} of each {group}: {label}", "flag_when": "flagged when {cond}",
        "pool_words": "the team's amount ({amount}) shared evenly within the same {group}",
        "excluded_when": "{cond}: {reason}", "excluded_bare": "{cond}",
        "ratio": "Target {target} earns {base}; each {per} of {subject} above or below adds or takes {step}.",
        "proportional": "Proportional: points = {size} × {subject}.",
        "deduct": "From {base}, {amount} off for each {subject}{floored}.", "floored": ", never below 0",
        "not_floored": ", and it may go below zero",
        "change": "Against the last period: each {per} of change in {subject} adds or takes {by}, from {base}.",
        "levels": "The rater picks a level:", "scale": "The rater scores on this scale:",
        "levels_range": "The rater picks a level and scores within its range:",
        "checklist": "Each point is checked; how many were not met decides the points:", "entered": "{rater} enters the points.",
        "raters_enter": "Scored by {raters}.", "one_enters": "The points are entered directly.",
        "recorded_too": "{raters} also fill this item in; recorded on its own, not counted in the total.",
        "clamp": "Never below {floor}, never above {cap}.", "clamp_low": "Never below {floor}.",
        "clamp_high": "Never above {cap}.", "curve_alt": "score curve",
        "tier_table": "Tiers (the first that applies, top to bottom):",
        "section_weight": "This section is scored out of {out_of}, scaled to {weight} of the total.",
        "unit_step": "1 unit",
        "trace_of": " (of {n})", "trace_recorded": " (not counted)", "trace_grade": "grade", "trace_award": "award", "trace_flag": "flag", "trace_note": "note",
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
    return f" {text['and']} ".join(f"{ops.get(b.op, b.op)} {quantity(b.value, text['lang'])}" for b in t.bounds)


def _points(text: str | None, lang: str) -> str:
    """A base or amount of points; a bare number is points too (``20`` is 20 分)."""
    return quantity(text if text is None or not text.replace(".", "", 1).lstrip("-").isdigit() else f"{text}pt", lang)


def rule_words(it: ir.ShownItem, plan: ir.Plan, t: dict, raters: dict[str, str],
               counted: frozenset[str] = frozenset()) -> list[str]:
    """Sentences for one item's rule, as Markdown; tables (tiers, levels) are the template's.
    ``counted``: the raters whose marks count (the others' are recorded on their own)."""
    lang = t["lang"]
    r = it.rule
    out: list[str] = []
    size = quantity(f"{_n(it.size)}pt", lang) if it.size_kind == "points" else _n(it.size)
    columns = {c.name: c for c in plan.columns}
    subject_col = columns.get(r.subject) if r is not None else None
    step = next((s for s in plan.score_steps if s.name == it.name), None)
    subj = (rule_subject(step.expr, it.rule.kind) or charts.subject(step.expr)) if step is not None and it.rule else None
    # the value scored, by the names the form shows (labels), not the rubric's identifiers
    subject = md(Words(plan, lang).expr(subj)) if subj is not None else code(r.subject) if r else ""
    sep = "、" if lang == "zh" else ", "
    if r is None:
        who = [md(raters.get(w, w)) for w, _ in it.rater_columns if w in counted]
        out.append(t["raters_enter"].format(raters=sep.join(who)) if who else t["one_enters"])
    elif r.kind == "ratio":
        unit = subject_col.unit if subject_col is not None else None
        per = quantity(r.per, lang) if r.per else "1%" if unit == "percent" else \
            WORDS[lang][unit].format(n=1) if unit in ("money", "hours", "days", "count") else t["unit_step"]
        out.append(t["ratio"].format(target=quantity(r.target, lang), base=_points(r.base, lang) if r.base else size,
                                     per=per, step=_points(r.step, lang), subject=subject))
    elif r.kind == "proportional":
        out.append(t["proportional"].format(size=size, subject=subject))
    elif r.kind == "deduct":
        out.append(t["deduct"].format(base=_points(r.base, lang) if r.base else size, amount=_points(r.amount, lang),
                                      subject=subject, floored=t["floored"] if r.floored else t["not_floored"]))
    elif r.kind == "change":
        out.append(t["change"].format(per=quantity(r.per, lang), subject=subject, by=_points(r.by, lang),
                                      base=_points(r.base, lang) if r.base else size))
    elif r.kind == "tiers":
        out.append(t["tier_table"])
    elif r.kind == "levels" and any(lv.high is not None for lv in r.levels):
        out.append(t["levels_range"])
    elif r.kind in ("levels", "scale", "checklist"):
        out.append(t[r.kind])
    elif r.kind == "entered":
        out.append(t["entered"].format(rater=md(raters.get(r.rater or "", r.rater or ""))))
    recorded = [md(raters.get(w, w)) for w, _ in it.rater_columns if w not in counted]
    if recorded:
        out.append(t["recorded_too"].format(raters=sep.join(recorded)))
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
        out.append(t["bonus"].format(bonus=quantity(it.bonus, lang)))
    if it.size_kind == "factor":
        out.append(t["factor"].format(size=size))
    return out
