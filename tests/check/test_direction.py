"""`higher is better` / `lower is better`: the checker proves each item's points move the
declared way with the value (KPI125 when they provably do not), through every rule and
through formulas, and stays quiet where the direction cannot be decided."""

from pathlib import Path

import pytest

from kpidsl.api import check_files, check_text
from kpidsl.syntax.parser import parse
from kpidsl.syntax.printer import source_text

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "direction" / "wardrobe_inverted.kpi"

HEAD = 'rubric "方向"\n'


def codes(text: str) -> list[tuple[str, int]]:
    return [(d.code, d.span.line) for d in check_text(HEAD + text)]


def kpi125(text: str) -> list[str]:
    return [d.message for d in check_text(HEAD + text) if d.code == "KPI125"]


def test_the_seeds_inverted_wardrobe_formula_is_named():
    diags, _ = check_files([FIXTURE])
    (d,) = diags
    assert (d.code, d.severity.value, d.span.line) == ("KPI125", "warning", 16)
    assert "`install_errors` gives more points as `error_rate` rises" in d.message
    assert "lower is better" in d.message
    assert "target / max(actual, target)" in d.hint
    assert [r.span.line for r in d.related] == [7]  # where the direction is declared


def test_the_corrected_wardrobe_rubric_passes_with_directions_declared():
    text = (ROOT / "rubrics" / "wardrobe_installer.kpi").read_text(encoding="utf-8")
    for name in ("error_rate", "leftover_rate", "complaints", "late_orders", "unfiled"):
        text = text.replace(f"input {name} ", f"input {name} ", 1)
        head, sep, rest = text.partition(f"input {name} ")
        line, nl, tail = rest.partition("\n")
        label, colon, unit_part = line.partition(": ")
        unit, space, more = unit_part.partition(" ")
        text = head + sep + label + colon + unit + " lower is better" + (space + more) + nl + tail
    for name in ("sales", "signed"):
        head, sep, rest = text.partition(f"input {name} ")
        line, nl, tail = rest.partition("\n")
        label, colon, unit_part = line.partition(": ")
        unit, space, more = unit_part.partition(" ")
        text = head + sep + label + colon + unit + " higher is better" + (space + more) + nl + tail
    assert text.count(" is better") == 7
    diags = check_text(text)
    assert not [d for d in diags if d.code == "KPI125"], diags


BASE = ('input err "差错率": percent lower is better\n'
        'input goal "目标": percent range 1%..100%\n'
        'input n "次数": count lower is better\n'
        'input sales "销售额": money higher is better\n'
        'input quota "指标": money range 1..\n')


@pytest.mark.parametrize("rule,warns", [
    ("proportional err / goal", True),                      # the seed's mistake
    ("proportional goal / max(err, goal)", False),          # its correction
    ("proportional 1 - err", False),
    ("proportional min(err / goal, 100%)", True),            # clamping keeps the direction
    ("ratio err target 5% ±1pt base 50", True),
    ("ratio -err target -5% ±1pt base 50", False),
    ("deduct 5 per n", False),
    ("deduct 5 per max(10 - n, 0)", True),                   # a deduction for what is good
    ("deduct 5 per floor(n / 3)", False),
    ("change err by -2pt per 1% base 50", False),
    ("change err by 2pt per 1% base 50", True),
])
def test_each_rule_turns_its_subject_the_right_way(rule, warns):
    text = BASE + f'item a "A" points 100 {{ {rule} }}\n'
    assert bool(kpi125(text)) is warns, check_text(HEAD + text)


@pytest.mark.parametrize("tiers,warns", [
    ("when <= 1%: 100\n when > 1% and <= 5%: 50\n when > 5%: 0", False),
    ("when <= 1%: 0\n when > 1% and <= 5%: 50\n when > 5%: 100", True),
    ("when > 5%: 100\n else: 0", True),                     # `else` fills the values below
    ("when > 5%: 0\n else: 100", False),
])
def test_tiers_go_the_way_their_points_rise(tiers, warns):
    text = BASE + f'item a "A" points 100 {{\n tiers err {{\n {tiers}\n }}\n}}\n'
    assert bool(kpi125(text)) is warns, check_text(HEAD + text)


def test_through_metrics_and_products_of_known_sign():
    metric = 'metric rate "完成率": percent range 0%..1000% = sales / quota\n'
    assert not kpi125(BASE + metric + 'item a "A" points 100 { proportional rate }\n')
    assert kpi125(BASE + metric + 'item a "A" points 100 { proportional 2 - rate }\n')
    # -1 × sales falls as sales rises; the deduction of it then rises
    assert kpi125(BASE + 'item a "A" points 100 { proportional -1 * sales / quota + 1 }\n')


def test_undecidable_directions_say_nothing():
    # sales - err × quota: err's term falls, sales' rises; err alone: falls, so the points are fine
    assert not kpi125(BASE + 'item a "A" points 100 { proportional sales / quota - err }\n')
    # (err - goal) × (goal - err) goes up then down: neither way, no warning
    assert not kpi125(BASE + 'item a "A" points 100 { proportional (err - goal) * (goal - err) }\n')
    # a share of a sum: sales rises in the top and the bottom at once, so the quotient's way is
    # not decided by the signs alone; no warning (and no error that would skip the analysis)
    share = BASE + 'item a "A" points 100 { proportional sales / (sales + quota) }\n'
    assert not [d for d in check_text(HEAD + share) if d.severity.value == "error"]
    assert not kpi125(share)


def test_a_directed_metric_that_contradicts_its_inputs():
    text = BASE + 'metric accuracy "准确率": percent higher is better = err\nitem a "A" points 100 { proportional accuracy }\n'
    msgs = kpi125(text)
    assert any("metric `accuracy` is higher is better, but it rises as `err` rises" in m for m in msgs)
    fixed = BASE + 'metric accuracy "准确率": percent higher is better = 1 - err\nitem a "A" points 100 { proportional accuracy }\n'
    assert not kpi125(fixed)


def test_one_warning_an_item_naming_the_value_its_rule_reads():
    text = BASE + ('metric ratio "差错比": number lower is better range 0..100 = err / goal\n'
                   'item a "A" points 100 { proportional ratio }\n')
    msgs = [m for m in kpi125(text) if m.startswith("item")]
    assert len(msgs) == 1 and "`ratio` rises" in msgs[0]


def test_no_direction_no_analysis_and_errors_first():
    assert not kpi125('input err "差错率": percent\nitem a "A" points 100 { proportional err }\n')
    # an unsound rubric is reported for what is wrong, not for its direction
    assert [c for c, _ in codes(BASE + 'item a "A" points 90 { proportional err / goal }\n')
            if c in ("KPI101", "KPI125")] == ["KPI101"]


def test_direction_prints_back_and_twice_is_an_error():
    text = HEAD + 'input err "差错率": percent range 0%..50% lower is better from system "记录"\n'
    tree = parse(text)
    assert 'input err "差错率": percent range 0%..50% lower is better from system "记录"' in source_text(tree)
    twice = check_text(HEAD + 'input err: percent lower is better higher is better\nitem a points 100 { proportional err }\n')
    assert [d.code for d in twice] == ["KPI106"]


@pytest.mark.lsp
def test_editors_offer_the_direction_and_highlight_it():
    pytest.importorskip("pygls")
    from kpidsl.lsp.keywords import accepted
    from kpidsl.syntax.highlight import vocabulary

    words, _ = accepted('input x "x": percent ')
    assert {"higher is better", "lower is better", "range", "from"} <= words
    assert {"higher", "lower", "better"} <= set(vocabulary()[0])
