"""The compiled form in a real headless Chromium (Debian's chromium, driven by Playwright):
filled with each rubric's example data it shows the same item points and totals as
`kpi eval`, its export round-trips through `kpi eval`, and hostile labels run nothing."""

import csv
import json
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from kpidsl.api import load_rubric
from kpidsl.backends.form.html import render
from kpidsl.backends.form.javascript import batch_only
from kpidsl.data.source import read_rows
from kpidsl.data.validate import PERIOD_TITLES
from kpidsl.numbers.semantics import show
from kpidsl.numbers.spelling import declared_places, spell

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = os.environ.get("KPI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        message = "the browser tests need Debian's chromium: apt-get install chromium (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI a missing browser is a broken install, not a skip
        pytest.skip(message)
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.kpi_errors = errors
    yield page
    context.close()


def fill(page, plan, person: str, period: str, raw: dict[str, str]) -> None:
    page.fill("#f-person", person)
    if period:
        page.fill("#f-period", period)
    for g in plan.groups:
        if raw.get(g):
            page.fill(f'[data-group="{g}"]', raw[g])
    for col in plan.columns:
        text = raw.get(col.name)
        if text is None or text == "":
            continue
        checks = page.locator(f'[data-check="{col.name}"]')
        if checks.count():  # a checklist cell is the number of points not met
            for i in range(int(text)):
                checks.nth(i).uncheck()
            continue
        el = page.locator(f'[data-column="{col.name}"]')
        assert el.count(), f"the form has no field for {col.name}"
        kind = el.first.evaluate("e => e.tagName + ':' + (e.type || '')")
        if kind == "INPUT:radio":
            value = show(Decimal(text))
            page.locator(f'[data-column="{col.name}"][value="{value}"]').first.check()  # levels may share points
        elif kind.startswith("SELECT"):
            el.first.select_option(text if col.unit == "yes/no" else show(Decimal(text)))
        else:
            el.first.fill(text)


def shown(page, name: str) -> str:
    return page.locator(f'[data-step="{name}"]').first.text_content().strip()


def example_rows(rubric: Path):
    """The example sheet's rows, keyed by the names the form's fields carry: a sheet may title
    its columns with the rubric's labels (礼貌用语使用率, 部门, 考核期间), as users write them."""
    data = ROOT / "rubrics" / "examples" / f"{rubric.stem}.csv"
    plan = load_rubric(rubric).plan
    names = {**{t: "period" for t in PERIOD_TITLES}, **{label: key for key, label in plan.key_labels},
             **{c.label: c.name for c in plan.columns if c.label}}
    with data.open(encoding="utf-8-sig") as f:
        return data, [{names.get(k, k): v for k, v in row.items()} for row in csv.DictReader(f)]


RUBRICS = sorted(p for p in (ROOT / "rubrics").glob("*.kpi") if (ROOT / "rubrics" / "examples" / f"{p.stem}.csv").exists())


@pytest.mark.parametrize("rubric", RUBRICS, ids=lambda p: p.stem)
def test_form_agrees_with_kpi_eval_and_round_trips(rubric, page, tmp_path):
    scorer = load_rubric(rubric)
    plan = scorer.plan
    data, raw_rows = example_rows(rubric)
    results = scorer.evaluator.evaluate(read_rows(plan, [data], needs_groups=scorer.evaluator.groups_needed()))
    by_key = {(r.person, r.period): r for r in results}
    form = tmp_path / "form.html"
    form.write_text(render(plan), encoding="utf-8")
    skip = batch_only(plan)
    places = declared_places(plan)
    person_col = next(k for k in raw_rows[0] if k in (plan.person, "id", "工号", "姓名"))
    checked = 0
    for raw in raw_rows:
        person, period = raw[person_col], raw.get("period", "")
        expected = by_key[(person, period)]
        if expected.status != "scored":
            continue
        page.goto(form.as_uri())
        # last period's values the form cannot know from other rows: give them as the evaluator saw them
        cells = {c.name: raw.get(c.name) or (show(expected.row.cells[c.name]) if c.name in expected.row.cells else None)
                 for c in plan.columns}
        for c in plan.columns:
            if c.name.endswith(".last") and not raw.get(c.name) and c.name in expected.row.cells:
                cells[c.name] = show(expected.row.cells[c.name] * 100) + "%" if c.unit == "percent" else show(
                    expected.row.cells[c.name])
        fill(page, plan, person, period, {k: v for k, v in {**raw, **cells}.items() if v is not None})
        assert page.evaluate("document.body.dataset.complete") == "yes", page.locator("#status").text_content()
        for step in plan.score_steps + plan.result_steps:
            if step.kind in ("item", "section", "total", "coefficient", "pay") and step.name not in skip:
                if page.locator(f'[data-step="{step.name}"]').count():
                    # the one spelling kpi eval writes (kpidsl/numbers/spelling.py), not the raw digits
                    assert shown(page, step.name) == spell(expected.steps[step.name], places.get(step.name)), \
                        (person, step.name)
                    checked += 1
        if plan.grades:
            g = plan.grades[expected.grade]
            assert shown(page, "grade") == (g.label or g.name)
        # export and read back with kpi eval
        with page.expect_download() as d:
            page.click("#export-json")
        exported = json.loads(Path(d.value.path()).read_text(encoding="utf-8"))
        (again,) = scorer.evaluate(exported["rows"])
        for step in plan.score_steps:
            assert again.steps[step.name] == expected.steps[step.name], (person, step.name)
        with page.expect_download() as d2:
            page.click("#export-csv")
        back = tmp_path / "back.csv"
        back.write_bytes(Path(d2.value.path()).read_bytes())
        (again_csv,) = scorer.evaluator.evaluate(read_rows(plan, [back]))
        assert again_csv.steps["total"] == expected.steps["total"]
    assert checked > 0
    assert page.kpi_errors == []


# Labels cannot hold a double quote (a label ends at the next one); everything else goes in.
HOSTILE = (
    'rubric "</title><script>window.pwned=1</script>"\n'
    'input r "<img src=x onerror=window.pwned=2>": percent\n'
    'rater qa "质检 \u202e{{ 7*7 }} \x07"\n'
    'item a "</script><script>window.pwned=3</script>" points 60 {\n'
    "  criteria \"' onmouseover='window.pwned=4' x=' ` ${window.pwned=5} \\\\ </textarea>\"\n"
    '  level "<b>粗体</b>&amp;": 60\n'
    '  level "{{ config }}": 0\n'
    '}\n'
    'item b "b\u2028c" points 40 { ratio r target 90% ±1pt base 30 }\n'
)


def test_hostile_labels_render_as_text_and_run_nothing(page, tmp_path, write):
    scorer = load_rubric(write(HOSTILE))
    form = tmp_path / "hostile.html"
    form.write_text(render(scorer.plan), encoding="utf-8")
    page.goto(form.as_uri())
    page.locator('[data-column="a"][value="60"]').check()
    # strict, as kpi eval is by default: a bare 95 in a percent column is asked about
    page.fill('[data-column="r"]', "95")
    assert page.locator('[data-field="r"] .error').text_content() == "请写上百分号，如 93%"
    page.fill('[data-column="r"]', "95%")
    page.fill("#f-person", "x")
    page.locator("td.criteria").first.hover()
    assert page.evaluate("window.pwned") is None
    assert page.title() == "</title><script>window.pwned=1</script>"
    assert page.locator("text=<b>粗体</b>&amp;").count() == 1
    assert page.locator("text={{ config }}").count() == 1
    assert page.locator("text=${window.pwned=5}").count() == 1
    assert page.locator("script").count() == 2  # only the form's own config and code
    assert page.locator("img").count() == 0
    assert shown(page, "total") == "95"  # 60 + (30 + 5)
    assert page.kpi_errors == []


def test_invalid_entries_are_marked_and_total_is_provisional(page, tmp_path):
    rubric = ROOT / "rubrics" / "installation_aftersales_card.kpi"
    scorer = load_rubric(rubric)
    form = tmp_path / "f.html"
    form.write_text(render(scorer.plan, "en"), encoding="utf-8")
    page.goto(form.as_uri())
    first_percent = next(c.name for c in scorer.plan.columns if c.unit == "percent")
    page.fill(f'[data-column="{first_percent}"]', "abc")
    field = page.locator(f'[data-field="{first_percent}"]')
    assert field.locator(".error").text_content() == "Enter a number"
    assert field.locator("input").get_attribute("aria-invalid") == "true"
    assert "Provisional" in page.locator("#status").text_content()
    # every input has a label the screen reader reads
    unlabelled = page.evaluate("""Array.from(document.querySelectorAll('input:not([type=radio]):not([type=checkbox]), select'))
        .filter(e => !(e.labels && e.labels.length)).map(e => e.id)""")
    assert unlabelled == []


def test_form_prints_to_a4_with_its_signature_lines(page, tmp_path):
    scorer = load_rubric(ROOT / "rubrics" / "service_supervisor.kpi")
    form = tmp_path / "print.html"
    form.write_text(render(scorer.plan), encoding="utf-8")
    page.goto(form.as_uri())
    page.emulate_media(media="print")
    assert page.locator(".actions").is_hidden()  # buttons are not printed
    assert page.locator(".signatures .line").count() >= 2
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 1


def test_a_one_rater_form_scores_that_raters_own_view(page, tmp_path):
    rubric = ROOT / "rubrics" / "taobao_presales_agent.kpi"
    scorer = load_rubric(rubric)
    plan = scorer.plan
    _, raw_rows = example_rows(rubric)
    raw = dict(raw_rows[0])
    form = tmp_path / "self.html"
    form.write_text(render(plan, rater="self"), encoding="utf-8")
    page.goto(form.as_uri())
    assert page.locator('[data-column$=".supervisor"]').count() == 0  # only the rater's own column
    person = next(raw[k] for k in (plan.person, "id", "姓名") if raw.get(k))
    fill(page, plan, person, raw.get("period", ""),
         {k: v for k, v in raw.items() if not k.endswith(".supervisor")})
    # the same row scored by kpi eval with the supervisor's columns equal to self's
    mirrored = {k: (raw[k[: -len(".supervisor")] + ".self"] if k.endswith(".supervisor") else v) for k, v in raw.items()}
    (expected,) = scorer.evaluate([mirrored])
    assert shown(page, "total") == show(expected.steps["total"])
    with page.expect_download() as d:
        page.click("#export-json")
    exported = json.loads(Path(d.value.path()).read_text(encoding="utf-8"))["rows"][0]
    assert not [k for k in exported if k.endswith(".supervisor")]


def test_unknown_rater_is_a_usage_error(kpi, tmp_path):
    r = kpi("form", ROOT / "rubrics" / "taobao_presales_agent.kpi", "-o", tmp_path / "f.html", "--rater", "boss")
    assert r.returncode == 2 and "no weighted rater named 'boss'" in r.stderr


def test_the_form_says_when_a_person_is_excluded(page, tmp_path):
    rubric = ROOT / "rubrics" / "taobao_presales_agent.kpi"
    scorer = load_rubric(rubric)
    data, raw_rows = example_rows(rubric)
    results = scorer.evaluator.evaluate(read_rows(scorer.plan, [data], needs_groups=scorer.evaluator.groups_needed()))
    out = next(r for r in results if r.status == "excluded")
    raw = next(x for x in raw_rows if out.person in x.values())
    form = tmp_path / "f.html"
    form.write_text(render(scorer.plan), encoding="utf-8")
    page.goto(form.as_uri())
    fill(page, scorer.plan, out.person, raw.get("period", ""), raw)
    assert page.evaluate("document.body.dataset.excluded") == "yes"
    assert out.reason in page.locator("#status").text_content()


def test_the_form_shows_a_flag_raised_this_period(page, tmp_path, write):
    # `flag warn "约谈" when total < 60 or late >= 3`: 4 late -> 100 - 5 × 4 = 80, flagged by
    # lateness; 1 late -> 95, not flagged; 9 late -> 55, flagged by the total.
    rubric = write({"r.kpi": '''rubric "r"
input late "迟到次数": count
item a "出勤" points 100 { deduct 5 per late }
flag warn "约谈" when total < 60 or late >= 3
'''})
    scorer = load_rubric(rubric)
    form = tmp_path / "f.html"
    form.write_text(render(scorer.plan), encoding="utf-8")
    page.goto(form.as_uri())
    for late, total, flagged in (("4", "80", True), ("1", "95", False), ("9", "55", True)):
        fill(page, scorer.plan, "张三", "2024-01", {"late": late})
        assert shown(page, "total") == total
        assert ("标记: 约谈" in page.locator("#flags").text_content()) is flagged, late


def test_the_form_shows_a_weighted_sections_own_score(page, tmp_path, write):
    # 能力 is worth 20 but scored out of 40: 50% of 24 + 50% of 16 = 20 of 40 -> 10 towards the total
    rubric = write({"r.kpi": '''rubric "r"
input q "质量": percent
section ability "能力" weight 20 out of 40 {
  item a "甲" points 24 { proportional q }
  item b "乙" points 16 { proportional q }
}
item rest "其余" points 80 { proportional 100% }
'''})
    scorer = load_rubric(rubric)
    form = tmp_path / "f.html"
    form.write_text(render(scorer.plan), encoding="utf-8")
    page.goto(form.as_uri())
    fill(page, scorer.plan, "张三", "2024-01", {"q": "50%"})
    assert shown(page, "ability.score") == "20"
    assert shown(page, "ability") == "10"
    assert shown(page, "total") == "90"


def test_a_blank_field_of_a_list_is_not_given_as_for_kpi_eval(page, tmp_path):
    # docs/patterns/peer_review_trimmed.kpi, P2 and P4 of its hand-worked examples: the blank
    # fields are colleagues who did not rate, neither a 0 nor a field still to fill in
    scorer = load_rubric(ROOT / "docs" / "patterns" / "peer_review_trimmed.kpi")
    form = tmp_path / "f.html"
    form.write_text(render(scorer.plan), encoding="utf-8")
    page.goto(form.as_uri())
    fill(page, scorer.plan, "P2", "", {"supervisor": "70", "peer1": "95", "peer2": "60", "peer3": "80",
                                       "peer4": "85", "peer5": "70"})
    # five ratings: drop 95 and 60, (80 + 85 + 70) ÷ 3 = 78.33; 0.6 × 70 + 0.4 × 78.33 = 73.33
    assert (shown(page, "peer_score"), shown(page, "total")) == ("78.33", "73.33")
    assert "final" in page.locator("#status").get_attribute("class")
    page.fill('[data-column="peer5"]', "")
    page.fill('[data-column="peer1"]', "88")
    page.fill('[data-column="peer2"]', "92")
    page.fill('[data-column="peer3"]', "76")
    page.fill('[data-column="peer4"]', "84")
    page.fill('[data-column="supervisor"]', "60")
    # P4: four ratings, 340 ÷ 4 = 85.00; 0.6 × 60 + 0.4 × 85 = 70.00
    assert (shown(page, "peer_score"), shown(page, "total")) == ("85.00", "70.00")
    assert "final" in page.locator("#status").get_attribute("class")
    assert page.kpi_errors == []
