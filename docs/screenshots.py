"""Screenshots of filled forms for the docs: `python docs/screenshots.py` (needs chromium
and a CJK font, e.g. Debian's fonts-wqy-microhei). Writes docs/img/form-zh.png and form-en.png."""

import csv
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from kpidsl.api import load_rubric  # noqa: E402
from kpidsl.backends.form.html import render  # noqa: E402
from test_form_browser import ARGS, CHROMIUM, fill  # noqa: E402

RUBRIC = ROOT / "rubrics" / "taobao_presales_agent.kpi"


def main() -> None:
    scorer = load_rubric(RUBRIC)
    with (ROOT / "rubrics" / "examples" / f"{RUBRIC.stem}.csv").open(encoding="utf-8-sig") as f:
        row = next(csv.DictReader(f))
    person = next(row[k] for k in (scorer.plan.person, "id", "工号", "姓名") if row.get(k))
    with tempfile.TemporaryDirectory() as d, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for lang, width in (("zh", 1100), ("en", 1100)):
            html = Path(d) / f"form-{lang}.html"
            html.write_text(render(scorer.plan, lang), encoding="utf-8")
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(html.as_uri())
            fill(page, scorer.plan, person, row.get("period", ""), row)
            out = ROOT / "docs" / "img" / f"form-{lang}.png"
            page.screenshot(path=str(out), full_page=True)
            print("wrote", out)
        phone = browser.new_page(viewport={"width": 390, "height": 800})
        phone.goto((Path(d) / "form-zh.html").as_uri())
        phone.screenshot(path=str(ROOT / "docs" / "img" / "form-phone.png"))
        print("wrote docs/img/form-phone.png")
        browser.close()


if __name__ == "__main__":
    main()
