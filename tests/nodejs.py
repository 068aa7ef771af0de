"""Node for the tests that run the form's JavaScript: found, or a skip on a developer's
machine and a failure in CI (where a missing node is a broken install, as for Chromium)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from kpidsl.backends.form.javascript import batch_only, decimal_library, generate, standalone_module
from kpidsl.numbers.semantics import show


def node() -> str:
    found = shutil.which("node")
    if found is None:
        message = "these tests need node: apt-get install nodejs (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def run(script: str, payload) -> object:
    """Run one script under node with ``payload`` as JSON on stdin; its stdout, parsed."""
    r = subprocess.run([node(), "-e", script], input=json.dumps(payload), capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


# Many rubrics in one node process: each rubric's functions in a closure of their own.
_RUNNER = """
function cell(c, name) { if (!(name in c)) throw new Error("missing " + name); return c[name]; }
function fail(message, value) { throw new Error(message + ": " + Dec.str(value)); }
const RUBRICS = [%s];
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = input.map((rows, i) => rows.map((row) => {
  const f = RUBRICS[i];
  const c = {};
  for (const [k, v] of Object.entries(row)) c[k] = v === null ? null : Dec.parse(v);  // null: a blank not given
  try {
    const why = f.excluded(c);
    if (why !== null) return { excluded: why };
    const s = f.score(c);
    const g = f.grade(c, s);
    const all = Object.assign({}, s, { grade: Dec.make(BigInt(g === null ? -1 : g), 0) });
    const r = f.result(c, all);
    const shown = {};
    for (const [k, v] of Object.entries(Object.assign({}, s, r))) shown[k] = Dec.str(v);
    shown.grade = g;
    return shown;
  } catch (e) { return { error: String(e.message) }; }
}));
process.stdout.write(JSON.stringify(out));
"""


def score_many(plans, cell_rows) -> list[list[dict]]:
    """Score ``cell_rows[i]`` (dicts of column -> text) with ``plans[i]``'s form JavaScript,
    every rubric in one node process; per row the steps as text, the grade index, or
    {"error": …} / {"excluded": …}."""
    closures = ",\n".join("(function () {\n" + generate(p) + "return {score, grade, excluded, result};\n})()"
                          for p in plans)
    return run(decimal_library() + _RUNNER % closures,
               [[{k: None if v is None else str(v) for k, v in row.items()} for row in rows] for rows in cell_rows])


def run_js(plan, cell_rows: list[dict]) -> list[dict]:
    """Skips without node on a developer's machine, fails without it in CI."""
    out = run(standalone_module(plan), [{k: None if v is None else str(v) for k, v in row.items()} for row in cell_rows])
    assert isinstance(out, list)
    return out


def assert_same(plan, results):
    """Every score and result step the form can compute, as text, equal to Python's."""
    scored = [r for r in results if r.status == "scored"]
    js = run_js(plan, [r.row.cells for r in scored])
    skip = batch_only(plan)
    compared = 0
    assert len(js) == len(scored)
    for r, j in zip(scored, js, strict=True):
        assert "error" not in j, j
        for step in plan.score_steps + plan.result_steps:
            if step.name in skip or step.kind == "aux" or step.name not in r.steps:
                continue
            assert j[step.name] == show(r.steps[step.name]), (step.name, j[step.name], r.steps[step.name])
            compared += 1
        assert j["grade"] == r.grade
        assert j["not_applicable"] == r.not_applicable  # the form shows these as not applicable
    return compared
