"""Laws that hold for every input, checked on generated ones (hypothesis)."""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark import Tree
from lark.exceptions import UnexpectedInput

from kpidsl.api import check_text
from kpidsl.diagnostics.diagnostic import Diagnostic
from kpidsl.numbers.intervals import Interval, gaps
from kpidsl.syntax import parser as kpi_parser
from kpidsl.syntax.grammar import compiled, parse_table, scan_table_for
from kpidsl.syntax.lalr import Driver, Rejected
from kpidsl.syntax.lexer import Scanner

# KPI_EXAMPLES=5000 python -m pytest tests/test_properties.py for a longer hunt.
EXAMPLES = int(os.environ.get("KPI_EXAMPLES", "300"))
ROOT = Path(__file__).resolve().parents[2]
SAMPLES = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "rubrics").glob("*.kpi"))] or [
    'rubric "x"\ninput r "及时率": percent\nitem a "A" points 100 { tiers r { when >= 90%: 100 else: 0 } }\n'
]
SAMPLES.append(
    'rubric "样例"\nrater self "自评" weight 40%\nrater boss "主管评" weight 60%\n'
    'input r "及时率": percent range 0%..120%\ninput n "次数": count\ninput law "违法": yes/no\n'
    'section s "业绩" weight 70% out of 100 {\n'
    '  item a "A" points 60 { ratio r target 90% ±1pt base 50 }\n'
    '  item b "B" points 40 { deduct 5 per n no floor }\n}\n'
    'section t "行为" weight 30% {\n  item c "C" points 30 { scale 1: 10, 2: 20, 3: 30 }\n}\n'
    'veto law "违法" zeroes appraisal\n'
    'grade good "良好" when >= 80\ngrade bad "不合格" otherwise\n'
    'pay p "提成" = progressive r { from 0: 1% from 1: 2% } when r > 10%\n'
)

# Pieces people really type, good and bad, so mutations stay near the language.
TOKENS = ["item", "section", "tiers", "when", "else", "level", "ratio", "deduct", "per", "base",
          "weight", "points", "{", "}", ":", "=", ",", "..", ">=", "<", "90%", "1pt", "3", "-",
          '"标签"', "rate", "：", "，", "％", "\n", " ", "#注释\n", "±", "grade", "otherwise",
          "input", "percent", "count", "use", '"missing.kpi"', "0", "100", "and", "between"]


def _only_diagnostics(text: str) -> None:
    result = check_text(text, "prop.kpi")
    assert isinstance(result, list)
    assert all(isinstance(d, Diagnostic) for d in result)
    for d in result:
        assert d.message and d.code.startswith("KPI")
        for internal in ("__ANON", "$END", "Traceback"):
            assert internal not in d.message


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_gives_only_diagnostics(text):
    _only_diagnostics(text)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=60))
def test_any_token_soup_gives_only_diagnostics(tokens):
    _only_diagnostics(" ".join(tokens))


def _mutate(text: str, data, edits: tuple[int, int]) -> str:
    """``text`` with a few spans replaced by pieces people really type."""
    for _ in range(data.draw(st.integers(*edits))):
        i = data.draw(st.integers(0, len(text)))
        j = data.draw(st.integers(i, min(len(text), i + 12)))
        text = text[:i] + data.draw(st.sampled_from(TOKENS + [""])) + text[j:]
    return text


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLES), st.data())
def test_mutated_rubrics_give_only_diagnostics(sample, data):
    _only_diagnostics(_mutate(sample, data, (1, 4)))


# ---- the fast driver against lark's own, on the same table ----------------------------------------


class _TreeRules(type):
    def __getattr__(cls, name):
        if name.startswith("_"):
            raise AttributeError(name)  # lark's repetition rules: spliced, never built
        return lambda builder, children: Tree(name, list(children))


class _Trees(metaclass=_TreeRules):
    """A builder that makes lark's own parse trees, so the fast driver's shaping
    (dropped keywords, ``?rule`` expansion, spliced repetitions) can be compared
    with lark's.  The driver looks rule methods up on the class."""


def _shape(x):
    if isinstance(x, Tree):
        return (x.data, [_shape(c) for c in x.children])
    return (x.type, x.value, x.line, x.column, x.end_column)


def _same_as_lark(text: str) -> None:
    lark = compiled()
    table = parse_table(lark)
    driver = Driver(table, Scanner(scan_table_for(lark), table.states), _Trees)
    try:
        ours = _shape(driver.parse(text, _Trees()))
    except Rejected:
        ours = "rejected"
    try:
        theirs = _shape(lark.parse(text))
    except UnexpectedInput:
        theirs = "rejected"
    assert ours == theirs


@pytest.mark.parametrize("sample", range(len(SAMPLES)))
def test_fast_driver_builds_what_lark_builds(sample):
    assert kpi_parser.parse(SAMPLES[sample])  # the sample parses at all, so the comparison means something
    _same_as_lark(SAMPLES[sample])


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLES), st.data())
def test_fast_driver_accepts_and_rejects_what_lark_does(sample, data):
    _same_as_lark(_mutate(sample, data, (0, 3)))


# ---- intervals: the arithmetic behind gap and overlap checks -----------------------------------

bound = st.one_of(st.none(), st.integers(-20, 20).map(Decimal))


@st.composite
def intervals(draw, integer=False):
    lo, hi = draw(bound), draw(bound)
    return Interval(lo, hi, draw(st.booleans()) and lo is not None, draw(st.booleans()) and hi is not None, integer)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.booleans(), st.data())
def test_gaps_are_exactly_the_uncovered_points(integer, data):
    domain = data.draw(intervals(integer))
    parts = data.draw(st.lists(intervals(integer), max_size=4))
    holes = gaps(domain, parts)
    # probe every half-integer between -25 and 25
    for k in range(-50, 51):
        x = Decimal(k) / 2
        if integer and x != x.to_integral_value():
            continue
        in_domain = domain.contains(x)
        covered = any(p.contains(x) for p in parts)
        in_hole = any(h.contains(x) for h in holes)
        assert in_hole == (in_domain and not covered), (x, domain, parts, holes)
    for h in holes:
        w = h.witness()
        assert w is not None and domain.contains(w) and not any(p.contains(w) for p in parts)


# Statement skeletons with holes, so generated rubrics reach deep into the checker.
EXPRS = ["5", "5%", "zz", "a", "a / b", "a + 5%", "average(zz over year)", "max(a, 3次)", "sum(a over team)",
         "progressive a { from 0: 1% }", "-a", "a * b - 2元", "total", "coefficient", "count(a over team)"]
STMTS = [
    'input a "A": {unit}', 'input b "B": {unit} range {q}..{q}', 'metric m "M": {unit} = {e}',
    'item i{n} "I" points {q} {{ proportional {e} }}', 'item j{n} "J" points {q} {{ tiers {e} {{ when > {q}: {q} when < {q}: 0 }} }}',
    'item k{n} "K" points {q} {{ ratio {e} target {q} ±{q} }}', 'item l{n} "L" points {q} {{ deduct {q} per {e} }}',
    'item c{n} "C" points {q} {{ change {e} by -{q} per {q} }}', 'pay p{n} "P" = {e} when {e} > {q}',
    'award w{n} "W" {q} when {e}', 'grade g{n} "G" when >= {q}', 'exclude when {e}', 'veto a "V" zeroes appraisal',
    'section s{n} "S" weight {q} out of {q} {{ item x{n} "X" points {q} }}', 'rater r{n} "R" weight {q}',
]
UNITS = ["percent", "count", "money", "hours", "days", "points", "number", "level", "yes/no"]
QS = ["0", "1", "90", "90%", "1pt", "200元", "3次", "24h", "0.5", "100"]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(STMTS), st.sampled_from(UNITS), st.sampled_from(QS),
                          st.sampled_from(EXPRS)), min_size=1, max_size=8))
def test_generated_rubrics_give_only_diagnostics(parts):
    lines = ['rubric "生成"']
    for n, (stmt, unit, q, e) in enumerate(parts):
        lines.append(stmt.format(unit=unit, q=q, e=e, n=n))
    _only_diagnostics("\n".join(lines))


def test_regression_bare_metric_and_unknown_aggregate():
    _only_diagnostics('metric m "x": money = 5')
    _only_diagnostics("metric m: money = average(zz over year)")
