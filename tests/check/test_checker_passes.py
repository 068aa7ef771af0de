"""The checker's passes: the order checker.PASSES states keeps what each pass reads after the
pass that builds it, and one check's state does not leak into the next."""

from kpidsl.api import load_text
from kpidsl.check import bands, names, statements, weights
from kpidsl.check.checker import PASSES, check
from kpidsl.check.direction import directions

RUBRIC = '''rubric "两项"
input r "及时率": percent
item a "A" points 50 { proportional r }
item b "B" points 40 { proportional r }
grade good "好" when >= 60
grade bad "差" when < 50
'''


def test_passes_run_after_what_they_read():
    at = {p: i for i, p in enumerate(PASSES)}
    assert PASSES[0] is names.collect  # every other pass looks names up
    assert PASSES[-1] is names.unused  # every other pass has marked what it read
    # the total's range and the top-level contributions come from the members pass
    for reader in (weights.top_level, bands.grade_bands, statements.results_and_rules, directions):
        assert at[weights.members] < at[reader], reader.__name__
    # directions speaks only when no other pass found an error: all of those run before it
    assert all(at[p] < at[directions] for p in PASSES if p is not directions and p is not names.unused)


def test_each_check_starts_from_nothing():
    program, diags = load_text(RUBRIC, "two.kpi")
    assert program is not None and not diags
    # 50 + 40 = 90 of 100 points; totals run 0..90, and 50 up to 60 get no grade
    want = [("KPI101", "the top-level sections and items add up to 90, not 100"),
            ("KPI150", "the grade bands leave a gap: totals >= 50 and < 60 get no grade (totals run 0..90)")]
    first = [(d.code, d.message) for d in check(program)]
    second = [(d.code, d.message) for d in check(program)]
    assert first == want
    assert second == want
