"""The real mistakes of the seed documents, kept as fixtures:
each makes `kpi check` exit 1 (or warn) with the right code at the right line,
and nothing else.  The corrected rubrics in rubrics/ check clean."""

from pathlib import Path

import pytest

from kpidsl.api import check_files

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "seed_mistakes"

# fixture -> every diagnostic it must raise, as (code, line, column or None)
EXPECTED = {
    "supervisor_weights_105.kpi": [("KPI101", 7, None)],
    "supervisor_gap_at_1pct.kpi": [("KPI120", 17, None)],
    "supervisor_contradiction.kpi": [("KPI120", 16, None), ("KPI121", 18, None)],
    "installer_unreachable_max.kpi": [("KPI111", 16, None), ("KPI111", 21, None)],
    "logistics_weights_85.kpi": [("KPI101", 6, None)],
    "percent_vs_count.kpi": [("KPI130", 22, 12), ("KPI130", 23, 13), ("KPI131", 31, 13), ("KPI131", 32, 12)],
    "ecommerce_complaint_rate_count.kpi": [("KPI130", 4, 42)],
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_seed_mistake_is_caught_exactly(fixture):
    diags, _ = check_files([FIXTURES / fixture])
    got = sorted((d.code, d.span.line, d.span.column) for d in diags)
    want = sorted(EXPECTED[fixture])
    assert [(c, n) for c, n, _ in got] == [(c, n) for c, n, _ in want], diags
    for (_, _, col), (_, _, want_col) in zip(got, want):
        if want_col is not None:
            assert col == want_col


def test_every_fixture_is_covered():
    assert {p.name for p in FIXTURES.glob("*.kpi")} == set(EXPECTED)


def test_sums_list_every_contributor_with_its_line():
    diags, _ = check_files([FIXTURES / "supervisor_weights_105.kpi"])
    (d,) = diags
    assert "add up to 105, not 100" in d.message
    assert [r.span.line for r in d.related] == [11, 14, 17, 20, 23, 26, 29, 32, 35]
    assert d.hint.startswith("5 too many")


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_cli_exit_code(kpi, fixture):
    r = kpi("check", FIXTURES / fixture)
    errors = any(code != "KPI111" for code, _, _ in EXPECTED[fixture])
    assert r.returncode == (1 if errors else 0)
    assert kpi("check", "--strict", FIXTURES / fixture).returncode == 1


def test_shipped_rubrics_check_clean(kpi):
    r = kpi("check", "--strict", ROOT / "rubrics")
    assert r.returncode == 0, r.stdout
    assert "0 errors, 0 warnings" in r.stdout


def test_there_is_a_rubric_per_seed_scorecard():
    names = {p.stem for p in (ROOT / "rubrics").glob("*.kpi")}
    assert {"taobao_presales_agent", "aftersales_manager", "service_supervisor", "wardrobe_installer",
            "aftersales_supervisor_kpi", "installation_aftersales_card", "ecommerce_commission",
            "logistics_monthly", "logistics_scorecard", "service_department_points",
            "logistics_year_bonus", "ecommerce_service_handbook", "logistics_department_plan",
            "ecommerce_service_rules"} <= names
