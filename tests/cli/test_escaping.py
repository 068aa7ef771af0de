"""Escape by construction: every format kpi writes (CSV, JSON, XLSX, SARIF, GitHub annotations,
Markdown pages, the HTML form) takes a hostile label, title or file name as data.  One test per
format, each through the real `kpi` command, each with the name or label a hostile or careless
author would write."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]

# the link a Markdown renderer would run, the tag an HTML page would load, a formula a
# spreadsheet would compute
HOSTILE_NAME = "x) [a](javascript:alert(1)) <img onerror=alert(1)>"
NAMES = ["a b.kpi", "a#b.kpi", "100%.kpi", "考核 表.kpi", HOSTILE_NAME + ".kpi"]

RUBRIC = """rubric "=HYPERLINK(\\"http://x\\",\\"y\\")"
input rate "+及时率": percent
item a "=1+1" points 100 { proportional rate }
grade ok "@合格" when >= 60
grade bad "-不合格" otherwise
"""


def kpi(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kpidsl.cli.main", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=120)


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "r.kpi").write_text(RUBRIC, encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text("id,period,rate\np,2024-01,93%\n", encoding="utf-8")
    return tmp_path / "r.kpi", data


def test_json_results_neutralise_the_title_and_every_label_as_csv_does(hostile):
    rubric, data = hostile
    r = kpi("eval", rubric, data, "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["rubric"] == "'=HYPERLINK(\"http://x\",\"y\")"
    labels = {c["key"]: c["label"] for c in doc["columns"]}
    assert labels["a"] == "'=1+1"
    assert doc["rows"][0]["grade"] == "'@合格"  # 93% of 100 points: 93 >= 60
    assert not any(str(v).startswith(("=", "+", "-", "@")) for v in [doc["rubric"], *labels.values()])
    # the CSV header says the same words, through the same function
    csv_header = kpi("eval", rubric, data).stdout.splitlines()[0]
    assert "'=1+1" in csv_header.split(",")


def test_xlsx_results_keep_a_formula_like_label_as_text(hostile, tmp_path):
    from openpyxl import load_workbook
    rubric, data = hostile
    out = tmp_path / "o.xlsx"
    r = kpi("eval", rubric, data, "-o", out)
    assert r.returncode == 0, r.stderr
    ws = load_workbook(out).active
    header = {c.value: c for c in ws[1]}
    assert "=1+1" in header and header["=1+1"].data_type == "s"


def _sarif_uris(doc: dict) -> list[str]:
    return [loc["physicalLocation"]["artifactLocation"]["uri"] for run in doc["runs"] for res in run["results"]
            for loc in res["locations"]]


@pytest.mark.parametrize("name", NAMES)
def test_sarif_uris_are_percent_encoded_and_read_back_as_the_file(tmp_path, name):
    (tmp_path / name).write_text('rubric "x"\nitem a "A" points 90\n', encoding="utf-8")  # KPI101: weights
    relative = kpi("check", name, "--format", "sarif", cwd=tmp_path)
    absolute = kpi("check", tmp_path / name, "--format", "sarif")
    for r in (relative, absolute):
        assert r.returncode == 1, r.stderr
    [rel] = set(_sarif_uris(json.loads(relative.stdout)))
    [abs_] = set(_sarif_uris(json.loads(absolute.stdout)))
    for uri in (rel, abs_):
        assert not set(uri) & set(" #%<>()[]\"'") - {"%"} and "%" in uri, uri  # every odd byte encoded
    assert unquote(rel) == name
    parsed = urlparse(abs_)
    assert parsed.scheme == "file" and unquote(parsed.path) == str(tmp_path / name)


def test_sarif_uri_spelled_by_hand():
    from kpidsl.cli.report import file_uri
    assert file_uri("a b#c%d.kpi") == "a%20b%23c%25d.kpi"
    assert file_uri("考核.kpi") == "%E8%80%83%E6%A0%B8.kpi"  # UTF-8 bytes E8 80 83, E6 A0 B8
    assert file_uri("/r/x (1).kpi") == "file:///r/x%20%281%29.kpi"


def test_github_annotations_keep_a_hostile_file_name_in_its_property(tmp_path):
    name = "a,b:c%d.kpi"
    (tmp_path / name).write_text('rubric "x"\nitem a "A" points 90\n', encoding="utf-8")
    r = kpi("check", name, "--format", "github", cwd=tmp_path)
    assert r.returncode == 1
    line = r.stdout.splitlines()[0]
    assert line.startswith("::error file=a%2Cb%3Ac%25d.kpi,line=1,"), line


def test_docs_index_and_pages_link_a_hostile_file_name_as_an_address(tmp_path):
    import markdown
    src = tmp_path / "src"
    src.mkdir()
    rubric = src / (HOSTILE_NAME + ".kpi")
    rubric.write_text('rubric "考核"\ninput rate "及时率": percent\n'
                      'item a "A" points 100 { proportional rate }\n', encoding="utf-8")
    site = tmp_path / "site"
    r = kpi("docs", rubric, "-o", site)
    assert r.returncode == 0, r.stderr
    index = (site / "index.md").read_text(encoding="utf-8")
    page = (site / (HOSTILE_NAME + ".md")).read_text(encoding="utf-8")
    assert "(x%29%20%5Ba%5D%28javascript%3Aalert%281%29%29%20%3Cimg%20onerror%3Dalert%281%29%3E.md)" in index
    for text in (index, page):
        html = markdown.markdown(text, extensions=["tables"])
        assert "<img onerror" not in html and 'href="javascript:' not in html, html
    # the encoded address names the file that was written
    target = index.split("](", 1)[1].split(")", 1)[0]
    assert (site / unquote(target)).is_file()
    charts = [line.split("](", 1)[1][:-1] for line in page.splitlines() if line.startswith("![")]
    assert charts and all((site / unquote(c)).is_file() for c in charts)


def test_form_keeps_hostile_labels_text(tmp_path):
    (tmp_path / "r.kpi").write_text('rubric "</script><img src=x onerror=alert(1)>"\ninput rate "<b>率</b>": percent\n'
                                    'item a "</textarea><script>alert(1)</script>" points 100 '
                                    '{ proportional rate }\n', encoding="utf-8")
    out = tmp_path / "f.html"
    r = kpi("form", tmp_path / "r.kpi", "-o", out)
    assert r.returncode == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    assert "<img src=x" not in html and "<script>alert(1)" not in html and "<b>率" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
