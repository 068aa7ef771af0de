"""HTML backend: a rubric compiled to one self-contained, fillable appraisal form.

The page carries its own CSS and JavaScript (no network), is rendered by
jinja2 with autoescaping on, and scores live with the JavaScript backend's
translation of the same IR that ``kpi eval`` runs.  Rubric text reaches the
page only as escaped HTML, or as JSON inside a ``<script type="application/json">``
element with ``<``, ``>`` and ``&`` escaped, so a hostile label shows as text
and runs nothing.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from kpidsl import ir
from kpidsl.backends.form.javascript import batch_only, cell_library, decimal_library, generate, js_string
from kpidsl.data.cells import rules, spec_of
from kpidsl.numbers.semantics import show
from kpidsl.numbers.spelling import declared_places

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "form"

TEXT = {
    "zh": {
        "lang": "zh-CN", "name": "姓名", "position": "职位", "period": "考核期间", "appraiser": "考核人",
        "data": "考核数据", "item": "考核项目", "criteria": "考核标准", "points": "分值", "score": "得分",
        "total": "总分", "grade": "等级", "coefficient": "绩效系数", "results": "考核结果",
        "provisional": "暂定：尚有 {n} 项未填写或有误", "final": "已填写完整", "export_json": "导出 JSON",
        "export_csv": "导出 CSV", "print": "打印", "batch": "由 kpi eval 按团队统一计算", "failed": "未做到",
        "section": "小计", "yes": "是", "no": "否", "choose": "请选择", "of": "满分", "rater": "评分人",
        "levels": "等级", "pick": "选择", "range": "范围", "required": "必填", "bad_number": "请输入数字", "bad_date": "请输入日期，如 2026-06-30",
        "out_of_range": "超出允许范围", "not_allowed": "不是允许的取值", "whole": "请输入整数",
        "percent_sign": "请写上百分号，如 93%", "no_percent": "此项不是百分比，请去掉 %",
        "signatures": ["考核人签名", "考核日期", "总经理确认"], "title_suffix": "考核表",
        "passed_checks": "勾选已做到的各项", "note": "说明", "vetoed": "否决", "own_score": "本项得分（满分 {n}）", "flagged": "标记",
        "not_counted": "不计入总分", "not_applicable": "不适用",
        "periods": {"monthly": "月度考核", "quarterly": "季度考核", "yearly": "年度考核"},
        "excluded": "不参与本期考评：",
    },
    "en": {
        "lang": "en", "name": "Name", "position": "Position", "period": "Period", "appraiser": "Appraiser",
        "data": "Data", "item": "Item", "criteria": "Criteria", "points": "Points", "score": "Score",
        "total": "Total", "grade": "Grade", "coefficient": "Coefficient", "results": "Results",
        "provisional": "Provisional: {n} field(s) missing or invalid", "final": "Complete",
        "export_json": "Export JSON", "export_csv": "Export CSV", "print": "Print",
        "batch": "computed across the team by kpi eval", "failed": "not met", "section": "Subtotal",
        "yes": "Yes", "no": "No", "choose": "Choose…", "of": "of", "rater": "Rater", "levels": "Levels",
        "pick": "Pick", "range": "range", "required": "required", "bad_number": "Enter a number", "bad_date": "Enter a date, e.g. 2026-06-30",
        "out_of_range": "Outside the allowed range", "not_allowed": "Not an allowed value",
        "whole": "Enter a whole number", "percent_sign": "Write the percent sign, e.g. 93%",
        "no_percent": "Not a percent: leave out the %", "signatures": ["Appraiser's signature", "Date", "General manager"],
        "title_suffix": "appraisal form", "passed_checks": "Tick each point that was met", "note": "Note",
        "vetoed": "veto", "own_score": "score out of {n}:", "flagged": "flag", "not_counted": "not counted",
        "not_applicable": "not applicable", "excluded": "Not appraised this period: ", "periods": {"monthly": "monthly", "quarterly": "quarterly", "yearly": "yearly"},
    },
}


def _env() -> Environment:
    env = Environment(loader=PackageLoader("kpidsl", "templates/form"), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html", "j2"], default=True), keep_trailing_newline=True)
    env.tests["section"] = lambda m: isinstance(m, ir.ShownSection)
    return env


def _dependencies(plan: ir.Plan) -> dict[str, list[str]]:
    """For each step, the data columns it reads, directly or through other steps: a step
    whose column is missing is shown as pending, not as a number."""
    direct: dict[str, set[str]] = {}
    refs: dict[str, set[str]] = {}
    for s in plan.score_steps + plan.result_steps:
        direct[s.name] = {n.column for n in ir.walk(s.expr) if isinstance(n, ir.Cell)}
        refs[s.name] = {n.step for n in ir.walk(s.expr) if isinstance(n, ir.Ref)}
    out: dict[str, list[str]] = {}

    def resolve(name: str, seen: frozenset = frozenset()) -> set[str]:
        cols = set(direct.get(name, ()))
        for r in refs.get(name, ()):
            if r not in seen:
                cols |= resolve(r, seen | {name})
        return cols
    for name in direct:
        out[name] = sorted(resolve(name))
    return out


def _num(x: Decimal | None) -> str | None:
    return None if x is None else show(x)


def _column_spec(c: ir.Column, percent: str) -> dict:
    """One column for the form: whether it may be left blank, and how a cell is read,
    as the rules kpi eval reads it by (``cells.rules``), which cells.js interprets."""
    return {"name": c.name, "optional": c.optional or c.may_be_na, "cell": rules(spec_of(c, percent))}


def render(plan: ir.Plan, lang: str = "zh", rater: str | None = None, percent: str = "strict") -> str:
    """The form; ``percent``: how a bare number in a percent column is read, as
    ``kpi eval --percent-cells`` reads it (strict: refused, whole: 93 is 93%, fraction)."""
    t = TEXT[lang]
    early = plan.aggregates(early=True)
    if early:  # a form scores one person: a figure of the whole group is not there to read
        over = dict(plan.key_labels).get(early[0].over) or early[0].over
        raise ValueError(
            f"这份考核表的得分要用整个{over}的统计数（如标准差、中位数），一张表单只填一个人，算不出来；"
            f"请用 kpi eval 对全部人员的数据评分。" if lang == "zh" else
            f"this rubric's scores read a figure of the whole {over} (a standard deviation, a median, …), "
            "and a form scores one person, so it cannot show them; score everyone's data with kpi eval")
    outline = plan.outline
    columns = {c.name: c for c in plan.columns}
    raters = [r for r in outline.raters if r.weight is not None]
    # `not counted` raters (自评, 审核) fill the same items in columns of their own, after the counted ones
    recorded = [r for r in outline.raters if not r.counted]
    items = outline.items()
    # each column a weighted or recorded rater fills -> (item, rater)
    filled_by = {col: (it.name, who) for it in items for who, col in it.rater_columns}
    mirror: dict[str, str] = {}
    if rater is not None:
        chosen = [r for r in raters + recorded if r.name == rater]
        if not chosen:
            have = ", ".join(r.name for r in raters + recorded) if raters or recorded else "no weighted raters"
            raise ValueError(f"no weighted rater named {rater!r} (nor one not counted); the rubric has {have}")
        # One rater's form: the other raters' columns mirror this rater's, so the total
        # shown is this rater's own view of the appraisal.
        own = {it.name: dict(it.rater_columns)[rater] for it in items if rater in dict(it.rater_columns)}
        for c in plan.columns:
            if c.name in filled_by:
                item, who = filled_by[c.name]
                if who != rater and item in own:
                    mirror[c.name] = own[item]
        # with no weighted raters, the counted marks are each item's one column
        mirror.update({it.column: own[it.name] for it in items
                       if it.column is not None and it.name in own and it.entered_by is None})
        raters, recorded = chosen, []
    shown = {r.name for r in raters}
    rater_cols = {it.name: [(who, columns[col]) for who, col in it.rater_columns if who in shown]
                  for it in items if any(who in shown for who, _ in it.rater_columns)}
    recorded_cols = {it.name: {who: columns[col] for who, col in it.rater_columns} for it in items}
    item_cols = {it.column for it in items if it.column is not None}
    data_cols = [c for c in plan.columns if c.name not in item_cols and c.name not in filled_by and not c.may_be_na]
    skip = batch_only(plan)
    shown_steps = [{"name": s.name, "label": s.label or s.name, "kind": s.kind}
                   for s in plan.result_steps if s.kind in ("coefficient", "pay", "award", "pool")]
    config = {
        "person": plan.person, "lang": lang, "text": t,
        "columns": [_column_spec(c, percent) for c in plan.columns],
        "grades": [g.label or g.name for g in plan.grades],
        "batch": sorted(skip),
        "raters": [r.name for r in raters],
        "vetoes": [list(v) for v in plan.vetoes],
        # `flag NAME "label" when COND`: raised on this form when its step computes to 1
        "flags": [[w.step, w.label or w.name] for w in plan.when_flags if w.step not in skip],
        "deps": _dependencies(plan),
        "mirror": mirror,
        "places": declared_places(plan),
    }
    key_labels = dict(plan.key_labels)
    template = _env().get_template("form.html.j2")
    return template.render(
        t=t, lang=lang, title=plan.title, position=outline.position,
        period=outline.period, fields=outline.fields, signatures=outline.signatures or t["signatures"],
        notes=outline.notes, members=outline.members, raters=raters, rater_cols=rater_cols, columns=columns,
        recorded=recorded, recorded_cols=recorded_cols,
        recorded_steps=[s for s in plan.score_steps if s.kind == "recorded" and s.name in {r.name for r in recorded}],
        data_cols=data_cols, shown_steps=shown_steps, batch=skip,
        own_scores={s.name for s in plan.score_steps if s.kind == "section_score"},
        grades=plan.grades, show=_num, percent=percent,
        groups=[{"name": g, "label": key_labels.get(g)} for g in plan.groups],
        # header lines the form already asks for (name, period) are not asked twice
        header_words={t["name"], t["period"], "姓名", "被考核人", "员工姓名", "考核月份", "考核期间", "评核期",
                      "月份", "Name", "Period"},
        config_json=_safe_json(config),
        css=(TEMPLATES / "form.css").read_text(encoding="utf-8"),
        script=decimal_library() + cell_library() + generate(plan) + (TEMPLATES / "form.js").read_text(encoding="utf-8"),
    )


def _safe_json(value: object) -> str:
    """JSON for a <script type="application/json"> element: it cannot close the element."""
    return (json.dumps(value, ensure_ascii=False)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


__all__ = ["render", "js_string"]
