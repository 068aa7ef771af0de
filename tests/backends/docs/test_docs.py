"""`kpi docs`: golden Markdown pages, charts checked structurally against the evaluator,
the decision notes read from comments, and the Pygments lexer on every shipped rubric.

Regenerate the golden pages after a deliberate change with
``KPI_UPDATE_GOLDEN=1 python -m pytest -n 0 tests/backends/docs/test_docs.py`` and review the diff."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest

from kpidsl import ir
from kpidsl.api import load_rubric
from kpidsl.backends.docs import charts
from kpidsl.backends.docs import page as docs
from kpidsl.backends.docs.notes import design_notes
from kpidsl.cli.docs import example_for

ROOT = Path(__file__).resolve().parents[3]
RUBRICS = sorted(p for p in (ROOT / "rubrics").glob("*.kpi"))
GOLDEN = ROOT / "tests" / "golden" / "docs"
SVG = "{http://www.w3.org/2000/svg}"


def page_for(path: Path, lang: str = "zh") -> docs.Page:
    scorer = load_rubric(path)
    example = path.parent / "examples" / f"{path.stem}.csv"
    worked = example_for(scorer, example, f"examples/{example.name}") if example.is_file() else None
    return docs.render_page(scorer.plan, path.stem, lang, path.read_text(encoding="utf-8"), worked)


def _golden(name: str, text: str) -> None:
    target = GOLDEN / name
    if os.environ.get("KPI_UPDATE_GOLDEN"):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    assert target.is_file(), f"no golden file {target}; run with KPI_UPDATE_GOLDEN=1"
    assert text == target.read_text(encoding="utf-8"), f"{name} differs from its golden file"


@pytest.mark.parametrize("path", RUBRICS, ids=lambda p: p.stem)
def test_page_matches_golden(path):
    _golden(f"{path.stem}.md", page_for(path).markdown)


def test_english_page_and_index_match_golden():
    _golden("en/installation_aftersales_card.md", page_for(ROOT / "rubrics" / "installation_aftersales_card.kpi", "en").markdown)
    pages = [page_for(p) for p in RUBRICS]
    _golden("index.md", docs.render_index(pages))


# ---- charts ------------------------------------------------------------------------------


def _curves(plan: ir.Plan):
    for it in plan.outline.items():
        line = docs.score_curve(plan, it, docs.TEXT["zh"])
        if line is not None:
            yield it, line


def _row(plan: ir.Plan, column: str, x: Decimal) -> dict[str, Decimal]:
    """Cells for the compiled evaluator: every column at 1 where it may be (no division by
    zero) and a yes/no at no (no veto), the subject at x."""
    def plain(c: ir.Column) -> Decimal:
        low = c.low if c.low is not None else Decimal(0)
        if c.unit == "yes/no":
            return low
        return min(max(Decimal(1), low), c.high) if c.high is not None else max(Decimal(1), low)

    cells = {c.name: plain(c) for c in plan.columns}
    for c in plan.columns:
        if c.allowed:
            cells[c.name] = c.allowed[0]
        elif c.allowed_ranges:
            cells[c.name] = c.allowed_ranges[0][0]
    cells[column] = x
    return cells


@pytest.mark.parametrize("path", RUBRICS, ids=lambda p: p.stem)
def test_every_chart_is_well_formed_svg_with_axes_and_labels(path):
    page = page_for(path)
    assert page.charts or not page.items, "every rubric with items has at least its weight chart"
    for chart in page.charts:
        root = ET.fromstring(chart.svg)
        assert root.tag == f"{SVG}svg"
        assert root.find(f"{SVG}title").text.strip()
        assert root.find(f".//{SVG}g[@class='x-axis']") is not None, chart.file
        texts = [t.text for t in root.iter(f"{SVG}text") if t.text]
        assert len(texts) >= 3, chart.file
        if "line" in root.get("class"):
            assert root.find(f".//{SVG}g[@class='y-axis']") is not None
            titles = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "axis-title"]
            assert len(titles) == 2 and all(titles), chart.file
        assert f"({chart.file})" in page.markdown, f"the page shows {chart.file}"


@pytest.mark.parametrize("path", RUBRICS, ids=lambda p: p.stem)
def test_score_curves_are_the_evaluators_points(path):
    """Each curve's sampled (x, points) pairs, as written into the SVG, are what the compiled
    Python evaluator scores for a row with that value (single-column subjects) and what the
    interpreter gives for the item's step (every subject)."""
    scorer = load_rubric(path)
    plan = scorer.plan
    compiled = scorer.evaluator.compiled
    names = [s.name for s in plan.score_steps]
    page = page_for(path)
    svgs = {c.file: ET.fromstring(c.svg) for c in page.charts}
    checked = 0
    for it, line in _curves(plan):
        root = svgs[f"{path.stem}/{it.name}.svg"]
        poly = root.find(f".//{SVG}polyline[@class='curve']")
        pairs = [tuple(Decimal(v) for v in p.split(",")) for p in poly.get("data-values").split()]
        assert len(pairs) == len(poly.get("points").split()) >= 5
        assert pairs == [(x.normalize(), y.normalize()) for x, y in line.samples]
        step = next(s for s in plan.score_steps if s.name == it.name)
        subj = charts.subject(step.expr)
        for x, y in pairs:
            assert charts.at(step.expr, subj, x) == y
            if isinstance(subj, ir.Cell):
                values = dict(zip(names, compiled.score(_row(plan, subj.column, x))))
                assert values[it.name] == y, (it.name, x)
                checked += 1
    if any(it.rule and it.rule.kind in docs.SCORED_KINDS for it in plan.outline.items()):
        assert list(_curves(plan)), "an item that scores a number has a curve"


def test_a_ratio_curve_marks_its_target_cap_and_floor():
    page = page_for(ROOT / "rubrics" / "installation_aftersales_card.kpi")
    root = ET.fromstring(next(c.svg for c in page.charts if c.file.endswith("first_time.svg")))
    marks = {(m.get("class"), m.get("data-at")) for m in root.iter(f"{SVG}line") if "mark" in (m.get("class") or "")}
    assert marks == {("mark target", "0.9"), ("mark cap", "30"), ("mark floor", "0")}
    values = dict(tuple(p.split(",")) for p in root.find(f".//{SVG}polyline").get("data-values").split())
    assert values["0.7"] == "0" and values["0.9"] == "20" and values["1"] == "30"


def test_tier_boundaries_are_marked_and_sampled_on_both_sides():
    plan = load_rubric(ROOT / "rubrics" / "service_supervisor.kpi").plan
    line = dict(_curves(plan))[next(it for it in plan.outline.items() if it.name == "exec")]
    assert {m.at for m in line.x_marks if m.kind == "boundary"} == {Decimal("0.9"), Decimal("0.95"), Decimal("0.99")}
    xs = [x for x, _ in line.samples]
    assert Decimal("0.99") in xs and any(Decimal("0.98") < x < Decimal("0.99") for x in xs)


def test_labels_are_escaped_and_cjk_kept(tmp_path):
    text = 'rubric "考核<表>&x"\n' + (
        'input r "合格率<90%> & 更多": percent\n'
        'item a "项目<b>|1" points 100 { ratio r target 90% ±1pt base 80 }\n')
    src = tmp_path / "odd.kpi"
    src.write_text(text, encoding="utf-8")
    scorer = load_rubric(src)
    page = docs.render_page(scorer.plan, "odd", "zh", text)
    curve = next(c for c in page.charts if c.file == "odd/a.svg")
    root = ET.fromstring(curve.svg)  # parses: nothing unescaped
    assert root.find(f"{SVG}title").text == "项目<b>|1"
    assert "合格率<90%> & 更多" in [t.text for t in root.iter(f"{SVG}text")]
    assert "<b>" not in page.markdown and "项目&lt;b&gt;\\|1" in page.markdown


def test_grade_bands_follow_the_grade_conditions():
    plan = load_rubric(ROOT / "rubrics" / "ecommerce_commission.kpi").plan
    bands = charts.grade_bands(plan, Decimal(100))
    assert [(b.grade, b.low, b.high) for b in bands] == [
        ("不合格", 0, 60), ("合格", 60, 70), ("中等", 70, 80), ("良好", 80, 90), ("优秀", 90, 100)]


def test_pay_chart_is_the_pay_formula_against_the_total():
    page = page_for(ROOT / "rubrics" / "installation_aftersales_card.kpi")
    root = ET.fromstring(next(c.svg for c in page.charts if c.file.endswith("pay-salary.svg")))
    values = dict(tuple(p.split(",")) for p in root.find(f".//{SVG}polyline").get("data-values").split())
    assert values["80"] == "4000" and values["100"] == "5000"  # 张伟's base salary 4000


# ---- the decisions, from comments ------------------------------------------------------------


def test_design_notes_are_whole_paragraphs_in_the_pages_language():
    """A note is the whole comment paragraph (or bullet) that says CHOSEN/CORRECTED/CHANGED, never
    cut at the keyword; a zh page shows the notes written in Chinese, an en page the English ones."""
    source = ('# intro line\n# CORRECTED: the seed says 8,\n# which cannot reach 10.\n#\n'
              '# What we chose (every choice is marked CHOSEN below):\n# * The form shows 10%; CHOSEN: 20%.\n'
              '# * Plain bullet.\n'
              'rubric "x"  # CHOSEN: monthly, trailing\n'
              'note "# CHOSEN inside a label is no comment"\n# plain comment\n\n'
              '# 更正：原表权重合计 105，\n# 改为 100。\n')
    assert design_notes(source, "en") == (
        "intro line CORRECTED: the seed says 8, which cannot reach 10.",
        "What we chose (every choice is marked CHOSEN below):", "The form shows 10%; CHOSEN: 20%.",
        "CHOSEN: monthly, trailing")
    assert design_notes(source, "zh") == ("更正：原表权重合计 105， 改为 100。",)


# ---- the command -------------------------------------------------------------------------------


@pytest.mark.slow
def test_kpi_docs_writes_a_page_per_rubric_and_an_index(tmp_path):
    out = tmp_path / "site"
    run = subprocess.run([sys.executable, "-m", "kpidsl.cli.main", "docs", str(ROOT / "rubrics"), "-o", str(out)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert sorted(p.stem for p in out.glob("*.md")) == sorted([p.stem for p in RUBRICS] + ["index"])
    assert (out / "installation_aftersales_card" / "first_time.svg").is_file()
    index = (out / "index.md").read_text(encoding="utf-8")
    assert all(f"({p.stem}.md)" in index for p in RUBRICS)


# ---- highlighting --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted((ROOT / "rubrics").rglob("*.kpi")), ids=lambda p: p.stem)
def test_the_pygments_lexer_reads_every_rubric_without_error_tokens(path):
    pytest.importorskip("pygments")
    from pygments.token import Comment, Error, Keyword, Number, String

    from kpidsl.syntax.highlight import KpiLexer

    tokens = list(KpiLexer().get_tokens(path.read_text(encoding="utf-8")))
    assert [v for t, v in tokens if t in Error] == []
    kinds = {t for t, _ in tokens}
    assert any(t in Keyword for t in kinds) and any(t in String for t in kinds)
    assert any(t in Comment for t in kinds) and any(t in Number for t in kinds)


def test_the_lexer_knows_units_percents_money_and_keywords_from_the_grammar():
    pytest.importorskip("pygments")
    from pygments.token import Keyword, Number

    from kpidsl.syntax.highlight import KpiLexer, vocabulary

    keywords, units = vocabulary()
    assert {"rubric", "tiers", "deduct", "otherwise"} <= set(keywords) and {"percent", "money", "yes/no"} <= set(units)
    tokens = dict((v, t) for t, v in KpiLexer().get_tokens('input a: yes/no\naward x 50元 when total >= 90%\n'))
    assert tokens["yes/no"] in Keyword.Type and tokens["input"] in Keyword and tokens["award"] in Keyword
    assert tokens["50元"] in Number and tokens["90%"] in Number


def test_data_sources_are_shown(tmp_path):
    # `input installs_ok …: percent from system "安装记录"`: the page says where the number comes from
    import subprocess
    import sys


    r = subprocess.run([sys.executable, "-m", "kpidsl.cli.main", "docs", "rubrics/installation_aftersales_card.kpi",
                        "-o", str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "installation_aftersales_card.md").read_text(encoding="utf-8")
    assert "| `installs_ok` | 安装一次合格率（除设计问题外） | 百分比 | 0%–100% | 系统 · 安装记录 |" in page


def test_grades_by_rank_are_described_by_their_share_not_a_band(tmp_path):
    """A ranked grade has no band of totals: its page names the share of each group, in both
    languages, and draws no grade-band chart (it would show one band, `otherwise`)."""
    rubric = tmp_path / "dist.kpi"
    rubric.write_text('rubric "销售季度考核"\ngroup team "团队"\ninput sales "销售达成率": percent\n'
                      'item a "销售达成" points 100 { proportional sales }\n'
                      'grade top "优秀" top 20% coefficient 1.2\ngrade pass "合格" otherwise coefficient 1\n'
                      'grade low "待改进" bottom 10% coefficient 0.8\n'
                      'distribute grades per team rounded down ties share the better grade\n', encoding="utf-8")
    zh = page_for(rubric).markdown
    assert "| 优秀 | 每个团队内排名前 20% | 1.2 |" in zh and "| 待改进 | 每个团队内排名后 10% | 0.8 |" in zh
    assert "在每个团队内按总分排名（高者优先）；每档人数为比例 × 人数，向下取整" in zh
    assert "grades.svg" not in zh
    en = page_for(rubric, "en").markdown
    assert "| 优秀 | the top 20% of each 团队 | 1.2 |" in en


def test_a_note_inside_a_section_is_on_the_page_and_the_form(tmp_path):
    from kpidsl.backends.form.html import render as render_form

    rubric = tmp_path / "sn.kpi"
    rubric.write_text('rubric "t"\ninput a "甲": percent\nsection s "部分" {\n  note "本部分每季度复核一次"\n'
                      '  item i "项" points 100 { proportional a }\n}\n', encoding="utf-8")
    plan = load_rubric(rubric).plan
    page = page_for(rubric).markdown
    assert "### 部分\n\n*说明:* 本部分每季度复核一次\n" in page
    assert '<p class="note">本部分每季度复核一次</p>' in render_form(plan)
