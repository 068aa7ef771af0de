"""kpi eval: exact scores, grades and pay, and every kind of bad data refused with its place."""

import csv
import io
import json
from decimal import Decimal

import pytest

from kpidsl.api import RubricErrors, load_rubric
from kpidsl.data.source import DataProblems

D = Decimal

CARD = '''rubric "全屋定制整装售后绩效考核卡"
round total to 0.01
input installs_ok "一次合格率": percent
input satisfaction "售后回访服务满意度": percent
input violations "违反次数": count
rater qa "质检员"
input base_salary "基本工资": money
item installs "安装一次完成合计率" points 30 { ratio installs_ok target 90% ±1pt base 20 }
item inspection "安检工作" points 20 { entered by qa }
item aftersales "售后工作" points 20 { ratio satisfaction target 95% ±1pt base 15 }
item warehouse "仓库管理" points 30 { deduct 3 per violations }
grade pass "合格" when >= 80
grade fail "不合格" otherwise
pay salary "实际工资" = total / 80 * base_salary
'''


def scorer(write, text, name="r.kpi"):
    return load_rubric(write({name: text}))


def test_card_scores_exactly(write):
    s = scorer(write, CARD)
    (r,) = s.evaluate([{"id": "张三", "installs_ok": "93%", "satisfaction": "97%", "violations": "1",
                        "inspection": "18", "base_salary": "4000"}])
    # 20 + (93 - 90) × 1 = 23; 18; 15 + 2 = 17; 30 - 3 = 27 -> 85.00; 85 / 80 × 4000 = 4250.00
    assert [r.steps[k] for k in ("installs", "inspection", "aftersales", "warehouse")] == [23, 18, 17, 27]
    assert str(r.steps["total"]) == "85.00"
    assert s.plan.grades[r.grade].label == "合格"
    assert str(r.steps["salary"]) == "4250.00"


def test_ratio_is_clamped_to_the_item(write):
    s = scorer(write, CARD)
    rows = s.evaluate([
        {"id": "a", "installs_ok": "100%", "satisfaction": "50%", "violations": "20", "inspection": "0", "base_salary": "1"},
    ])
    r = rows[0]
    assert r.steps["installs"] == 30  # 20 + 10, exactly the item's points
    assert r.steps["aftersales"] == 0  # 15 - 45, floored at 0
    assert r.steps["warehouse"] == 0  # 30 - 60, floored


@pytest.mark.parametrize("sales, commission", [
    ("9999", "0.00"), ("10000", "100.00"), ("25000", "300.00"), ("35000", "550.00"),
    ("70000", "2000.00"), ("100000", "3900.00"), ("150000", "8300.00"),  # 200+200+600+1500+2800+3000
])
def test_progressive_brackets_reproduce_the_seed(write, sales, commission):
    text = '''rubric "电商提成"
input sales "当月业绩": money
item a "业绩" points 100
pay commission "个人业绩提成" = progressive sales {
  from 0元: 1%
  from 20000元: 2%
  from 30000元: 3%
  from 50000元: 5%
  from 80000元: 7%
  from 120000元: 10%
} when sales >= 10000元
'''
    (r,) = scorer(write, text).evaluate([{"id": "x", "sales": sales, "a": "100"}])
    assert str(r.steps["commission"]) == commission


RATERS = '''rubric "网店客服"
rater self "自评" weight 40%
rater boss "主管评" weight 60%
input law "触犯法律": yes/no
item discipline "纪律性" points 6 { level "无违纪": 6 level "1-3次": 5 level "通报批评": 4 }
item team "协作" points 4 { level "十分积极": 4 level "一般": 1..3 }
item handling "处理投诉" points 5 { checklist "及时", "反馈", "无错误", "满意" scores 5, 4, 3, 2, 0 }
item service "服务" points 85 { scale 1: 45, 2: 55, 3: 65, 4: 75, 5: 85 }
veto law "触犯国家法律法规" zeroes appraisal
'''


def test_raters_combine_by_weight(write):
    s = scorer(write, RATERS)
    row = {"id": "王五", "law": "否", "discipline.self": "6", "discipline.boss": "5",
           "team.self": "4", "team.boss": "2.5", "handling.self": "0", "handling.boss": "1",
           "service.self": "5", "service.boss": "4"}
    (r,) = s.evaluate([row])
    # 6×0.4 + 5×0.6 = 5.4; 4×0.4 + 2.5×0.6 = 3.1; 5×0.4 + 4×0.6 = 4.4; 85×0.4 + 75×0.6 = 79
    assert (r.steps["discipline"], r.steps["team"], r.steps["handling"], r.steps["service"]) == (
        D("5.4"), D("3.1"), D("4.4"), D("79"))
    assert r.steps["total"] == D("91.90")


def test_veto_zeroes_the_appraisal(write):
    s = scorer(write, RATERS)
    row = {"id": "王五", "law": "是", "discipline.self": "6", "discipline.boss": "6", "team.self": "4",
           "team.boss": "4", "handling.self": "0", "handling.boss": "0", "service.self": "5", "service.boss": "5"}
    (r,) = s.evaluate([row])
    assert r.steps["total"] == 0


GROUPS = '''rubric "客服"
group department "部门"
input late "迟到次数": count
input full "全勤": yes/no
input absent "未到岗月数": count
item a "纪律" points 100 { deduct 10 per late }
grade excellent "优秀" when >= 90
grade good "良好" when >= 80 and < 90
grade poor "不合格" otherwise
award best "部门最高分奖励" 200元 to best total per department requires grade good
award attendance "全勤奖" 50元 when full
exclude when absent > 2 "考评期内未到岗累计超过2个月"
quota excellent at most 20% per department tie by total
flag last "末位淘汰" bottom 1 per department
'''


def _g(pid, dept, late, full="否", absent="0", period="2024-01"):
    return {"id": pid, "period": period, "department": dept, "late": str(late), "full": full, "absent": absent}


def test_awards_quota_exclusion_and_flags(write):
    s = scorer(write, GROUPS)
    rows = [_g("a", "售前", 0, "是"), _g("b", "售前", 1), _g("c", "售前", 0), _g("d", "售前", 3),
            _g("e", "售前", 2), _g("f", "售后", 5), _g("g", "售后", 0, absent="3")]
    res = {r.person: r for r in s.evaluate(rows)}
    assert res["g"].status == "excluded" and "未到岗" in res["g"].reason
    # 售前: 5 people, at most 20% (1) may be 优秀; a and c both scored 100; a wins on person id order
    grades = {p: s.plan.grades[r.grade].name for p, r in res.items() if r.grade is not None}
    assert grades["a"] == "excellent" and grades["c"] == "good"
    assert any("moved from 优秀 to 良好" in n for n in res["c"].notes)
    # best total per department, gated by grade >= 良好: a and c tie at 100
    assert res["a"].awards["best"] == 200 and res["c"].awards["best"] == 200
    assert res["f"].awards["best"] == 0  # 售后's best (50) is not 良好
    assert res["a"].steps["attendance"] == 50 and res["b"].steps["attendance"] == 0
    assert "末位淘汰" in res["d"].flags and "末位淘汰" in res["f"].flags
    assert "末位淘汰" not in res["e"].flags


YEAR = '''rubric "年终"
group team "团队"
input score_in "得分": points range 0..100
input public_sales "公共销售业绩总额": money
input year_base "年终奖金基数": money
item a "绩效" points 100 { entered by hr }
rater hr "人事"
grade excellent "优秀" when >= 90 coefficient 1.2
grade ok "合格" when >= 60 and < 90 coefficient 1.0
grade fail "不合格" otherwise coefficient 0.5
pay year_bonus "年终奖金" = year_base * average(coefficient over year)
pool public "公共销售绩效提成" = public_sales * 1% shared by team
streak s3 "连续3个月优秀" when grade is excellent for 3 periods award 200元
streak f3 "连续3个月不合格" when grade is fail for 3 periods flag "自动请辞"
'''


def test_yearly_average_pool_and_streaks(write):
    s = scorer(write, YEAR.replace('input score_in "得分": points range 0..100\n', ""))
    rows = []
    for m, (x, y) in enumerate([(95, 50), (92, 40), (91, 30), (70, 55)], start=1):
        for pid, a in (("x", x), ("y", y)):
            rows.append({"id": pid, "period": f"2024-{m:02d}", "team": "T", "a": str(a),
                         "public_sales": "30000", "year_base": "10000"})
    res = {(r.person, r.period): r for r in s.evaluate(rows)}
    # x: coefficients 1.2, 1.2, 1.2, 1.0 -> average 1.15 -> 11500.00
    assert str(res[("x", "2024-01")].steps["year_bonus"]) == "11500.00"
    # y: 0.5, 0.5, 0.5, 0.5 -> 5000.00
    assert str(res[("y", "2024-04")].steps["year_bonus"]) == "5000.00"
    assert res[("x", "2024-03")].steps["public"] == D("150.00")  # 30000 × 1% ÷ 2
    assert res[("x", "2024-03")].awards["s3"] == 200 and res[("x", "2024-02")].awards["s3"] == 0
    assert "自动请辞" in res[("y", "2024-03")].flags


CHANGE = '''rubric "安装师"
input leftover "遗留定单率": percent
input complaints "投诉次数": count
item left "遗留定单率" points 20 { change leftover by -2pt per 1% base 10 }
item c "投诉" points 80 { deduct 5 per complaints base 80 no floor }
'''


def test_change_against_last_period_from_the_previous_row_or_a_column(write):
    s = scorer(write, CHANGE)
    rows = [{"id": "a", "period": "2024-01", "leftover": "5%", "leftover.last": "4%", "complaints": "0"},
            {"id": "a", "period": "2024-02", "leftover": "2%", "complaints": "20"}]
    res = {r.period: r for r in s.evaluate(rows)}
    assert res["2024-01"].steps["left"] == 8  # 10 - 2 × (5 - 4)
    assert res["2024-02"].steps["left"] == 16  # 10 + 2 × 3, last period's 5% taken from the row before
    assert res["2024-02"].steps["c"] == -20  # 80 - 100: not floored (不计上限)


NA = '''rubric "n/a"
item a "A" points 50 { not applicable: spread proportionally }
item b "B" points 30
item c "C" points 20
'''


def test_not_applicable_weight_is_respread(write):
    s = scorer(write, NA)
    (r,) = s.evaluate([{"id": "p", "a": "0", "b": "30", "c": "10", "not_applicable": "a"}])
    # b and c share a's 50 points in proportion 30:20 -> b counts ×(1 + 50/50) -> 60, c 10×2 = 20
    assert r.steps["total"] == D("80.00")
    (r2,) = s.evaluate([{"id": "p", "a": "25", "b": "30", "c": "10"}])
    assert r2.steps["total"] == D("65.00")


# ---- bad data, each refused with its place ------------------------------------------------------------

@pytest.mark.parametrize("cell, message", [
    ({"installs_ok": ""}, "blank cell"),
    ({"installs_ok": "九十"}, "is not a number"),
    ({"installs_ok": "93"}, "in a percent column"),
    ({"violations": "-1"}, "a negative count"),
    ({"violations": "1.5"}, "not a whole number"),
    ({"inspection": "21"}, "above the highest allowed value 20"),
    ({"base_salary": "abc"}, "is not a number"),
])
def test_bad_cells_are_named(write, cell, message):
    s = scorer(write, CARD)
    row = {"id": "张三", "installs_ok": "93%", "satisfaction": "97%", "violations": "1", "inspection": "18",
           "base_salary": "4000", **cell}
    with pytest.raises(DataProblems) as e:
        s.evaluate([row], file="data.csv")
    (err,) = e.value.errors
    assert message in err.message
    assert err.file == "data.csv" and err.row == 2 and err.column == next(iter(cell))
    assert err.rubric_line is not None


def test_missing_column_names_the_rubric_line(write):
    s = scorer(write, CARD)
    with pytest.raises(DataProblems) as e:
        s.evaluate([{"id": "a", "installs_ok": "93%"}], file="d.csv")
    missing = {x.column: x for x in e.value.errors}
    assert set(missing) == {"satisfaction", "violations", "inspection", "base_salary"}
    assert missing["violations"].rubric_line == 5 and missing["violations"].row == 1


def test_level_outside_the_rubric_is_refused(write):
    s = scorer(write, RATERS)
    row = {"id": "王五", "law": "否", "discipline.self": "5.5", "discipline.boss": "5", "team.self": "4",
           "team.boss": "3.5", "handling.self": "0", "handling.boss": "9", "service.self": "6", "service.boss": "4"}
    with pytest.raises(DataProblems) as e:
        s.evaluate([row])
    msgs = {x.column: x.message for x in e.value.errors}
    assert "not one of the allowed values 4, 5, 6" in msgs["discipline.self"]
    assert "in none of the levels 4, 1..3" in msgs["team.boss"]
    assert "above the highest allowed value 4" in msgs["handling.boss"]
    assert "not one of the allowed values" in msgs["service.self"]


def test_duplicate_person_period(write, tmp_path):
    s = scorer(write, CARD)
    data = tmp_path / "d.csv"
    data.write_text("id,installs_ok,satisfaction,violations,inspection,base_salary\n"
                    "a,93%,97%,1,18,4000\na,93%,97%,1,18,4000\n", encoding="utf-8")
    from kpidsl.data.source import read_rows
    with pytest.raises(DataProblems) as e:
        read_rows(s.plan, [data])
    (err,) = e.value.errors
    assert err.row == 3 and "appears twice in the same period" in err.message and "d.csv:2" in err.hint


def test_a_rubric_with_errors_refuses_to_score(write):
    with pytest.raises(RubricErrors):
        scorer(write, 'rubric "x"\nitem a "A" points 90\n')


# ---- the command line -------------------------------------------------------------------------------------

def test_eval_cli_csv_json_xlsx_and_no_partial_file(kpi, write, tmp_path):
    rubric = write({"card.kpi": CARD})
    data = tmp_path / "data.csv"
    data.write_text("id,一次合格率,售后回访服务满意度,violations,inspection,基本工资\n"
                    "张三,93%,97%,1,18,4000\n", encoding="utf-8")
    r = kpi("eval", rubric, data)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows[0]["总分"] == "85.00" and rows[0]["实际工资"] == "4250.00" and rows[0]["等级"] == "合格"

    out = tmp_path / "out.json"
    assert kpi("eval", rubric, data, "-o", out).returncode == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["rows"][0]["total"] == "85.00"

    xlsx = tmp_path / "out.xlsx"
    assert kpi("eval", rubric, data, "-o", xlsx).returncode == 0
    from openpyxl import load_workbook
    ws = load_workbook(xlsx).active
    assert ws.freeze_panes == "B2" and ws["A1"].value == "id"
    header = [c.value for c in ws[1]]
    assert ws.cell(2, header.index("总分") + 1).value == 85

    bad = tmp_path / "bad.csv"
    bad.write_text("id,一次合格率,售后回访服务满意度,violations,inspection,基本工资\n张三,93,97%,1,18,4000\n",
                   encoding="utf-8")
    target = tmp_path / "never.csv"
    r = kpi("eval", rubric, bad, "-o", target)
    assert r.returncode == 1
    assert "bad.csv:2 [installs_ok]" in r.stderr and "rubric line 3" in r.stderr
    assert "Traceback" not in r.stderr
    assert not target.exists() and not list(tmp_path.glob("*.part"))
    assert kpi("eval", rubric, bad, "--percent-cells", "whole").returncode == 0


def test_eval_explain(kpi, write, tmp_path):
    rubric = write({"card.kpi": CARD})
    data = tmp_path / "d.csv"
    data.write_text("id,installs_ok,satisfaction,violations,inspection,base_salary\n张三,93%,97%,1,18,4000\n",
                    encoding="utf-8")
    r = kpi("eval", rubric, data, "--explain", "张三")
    assert r.returncode == 0
    assert "installs 安装一次完成合计率 = 23  (of 30)" in r.stdout
    assert "ratio installs_ok target 90% ±1pt base 20; value 93%" in r.stdout
    assert kpi("eval", rubric, data, "--explain", "nobody").returncode == 2


def test_not_applicable_by_column_and_blank(write):
    s = scorer(write, NA)
    (r,) = s.evaluate([{"id": "p", "a": "0", "b": "30", "c": "10", "a.na": "是"}])
    assert r.steps["total"] == D("80.00")
    (r,) = s.evaluate([{"id": "p", "a": "25", "b": "30", "c": "10", "a.na": ""}])
    assert r.steps["total"] == D("65.00")


def test_xlsx_input_with_percent_cells_and_chinese_titles(kpi, write, tmp_path):
    from openpyxl import Workbook

    rubric = write({"card.kpi": CARD})
    wb = Workbook()
    ws = wb.active
    ws.append(["id", "一次合格率", "售后回访服务满意度", "违反次数", "inspection", "基本工资"])
    ws.append(["张三", 0.93, "97%", 1, 18, 4000])
    ws["B2"].number_format = "0%"  # Excel shows 93%; the cell holds 0.93
    data = tmp_path / "data.xlsx"
    wb.save(data)
    r = kpi("eval", rubric, data, "--format", "json")
    assert r.returncode == 0, r.stderr
    row = json.loads(r.stdout)["rows"][0]
    assert (row["installs"], row["total"], row["salary"]) == ("23", "85.00", "4250.00")


def test_json_input_and_a_bad_json_file(kpi, write, tmp_path):
    rubric = write({"card.kpi": CARD})
    data = tmp_path / "d.json"
    data.write_text(json.dumps({"rows": [{"id": "a", "installs_ok": "93%", "satisfaction": "97%", "violations": 1,
                                          "inspection": 18, "base_salary": 4000}]}), encoding="utf-8")
    r = kpi("eval", rubric, data)
    assert r.returncode == 0 and "85.00" in r.stdout
    bad = tmp_path / "bad.json"
    bad.write_text('{"rows": [', encoding="utf-8")
    r = kpi("eval", rubric, bad)
    assert r.returncode == 2 and "bad.json:1:" in r.stderr and "not valid JSON" in r.stderr


def test_data_is_held_to_the_ranges_the_checker_assumed(write):
    """A percent with no declared range runs 0%..100% for the checker, so 120% in the data
    is refused with a hint, not scored by tiers that were never checked above 100%."""
    s = scorer(write, CARD)
    row = {"id": "a", "installs_ok": "120%", "satisfaction": "97%", "violations": "1", "inspection": "18",
           "base_salary": "4000"}
    with pytest.raises(DataProblems) as e:
        s.evaluate([row])
    (err,) = e.value.errors
    assert "above the highest allowed value 100%" in err.message and err.column == "installs_ok"


def test_not_applicable_by_label_by_cell_and_a_wrong_name(write):
    s = scorer(write, NA.replace('item a "A"', 'item a "投诉处理"'))
    (r,) = s.evaluate([{"id": "p", "a": "不适用", "b": "30", "c": "10"}])
    assert r.steps["total"] == D("80.00")
    (r,) = s.evaluate([{"id": "p", "a": "0", "b": "30", "c": "10", "not_applicable": "投诉处理"}])
    assert r.steps["total"] == D("80.00")
    with pytest.raises(DataProblems) as e:
        s.evaluate([{"id": "p", "a": "0", "b": "30", "c": "10", "not_applicable": "b"}])
    (err,) = e.value.errors
    assert "'b' is not an item that may be marked not applicable" in err.message and "a" in err.hint
    with pytest.raises(DataProblems):
        s.evaluate([{"id": "p", "a": "0", "b": "不适用", "c": "10"}])  # b may not be n/a


def test_person_and_group_columns_match_their_labels(write):
    s = scorer(write, GROUPS.replace('group department "部门"', 'group department "部门"\nperson emp "工号"'))
    rows = [{"工号": "E1", "部门": "售前", "late": "0", "full": "是", "absent": "0"},
            {"工号": "E2", "部门": "售前", "late": "1", "full": "否", "absent": "0"}]
    res = {r.person: r for r in s.evaluate(rows)}
    assert set(res) == {"E1", "E2"} and res["E1"].row.groups["department"] == "售前"


def test_dataframe_like_records_with_nan_are_blank(write):
    s = scorer(write, CHANGE)

    class Frame:  # the one method of a DataFrame the API uses
        def to_dict(self, orient):
            return [{"id": "a", "period": "2024-01", "leftover": "5%", "leftover.last": "4%", "complaints": 0},
                    {"id": "a", "period": "2024-02", "leftover": "2%", "leftover.last": float("nan"), "complaints": 1}]
    res = {r.period: r for r in s.evaluate(Frame())}
    assert res["2024-02"].steps["left"] == 16  # NaN is a blank cell: last period's value comes from January


def test_periods_sort_as_time_not_text(write):
    s = scorer(write, CHANGE)
    rows = [{"id": "a", "period": "2024-10", "leftover": "2%", "complaints": "0"},
            {"id": "a", "period": "2024-9", "leftover": "5%", "leftover.last": "5%", "complaints": "0"}]
    res = {r.period: r for r in s.evaluate(rows)}
    assert res["2024-10"].steps["left"] == 16  # September (5%) is the period before October


def test_duplicates_are_found_across_spilled_runs():
    from kpidsl.data.duplicates import DuplicateIndex

    keys = [9, 3, 7, 1, 5, 3, 8, 2, 6, 9, 3]  # 3 thrice and 9 twice, across runs of 4 spilled to disk
    index = DuplicateIndex(chunk=4)
    for n, key in enumerate(keys):
        index.add(key, n + 2)
    assert len(index.runs) == 2 and len(index.keys) == 3
    assert sorted(index.duplicates()) == [(2, 11), (3, 7), (3, 12)]
    small = DuplicateIndex(chunk=100)  # never spills: sorted in memory
    for n, key in enumerate(keys):
        small.add(key, n + 2)
    assert sorted(small.duplicates()) == [(2, 11), (3, 7), (3, 12)]
