"""`kpi lsp` re-check latency: a 200-item rubric, edited, parsed, checked and turned into LSP diagnostics.

    python benchmarks/lsp_bench.py          # 200 items, 30 edits
    python benchmarks/lsp_bench.py 1000 10  # more items, fewer edits

Each edit changes one item's points (every other edit breaks the section's weight sum,
so half the re-checks report a KPI102 with related locations and a hint).  The figure is
what the server does between the debounce firing and publishDiagnostics: ``analyze``
(parse, load, check, index the names) plus the conversion to LSP diagnostics.
Target on the 2-core reference machine: well under 100 ms for 200 items.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RULES = [
    "tiers rate {{ when >= 90%: {p} when >= 80% and < 90%: {h} when < 80%: 0 }}",
    "deduct 1 per late base {p}",
    "proportional rate / 100%",
    'level "达标": {p}\n    level "未达标": 0',
]


def rubric(items: int) -> str:
    per_section = 20
    sections = max(items // per_section, 1)
    out = ['rubric "基准"', 'input rate "达成率": percent', 'input late "迟到次数": count', ""]
    weight = 100 // sections
    weights = [weight] * sections
    weights[-1] += 100 - weight * sections
    for s in range(sections):
        out.append(f'section s{s} "第{s}部分" weight {weights[s]}% out of {per_section * 5} {{')
        for i in range(per_section):
            rule = RULES[i % len(RULES)].format(p=5, h=3)
            out.append(f'  item i{s}_{i} "指标{s}-{i}" points 5 {{\n    {rule}\n  }}')
        out.append("}")
    return "\n".join(out) + "\n"


def main() -> None:
    from kpidsl.lsp.analysis import analyze
    from kpidsl.lsp.features import diagnostics

    items = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    edits = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    text = rubric(items)
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "bench.kpi")
        Path(path).write_text(text, encoding="utf-8")
        first = analyze(path, text)
        assert first.parsed and not first.diagnostics, first.diagnostics[:3]
        assert len([d for d in first.definitions.values() if d.kind == "item"]) == items
        times, found = [], 0
        for n in range(edits):
            edited = text.replace("item i0_0 \"指标0-0\" points 5", f"item i0_0 \"指标0-0\" points {5 + n % 2}")
            t = time.perf_counter()
            a = analyze(path, edited)
            found += len(diagnostics(a, lambda p: "file://" + p))
            times.append(time.perf_counter() - t)
    ms = [t * 1000 for t in times]
    print(f"kpi lsp re-check after an edit, {items} items ({len(text.splitlines())} lines), {edits} edits, "
          f"{found} diagnostics reported:")
    print(f"  median {statistics.median(ms):.1f} ms, best {min(ms):.1f} ms, worst {max(ms):.1f} ms  (target: well under 100 ms)")


if __name__ == "__main__":
    main()
