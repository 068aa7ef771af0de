"""`kpi eval` throughput and memory: a 20-item rubric over generated rows.

    python benchmarks/eval_bench.py            # 1,000,000 rows, 3 alternating runs each (about 4 minutes)
    python benchmarks/eval_bench.py 100000 1   # fewer rows, one run each

Prints rows per second and peak memory of `kpi eval` (streaming CSV to CSV),
next to a hand-written Python function of the same rubric using Decimal,
measured in the same run on the same file. Target: within 1.5x of the
hand-written function; memory flat in the number of rows.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUBRIC = """rubric "基准 20 项"
period monthly
round total to 0.01
input r1 "执行率": percent
input r2 "反馈及时率": percent
input r3 "回访率": percent
input r4 "一次合格率": percent
input r5 "满意度": percent
input late "迟到次数": count
input errs "差错次数": count
input complaints "投诉次数": count
input sales "销售额": money
input goal "目标销售额": money
section perf "业绩" weight 70% {
  item i1 "执行率" points 10 { tiers r1 { when >= 99%: 10 when >= 95% and < 99%: 8 when >= 90% and < 95%: 4 when < 90%: 0 } }
  item i2 "反馈及时率" points 5 { tiers r2 { when >= 90%: 5 when >= 80% and < 90%: 3 when < 80%: 0 } }
  item i3 "回访率" points 5 { tiers r3 { when = 100%: 5 when >= 90% and < 100%: 3 when < 90%: 0 } }
  item i4 "一次合格率" points 10 { ratio r4 target 90% ±1pt base 5 }
  item i5 "满意度" points 10 { ratio r5 target 95% ±1pt base 5 }
  item i6 "销售完成率" points 10 { proportional sales / goal }
  item i7 "差错" points 5 { deduct 1 per errs }
  item i8 "投诉" points 5 { deduct 2 per complaints }
  item i9 "迟到" points 5 { deduct 1 per late }
  item i10 "执行率加分" points 5 { tiers r1 { when >= 95%: 5 when < 95%: 0 } }
}
section behav "行为" weight 30% {
  item i11 "纪律" points 3 { level "好": 3 level "中": 2 level "差": 0 }
  item i12 "协作" points 3 { level "好": 3 level "中": 2 level "差": 0 }
  item i13 "激情" points 3 { level "好": 3 level "中": 2 level "差": 0 }
  item i14 "服务" points 3 { level "好": 3 level "中": 2 level "差": 0 }
  item i15 "学习" points 3 { level "好": 3 level "中": 2 level "差": 0 }
  item i16 "沟通" points 3 { level "好": 3 level "中": 2 level "差": 0 }
  item i17 "责任" points 3 { level "好": 3 level "中": 2 level "差": 0 }
  item i18 "主动" points 3 { level "好": 3 level "中": 2 level "差": 0 }
  item i19 "细致" points 3 { level "好": 3 level "中": 2 level "差": 0 }
  item i20 "服从" points 3 { level "好": 3 level "中": 2 level "差": 0 }
}
grade good "良好" when >= 80
grade pass "合格" when >= 60 and < 80
grade fail "不合格" otherwise
"""

HEADER = (["id", "period", "r1", "r2", "r3", "r4", "r5", "late", "errs", "complaints", "sales", "goal"]
          + [f"i{k}" for k in range(11, 21)])


def generate(path: Path, n: int) -> None:
    rnd = random.Random(7)
    with path.open("w", encoding="utf-8") as f:
        f.write(",".join(HEADER) + "\n")
        for i in range(n):
            pcts = [f"{rnd.randint(70, 100)}%" for _ in range(5)]
            counts = [str(rnd.randint(0, 6)) for _ in range(3)]
            money = [str(rnd.randint(5000, 30000)), str(rnd.choice([10000, 20000]))]
            levels = [rnd.choice(("3", "2", "0")) for _ in range(10)]
            f.write(",".join([f"E{i}", "2024-01", *pcts, *counts, *money, *levels]) + "\n")


# The rubric written by hand with Decimal, as a program of its own (python_path.py runs it
# on other spellings, passing its own percent reader).
HAND_SCORE = r'''import csv, sys
from decimal import Decimal as D, ROUND_HALF_UP, ROUND_HALF_EVEN

Q20 = D(1).scaleb(-20)
Z = D(0)

def pct(s):
    return D(s[:-1]) / 100

def clamp(x, lo, hi):
    return min(max(x, lo), hi)

def score(r, pct=pct):
    r1, r2, r3, r4, r5 = (pct(r[k]) for k in ("r1", "r2", "r3", "r4", "r5"))
    late, errs, compl = D(r["late"]), D(r["errs"]), D(r["complaints"])
    sales, goal = D(r["sales"]), D(r["goal"])
    i1 = D(10) if r1 >= D("0.99") else D(8) if r1 >= D("0.95") else D(4) if r1 >= D("0.9") else Z
    i2 = D(5) if r2 >= D("0.9") else D(3) if r2 >= D("0.8") else Z
    i3 = D(5) if r3 == 1 else D(3) if r3 >= D("0.9") else Z
    i4 = clamp(D(5) + (r4 - D("0.9")) * 100, Z, D(10))
    i5 = clamp(D(5) + (r5 - D("0.95")) * 100, Z, D(10))
    i6 = clamp(D(10) * (sales / goal).quantize(Q20, ROUND_HALF_EVEN), Z, D(10))
    i7 = max(D(5) - errs, Z)
    i8 = max(D(5) - 2 * compl, Z)
    i9 = max(D(5) - late, Z)
    i10 = D(5) if r1 >= D("0.95") else Z
    levels = [D(r[f"i{k}"]) for k in range(11, 21)]
    perf = i1 + i2 + i3 + i4 + i5 + i6 + i7 + i8 + i9 + i10
    behav = sum(levels, Z)
    total = (perf + behav).quantize(D("0.01"), ROUND_HALF_UP)
    grade = "良好" if total >= 80 else "合格" if total >= 60 else "不合格"
    return [i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, perf, *levels, behav, total, grade]

'''

HAND_WRITTEN = r'''
"""The same rubric as benchmarks/eval_bench.py, written by hand with Decimal."""
''' + HAND_SCORE + r'''
def main(src, dst):
    with open(src, encoding="utf-8", newline="") as f, open(dst, "w", encoding="utf-8", newline="") as g:
        w = csv.writer(g)
        # the same columns kpi eval writes: every item, both sections, the total and the grade
        w.writerow(["id", *[f"i{k}" for k in range(1, 11)], "perf", *[f"i{k}" for k in range(11, 21)],
                    "behav", "total", "grade"])
        for r in csv.DictReader(f):
            w.writerow([r["id"], *score(r)])

main(sys.argv[1], sys.argv[2])
'''

MEASURE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
           "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
           "dt = time.perf_counter() - t; "
           "print(p.returncode, dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
           "print(p.stderr[-2000:], file=sys.stderr)")


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MiB) of a command, in a fresh process."""
    p = subprocess.run([sys.executable, "-c", MEASURE, *cmd], capture_output=True, text=True)
    code, dt, rss = p.stdout.split()
    if code != "0":
        raise SystemExit(f"{' '.join(cmd)} failed:\n{p.stderr}")
    return float(dt), int(rss) / 1024


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        rubric, hand = d / "bench.kpi", d / "hand.py"
        rubric.write_text(RUBRIC, encoding="utf-8")
        hand.write_text(HAND_WRITTEN, encoding="utf-8")
        print(f"20-item rubric, {n:,} rows (generating…)", flush=True)
        small, big = d / "small.csv", d / "big.csv"
        generate(small, max(n // 10, 1000))
        generate(big, n)
        kpi = [sys.executable, "-m", "kpidsl.cli.main", "eval", str(rubric)]
        t_small, m_small = measure(kpi + [str(small), "-o", str(d / "out_small.csv")])
        # Alternate the two so a busy moment on the machine hits both alike; report medians.
        kpi_runs, hand_runs = [], []
        for _ in range(repeat):
            kpi_runs.append(measure(kpi + [str(big), "-o", str(d / "out.csv")]))
            hand_runs.append(measure([sys.executable, str(hand), str(big), str(d / "hand.csv")]))
        t_kpi, m_kpi = statistics.median(t for t, _ in kpi_runs), max(m for _, m in kpi_runs)
        t_hand, m_hand = statistics.median(t for t, _ in hand_runs), max(m for _, m in hand_runs)
        ratios = sorted(k / h for (k, _), (h, _) in zip(kpi_runs, hand_runs))
        # the two agree on every total
        import csv
        with (d / "out.csv").open(encoding="utf-8") as a, (d / "hand.csv").open(encoding="utf-8") as b:
            ka, kb = csv.DictReader(a), csv.DictReader(b)
            mismatches = 0
            for x, y in zip(ka, kb):
                mine = [x[h] for h in ka.fieldnames[2:2 + 23]] + [x["等级"]]
                theirs = [y[h] for h in kb.fieldnames[1:]]
                mismatches += [Decimal(a) for a in mine[:-1]] != [Decimal(b) for b in theirs[:-1]] or mine[-1] != theirs[-1]
    print(f"  kpi eval:     {n / t_kpi:>10,.0f} rows/s  ({t_kpi:.1f} s)  peak {m_kpi:.0f} MiB")
    print(f"  hand-written: {n / t_hand:>10,.0f} rows/s  ({t_hand:.1f} s)  peak {m_hand:.0f} MiB")
    print(f"  ratio: kpi eval takes {t_kpi / t_hand:.2f}x the hand-written time (median of {repeat} alternating"
          f" runs; each pair: {', '.join(f'{r:.2f}' for r in ratios)})   target <= 1.5x")
    print(f"  memory: {m_small:.0f} MiB at {max(n // 10, 1000):,} rows, {m_kpi:.0f} MiB at {n:,} rows")
    print(f"  rows where any item, section, total or grade differs from the hand-written function: {mismatches}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
