"""`kpi import`: the seeds' scorecards as .xlsx and .docx, hostile labels, the phrasings read as
rules (expected rules written by hand from the phrasing), and bad input refused in words."""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from itertools import count
from pathlib import Path

import pytest

from kpidsl.cli.importing import check_draft, draft_for
from kpidsl.importer.phrases import read
from kpidsl.importer.tables import read_tables
from kpidsl.syntax import ast
from kpidsl.syntax.parser import parse
from kpidsl.syntax.printer import source_text

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "import"
sys.path.insert(0, str(FIXTURES))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scorecards import SCORECARDS  # noqa: E402

FILES = [FIXTURES / f"{name}{suffix}" for name in SCORECARDS for suffix in (".xlsx", ".docx")]
# The seeds' own weight mistakes, which the checker must still report in the draft: a lost row
# (aftersales_manager 90 of 合计 100), 105 (service_supervisor's task part, with its behaviour
# part besides), 70 (the supervisor KPI table lists part of its 100), 85 (logistics_monthly).
SEED_WEIGHT_MISTAKES = {"aftersales_manager", "service_supervisor", "aftersales_supervisor_kpi", "logistics_monthly"}


def _numbers(text: str) -> set[Decimal]:
    return {Decimal(n) for n in re.findall(r"\d+(?:\.\d+)?", text)}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_seed_table_drafts_and_checks_with_only_todo_warnings(path: Path) -> None:
    draft, text, diags = draft_for(path, {})
    assert draft.items(), path
    again, program = check_draft(text)
    assert program is not None
    others = {d.code for d in again if d.code != "KPI115" and d.severity.value != "info"}
    expected = {"KPI101"} if path.stem in SEED_WEIGHT_MISTAKES else set()
    assert others == expected, [(d.code, d.message) for d in again]
    todos = sum(1 for d in again if d.code == "KPI115")
    assert todos == sum(1 for i in draft.items() if i.reading is None)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_draft_holds_no_number_the_table_does_not(path: Path) -> None:
    _, text, _ = draft_for(path, {})
    source: set[Decimal] = set()
    for table in read_tables(path):
        source |= {n for row in table.rows for cell in row for n in _numbers(cell)}
    body = text.split("\n", 1)[1]  # the first line is a comment naming the file
    assert _numbers(body) - source == set()


def test_measurement_no_finished_rule_differs_from_the_shipped_rubric() -> None:
    import import_measure

    totals = [0, 0, 0]
    for name in SCORECARDS:
        equal, todo, wrong, unmatched, wrong_items, _ = import_measure.measure(name)
        assert wrong == 0 and unmatched == 0, wrong_items
        totals = [totals[0] + equal, totals[1] + todo, totals[2] + wrong]
    assert totals[0] >= 21  # the figure reported when kpi import came in: a fall is a regression


HOSTILE = '"} item x points 100 { todo "\\'


def test_hostile_labels_stay_labels(tmp_path: Path) -> None:
    path = tmp_path / "card.csv"
    import csv

    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([f"标题 {HOSTILE}\n第二行"])
        w.writerow(["类别", "考核项目", "分值", "考核标准", "数据来源"])
        w.writerow([f"类{HOSTILE}", f"项目{HOSTILE}\r\n下一行", "60", f"说明 {HOSTILE} 由主管评分", "系统\n"])
        w.writerow([f"类{HOSTILE}", "item", "40", "违反一次扣1分", ""])
    _, text, diags = draft_for(path, {})
    tree = parse(text, "draft.kpi")
    items = [m for s in tree.statements if isinstance(s, ast.Section) for m in s.members]
    assert [i.label for i in items] == [f"项目{HOSTILE} 下一行", "item"]
    assert items[0].todos[0].text == f"说明 {HOSTILE} 由主管评分"
    assert items[0].notes[0].text == "数据来源：系统"
    assert tree.setting("rubric") == f"标题 {HOSTILE} 第二行"
    assert isinstance(items[1].rule, ast.Deduct) and items[1].name == "item"
    assert [d.code for d in diags if d.severity.value != "info"] == ["KPI115"]


def test_gb18030_csv_and_a_map_for_unknown_headers(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("内容,比重,办法\n考勤,100,迟到每次扣2分，扣完为止\n".encode("gb18030"))
    with pytest.raises(Exception, match="no header row"):
        draft_for(path, {})
    draft, text, _ = draft_for(path, {"item": "内容", "weight": "比重", "criteria": "办法"})
    assert "deduct 2 per 考勤_次数\n" in text and 'item 考勤 "考勤" points 100' in text


def _namer() -> object:
    n = count(1)
    return lambda hint: f"v{next(n)}"


@pytest.mark.parametrize("text, expected", [
    ("≥95%得5分；90%-95%得3分；<90%得0分",
     "tiers v1 {\n  when >= 95%: 5\n  when >= 90% and < 95%: 3\n  when < 90%: 0\n}"),
    ("满意度高于90分得15分", None),  # one tier is no scale
    ("拖延一天扣5分,扣完为止", "deduct 5 per v1"),
    ("每次投诉扣5分，不计上限", "deduct 5 per v1 no floor"),
    ("严格执行到位得8分，违反一次扣1分", "deduct 1 per v1 base 8"),
    ("拖延一天扣5分,扣完为止;24小时内解决得10分", None),  # 24 and 10 say more than a deduction
    ("部门三次警告后每次扣1分", None),  # a number in words
    ("每3次扣1分", None),
    ("一次合格率达到90%为合格，合格得20分。提(减)1个百分点加(减)1分", "ratio v1 target 90% ±1pt per 1% base 20"),
    ("得分=20×(个人实际销售额÷个人目标销售额)", "proportional v1 / v2"),
    ("得分=20×(个人实际设计差错率÷个人目标设计差错率)", None),  # more errors would score more
    ("实际得分=30*任务完成率（百分百完成30分，超额最高可加10分）", "proportional v1"),
    ("1级10分2级15分3级20分", "scale 1: 10, 2: 15, 3: 20"),
    ("优：10分；良：8分；中：5-6分；差：0分",
     'level "优": 10\nlevel "良": 8\nlevel "中": 5..6\nlevel "差": 0'),
    ("1、积极主动，5分；2、能配合，3-4分；3、勉强配合，0分",
     'level "积极主动": 5\nlevel "能配合": 3..4\nlevel "勉强配合": 0'),
    ("按时完成", None),
])
def test_phrasings(text: str, expected: str | None) -> None:
    r = read(text, "项", _namer())  # type: ignore[arg-type]
    if expected is None:
        assert r is None or r.rule is None and not r.vetoes
        return
    assert r is not None and r.rule is not None
    assert source_text(r.rule).strip() == expected


def test_veto_phrasing() -> None:
    r = read("一票否决", "安全", _namer())  # type: ignore[arg-type]
    assert r is not None and r.rule is None
    assert [(v.condition, v.scope) for v in r.vetoes] == [("v1", "appraisal")]
    assert [(i.name, i.unit) for i in r.inputs] == [("v1", "yes/no")]
    bonus = read("实际得分=30*任务完成率（百分百完成30分，超额最高可加10分）", "x", _namer())  # type: ignore[arg-type]
    assert bonus is not None and bonus.bonus is not None and bonus.bonus.value == 10


def test_the_command_writes_refuses_to_overwrite_and_fails_in_words(kpi, tmp_path: Path) -> None:
    out = tmp_path / "draft.kpi"
    r = kpi("import", FIXTURES / "wardrobe_installer.xlsx", "-o", out)
    assert r.returncode == 0, r.stderr
    assert "11 items, 6 with a rule or scored by raters, 5 to finish (todo)" in r.stdout
    checked = kpi("check", out)
    assert checked.returncode == 0 and "0 errors, 5 warnings" in checked.stdout
    again = kpi("import", FIXTURES / "wardrobe_installer.xlsx", "-o", out)
    assert again.returncode == 2 and "exists; kpi import does not overwrite it" in again.stderr
    bad = tmp_path / "card.txt"
    bad.write_text("x", encoding="utf-8")
    r = kpi("import", bad, "-o", tmp_path / "x.kpi")
    assert r.returncode == 2 and "reads .xlsx, .csv and .docx" in r.stderr and "Traceback" not in r.stderr
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    r = kpi("import", broken, "-o", tmp_path / "y.kpi")
    assert r.returncode == 2 and "not a readable .xlsx workbook" in r.stderr and "Traceback" not in r.stderr
    seeds_mistake = kpi("import", FIXTURES / "logistics_monthly.docx", "-o", tmp_path / "m.kpi")
    assert seeds_mistake.returncode == 1 and "KPI101" in seeds_mistake.stderr  # the seed's 85, kept in view


@pytest.mark.parametrize("suffix", [".xlsx", ".docx"])
def test_merged_category_cells_group_sections_and_the_title_row_names_the_rubric(suffix: str) -> None:
    draft, text, _ = draft_for(FIXTURES / f"wardrobe_installer{suffix}", {})
    assert [(label, len(items)) for _, label, items in draft.sections] == [
        ("关键绩效指标(80分)", 6), ("行为规范(10分)", 2), ("日常工作(10分)", 3)]
    assert draft.title == "全屋定制衣柜安装师绩效考核评分表"
    assert [i.points.value for i in draft.items()] == [20, 20, 15, 10, 5, 10, 4, 6, 3, 2, 5]
