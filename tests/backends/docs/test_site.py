"""`kpi docs` in a user's own site: a folder with the minimal mkdocs.yml docs/usage.md shows,
the pages `kpi docs` writes, and `mkdocs build --strict` with nothing but mkdocs installed
(no theme, no Markdown extension).  Anchors are validated too, so every item link on a page
must reach its item; and no `{#id}` attribute syntax may show as text."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _mkdocs() -> str:
    found = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or shutil.which("mkdocs")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("mkdocs is not installed (pip install mkdocs)")
        pytest.skip("mkdocs is not installed")
    return found


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_kpi_docs_pages_build_in_a_default_mkdocs_site(tmp_path, lang):
    mkdocs = _mkdocs()
    # the mkdocs.yml docs/usage.md tells a user to write, and strict anchor checks on top
    (tmp_path / "mkdocs.yml").write_text("site_name: 考核表\nvalidation:\n  anchors: warn\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "kpidsl.cli.main", "docs", str(ROOT / "rubrics"),
                          str(ROOT / "docs" / "patterns"), "-o", str(tmp_path / "docs"), "--lang", lang],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    build = subprocess.run([mkdocs, "build", "--strict"], capture_output=True, text=True, cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    assert "WARNING" not in build.stderr, build.stderr
    html = (tmp_path / "site" / "taobao_presales_agent" / "index.html").read_text(encoding="utf-8")
    assert 'id="discipline"' in html and 'href="#discipline"' in html
    for page in (tmp_path / "site").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"\{#[\w-]+\}", text), f"attr_list syntax shown as text in {page}"


def test_a_page_with_a_link_to_a_missing_anchor_fails_the_strict_build(tmp_path):
    """The site test above would notice a broken item link: mkdocs says so, and --strict fails."""
    mkdocs = _mkdocs()
    (tmp_path / "mkdocs.yml").write_text("site_name: t\nvalidation:\n  anchors: warn\n", encoding="utf-8")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# t\n\n[x](#nowhere)\n", encoding="utf-8")
    build = subprocess.run([mkdocs, "build", "--strict"], capture_output=True, text=True, cwd=tmp_path)
    assert build.returncode != 0 and "nowhere" in build.stderr
