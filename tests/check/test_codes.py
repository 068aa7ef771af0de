"""Every diagnostic code: its documented wrong example raises it, its fixed example does not."""

import pytest

from kpidsl.api import check_files
from kpidsl.diagnostics.codes import CODES, EXAMPLE_LIBRARY, explain


def run(write, text):
    path = write({"a.kpi": text, EXAMPLE_LIBRARY[0]: EXAMPLE_LIBRARY[1]})
    diags, _ = check_files([path])
    return diags


@pytest.mark.parametrize("code", sorted(CODES))
def test_wrong_example_raises_the_code(code, write):
    diags = run(write, CODES[code].wrong)
    assert code in [d.code for d in diags], diags
    d = next(d for d in diags if d.code == code)
    assert d.severity.value == CODES[code].severity
    assert d.span.file.endswith("a.kpi") and d.span.line >= 1


@pytest.mark.parametrize("code", sorted(CODES))
def test_fixed_example_is_clean(code, write):
    diags = run(write, CODES[code].fixed)
    assert code not in [d.code for d in diags], diags
    assert not [d for d in diags if d.severity.value == "error"], diags


@pytest.mark.parametrize("code", sorted(CODES))
def test_explain_shows_both_examples(code):
    text = explain(code)
    assert CODES[code].title in text and "Wrong:" in text and "Fixed:" in text


def test_every_code_the_checker_can_emit_is_documented():
    import re
    from pathlib import Path

    import kpidsl

    # every module of the package, wherever pytest runs from
    package = Path(kpidsl.__file__).resolve().parent
    src = "".join(p.read_text(encoding="utf-8") for p in package.rglob("*.py") if p.name != "codes.py")
    emitted = set(re.findall(r'"(KPI\d{3})"', src))
    assert {"KPI101", "KPI120", "KPI140", "KPI152"} <= emitted  # the checker's own modules were read
    assert emitted <= set(CODES), emitted - set(CODES)


def test_diagnostics_page_is_up_to_date():
    from pathlib import Path

    from kpidsl.cli.docgen import diagnostics_markdown

    page = Path(__file__).resolve().parents[2] / "docs" / "diagnostics.md"
    assert page.read_text(encoding="utf-8") == diagnostics_markdown(), \
        "docs/diagnostics.md is stale: run `python -m kpidsl.cli.docgen`"
