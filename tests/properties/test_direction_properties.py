"""Direction (issue 12 item 10) as a law, on generated formulas whose monotonicity the
generator knows by construction (v rises: v + w rises, 100 - v falls, floor keeps, a
deduction turns it round...).  The laws: the checker never warns (KPI125) where the
item's points go the declared way, and always warns where they move against it; and the
evaluator's points really do move the generator's way along v (never a step the other
way), so the generator's bookkeeping is itself checked by the arithmetic, not assumed.
It found two bugs: `change floor(v)` compared this period's floor with itself (last
period's value was read only through sums and products), and a rule clamped to one value
was said to give "fewer points as v rises"."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpidsl.api import Scorer, check_text, load_text
from kpidsl.lower.lowerer import lower

HEAD = ('rubric "方向"\n'
        'input v "被考核值": count range 0..40 {direction}\n'
        'input w "另一个值": count range 1..40\n')


@st.composite
def formula(draw, depth: int = 0) -> tuple[str, int]:
    """(text, +1 when it rises with v, -1 when it falls); every node is monotone in v."""
    if depth >= 3 or draw(st.integers(0, 3)) == 0:
        return "v", 1
    inner, s = draw(formula(depth + 1))
    k = draw(st.integers(1, 9))
    shape = draw(st.sampled_from(["plus w", "k minus", "times k", "times -k", "over k", "floor", "ceil",
                                  "min w", "max w", "w minus", "plus itself"]))
    if shape == "plus w":
        return f"{inner} + w", s
    if shape == "k minus":
        return f"{k} - ({inner})", -s
    if shape == "times k":
        return f"({inner}) * {k}", s
    if shape == "times -k":
        return f"-{k} * ({inner})", -s
    if shape == "over k":
        return f"({inner}) / {k}", s
    if shape in ("floor", "ceil"):
        return f"{shape}({inner})", s
    if shape in ("min w", "max w"):
        return f"{shape[:3]}({inner}, w)", s
    if shape == "w minus":
        return f"w - ({inner})", -s
    other, t = draw(formula(depth + 1))
    return (f"({inner}) + ({other})", s) if t == s else (f"({inner}) - ({other})", s)


@st.composite
def case(draw) -> tuple[str, int, int]:
    """(rubric, the points' way with v, the declared way)."""
    f, s = draw(formula())
    better = draw(st.sampled_from([1, -1]))
    rule = draw(st.sampled_from(["proportional", "deduct", "change up", "change down", "tiers up", "tiers down"]))
    if rule == "proportional":
        body, way = f"proportional ({f}) / 100", s
    elif rule == "deduct":
        body, way = f"deduct 1 per max({f}, 0)", -s
    elif rule.startswith("change"):
        sign = 1 if rule == "change up" else -1
        body, way = f"change {f} by {'' if sign > 0 else '-'}2 per 1 base 50", s * sign
    else:
        up = rule == "tiers up"
        pts = (0, 50, 100) if up else (100, 50, 0)
        body = f"tiers {f} {{\n    when < 10: {pts[0]}\n    when >= 10 and < 20: {pts[1]}\n    else: {pts[2]}\n  }}"
        way = s if up else -s
    direction = "higher is better" if better > 0 else "lower is better"
    text = HEAD.format(direction=direction) + f'item a "考核项" points 100 {{\n  {body}\n}}\n'
    return text, way, better


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(case())
def test_the_checker_warns_exactly_when_the_points_go_against_the_direction(c):
    text, way, better = c
    diagnostics = check_text(text, "d.kpi")
    assert not [d for d in diagnostics if d.severity.value == "error"], (diagnostics, text)
    warned = any(d.code == "KPI125" for d in diagnostics)
    # the evaluator: along v, for a few values of w, the points never step against the
    # generator's way; whether they move at all decides if there is a direction to judge
    program, _ = load_text(text, "d.kpi")
    scorer = Scorer(lower(program))
    moves = False
    for w in (1, 7, 40):
        rows = [{"id": f"p{v}", "v": str(v), "w": str(w), "v.last": "20", "w.last": str(w)} for v in range(0, 41)]
        points = [r.steps["a"] for r in scorer.evaluate(rows)]
        for before, after in zip(points, points[1:]):
            assert (after - before) * way >= Decimal(0), (points, text, w)
            moves = moves or after != before
    # a warning is never given where the points go the declared way; and where they do move
    # the other way, a formula built only of monotone steps is always decided.  (A formula whose
    # range the interval arithmetic cannot narrow, `w - (v + w)`, may be warned about while its
    # clamp keeps the points at 0: KPI111 is given there too.)
    if warned:
        assert way != better, (diagnostics, text)
    if moves and way != better:
        assert warned, (way, better, diagnostics, text)


def test_change_reads_last_period_through_a_function(write):
    """50 − 2 × (floor(v) − floor(v.last)): 3 after 20 scores 50 + 34 = 84; 30 after 20 scores 30.
    Before the fix the function was applied to this period's value twice, and both scored 50."""
    from kpidsl.api import load_rubric

    text = ('rubric "环比"\ninput v "值": count range 0..40\n'
            'item a "考核项" points 100 {\n  change floor(v / 2) * 2 by -2 per 1 base 50\n}\n')
    s = load_rubric(write({"r.kpi": text}))
    got = [r.steps["a"] for r in s.evaluate([{"id": "a", "v": "3", "v.last": "20"},
                                             {"id": "b", "v": "31", "v.last": "21"}])]
    # floor(3/2)*2 = 2, floor(20/2)*2 = 20: 50 − 2 × (2 − 20) = 86; 30 − 20 = 10: 50 − 20 = 30
    assert got == [Decimal(86), Decimal(30)]


def test_a_rule_clamped_to_one_value_is_not_said_to_move():
    text = HEAD.format(direction="higher is better").replace('input w "另一个值": count range 1..40\n', "")
    text += 'item a "考核项" points 100 {\n  proportional -v / 100\n}\n'
    found = [d.code for d in check_text(text, "d.kpi")]
    assert "KPI111" in found and "KPI125" not in found, found
