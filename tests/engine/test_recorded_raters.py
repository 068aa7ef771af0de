"""Raters who do not count (`rater self "自评" not counted`): they fill the items the weighted
raters fill, in columns of their own; their total is recorded beside the total in eval's
CSV and JSON, in explanations and on the form, and summed into nothing.

Hand-worked, tests/fixtures/recorded/aftersales_manager.kpi (考核 is the one weighted rater):
  p1: 考核 25 + 14 + (scale 3 → 30, 60 − 20 × 1 = 40) × 50/100 = 25 + 14 + 35 = 74.0
      自评 28 + 20 + (scale 4 → 40, 40) × 50/100 = 88.0;  审核 24 + 12 + (30 + 40)/2 = 71.0
  p2: 考核 30 + 20 + (40 + 60)/2 = 100.0;  自评 30 + 16 + 50 = 96.0;  审核 100.0
"""

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from kpidsl.api import check_text, load_rubric
from kpidsl.backends.form.html import render
from kpidsl.engine.explain import explain
from kpidsl.engine.output import Table, write_csv, write_json
from kpidsl.syntax.parser import parse
from kpidsl.syntax.printer import source_text

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = ROOT / "tests" / "fixtures" / "recorded" / "aftersales_manager.kpi"
DATA = ROOT / "tests" / "fixtures" / "recorded" / "aftersales_manager.csv"


def rows():
    with DATA.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def scorer():
    return load_rubric(RUBRIC)


def test_not_counted_prints_back_and_checks_clean():
    text = 'rubric "r"\nrater self "自评" not counted\nrater boss "主管" weight 100%\nitem a "A" points 100\n'
    assert source_text(parse(text)) == text
    assert check_text(text) == []


def test_recorded_totals_are_hand_worked_and_not_summed(scorer):
    results = scorer.evaluate(rows())
    got = [(r.person, str(r.steps["total"]), str(r.steps["self"]), str(r.steps["reviewer"])) for r in results]
    assert got == [("p1", "74.0", "88.0", "71.0"), ("p2", "100.0", "96.0", "100.0")]


def test_each_recorded_rater_has_a_column_in_csv_and_json(scorer):
    results = scorer.evaluate(rows())
    table = Table(scorer.plan)
    out = io.StringIO()
    write_csv(table, results, out)
    lines = list(csv.reader(io.StringIO(out.getvalue())))
    head = lines[0]
    assert head[head.index("总分"):head.index("总分") + 3] == ["总分", "自评", "审核"]
    assert lines[1][head.index("自评")] == "88.0" and lines[1][head.index("审核")] == "71.0"
    out = io.StringIO()
    write_json(table, results, out)
    doc = json.loads(out.getvalue())
    assert {"key": "self", "label": "自评"} in doc["columns"]
    assert doc["rows"][0]["self"] == "88.0" and doc["rows"][0]["total"] == "74.0"


def test_the_streamed_csv_has_the_same_columns(kpi):
    r = kpi("eval", RUBRIC, DATA)
    assert r.returncode == 0, r.stderr
    head, p1, _ = list(csv.reader(io.StringIO(r.stdout)))
    assert dict(zip(head, p1))["自评"] == "88.0" and dict(zip(head, p1))["总分"] == "74.0"


def test_explain_shows_the_recorded_total_and_each_mark(scorer):
    (r, _) = scorer.evaluate(rows())
    text = explain(scorer.plan, r)
    assert "  self 自评 = 88.0" in text
    assert "feedback 28; fault_analysis 20; survey 40" in text
    assert "recorded, not summed" in text


def test_the_ir_names_them(scorer):
    plan = scorer.plan
    recorded = [s for s in plan.score_steps if s.kind == "recorded"]
    assert [(s.name, s.label) for s in recorded] == [("self", "自评"), ("reviewer", "审核")]
    # the view's items are aux steps NAME@RATER; computed items are shared, not repeated
    names = {s.name for s in plan.score_steps}
    assert {"feedback@self", "survey@reviewer", "service@self"} <= names
    assert "complaint_work@self" not in names
    assert [(r.name, r.counted) for r in plan.outline.raters] == [("self", False), ("assessor", True),
                                                                   ("reviewer", False)]
    feedback = next(it for it in plan.outline.items() if it.name == "feedback")
    assert feedback.rater_columns == (("assessor", "feedback.assessor"), ("self", "feedback.self"),
                                      ("reviewer", "feedback.reviewer"))


def test_a_recorded_rater_s_marks_are_validated_like_any(scorer):
    bad = rows()[:1]
    bad[0]["fault_analysis.self"] = "17"  # the levels allow 20, 12..16 or 0
    from kpidsl.engine.evaluate import DataProblems
    with pytest.raises(DataProblems) as e:
        scorer.evaluate(bad)
    assert "fault_analysis.self" in str(e.value.errors[0])


def test_without_weighted_raters_the_item_column_stays_and_a_recorded_one_joins():
    text = ('rubric "r"\nrater self "自评" not counted\ninput late "迟到": count\n'
            'item a "A" points 60\nitem b "B" points 40 { deduct 10 per late }\n')
    s = load_rubric_text(text)
    (r,) = s.evaluate([{"id": "x", "a": "50", "a.self": "60", "late": "1"}])
    assert (str(r.steps["total"]), str(r.steps["self"])) == ("80", "90")


def test_entered_by_a_rater_not_counted_is_an_error():
    diags = check_text('rubric "r"\nrater self "自评" not counted\nitem a "A" points 100 { entered by self }\n')
    assert [d.code for d in diags] == ["KPI109"]


def load_rubric_text(text: str):
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "r.kpi"
        p.write_text(text, encoding="utf-8")
        return load_rubric(p)


# ---- the form: a column each on the form, filled, shown and exported ------------------------------

CHROMIUM = os.environ.get("KPI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    sync = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("needs chromium")
    with sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def _fill(page, row: dict[str, str]) -> None:
    page.fill("#f-person", row["id"])
    for name, text in row.items():
        if name in ("id", "period"):
            continue
        el = page.locator(f'[data-column="{name}"]')
        kind = el.first.evaluate("e => e.tagName + ':' + (e.type || '')")
        if kind == "INPUT:radio":
            page.locator(f'[data-column="{name}"][value="{text}"]').first.check()
        elif kind.startswith("SELECT"):
            el.first.select_option(text)
        else:
            el.first.fill(text)


def _shown(page, name: str) -> str:
    return page.locator(f'[data-step="{name}"]').first.text_content().strip()


def test_the_form_has_their_columns_and_shows_their_totals(browser, scorer, tmp_path):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    form = tmp_path / "f.html"
    form.write_text(render(scorer.plan), encoding="utf-8")
    page.goto(form.as_uri())
    heads = [h.strip() for h in page.locator("thead th").all_text_contents()]
    assert heads[3:6] == ["考核 100%", "自评 不计入总分", "审核 不计入总分"]
    p1 = {k: v for k, v in rows()[0].items() if k != "fault_analysis.reviewer"}
    p1["fault_analysis.reviewer"] = "12"
    _fill(page, p1)
    assert (_shown(page, "total"), _shown(page, "self"), _shown(page, "reviewer")) == ("74.0", "88.0", "71.0")
    with page.expect_download() as d:
        page.click("#export-json")
    exported = json.loads(Path(d.value.path()).read_text(encoding="utf-8"))["rows"][0]
    assert exported["feedback.self"] == "28" and exported["survey.reviewer"] == "3"
    assert not errors


def test_a_recorded_rater_s_own_form_scores_their_view(browser, scorer, tmp_path):
    page = browser.new_page()
    form = tmp_path / "self.html"
    form.write_text(render(scorer.plan, rater="self"), encoding="utf-8")
    page.goto(form.as_uri())
    assert page.locator('[data-column$=".assessor"]').count() == 0
    _fill(page, {k: v for k, v in rows()[0].items() if not k.endswith((".assessor", ".reviewer"))})
    assert _shown(page, "total") == "88.0"


@pytest.mark.lsp
def test_editors_offer_not_counted_after_a_rater():
    pytest.importorskip("pygls")
    from kpidsl.lsp.keywords import accepted
    from kpidsl.syntax.highlight import vocabulary

    assert {"weight", "not"} <= accepted('rater r "r" ')[0]
    assert accepted('rater r "r" not ')[0] == {"counted"}
    assert "counted" in vocabulary()[0]


def _by_hand(feedback: int, fault: int, survey: int, complaints: int) -> str:
    """The fixture's total for one rater's marks, worked from its text: feedback + fault +
    (scale × 10 + max(0, 60 − 20 × complaints)) × 50 / 100, rounded to 0.1 (half up)."""
    from decimal import ROUND_HALF_UP, Decimal
    raw = Decimal(feedback + fault) + (Decimal(survey * 10) + max(Decimal(0), Decimal(60 - 20 * complaints))) / 2
    return str(raw.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def test_raters_who_do_not_count_change_nothing_and_are_recorded_as_entered(scorer):
    """A law, over marks drawn at random: whatever 自评 and 审核 enter, the total is the 考核
    rater's alone, and each recorded total is that rater's own marks worked by hand."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    marks = st.tuples(st.integers(0, 30), st.sampled_from([20, 12, 13, 14, 15, 16, 0]), st.integers(1, 4))

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(marks, marks, marks, st.integers(0, 4))
    def law(own, assessor, reviewer, complaints):
        row = {"id": "p", "period": "2024-03", "complaints": str(complaints)}
        for rater, (fb, fa, sv) in (("self", own), ("assessor", assessor), ("reviewer", reviewer)):
            row.update({f"feedback.{rater}": str(fb), f"fault_analysis.{rater}": str(fa), f"survey.{rater}": str(sv)})
        (r,) = scorer.evaluate([row])
        assert str(r.steps["total"]) == _by_hand(*assessor, complaints)
        assert str(r.steps["self"]) == _by_hand(*own, complaints)
        assert str(r.steps["reviewer"]) == _by_hand(*reviewer, complaints)

    law()
