"""The common criteria phrasings of Chinese scorecards, read as scoring rules.

A phrasing is read only when the reading accounts for every number the text holds: a text
with a number left over says something the rule would not (a condition, a second rate), and
stays a placeholder for a person.  No number is made up: every quantity in a reading is one
the text wrote, with the suffix (%, 分, 次, …) it wrote or that its words give."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from kpidsl.syntax import ast

NUM = r"(\d+(?:\.\d+)?)"
SPAN = ast.Span("<import>", 0, 0, 0, 0)
UNIT_SUFFIX = {"%": "%", "％": "%", "次": "次", "小时": "小时", "天": "天", "分": "分", "元": "元"}
SUFFIX_UNIT = {"%": "percent", "次": "count", "小时": "hours", "天": "days", "分": "points", "元": "money", "": "number"}
# Words that make a higher value worse: an "actual ÷ target" of these would reward the worse.
WORSE_WORDS = ("差错", "错误", "投诉", "流失", "货损", "事故", "迟到", "缺勤", "违规", "退款", "纠纷", "差评")


def q(text: str, suffix: str = "") -> ast.Quantity:
    return ast.Quantity(Decimal(text), suffix, SPAN)


def numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?", text)


@dataclass
class InputSpec:
    name: str
    label: str
    unit: str


@dataclass
class Reading:
    rule: object | None  # an ast rule (Levels, Scale, Tiers, Ratio, Proportional, Deduct)
    inputs: list[InputSpec] = field(default_factory=list)
    bonus: ast.Quantity | None = None
    vetoes: list[ast.Veto] = field(default_factory=list)
    used: list[str] = field(default_factory=list)  # the numbers of the text it accounts for


Namer = Callable[[str], str]


def _accounts_for(text: str, used: list[str]) -> bool:
    if re.search(r"[二三四五六七八九十两百千万]", re.sub(r"百分[点比百]", "", text)):
        return False  # a number in words (三次警告后) is a number the reading would leave out
    have = {Decimal(n) for n in numbers(text)}
    return have <= {Decimal(n) for n in used}


def read(text: str, label: str, namer: Namer) -> Reading | None:
    """The reading of one criteria cell, or None when none of the phrasings fits it whole."""
    flat = re.sub(r"\s+", "", text)
    for reader in (_veto, _ratio, _deduct, _proportional, _scale, _levels, _tiers):
        r = reader(flat, label, namer)
        if r is not None and _accounts_for(flat, r.used):
            return r
    return None


# ---- 一票否决 ----------------------------------------------------------------------------------


def _veto(text: str, label: str, namer: Namer) -> Reading | None:
    if "否决" not in text or numbers(text):
        return None
    scope = "appraisal" if "一票否决" in text else "item" if re.fullmatch(r"单项否决制?", text) else None
    if scope is None:
        return None
    name = namer(label + "_否决")
    return Reading(None, [InputSpec(name, f"{label}：{text}", "yes/no")],
                   vetoes=[ast.Veto(name, text, scope, SPAN)])


# ---- 达到90%得20分，每提高/降低1个百分点加/减1分 ----------------------------------------------------


def _ratio(text: str, label: str, namer: Namer) -> Reading | None:
    if "百分点" not in text:
        return None
    m = re.search(NUM + r"[%％].*?得" + NUM + r"分.*?" + r"(?:提高|提|高于|增加|上升)[（(/、]?(?:降低|减|下降|低于)?[)）]?"
                  + NUM + r"个百分点.*?加[（(/、]?减[)）]?" + NUM + r"分", text)
    if not m or not re.search(r"提.{0,4}(?:降|减)|高.{0,4}低", text):
        return None
    target, base, per, step = m.groups()
    name = namer(label + "_实际")
    rule = ast.Ratio(ast.Var(name, SPAN), q(target, "%"), q(step, "pt"), q(per, "%"), q(base), SPAN)
    return Reading(rule, [InputSpec(name, label, "percent")], used=[target, base, per, step])


# ---- 每…扣…分，扣完为止 ---------------------------------------------------------------------------


def _deduct(text: str, label: str, namer: Namer) -> Reading | None:
    hits = re.findall(r"(?:每|一)(" + NUM[1:-1] + r")?(?:次|天|单|处|项|个|人)[^，,；;。扣]{0,12}?扣" + NUM + r"分", text)
    if len(hits) != 1:
        return None
    per_count, amount = hits[0]
    if per_count and Decimal(per_count) != 1:
        return None  # 每3次扣1分 is not one point per occurrence
    used = [amount] + ([per_count] if per_count else [])
    base = None
    m = re.search(r"得" + NUM + r"分", text)
    if m:
        base = m.group(1)
        used.append(base)
    floored = not re.search(r"不计上限|上不封顶|不设上限", text)
    name = namer(label + "_次数")
    rule = ast.Deduct(q(amount), ast.Var(name, SPAN), q(base) if base else None, floored, SPAN)
    return Reading(rule, [InputSpec(name, f"{label}（次数）", "count")], used=used)


# ---- 得分=20×(实际÷目标) ---------------------------------------------------------------------------


def _unit_of_label(label: str) -> str:
    if label.endswith("率") or "%" in label:
        return "percent"
    if re.search(r"额|金额|工资|收入", label):
        return "money"
    if re.search(r"数|次数|户数|单数", label):
        return "count"
    return "number"


def _proportional(text: str, label: str, namer: Namer) -> Reading | None:
    m = re.fullmatch(r"(?:实际)?得分=" + NUM + r"[×xX*]\(?（?([^÷/()（）×*]+)[÷/]([^÷/()（）×*]+?)\)?）?[。；;]?", text)
    if m:
        points, actual, target = m.groups()
        if any(w in label + actual for w in WORSE_WORDS):
            return None  # "actual ÷ target" of a thing to keep low: which way it scores is for a person
        unit = _unit_of_label(actual)
        if unit != _unit_of_label(target):
            return None
        a, b = namer(actual), namer(target)
        rule = ast.Proportional(ast.BinOp("/", ast.Var(a, SPAN), ast.Var(b, SPAN), SPAN), SPAN)
        return Reading(rule, [InputSpec(a, actual, unit), InputSpec(b, target, unit)], used=[points])
    m = re.match(r"(?:.*?[，,])?(?:实际)?得分=" + NUM + r"[×xX*]([^，,。；;()（）]+率)(.*)", text)
    if m:
        points, rate, rest = m.groups()
        if any(w in label + rate for w in WORSE_WORDS):
            return None
        used = [points]
        bonus = None
        extra = re.search(r"超额最高可加" + NUM + r"分", rest)
        if extra:
            bonus = q(extra.group(1))
            used.append(extra.group(1))
        if re.sub(r"[（(]?百分百完成" + points + r"分[，,]?|超额最高可加\d+(?:\.\d+)?分|[)）。；;]", "", rest):
            return None
        name = namer(rate)
        return Reading(ast.Proportional(ast.Var(name, SPAN), SPAN), [InputSpec(name, rate, "percent")],
                       bonus=bonus, used=used)
    return None


# ---- 1级10分2级15分… and 优/良/中/差 ---------------------------------------------------------------


def _scale(text: str, label: str, namer: Namer) -> Reading | None:
    steps = re.findall(NUM + r"级" + NUM + r"分", text)
    if len(steps) < 2 or re.sub(r"\d+(?:\.\d+)?级\d+(?:\.\d+)?分[，,；;、\s]*", "", text):
        return None
    rule = ast.Scale(tuple(ast.ScaleStep(q(s), q(p), SPAN) for s, p in steps), SPAN)
    return Reading(rule, used=[n for pair in steps for n in pair])


LEVEL_WORDS = r"(优秀|优|良好|良|中等|中|一般|合格|及格|较差|差|不合格)"


def _levels(text: str, label: str, namer: Namer) -> Reading | None:
    # numbered options, each ending in its points: 1、…，5分；2、…，3-4分
    parts = re.split(r"(?:^|(?<=[。；;\s]))\d+[、.．]", text)
    if len(parts) >= 3 and not parts[0]:
        levels, used = [], []
        for n, part in enumerate(parts[1:], 1):
            m = re.fullmatch(r"(.+?)[，,；;]?" + NUM + r"(?:[-~～]" + NUM + r")?分[。；;，,]?", part)
            if not m:
                return None
            words, low, high = m.groups()
            levels.append(ast.Level(words, q(low), q(high) if high else None, SPAN))
            used += [str(n), low] + ([high] if high else []) + numbers(words)
        return Reading(ast.Levels(tuple(levels), SPAN), used=used)
    found = re.findall(LEVEL_WORDS + r"[:：]?" + NUM + r"(?:[-~～]" + NUM + r")?分", text)
    rest = re.sub(LEVEL_WORDS + r"[:：]?\d+(?:\.\d+)?(?:[-~～]\d+(?:\.\d+)?)?分[，,；;、/\s]*", "", text)
    if len(found) >= 2 and not rest:
        levels = [ast.Level(w, q(lo), q(hi) if hi else None, SPAN) for w, lo, hi in found]
        return Reading(ast.Levels(tuple(levels), SPAN), used=[n for _, lo, hi in found for n in (lo, hi) if n])
    return None


# ---- ≥95%得5分；90%-95%得3分；<90%得0分 --------------------------------------------------------------

_U = r"(%|％|次|小时|天|分|元)?"
_CONDS = [  # (pattern, ops): a clause's condition, before its points
    (r"(?:≥|>=|大于等于|不低于|不少于|达到)" + NUM + _U + r"(?:及?以上)?", (">=",)),
    (NUM + _U + r"及?以上", (">=",)),
    (r"(?:>|＞|大于|高于|超过|多于)" + NUM + _U, (">",)),
    (r"(?:≤|<=|小于等于|不高于|不超过|不多于)" + NUM + _U + r"(?:及?以下|以内)?", ("<=",)),
    (NUM + _U + r"(?:及?以下|以内)", ("<=",)),
    (r"(?:<|＜|小于|低于|少于|不足)" + NUM + _U, ("<",)),
    (r"(?:=|等于)" + NUM + _U, ("=",)),
    (NUM + _U + r"[-~～至到]" + NUM + _U, (">=", "<=")),
]


def _tiers(text: str, label: str, namer: Namer) -> Reading | None:
    clauses = [c for c in re.split(r"[；;，,。\n]", text) if c]
    raw: list[tuple[tuple[tuple[str, str, str], ...], str]] = []
    for clause in clauses:
        m = re.fullmatch(r"(.*?)得?" + NUM + r"分", clause)
        if not m:
            return None
        pre, points = m.groups()
        for pattern, ops in _CONDS:
            c = re.search("(?:" + pattern + r")(?:时|的)?$", pre)
            if c and not re.search(r"\d", pre[:c.start()]):
                g = c.groups()
                bounds = tuple((op, g[2 * i], g[2 * i + 1] or "") for i, op in enumerate(ops))
                raw.append((bounds, points))
                break
        else:
            return None
    if len(raw) < 2:
        return None
    suffixes = {UNIT_SUFFIX.get(s, "") for bounds, _ in raw for _, _, s in bounds}
    if len(suffixes) > 1:
        # 90%-95%: the unit written once, after the second number
        suffixes.discard("")
        if len(suffixes) > 1:
            return None
    suffix = suffixes.pop() if suffixes else ""
    starts = {Decimal(v) for bounds, _ in raw for op, v, _ in bounds if op == ">="}
    tiers, used = [], []
    for bounds, points in raw:
        made = []
        for i, (op, value, _) in enumerate(bounds):
            if len(bounds) == 2 and i == 1 and Decimal(value) in starts:
                op = "<"  # 90%-95% beside ≥95%: the upper end belongs to the tier above
            made.append(ast.Bound(op, q(value, suffix), SPAN))
            used.append(value)
        used.append(points)
        tiers.append(ast.Tier(ast.Band(tuple(made), SPAN), q(points), SPAN))
    name = namer(label + "_实际")
    rule = ast.Tiers(ast.Var(name, SPAN), tuple(tiers), SPAN)
    return Reading(rule, [InputSpec(name, label, SUFFIX_UNIT[suffix])], used=used)
