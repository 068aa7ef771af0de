"""The SQL backend at scale: the 20-item rubric of eval_bench.py over generated rows in DuckDB.

    python benchmarks/sql_bench.py              # 1,000,000 rows, 3 alternating runs each
    python benchmarks/sql_bench.py 10000000     # ten million
    python benchmarks/sql_bench.py 100000 1     # fewer rows, one run each

The rows are generated inside DuckDB (range() and random()) as the typed input table
kpi's query reads (kpidsl/engine/duck.py's columns), in a database file.  Then, alternating,
each in a fresh process: our generated query as `kpi eval --engine duckdb` runs it
(`sql.build(..., check_inputs=False)`: its reader has checked every cell), the same query
checking every input as `kpi sql` writes it for a table of yours, and a hand-written
DuckDB query of the same rubric with exact DECIMAL arithmetic (which checks nothing), each
writing its full answer to a table.  Prints rows per second (wall and CPU), the ratios
ours / hand-written (target <= 1.1) and each process's peak resident memory; then checks
that they give every row the same total and grade, and the same sum of totals.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from eval_bench import RUBRIC  # noqa: E402  (the same 20-item rubric)

from kpidsl.api import load_text  # noqa: E402
from kpidsl.backends.sql import query as sql
from kpidsl.engine import duck
from kpidsl.lower.lowerer import lower  # noqa: E402

LEVELS = [f"i{k}" for k in range(11, 21)]


def generator(plan, n: int) -> str:
    """CREATE TABLE input AS …: n rows of the shapes eval_bench.py writes, made by DuckDB."""
    def pct():
        return "(70 + CAST(floor(random() * 31) AS INTEGER)) * 0.01"  # 70%..100%, whole percents

    made = {"id": "'E' || CAST(i AS VARCHAR)", "period": "'2024-01'", duck.ID: "i + 2",
            "r1": pct(), "r2": pct(), "r3": pct(), "r4": pct(), "r5": pct(),
            "late": "floor(random() * 7)", "errs": "floor(random() * 7)", "complaints": "floor(random() * 7)",
            "sales": "5000 + floor(random() * 25001)",
            "goal": "CASE WHEN random() < 0.5 THEN 10000 ELSE 20000 END"}
    for name in LEVELS:
        made[name] = "CASE CAST(floor(random() * 3) AS INTEGER) WHEN 0 THEN 0 WHEN 1 THEN 2 ELSE 3 END"
    columns = duck._columns(plan)
    assert {c for c, _ in columns} == set(made), "the rubric's columns changed: update the generator"
    select = ", ".join(f"CAST({made[c]} AS {t}) AS {duck._q(c)}" for c, t in columns)
    return f"CREATE OR REPLACE TABLE {duck.TABLE} AS SELECT {select} FROM range({n}) AS t(i)"


# The same rubric by hand, as a DuckDB user would write it: exact DECIMAL arithmetic, and the
# one quotient (sales / goal) to 20 places ties to even on HUGEINT, as kpi's evaluator divides
# (DuckDB divides DECIMALs as DOUBLE).  Money and counts are never negative (the rubric says so).
HAND = """
CREATE OR REPLACE MACRO div_even(num, den) AS
  CAST(num // den + CASE WHEN 2 * (num % den) > den OR (2 * (num % den) = den AND (num // den) % 2 = 1)
                         THEN 1 ELSE 0 END AS DECIMAL(38, 0)) * CAST('0.00000000000000000001' AS DECIMAL(38, 20));
CREATE OR REPLACE MACRO div20(a, b) AS
  div_even(CAST(a * 10000 AS HUGEINT) * CAST('100000000000000000000' AS HUGEINT), CAST(b * 10000 AS HUGEINT));
CREATE OR REPLACE TEMP TABLE out_hand AS
WITH items AS (
  SELECT id, period, _kpi_id,
    CAST(CASE WHEN r1 >= 0.99 THEN 10 WHEN r1 >= 0.95 THEN 8 WHEN r1 >= 0.90 THEN 4 ELSE 0 END AS DECIMAL(38, 0)) AS i1,
    CAST(CASE WHEN r2 >= 0.90 THEN 5 WHEN r2 >= 0.80 THEN 3 ELSE 0 END AS DECIMAL(38, 0)) AS i2,
    CAST(CASE WHEN r3 = 1 THEN 5 WHEN r3 >= 0.90 THEN 3 ELSE 0 END AS DECIMAL(38, 0)) AS i3,
    LEAST(GREATEST(5 + (r4 - 0.90) * 100, 0), 10) AS i4,
    LEAST(GREATEST(5 + (r5 - 0.95) * 100, 0), 10) AS i5,
    LEAST(GREATEST(10 * div20(sales, goal), 0), 10) AS i6,
    GREATEST(5 - errs, 0) AS i7,
    GREATEST(5 - 2 * complaints, 0) AS i8,
    GREATEST(5 - late, 0) AS i9,
    CAST(CASE WHEN r1 >= 0.95 THEN 5 ELSE 0 END AS DECIMAL(38, 0)) AS i10,
    i11, i12, i13, i14, i15, i16, i17, i18, i19, i20
  FROM input
), sections AS (
  SELECT *, i1 + i2 + i3 + i4 + i5 + i6 + i7 + i8 + i9 + i10 AS perf,
            i11 + i12 + i13 + i14 + i15 + i16 + i17 + i18 + i19 + i20 AS behav
  FROM items
)
SELECT *, round(perf + behav, 2) AS total,
       CASE WHEN round(perf + behav, 2) >= 80 THEN 0 WHEN round(perf + behav, 2) >= 60 THEN 1 ELSE 2 END AS grade
FROM sections
"""

CHILD = r"""
import resource, sys, time, duckdb
path, script = sys.argv[1], open(sys.argv[2], encoding="utf-8").read()
con = duckdb.connect(path)
con.execute("SET enable_progress_bar = false")
before = resource.getrusage(resource.RUSAGE_SELF)
t = time.perf_counter()
for statement in [s for s in script.split(";\n") if s.strip()]:
    con.execute(statement)
wall = time.perf_counter() - t
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
table = next(t for t in ("out_hand", "out_checked", "out_ours") if t in script)
rows, total, errors = con.execute(
    f"SELECT count(*), sum(total), {'0' if table == 'out_hand' else 'count(_kpi_error)'} FROM {table}").fetchone()
con.execute(f"CREATE OR REPLACE TABLE keep_{table} AS SELECT _kpi_id, total, "
            f"{'grade' if table == 'out_hand' else '_kpi_grade AS grade'} FROM {table}")
print(wall, cpu, after.ru_maxrss, rows, total, errors)
"""


def run(db: Path, script: Path) -> tuple[float, float, float, int, str, int]:
    """One query in a fresh process: wall s, CPU s, peak RSS MiB, rows, sum of totals, errors."""
    p = subprocess.run([sys.executable, "-c", CHILD, str(db), str(script)], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{script.name} failed:\n{p.stderr[-3000:]}")
    wall, cpu, rss, rows, total, errors = p.stdout.splitlines()[-1].split()
    return float(wall), float(cpu), int(rss) / 1024, int(rows), total, int(errors)


def main() -> int:
    import duckdb

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    plan = lower(load_text(RUBRIC, "bench.kpi")[0])
    query = sql.build(plan, "duckdb", duck.TABLE, duck.ID, check_inputs=False)
    checking = sql.build(plan, "duckdb", duck.TABLE, duck.ID)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        db = d / "bench.duckdb"
        ours, hand, checked = d / "ours.sql", d / "hand.sql", d / "checked.sql"
        ours.write_text(f"CREATE OR REPLACE TEMP TABLE out_ours AS {query.sql(pretty=False)}", encoding="utf-8")
        checked.write_text(f"CREATE OR REPLACE TEMP TABLE out_checked AS {checking.sql(pretty=False)}", encoding="utf-8")
        hand.write_text(HAND, encoding="utf-8")
        con = duckdb.connect(str(db))
        threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
        print(f"20-item rubric, {n:,} rows on DuckDB {duckdb.__version__} ({threads} threads; generating…)", flush=True)
        con.execute("SELECT setseed(0.7)")
        con.execute(generator(plan, n))
        con.execute("CHECKPOINT")
        con.close()
        # Alternate the two so a busy moment on the machine hits both alike; report medians.
        mine, theirs, strict = [], [], []
        for _ in range(repeat):
            mine.append(run(db, ours))
            theirs.append(run(db, hand))
            strict.append(run(db, checked))
        con = duckdb.connect(str(db))
        differ = con.execute("SELECT count(*) FROM keep_out_ours o FULL JOIN keep_out_hand h USING (_kpi_id) "
                             "WHERE o.total IS DISTINCT FROM h.total OR o.grade IS DISTINCT FROM h.grade").fetchone()[0]
        con.close()
    w_ours, c_ours = statistics.median(r[0] for r in mine), statistics.median(r[1] for r in mine)
    w_hand, c_hand = statistics.median(r[0] for r in theirs), statistics.median(r[1] for r in theirs)
    w_chk, c_chk = statistics.median(r[0] for r in strict), statistics.median(r[1] for r in strict)
    m_ours, m_hand = max(r[2] for r in mine), max(r[2] for r in theirs)
    print(f"  ours:         {n / w_ours:>12,.0f} rows/s  ({w_ours:.2f} s wall, {c_ours:.2f} s CPU)  peak {m_ours:.0f} MiB")
    print(f"  hand-written: {n / w_hand:>12,.0f} rows/s  ({w_hand:.2f} s wall, {c_hand:.2f} s CPU)  peak {m_hand:.0f} MiB")
    pairs = ", ".join(f"{a[0] / b[0]:.2f}" for a, b in zip(mine, theirs))
    print(f"  ratio ours / hand-written: {w_ours / w_hand:.2f} wall, {c_ours / c_hand:.2f} CPU "
          f"(medians of {repeat} alternating runs; each pair's wall ratio: {pairs})   target <= 1.1")
    print(f"  checking every input (kpi sql): {n / w_chk:>,.0f} rows/s ({w_chk:.2f} s wall, {c_chk:.2f} s CPU)  "
          f"peak {max(r[2] for r in strict):.0f} MiB; ratio to hand-written {w_chk / w_hand:.2f} wall, "
          f"{c_chk / c_hand:.2f} CPU")
    print(f"  sum of totals: ours {mine[-1][4]}, checking {strict[-1][4]}, hand-written {theirs[-1][4]}"
          f" ({'equal' if mine[-1][4] == theirs[-1][4] == strict[-1][4] else 'DIFFERENT'}); "
          f"rows: {mine[-1][3]:,} and {theirs[-1][3]:,}")
    print(f"  rows whose total or grade differ: {differ}; rows ours refused: {mine[-1][5]}, checking: {strict[-1][5]}")
    ok = differ == 0 and mine[-1][4] == theirs[-1][4] == strict[-1][4] and mine[-1][5] == strict[-1][5] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
