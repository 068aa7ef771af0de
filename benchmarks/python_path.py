"""`kpi eval`'s Python path against hand-written Decimal code, one spelling of the data at a time.

    python benchmarks/python_path.py                 # 200,000 rows, 3 alternating runs (a few minutes)
    python benchmarks/python_path.py 50000 1         # fewer rows, one run each
    python benchmarks/python_path.py 200000 3 whole  # only the spellings named

The 20-item rubric of eval_bench.py, over the same generated people written five ways:

    pct       93.5% cells
    whole     bare 93.5 cells, read with --percent-cells whole
    fraction  0.935 cells, read with --percent-cells fraction
    group     a declared `person` and `group`, Chinese column titles (the rubric's labels),
              rows in no particular order, bare percents read with --percent-cells whole
    xlsx      an XLSX workbook: numbers, percents as Excel stores them (0.935 shown as 0.0%),
              written as programs that stream a sheet out write it, with no stated size
    xlsx-sized  the same workbook stating its size (<dimension>), as Excel, WPS and openpyxl's
              normal mode save it

For each it reports the CPU time (user + system, from getrusage(RUSAGE_CHILDREN) of a
fresh process) of `kpi eval` streaming to CSV and of a hand-written Python function of
the same rubric using Decimal that reads the same file and writes the same columns, in
the same run, alternating the two; the ratio ours / hand-written (target <= 1.0), and
the peak memory of `kpi eval` at a tenth of the rows and at all of them (flat in rows),
and the wall seconds of both (medians; on a shared machine a loose guide only).
CPU time, not wall time: the machine is shared, and a busy neighbour stretches the wall
clock, not the CPU seconds a process spends.  Both run with their compiled modules cached
(.pyc), as an installed kpi has them.  Every row's items, sections, total and
grade are compared between the two.
"""

from __future__ import annotations

import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_bench import HAND_SCORE, RUBRIC  # noqa: E402  (the one rubric both benchmarks score)

PERCENTS = ["r1", "r2", "r3", "r4", "r5"]
COUNTS = ["late", "errs", "complaints"]
MONEY = ["sales", "goal"]
LEVELS = [f"i{k}" for k in range(11, 21)]
NAMES = PERCENTS + COUNTS + MONEY + LEVELS
# the rubric's labels, the titles a Chinese sheet uses
LABELS = {"r1": "执行率", "r2": "反馈及时率", "r3": "回访率", "r4": "一次合格率", "r5": "满意度",
          "late": "迟到次数", "errs": "差错次数", "complaints": "投诉次数", "sales": "销售额", "goal": "目标销售额",
          **dict(zip(LEVELS, ["纪律", "协作", "激情", "服务", "学习", "沟通", "责任", "主动", "细致", "服从"]))}
TEAMS = ["华东一组", "华东二组", "华南组", "华北组", "西南组", "东北组", "西北组"]
GROUP_RUBRIC = RUBRIC.replace("period monthly\n", 'period monthly\nperson id "工号"\ngroup team "团队"\n', 1)

SPELLINGS = {  # name: (file suffix, --percent-cells, rubric)
    "pct": ("csv", "strict", RUBRIC),
    "whole": ("csv", "whole", RUBRIC),
    "fraction": ("csv", "fraction", RUBRIC),
    "group": ("csv", "whole", GROUP_RUBRIC),
    "xlsx": ("xlsx", "strict", RUBRIC),
    "xlsx-sized": ("xlsx", "strict", RUBRIC),
}


def people(n: int, seed: int = 7):
    """n people's values: (id, team, {name: value}), percents in tenths of a percent."""
    rnd = random.Random(seed)
    for i in range(n):
        v: dict[str, int] = {}
        for k in PERCENTS:
            v[k] = rnd.randint(700, 1000) if rnd.random() < 0.3 else rnd.randint(70, 100) * 10
        for k in COUNTS:
            v[k] = rnd.randint(0, 6)
        v["sales"], v["goal"] = rnd.randint(5000, 30000), rnd.choice([10000, 20000])
        for k in LEVELS:
            v[k] = rnd.choice((3, 2, 0))
        yield f"E{i:07d}", rnd.choice(TEAMS), v


def _tenths(x: int, scale: int) -> str:
    """x tenths of a percent written as a percent (scale 1) or as a fraction (scale 100)."""
    return str(Decimal(x).scaleb(-1) / scale)


def generate(spelling: str, path: Path, n: int) -> None:
    if spelling.startswith("xlsx"):
        return _generate_xlsx(path, n, sized=spelling == "xlsx-sized")
    rows = list(people(n)) if spelling == "group" else people(n)
    if spelling == "group":
        random.Random(11).shuffle(rows)  # sorted by nothing in particular
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        if spelling == "group":
            w.writerow(["工号", "团队", "考核月份", *(LABELS[k] for k in NAMES)])
        else:
            w.writerow(["id", "period", *NAMES])
        for pid, team, v in rows:
            if spelling == "pct":
                pcts = [_tenths(v[k], 1) + "%" for k in PERCENTS]
            elif spelling == "fraction":
                pcts = [_tenths(v[k], 100) for k in PERCENTS]
            else:
                pcts = [_tenths(v[k], 1) for k in PERCENTS]
            rest = [str(v[k]) for k in COUNTS + MONEY + LEVELS]
            w.writerow([pid, team, "2024-01", *pcts, *rest] if spelling == "group" else [pid, "2024-01", *pcts, *rest])


def _generate_xlsx(path: Path, n: int, sized: bool) -> None:
    import zipfile

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["id", "period", *NAMES])
    for pid, _, v in people(n):
        cells: list[object] = [pid, "2024-01"]
        for k in PERCENTS:  # what Excel stores for a typed 93.5%: 0.935, formatted as a percent
            c = WriteOnlyCell(ws, value=float(Decimal(v[k]).scaleb(-3)))
            c.number_format = "0.0%"
            cells.append(c)
        cells += [v[k] for k in COUNTS + MONEY + LEVELS]
        ws.append(cells)
    wb.save(path)
    if sized:  # where Excel puts the size: before the sheet's views
        with zipfile.ZipFile(path) as z:
            parts = [(i, z.read(i.filename)) for i in z.infolist()]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for info, data in parts:
                if info.filename == "xl/worksheets/sheet1.xml":
                    ref = f'<dimension ref="A1:{chr(ord("A") + len(NAMES) + 1)}{n + 1}"/>'
                    data = data.replace(b"<sheetViews>", ref.encode() + b"<sheetViews>", 1)
                z.writestr(info, data)


HAND_WRITTEN = r'''
"""The rubric of benchmarks/eval_bench.py written by hand with Decimal, for one spelling of the data."""
''' + HAND_SCORE + r'''
HEAD = ["执行率", "反馈及时率", "回访率", "一次合格率", "满意度", "销售完成率", "差错", "投诉", "迟到", "执行率加分",
        "业绩", "纪律", "协作", "激情", "服务", "学习", "沟通", "责任", "主动", "细致", "服从", "行为", "总分", "等级"]

def main(spelling, src, dst):
    g = open(dst, "w", encoding="utf-8", newline="")
    w = csv.writer(g)
    if spelling.startswith("xlsx"):
        from openpyxl import load_workbook
        wb = load_workbook(src, read_only=True, data_only=True)
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = list(next(rows))
        w.writerow(["id", *HEAD])
        for values in rows:
            r = {k: (D(repr(v)) if isinstance(v, float) else v) for k, v in zip(header, values)}
            w.writerow([r["id"], *score(r, D)])
        wb.close()
    else:
        pct = {"pct": lambda s: D(s[:-1]) / 100, "fraction": D}.get(spelling, lambda s: D(s) / 100)
        with open(src, encoding="utf-8", newline="") as f:
            if spelling == "group":
                w.writerow(["id", "team", *HEAD])
                titles = {label: name for name, label in LABELS_HERE.items()}
                reader = csv.reader(f)
                header = [titles.get(t, t) for t in next(reader)]
                for values in reader:
                    r = dict(zip(header, values))
                    w.writerow([r["工号"], r["团队"], *score(r, pct)])
            else:
                w.writerow(["id", *HEAD])
                for r in csv.DictReader(f):
                    w.writerow([r["id"], *score(r, pct)])
    g.close()

main(*sys.argv[1:])
'''.replace("LABELS_HERE", repr(LABELS))

MEASURE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
           "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
           "wall = time.perf_counter() - t; "
           "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
           "print(p.returncode, u.ru_utime + u.ru_stime, u.ru_maxrss, wall); "
           "print(p.stderr[-3000:], file=sys.stderr)")


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """CPU seconds (user + system), peak resident memory (MiB) and wall seconds of a command
    in a fresh process."""
    p = subprocess.run([sys.executable, "-c", MEASURE, *cmd], capture_output=True, text=True, env=env)
    code, cpu, rss, wall = p.stdout.split()
    if code != "0":
        raise SystemExit(f"{' '.join(cmd)} failed:\n{p.stderr}")
    return float(cpu), int(rss) / 1024, float(wall)


def differences(ours: Path, theirs: Path) -> int:
    """Rows where any item, section, total or grade differs (by column title, as numbers)."""
    with ours.open(encoding="utf-8") as a, theirs.open(encoding="utf-8") as b:
        ka, kb = csv.DictReader(a), csv.DictReader(b)
        assert kb.fieldnames is not None
        names = kb.fieldnames[1:]
        bad = rows = 0
        for x, y in zip(ka, kb, strict=True):
            rows += 1
            bad += any(x[k] != y[k] if k in ("等级", "team") else Decimal(x[k]) != Decimal(y[k]) for k in names)
    return bad


def run(spelling: str, d: Path, n: int, repeat: int) -> dict:
    suffix, mode, rubric_text = SPELLINGS[spelling]
    rubric, hand = d / f"{spelling}.kpi", d / "hand.py"
    rubric.write_text(rubric_text, encoding="utf-8")
    hand.write_text(HAND_WRITTEN, encoding="utf-8")
    small_n = max(n // 10, 1000)
    small, big = d / f"{spelling}_small.{suffix}", d / f"{spelling}.{suffix}"
    generate(spelling, small, small_n)
    generate(spelling, big, n)
    kpi = [sys.executable, "-m", "kpidsl.cli.main", "eval", str(rubric), "--percent-cells", mode]
    # Compiled modules cached as an installed kpi has them (pip writes .pyc files), in a
    # folder of their own; the small run and a first hand-written run fill the cache.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(d / "pycache")
    _, m_small, _ = measure(kpi + [str(small), "-o", str(d / "out_small.csv")], env)
    measure([sys.executable, str(hand), spelling, str(small), str(d / "hand.csv")], env)
    kpi_runs, hand_runs = [], []
    for _ in range(repeat):  # alternate, so a busy moment on the machine hits both alike
        kpi_runs.append(measure(kpi + [str(big), "-o", str(d / "out.csv")], env))
        hand_runs.append(measure([sys.executable, str(hand), spelling, str(big), str(d / "hand.csv")], env))
    t_kpi, t_hand = statistics.median(t for t, _, _ in kpi_runs), statistics.median(t for t, _, _ in hand_runs)
    return {"spelling": spelling, "n": n, "small_n": small_n, "kpi": t_kpi, "hand": t_hand,
            "wall_kpi": statistics.median(w for _, _, w in kpi_runs),
            "wall_hand": statistics.median(w for _, _, w in hand_runs),
            "pairs": sorted(k / h for (k, _, _), (h, _, _) in zip(kpi_runs, hand_runs)),
            "m_small": m_small, "m_kpi": max(m for _, m, _ in kpi_runs), "m_hand": max(m for _, m, _ in hand_runs),
            "diff": differences(d / "out.csv", d / "hand.csv")}


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    chosen = sys.argv[3:] or list(SPELLINGS)
    unknown = [s for s in chosen if s not in SPELLINGS]
    if unknown:
        raise SystemExit(f"unknown spelling {unknown[0]!r}: use {', '.join(SPELLINGS)}")
    print(f"20-item rubric, {n:,} rows, CPU seconds (user+system), median of {repeat} alternating run(s)")
    print(f"{'spelling':<10} {'kpi eval':>9} {'by hand':>9} {'ratio':>6}  {'each pair':<18} "
          f"{'kpi peak MiB':>17} {'hand MiB':>8}  {'wall kpi/hand':>13}  differing rows")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for spelling in chosen:
            r = run(spelling, Path(tmp), n, repeat)
            results.append(r)
            pairs = ",".join(f"{p:.2f}" for p in r["pairs"])
            print(f"{spelling:<10} {r['kpi']:>8.2f}s {r['hand']:>8.2f}s {r['kpi'] / r['hand']:>6.2f}  {pairs:<18} "
                  f"{r['m_small']:>5.0f} -> {r['m_kpi']:>4.0f} ({r['small_n'] // 1000}k->{n // 1000}k) "
                  f"{r['m_hand']:>6.0f}  {r['wall_kpi']:>5.2f}/{r['wall_hand']:<5.2f}s  {r['diff']}", flush=True)
    worst = max(r["kpi"] / r["hand"] for r in results)
    print(f"worst ratio ours / hand-written: {worst:.2f}   target <= 1.00")
    return 0 if all(r["diff"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
