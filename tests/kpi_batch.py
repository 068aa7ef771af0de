"""Many `kpi` commands in one process: the real entry point (``kpidsl.cli.main.main``, with
its last line of defence that turns an escaped exception into exit 70), called once per
command with its own argv, standard output and standard error.

Starting Python and importing kpi and DuckDB costs far more than reading a small bad file;
the bad-input table runs its file rows on both engines here, so that a hundred rows cost
one start, not two hundred.  Run as a script, it reads a JSON list of argument lists on
standard input and writes a JSON list of {code, stdout, stderr} (one per command, in order).
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _one(args: list[str]) -> dict[str, Any]:
    from kpidsl.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    sys.argv = ["kpi", *args]
    code: Any = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main()
        except SystemExit as e:
            code = e.code
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("words"): click prints them, the code is 1
        err.write(str(code))
        code = 1
    return {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


def run_many(commands: list[list[str]], timeout: float = 300) -> list[dict[str, Any]]:
    """Every command of ``commands`` through `kpi`, in one fresh process; raises when the
    whole batch takes longer than ``timeout`` (a hang is a failure, not a wait)."""
    r = subprocess.run([sys.executable, str(Path(__file__).resolve())], input=json.dumps([[str(a) for a in c] for c in commands]),
                       capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"the batch itself failed (exit {r.returncode}): {r.stderr[-3000:]}")
    return list(json.loads(r.stdout))


if __name__ == "__main__":
    commands = json.loads(sys.stdin.read())
    real_stdout = sys.stdout
    results = [_one([str(a) for a in c]) for c in commands]
    real_stdout.write(json.dumps(results, ensure_ascii=False))
