"""Parsing and the shared arithmetic give the same answers when many threads use them at once
(a language server parses concurrently)."""

import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from kpidsl.diagnostics.diagnostic import KpiError
from kpidsl.numbers.semantics import div, quantize, round_to
from kpidsl.syntax.parser import parse

ROOT = Path(__file__).resolve().parents[2]
THREADS = 8


@contextmanager
def _switch_often():
    """Make the interpreter switch threads every microsecond instead of every 5 ms,
    so a race between two parses shows up in every run, not one in a thousand."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


# ---- parsing ----------------------------------------------------------------------------------------

# Rubrics the builder objects to (a clause given twice): their diagnostics must
# stay with their own parse too.
_TWICE = ('input r "及时率": percent range 0..1 range 0..2\n'
          'item a "A" points 10 bonus up to 1 { bonus up to 2 ratio r target 90% ±1pt }\n')


def _outcome(text: str, file: str):
    try:
        return parse(text, file)
    except KpiError as exc:
        return [(d.code, d.message, d.span) for d in exc.diagnostics]


def test_parses_in_many_threads_equal_the_parse_alone():
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "rubrics").glob("*.kpi"))]
    assert len(texts) >= 3
    # every job has its own file name, so a span built for another parse is caught
    jobs = [(text, f"r{i}-{n}.kpi") for n in range(6) for i, text in enumerate(texts)]
    jobs += [(_TWICE, f"twice-{n}.kpi") for n in range(6)]
    jobs += [(text[: len(text) // 2] + "\n}}} item", f"broken-{n}.kpi") for n, text in enumerate(texts)]
    expected = [_outcome(text, file) for text, file in jobs]
    assert any(isinstance(e, list) for e in expected) and any(not isinstance(e, list) for e in expected)
    with _switch_often(), ThreadPoolExecutor(THREADS) as pool:
        got = list(pool.map(lambda job: _outcome(*job), jobs))
    for (_, file), want, have in zip(jobs, expected, got):
        assert have == want, f"{file}: a parse in a thread differs from the same parse alone"


# ---- arithmetic ----------------------------------------------------------------------------------

# Quotients exact and not; the first is inexact in its 81st digit exactly where a
# wrong "exact" verdict would round a tie to even (0) instead of up (1E-20).
_DIVISIONS = [
    (Decimal("15" + "0" * 80 + "1E-102"), Decimal(3)),
    (Decimal(25000), Decimal(20000)), (Decimal(10), Decimal(3)), (Decimal("0.95"), Decimal("0.9")),
    (Decimal(7), Decimal(8)), (Decimal(1), Decimal(7)), (Decimal("-2.5"), Decimal("0.4")),
    (Decimal("1E+30"), Decimal("0.001")),
]
_ROUNDINGS = [(Decimal(x), Decimal(step), mode) for x in ("1.2345", "-2.5", "7.75", "0.125")
              for step in ("0.01", "0.5", "1", "5") for mode in ("half up", "half even", "up", "down")]


def _arithmetic(repeat: int) -> list:
    out = []
    for _ in range(repeat):
        out.extend(div(a, b) for a, b in _DIVISIONS)
    for _ in range(repeat // 10):
        out.extend(round_to(x, step, mode) for x, step, mode in _ROUNDINGS)
        out.extend(quantize(x, Decimal("0.1"), mode) for x, _, mode in _ROUNDINGS)
    return out


def test_division_and_rounding_in_many_threads_equal_the_work_alone():
    assert div(*_DIVISIONS[0]) == Decimal("1E-20")
    expected = _arithmetic(2000)
    with _switch_often(), ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(_arithmetic, [2000] * THREADS * 2))
    for got in results:
        assert got == expected
