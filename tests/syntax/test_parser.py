"""Source -> AST for every construct, and syntax errors that read like advice."""

from decimal import Decimal

import pytest

from kpidsl.diagnostics.diagnostic import KpiError
from kpidsl.syntax import ast
from kpidsl.syntax.parser import parse


def one(src: str):
    statements = parse(src, "t.kpi").statements
    assert len(statements) == 1, statements
    return statements[0]


def rule_of(body: str, points: str = "10"):
    item = one(f'item x "X" points {points} {{\n{body}\n}}')
    assert isinstance(item, ast.Item)
    assert len(item.rules) == 1, item.rules
    return item.rules[0]


D = Decimal


# ---- header, declarations ------------------------------------------------------------------

@pytest.mark.parametrize("src, expected", [
    ('rubric "网店客服 KPI"', ast.Setting("rubric", "网店客服 KPI", None)),
    ('position "网店客服"', ast.Setting("position", "网店客服", None)),
    ("period quarterly", ast.Setting("period", "quarterly", None)),
    ('version "2020-03"', ast.Setting("version", "2020-03", None)),
    ("currency CNY", ast.Setting("currency", "CNY", None)),
])
def test_header_settings(src, expected):
    s = one(src)
    assert (s.key, s.value) == (expected.key, expected.value)
    assert s.span.line == 1


def test_total_and_rounding():
    t = one("total 120")
    assert t.key == "total" and t.value.value == D(120)
    r = one("round money to 0.01 half even")
    assert (r.level, r.step.value, r.mode) == ("money", D("0.01"), "half even")
    assert one("round total to 0.1").mode == "half up"  # the seeds' 四舍五入 is the default


def test_fields_signatures_note():
    f = one('fields "姓名", "部门", "考核月份"')
    assert f.kind == "fields" and f.texts == ("姓名", "部门", "考核月份")
    s = one('signatures "考核人签名", "总经理确认"')
    assert s.kind == "signatures" and s.texts[1] == "总经理确认"
    assert one('note "80分为合格"').text == "80分为合格"


def test_use_forms():
    assert one('use "common/attitude.kpi"') == ast.Use("common/attitude.kpi", None, one('use "common/attitude.kpi"').span)
    u = one('use attitude, late from "common.kpi"')
    assert u.names == ("attitude", "late") and u.path == "common.kpi"


def test_input_with_range_and_source():
    i = one('input orders_ok "及时处理的订单数量": count range 0..500 from system "商家中心"')
    assert (i.name, i.label, i.unit) == ("orders_ok", "及时处理的订单数量", "count")
    assert i.range.low.value == 0 and i.range.high.value == 500
    assert (i.source.who, i.source.detail) == ("system", "商家中心")


@pytest.mark.parametrize("unit", ["percent", "count", "money", "hours", "days", "points", "number", "level", "yes/no"])
def test_every_unit(unit):
    assert one(f'input v "V": {unit}').unit == unit


def test_open_range_and_chinese_name():
    i = one('input 销售额 "个人实际销售额": money range 0..')
    assert i.name == "销售额" and i.range.high is None


def test_metric_formula():
    m = one('metric timely "订单处理及时率": percent = orders_ok / orders')
    assert m.unit == "percent"
    assert isinstance(m.expr, ast.BinOp) and m.expr.op == "/"
    assert (m.expr.left.name, m.expr.right.name) == ("orders_ok", "orders")


def test_expression_precedence_and_chinese_operators():
    m = one("metric m: money = a + b × 2 ÷ c - -d")
    # (a + ((b * 2) / c)) - (-d)
    assert m.expr.op == "-" and isinstance(m.expr.right, ast.Neg)
    assert m.expr.left.op == "+" and m.expr.left.right.op == "/"
    assert m.expr.left.right.left.op == "*"


def test_calls_and_aggregates():
    m = one("metric m: number = average(coefficient over year) + max(a, b)")
    avg, mx = m.expr.left, m.expr.right
    assert (avg.func, avg.over, len(avg.args)) == ("average", "year", 1)
    assert (mx.func, mx.over, len(mx.args)) == ("max", None, 2)


def test_raters_and_keys():
    r = one('rater self "自评" weight 40%')
    assert r.weight.value == 40 and r.weight.suffix == "%"
    assert one('rater qa "质检员"').weight is None
    k = one('group department "部门"')
    assert (k.kind, k.name, k.label) == ("group", "department", "部门")
    assert one("person id").kind == "person"


# ---- sections and items ------------------------------------------------------------------------

def test_section_with_weight_out_of_and_nesting():
    s = one('section task "任务绩效" weight 70% out of 100 {\n'
            '  section sub "子项" weight 50 { item a "A" points 50 }\n'
            '  item b "B" points 50\n'
            '  veto broke "违规" zeroes section\n'
            '}')
    assert s.weight.value == 70 and s.out_of.value == 100
    assert [type(m) for m in s.members] == [ast.Section, ast.Item]
    assert s.members[0].members[0].name == "a"
    assert s.vetoes[0].scope == "section"


def test_item_clauses():
    item = one('item x "X" points 30 {\n'
               '  criteria "处理及时"\n  criteria "反馈及时"\n'
               '  bonus up to 10\n'
               '  not applicable: give to y\n'
               '  veto broke "违规"\n'
               '  note "备注"\n'
               '}')
    assert item.criteria == ("处理及时", "反馈及时")
    assert item.bonus.value == 10
    assert (item.not_applicable.policy, item.not_applicable.target) == ("give", "y")
    assert item.vetoes[0].scope == "item"  # the default scope
    assert item.notes[0].text == "备注"
    assert item.rules == ()


@pytest.mark.parametrize("policy", ["spread proportionally", "spread evenly"])
def test_not_applicable_spread(policy):
    item = one(f'item x "X" points 5 {{ not applicable: {policy} }}')
    assert item.not_applicable.policy == policy.split()[1]


def test_item_without_body_and_factor_item():
    assert one('item x "X" points 10').rules == ()
    f = one('item behaviour "行为考核" factor 1.2 { level "合格": 0.6 level "突出": 1.2 }')
    assert f.size_kind == "factor" and f.size.value == D("1.2")


# ---- rules R1-R15 -------------------------------------------------------------------------------

def test_levels_r1_r2():
    r = rule_of('level "十分积极主动": 5\nlevel "能主动积极配合": 3..4\nlevel "不注重协作": 0', "5")
    assert isinstance(r, ast.Levels)
    assert [(lv.low.value, lv.high and lv.high.value) for lv in r.levels] == [(5, None), (3, 4), (0, None)]


def test_scale_r3():
    r = rule_of("scale 1: 10, 2: 15, 3: 20, 4: 30, 5: 40", "40")
    assert isinstance(r, ast.Scale)
    assert [(s.step.value, s.points.value) for s in r.steps][-1] == (5, 40)


def test_tiers_r4_with_every_band_form():
    r = rule_of("tiers rate {\n when > 99%: 25\n when >= 95% and <= 99%: 20\n"
                " when between 90% and 95%: 10\n when = 0%: 1\n else: 0\n}", "25")
    assert isinstance(r, ast.Tiers) and r.subject.name == "rate"
    ops = [[b.op for b in t.band.bounds] if t.band else None for t in r.tiers]
    assert ops == [[">"], [">=", "<="], [">=", "<="], ["="], None]
    assert r.tiers[0].band.bounds[0].value.suffix == "%"


def test_unicode_comparison_signs():
    r = rule_of("tiers n { when ≥ 3: 10 when ≤ 2: 0 }")
    assert [t.band.bounds[0].op for t in r.tiers] == [">=", "<="]


@pytest.mark.parametrize("pm", ["±", "+-"])
def test_ratio_r6_as_in_the_brief(pm):
    r = rule_of(f"ratio installs_ok target 90% {pm}1pt", "30")
    assert isinstance(r, ast.Ratio)
    assert (r.target.value, r.target.suffix, r.step.value, r.step.suffix) == (90, "%", 1, "pt")
    assert r.base is None and r.per is None
    full = rule_of("ratio installs_ok target 90% ±1pt per 0.5% base 20", "30")
    assert full.per.value == D("0.5") and full.base.value == 20


def test_proportional_r7_r8():
    r = rule_of("proportional sales / sales_goal")
    assert isinstance(r, ast.Proportional) and r.subject.op == "/"


def test_deduct_r9_r10():
    r9 = rule_of("deduct 1 per violations base 8")
    assert isinstance(r9, ast.Deduct) and r9.floored and r9.base.value == 8
    r10 = rule_of("deduct 5 per complaints no floor")
    assert not r10.floored and r10.base is None


def test_change_r11():
    r = rule_of("change leftover_rate by -2pt per 1% base 10")
    assert isinstance(r, ast.Change)
    assert (r.by.value, r.per.value, r.base.value) == (-2, 1, 10)


def test_checklist_r12():
    r = rule_of('checklist "处理及时", "反馈及时", "无错误", "客户满意" scores 5, 4, 3, 2, 0', "5")
    assert isinstance(r, ast.Checklist) and len(r.checks) == 4 and [q.value for q in r.scores] == [5, 4, 3, 2, 0]


def test_entered_by_r14():
    r = rule_of("entered by qa")
    assert isinstance(r, ast.EnteredBy) and r.rater == "qa"


def test_veto_r13_at_top_level():
    v = one('veto broke_law "触犯国家法律法规" zeroes appraisal')
    assert (v.condition, v.scope) == ("broke_law", "appraisal")


# ---- results -------------------------------------------------------------------------------------

def test_grades():
    g = one('grade excellent "优秀" when >= 90 coefficient 1.2')
    assert g.coefficient.value == D("1.2") and g.band.bounds[0].op == ">="
    assert one('grade fail "不合格" otherwise').band is None


def test_pay_with_progressive_brackets_and_gate():
    p = one('pay commission "提成" = progressive sales {\n from 0元: 1%\n from 20000元: 2%\n} when sales >= 10000元')
    assert isinstance(p.expr, ast.Progressive)
    assert [(b.start.value, b.rate.value) for b in p.expr.brackets] == [(0, 1), (20000, 2)]
    assert isinstance(p.when, ast.Compare) and p.when.right.quantity.suffix == "元"


def test_pool_award_exclude():
    pool = one('pool public "公共提成" = public_sales * 1% shared by team')
    assert pool.shared_by == "team"
    a = one('award best "部门最高分奖励" 200元 to best total per department requires grade good')
    assert a.amount.value == 200 and a.best_of.group == "department" and a.requires == "good"
    b = one('award full "全勤奖" 50元 when full_attendance')
    assert isinstance(b.when, ast.Truth)
    x = one('exclude when absent_months > 2 "未到岗超过2个月"')
    assert isinstance(x.when, ast.Compare) and x.reason == "未到岗超过2个月"


def test_streak_quota_flag():
    s = one('streak s3 "连续3个月优秀" when grade at least excellent for 3 periods award 200元')
    assert s.when.test == "at least" and s.periods.value == 3 and s.action == "award"
    f = one('streak f3 "连续不合格" when grade is fail for 3 periods flag "自动请辞"')
    assert (f.action, f.flag) == ("flag", "自动请辞")
    q = one("quota excellent at most 20% per team tie by total, seniority")
    assert q.at_most.value == 20 and len(q.tie_by) == 2
    fl = one('flag last "末位淘汰" bottom 1 per department')
    assert fl.bottom.value == 1 and fl.per == "department"


# ---- spans and comments ------------------------------------------------------------------------

def test_spans_point_at_the_source():
    r = parse('rubric "x"\n\ninput  rate "及时率": percent\n', "f.kpi")
    inp = r.statements[1]
    assert (inp.span.file, inp.span.line, inp.span.column) == ("f.kpi", 3, 8)


def test_comments_are_kept_with_positions():
    r = parse('# 考核表\nrubric "x"  # 标题\n', "f.kpi")
    assert [(c.text, c.span.line) for c in r.comments] == [("# 考核表", 1), ("# 标题", 2)]


def test_keywords_stay_usable_as_names_where_no_keyword_fits():
    m = one("metric m: points = total * 2")
    assert m.expr.left.name == "total"


# ---- syntax errors ---------------------------------------------------------------------------------

def errors(src: str):
    with pytest.raises(KpiError) as e:
        parse(src, "bad.kpi")
    return e.value.diagnostics


INTERNALS = ("__ANON", "$END", "QUANTITY", "STRING", "NAME", "RBRACE", "LBRACE", "Token", "Traceback")


@pytest.mark.parametrize("src, at, hint_has", [
    # `at`: the text the caret must point at (its first occurrence)
    ('input rate "及时率" = percent', "=", "`=` where `:` belongs"),
    ('input rate "及时率"： percent', "：", "write `:`"),
    ('input a "A"， b', "，", "write `,`"),
    ('item x "X" points 5 { level "好": 3-4 }', "-", "`3..4`"),
    ('item x "X" points 5 { tiers r { when > 90 %: 5 else: 0 } }', "%", "`90%`"),
    ('metric m "M": percent : a / b', ": a", "`=` belongs"),
    ("input rate “及时率”: percent", "“", "write `\"`"),
    ('item x "X" points 5 { level "好: 5 }', '"好', "close the label"),
    ('input rate "及时率": percent range 0％..100％', "％", "write `%`"),
    ('input rate "及时率": percent;', ";", "no `;` is needed"),
    # the grammar's PLUSMINUS is `±` or `+-`; a lone sign is not taken for either
    ('item x "X" points 5 { ratio r target 90% -1pt }', "-", "both ways"),
    ('item x "X" points 5 { ratio r target 90% +1pt }', "+", "both ways"),
])
def test_syntax_error_messages(src, at, hint_has):
    (d,) = errors(src)
    assert d.code == "KPI001"
    assert (d.span.line, d.span.column) == (1, src.index(at) + 1), d
    assert hint_has in (d.hint or ""), d.hint
    for word in INTERNALS:
        assert word not in d.message and word not in (d.hint or "")


def test_unclosed_brace_points_at_end_of_file():
    (d,) = errors('item x "X" points 5 {\n  level "好": 5\n')
    assert "end of file" in d.message and "never closed" in d.hint
    assert d.span.line == 3


def test_end_of_file_is_said_in_words():
    (d,) = errors('item x "X" points')
    assert "end of file" in d.message and "a number" in d.message


def test_every_broken_statement_is_reported_once():
    src = ('rubric "x"\n'
           'input a "A" = count\n'          # line 2: one mistake
           'input b "B": count\n'
           'section s "S" weight 10% {\n'
           '  item i "I" points 10 { level "x": 3-4 }\n'  # line 5: one mistake in a block
           '}\n'
           'input c "C"： count\n')         # line 7: one mistake
    ds = errors(src)
    assert [d.span.line for d in ds] == [2, 5, 7]


def _broken_items(count: int, every: int) -> str:
    """``count`` items, one line each; every ``every``-th misses the `:` after `when < 5`."""
    lines = ['rubric "t"', 'input x: count']
    for i in range(count):
        colon = "" if i % every == every - 1 else ":"
        lines.append(f'item b{i} "B{i}" points 10 {{ tiers x {{ when >= 5: 10  when < 5{colon} 0 }} }}')
    return "\n".join(lines) + "\n"


def test_each_broken_statement_is_reported_at_its_own_line_and_column():
    with pytest.raises(KpiError) as err:
        parse(_broken_items(30, 10))
    found = [(d.span.line, d.span.column) for d in err.value.diagnostics]
    # items 9, 19, 29 are broken; item i is on line i + 3; the `0` after `when < 5` is
    # column 60 for `item b9 "B9"`, two later once the number has two digits
    assert found == [(12, 60), (22, 62), (32, 62)]


def test_a_file_of_broken_statements_stops_after_a_hundred_with_a_note():
    with pytest.raises(KpiError) as err:
        parse(_broken_items(150, 1))
    diags = err.value.diagnostics
    assert len(diags) == 101
    assert [d.severity.value for d in diags[:100]] == ["error"] * 100
    assert diags[99].span.line == 102  # the hundredth broken item, item 99
    last = diags[100]
    assert last.severity.value == "info" and "stopped after 100 syntax errors" in last.message
    assert last.span.line == 102
