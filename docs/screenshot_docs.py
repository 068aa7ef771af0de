"""A screenshot of a page `kpi docs` generates, as the site shows it: `python docs/screenshot_docs.py`
(needs the docs extra, chromium and a CJK font). Builds the site into a temporary folder and
writes docs/img/docs-page.png."""

import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_form_browser import ARGS, CHROMIUM  # noqa: E402

PAGE = "rubrics/installation_aftersales_card/index.html"


def main() -> None:
    with tempfile.TemporaryDirectory() as d, sync_playwright() as p:
        # --no-strict: the first build has no screenshot yet for the tutorial to show
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "--no-strict", "-q", "-d", d], check=True, cwd=ROOT)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1500})
        page.goto((Path(d) / PAGE).as_uri())
        page.locator("#first_time").scroll_into_view_if_needed()
        page.evaluate("document.querySelector('#first_time').scrollIntoView()")
        out = ROOT / "docs" / "img" / "docs-page.png"
        page.screenshot(path=str(out))
        print("wrote", out)


if __name__ == "__main__":
    main()
