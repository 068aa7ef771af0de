"""kpidsl benchmarks: `python benchmarks/run.py` prints the figures.

1. `kpi check` on a generated 10,000-item rubric (100 sections of 100 items,
   rules of every common kind), in-process (parse + check) and as the real CLI.
2. The CLI's cold start on a small rubric (`kpi check` as a fresh process).

Targets on the 2-core reference machine: 10,000-item check under 1 s, cold
start under 0.3 s. Figures are medians of several runs.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RULES = [
    'level "达标": 0.01\n    level "基本达标": 0.005\n    level "未达标": 0',
    "tiers rate {{ when >= 90%: 0.01 when >= 80% and < 90%: 0.005 when < 80%: 0 }}",
    "deduct 0.001 per late base 0.01",
    "ratio rate target 90% ±0.001pt base 0.005",
]


def big_rubric(items: int = 10_000, per_section: int = 100) -> str:
    lines = ['rubric "基准 10000 项"', "period monthly",
             'rater supervisor "主管" weight 100%', 'input rate "及时率": percent from system',
             'input late "迟到次数": count from supervisor']
    sections = items // per_section
    weight = f"{100 / sections:g}"
    item_points = 100 / items
    n = 0
    for s in range(sections):
        lines.append(f'section s{s} "第{s + 1}部分" weight {weight} {{')
        for _ in range(per_section):
            rule = RULES[n % len(RULES)].format()
            lines.append(f'  item i{n} "考核项目{n + 1}" points {item_points:g} {{\n    {rule}\n  }}')
            n += 1
        lines.append("}")
    lines.append('grade pass "合格" when >= 60\ngrade fail "不合格" otherwise')
    return "\n".join(lines) + "\n"


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    from kpidsl.api import check_text

    with tempfile.TemporaryDirectory() as d:
        big = Path(d) / "big.kpi"
        text = big_rubric()
        big.write_text(text, encoding="utf-8")
        diags = check_text(text, str(big))
        errors = [x for x in diags if x.severity.value == "error"]
        assert not errors, errors[:3]

        inproc = median_time(lambda: check_text(text, str(big)), 3)
        cli = [sys.executable, "-m", "kpidsl.cli", "check", str(big)]
        subprocess.run(cli, capture_output=True, check=False)  # warm the grammar cache
        cli_time = median_time(lambda: subprocess.run(cli, capture_output=True, check=False), 3)

        small = ROOT / "rubrics" / "installation_aftersales_card.kpi"
        if not small.exists():
            small = Path(d) / "small.kpi"
            small.write_text('rubric "小"\ninput r "及时率": percent\nitem a "A" points 100 { ratio r target 90% ±1pt }\n',
                             encoding="utf-8")
        kpi = [sys.executable, "-m", "kpidsl.cli", "check", str(small)]
        cold = median_time(lambda: subprocess.run(kpi, capture_output=True, check=False), 7)
        bare = median_time(lambda: subprocess.run([sys.executable, "-c", "pass"], capture_output=True), 7)

    print(f"10,000-item rubric ({len(text) / 1024:.0f} KiB, {text.count(chr(10))} lines)")
    print(f"  check in-process (parse + check): {inproc:.3f} s   target < 1 s")
    print(f"  kpi check as a process:           {cli_time:.3f} s")
    print(f"cold start, kpi check {small.name}: {cold:.3f} s   target < 0.3 s "
          f"(python -c pass alone: {bare:.3f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
