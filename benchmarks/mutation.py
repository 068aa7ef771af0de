"""Mutation testing of kpidsl's core: `python benchmarks/mutation.py` prints the kill rate.

Why a runner of our own rather than mutmut or cosmic-ray: both rewrite or copy the
source tree and run pytest once per mutant (or per mutant batch), which on this 2-core
machine is far over the 15-minute budget for ~1,500 mutants; neither mutates the
form's decimal.js.  This one is small and plain:

* Mutants are AST-level swaps inside function bodies: arithmetic operators (+ -, * /,
  // %, …), comparisons (< <=, > >=, == !=, is / is not, in / not in), and / or,
  dropping a `not` or a unary minus, and integer / boolean constants (n -> n + 1,
  True <-> False).  Docstrings, strings and annotations are left alone (messages and
  type hints are not behaviour this measures), as is module-level code.  decimal.js
  gets textual swaps of its operators and BigInt constants.
* One pytest session collects the chosen tests once.  A forked child first runs them
  all with a call tracer, recording which tests call which function (and how long each
  takes).  Then each mutant runs in a forked child of its own: the mutated module is
  compiled, the changed function's code object is put into the live function
  (``f.__code__ = …``, so every reference to it sees the mutant), and the tests that
  call that function run, until one fails (killed) or all pass (survived): the tests
  written against mutants (tests/test_pins_*, test_boundaries_*, test_mutation_pins) first,
  then the rest, each fastest first, within a time budget per mutant.  A child that
  overruns its time limit is killed and counts as killed (the mutant made the code
  hang).  Two children run at a time.
* Tests that run `kpi` as a subprocess are left out: a mutant lives only in the
  forked process.  Browser and LSP tests are left out for time.

The survivors are listed, one a line, in benchmarks/mutation_survivors.txt with the
reason each is harmless; `--write-survivors` rewrites the mutant lines of that file,
keeping the reasons already given.

Usage: python benchmarks/mutation.py [--jobs 2] [--only semantics.py,...] [--write-survivors]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import select
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SURVIVORS = Path(__file__).resolve().parent / "mutation_survivors.txt"

TARGETS = ["kpidsl/numbers/semantics.py", "kpidsl/analysis/rules.py", "kpidsl/lower/lowerer.py",
           "kpidsl/lower/exprs.py", "kpidsl/check/checker.py", "kpidsl/check/base.py", "kpidsl/check/bands.py",
           "kpidsl/check/names.py", "kpidsl/check/ranges.py", "kpidsl/check/weights.py",
           "kpidsl/numbers/intervals.py", "kpidsl/data/cells.py", "kpidsl/data/validate.py",
           "kpidsl/backends/form/javascript.py"]
JS_TARGET = "kpidsl/templates/form/decimal.js"

TESTS = ["tests/test_mutation_pins.py", "tests/test_rules.py", "tests/test_eval.py", "tests/test_codes.py",
         "tests/test_checker_soundness.py", "tests/test_cells.py", "tests/test_javascript.py",
         "tests/test_seed_mistakes.py", "tests/test_eval_properties.py", "tests/test_random_rubrics.py",
         "tests/test_golden.py", "tests/test_properties.py", "tests/test_backend_safety.py",
         "tests/test_threads.py", "tests/test_diff_and_test.py", "tests/test_outline.py"]

BINOPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
          ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult, ast.BitOr: ast.BitAnd,
          ast.BitAnd: ast.BitOr}
CMPOPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
          ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}


@dataclass(frozen=True)
class Mutant:
    path: str        # relative to ROOT
    index: int       # position of the node in _walk order (Python), or character offset (JS)
    line: int
    col: str         # start-end columns of the node (Python), start column (JS)
    what: str        # e.g. "< -> <="
    function: str    # qualified name of the live function to patch ("" for JS)

    @property
    def key(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.what} in {self.function or 'decimal.js'}"


# ---- finding mutants -------------------------------------------------------------------------

def _skipped_ids(tree: ast.AST) -> set[int]:
    """Nodes never mutated: docstrings and annotations (and everything inside them)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        roots: list[ast.AST | None] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            roots.append(node.returns)
            args = node.args
            roots += [a.annotation for a in args.posonlyargs + args.args + args.kwonlyargs]
            roots += [args.vararg and args.vararg.annotation, args.kwarg and args.kwarg.annotation]
        if isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                roots.append(first)
        for r in roots:
            if r is not None:
                out.update(id(n) for n in ast.walk(r))
    return out


def _walk(tree: ast.Module):
    """(node, qualified name of its top-level function or method) for nodes inside a def,
    in a fixed order."""
    def visit(node, qual, inside):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                q = f"{qual}.{child.name}" if qual else child.name
                if inside:  # a nested def: all of it is in the outer function's code
                    yield from visit(child, inside, inside)
                else:  # a top-level def: its body (defaults and decorators are evaluated outside)
                    for stmt in child.body:
                        yield stmt, q
                        yield from visit(stmt, q, q)
            elif isinstance(child, ast.ClassDef) and not inside:
                yield from visit(child, f"{qual}.{child.name}" if qual else child.name, "")
            else:
                if inside:
                    yield child, inside
                yield from visit(child, qual, inside)
    yield from visit(tree, "", "")


def _alternatives(node: ast.AST) -> list[tuple[str, object]]:
    """(description, how) for each mutation of one node."""
    out: list[tuple[str, object]] = []
    if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in BINOPS:
        new = BINOPS[type(node.op)]
        out.append((f"{type(node.op).__name__} -> {new.__name__}", ("op", new)))
    elif isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in CMPOPS:
                new = CMPOPS[type(op)]
                out.append((f"{type(op).__name__} -> {new.__name__} (#{i})", ("cmp", i, new)))
    elif isinstance(node, ast.BoolOp):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        out.append((f"{type(node.op).__name__} -> {other.__name__}", ("op", other)))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        out.append((f"drop {type(node.op).__name__}", ("unary",)))
    elif isinstance(node, ast.Constant) and type(node.value) in (int, bool):
        new_value = (not node.value) if type(node.value) is bool else node.value + 1
        out.append((f"{node.value!r} -> {new_value!r}", ("const", new_value)))
    return out


def python_mutants(path: str) -> list[Mutant]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    skip = _skipped_ids(tree)
    out = []
    for index, (node, qual) in enumerate(_walk(tree)):
        if id(node) in skip:
            continue
        for what, _ in _alternatives(node):
            out.append(Mutant(path, index, getattr(node, "lineno", 0), f"{getattr(node, 'col_offset', 0)}-{getattr(node, 'end_col_offset', 0)}", what, qual))
    return out


def _apply(path: str, mutant: Mutant) -> ast.Module:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    for index, (node, _) in enumerate(_walk(tree)):
        if index != mutant.index:
            continue
        for what, how in _alternatives(node):
            if what != mutant.what:
                continue
            kind = how[0]  # type: ignore[index]
            if kind == "op":
                node.op = how[1]()  # type: ignore[attr-defined,index,operator]
            elif kind == "cmp":
                node.ops[how[1]] = how[2]()  # type: ignore[attr-defined,index,operator]
            elif kind == "const":
                node.value = how[1]  # type: ignore[attr-defined,index]
            else:  # drop the unary operator: replace the node's fields with its operand's
                operand = node.operand  # type: ignore[attr-defined]
                return _replace(tree, node, operand)
            return tree
    raise LookupError(mutant.key)


def _replace(tree: ast.Module, old: ast.AST, new: ast.AST) -> ast.Module:
    class Swap(ast.NodeTransformer):
        def generic_visit(self, node):
            if node is old:
                return new
            return super().generic_visit(node)
    return ast.fix_missing_locations(Swap().visit(tree))


JS_SWAPS = [(r"(?<![<>=!])<(?![<=])", "<="), (r"<=", "<"), (r"(?<![<>=!-])>(?![>=])", ">="), (r">=", ">"),
            (r"===", "!=="), (r"!==", "==="), (r"(?<![+\w])\+(?![+=])", "-"), (r"(?<![-\w])-(?![-=>])", "+"),
            (r"\+=", "-="), (r"-=", "+="), (r"(?<!\*)\*(?!\*)", "/"), (r"\*\*", "*"), (r"(?<![/])/(?![/])", "*"), (r"&&", "||"),
            (r"\|\|", "&&"), (r"\b0n\b", "1n"), (r"\b1n\b", "2n"), (r"\b2n\b", "3n"), (r"\b1\b", "2"),
            (r"\b0\b", "1")]


def js_mutants() -> list[Mutant]:
    text = (ROOT / JS_TARGET).read_text(encoding="utf-8")
    out = []
    offset = 0
    for lineno, line in enumerate(text.splitlines(keepends=True), 1):
        code = line.split("//")[0]
        if "const m = /^" in code:  # the number pattern is a regex, not arithmetic
            code = ""
        for pattern, new in JS_SWAPS:
            for m in re.finditer(pattern, code):
                out.append(Mutant(JS_TARGET, offset + m.start(), lineno, str(m.start() + 1), f"{m.group(0)} -> {new}", ""))
        offset += len(line)
    return out


def js_text(mutant: Mutant) -> str:
    text = (ROOT / JS_TARGET).read_text(encoding="utf-8")
    old, new = mutant.what.split(" -> ")
    assert text[mutant.index:mutant.index + len(old)] == old
    return text[:mutant.index] + new + text[mutant.index + len(old):]


# ---- putting a mutant into the running process ------------------------------------------------

def _module_name(path: str) -> str:
    return path[:-3].replace("/", ".")


def _code_by_qualname(code) -> dict[str, object]:
    out = {code.co_qualname: code}
    for c in code.co_consts:
        if hasattr(c, "co_qualname"):
            out.update(_code_by_qualname(c))
    return out


def _live_function(module, qual: str):
    obj = module
    for part in qual.split("."):
        holder = obj
        obj = holder.__dict__[part] if isinstance(holder, type) else getattr(holder, part)
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    if isinstance(obj, property):
        obj = obj.fget
    while hasattr(obj, "__wrapped__"):
        obj = obj.__wrapped__
    return obj


def install(mutant: Mutant) -> None:
    import importlib
    if mutant.path == JS_TARGET:
        js = importlib.import_module("kpidsl.backends.form.javascript")
        from kpidsl import ir
        js._MUTATED_LIBRARY = js_text(mutant).replace("__PLACES__", str(ir.DIVISION_PLACES))
        js.decimal_library.__code__ = compile("lambda: _MUTATED_LIBRARY", "<mutant>", "eval").co_consts[0]
        return
    module = importlib.import_module(_module_name(mutant.path))
    code = compile(_apply(mutant.path, mutant), str(ROOT / mutant.path), "exec")
    _live_function(module, mutant.function).__code__ = _code_by_qualname(code)[mutant.function]


# ---- running tests in forked children ---------------------------------------------------------

def _quiet() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)


def _run_item(item) -> bool:
    """True if the test passed (or skipped)."""
    from _pytest.runner import runtestprotocol
    reports = runtestprotocol(item, nextitem=None, log=False)
    return not any(r.failed for r in reports)


def trace_tests(items, out_path: str) -> None:
    """In a child: run every test with a call tracer; write {nodeid: [seconds, passed, [functions]]}."""
    targets = {str(ROOT / p) for p in TARGETS}
    result = {}
    for item in items:
        called: set[str] = set()

        def tracer(frame, event, arg, called=called):
            code = frame.f_code
            if code.co_filename in targets:
                called.add(f"{code.co_filename}::{code.co_qualname}")
            return None

        sys.setprofile(None)
        start = time.perf_counter()
        sys.settrace(tracer)
        import threading
        threading.settrace(tracer)
        passed = _run_item(item)
        sys.settrace(None)
        threading.settrace(None)  # type: ignore[arg-type]
        result[item.nodeid] = [time.perf_counter() - start, passed, sorted(called)]
    Path(out_path).write_text(json.dumps(result), encoding="utf-8")


def _top(qualname: str) -> str:
    """The top-level function or method a (possibly nested) code object belongs to."""
    parts = qualname.split(".<locals>.")[0]
    return parts


def mutant_child(mutant: Mutant, items) -> None:
    try:
        install(mutant)
    except Exception:  # noqa: BLE001 - a mutant that cannot be installed is a bug here
        os._exit(3)
    for item in items:
        if not _run_item(item):
            os._exit(1)
    os._exit(0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated file names to mutate (default: all)")
    ap.add_argument("--budget", type=float, default=6.0,
                    help="per mutant, run the fastest calling tests until their traced time passes this (seconds)")
    ap.add_argument("--write-survivors", action="store_true")
    args = ap.parse_args()
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests"))
    os.environ.setdefault("KPI_EXAMPLES", "25")

    import pytest
    from hypothesis import settings
    settings.register_profile("mutation", derandomize=True, database=None, print_blob=False)
    settings.load_profile("mutation")

    chosen = [t for t in TARGETS + [JS_TARGET] if not args.only or Path(t).name in args.only.split(",")]
    mutants = [m for t in chosen if t != JS_TARGET for m in python_mutants(t)]
    if JS_TARGET in chosen:
        mutants += js_mutants()
    state: dict[str, object] = {}

    class Plugin:
        @pytest.hookimpl(tryfirst=True)
        def pytest_runtestloop(self, session):
            items = [i for i in session.items if "kpi" not in getattr(i, "fixturenames", ())]
            state["result"] = run(items, mutants, args)
            return True

    # boundary and pin tests are written against surviving mutants, so they always join the run
    boundaries = sorted(p.relative_to(ROOT).as_posix() for pattern in ("test_boundaries_*.py", "test_pins_*.py")
                        for p in (ROOT / "tests").glob(pattern))
    tests = [t for t in TESTS + boundaries if (ROOT / t).exists()]
    pytest.main(["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-W", "ignore", *tests], plugins=[Plugin()])
    return int(state.get("result", 2))  # type: ignore[call-overload]


def run(items, mutants: list[Mutant], args) -> int:
    t0 = time.perf_counter()
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        trace_path = f.name
    pid = os.fork()
    if pid == 0:
        _quiet()
        try:
            trace_tests(items, trace_path)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    traced = json.loads(Path(trace_path).read_text(encoding="utf-8"))
    os.unlink(trace_path)
    by_id = {i.nodeid: i for i in items}
    failing = [n for n, (_, ok, _) in traced.items() if not ok]
    if failing:
        print(f"warning: {len(failing)} tests fail before mutation, left out: {failing[:5]}")
    callers: dict[str, list[tuple[float, str]]] = {}
    js_callers: list[tuple[float, str]] = []
    for nodeid, (secs, ok, called) in traced.items():
        if not ok:
            continue
        for c in called:
            filename, qual = c.split("::")
            key = f"{Path(filename).relative_to(ROOT).as_posix()}::{_top(qual)}"
            callers.setdefault(key, []).append((secs, nodeid))
            if key == "kpidsl/backends/form/javascript.py::decimal_library":
                js_callers.append((secs, nodeid))
    print(f"traced {len(traced)} tests in {time.perf_counter() - t0:.0f} s; {len(mutants)} mutants")

    def plan(m: Mutant) -> list[tuple[float, str]]:
        # tests written against mutants first (they name the behaviour a mutant breaks), then the
        # rest, each group fastest first: a big function's hundreds of callers overrun the budget
        found = sorted(set(js_callers if m.path == JS_TARGET else callers.get(f"{m.path}::{m.function}", [])),
                       key=lambda t: (not _targeted(t[1]), t[0], t[1]))
        chosen, spent = [], 0.0
        for secs, nodeid in found:  # many fast tests rather than a few slow ones
            if chosen and spent + secs > args.budget:
                break
            chosen.append((secs, nodeid))
            spent += secs
        return chosen

    outcome: dict[Mutant, str] = {}
    queue = list(mutants)
    running: dict[int, tuple[Mutant, float]] = {}
    while queue or running:
        while queue and len(running) < args.jobs:
            m = queue.pop(0)
            chosen = plan(m)
            if not chosen:
                outcome[m] = "not covered"
                continue
            limit = 3 * sum(s for s, _ in chosen) + 20
            pid = os.fork()
            if pid == 0:
                os.setpgid(0, 0)  # its own group: a timeout kills node processes it started too
                _quiet()
                mutant_child(m, [by_id[n] for _, n in chosen])
            running[pid] = (m, time.monotonic() + limit)
        time.sleep(0.02)
        for pid, (m, deadline) in list(running.items()):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done == 0:
                if time.monotonic() > deadline:
                    _kill_group(pid)
                    os.waitpid(pid, 0)
                    outcome[m] = "timeout"
                    del running[pid]
                continue
            _kill_group(pid)  # anything it left running
            code = os.waitstatus_to_exitcode(status)
            outcome[m] = {0: "survived", 1: "killed", 3: "broken"}.get(code, "killed")
            del running[pid]
        select.select([], [], [], 0)
    return report(mutants, outcome, time.perf_counter() - t0, args)


def _targeted(nodeid: str) -> bool:
    """A test written against surviving mutants: the pins and boundary files."""
    name = nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
    return name.startswith(("test_pins_", "test_boundaries_", "test_mutation_pins"))


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def report(mutants, outcome, seconds, args) -> int:
    counts: dict[str, int] = {}
    for m in mutants:
        counts[outcome[m]] = counts.get(outcome[m], 0) + 1
    survivors = [m for m in mutants if outcome[m] in ("survived", "not covered")]
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    scored = killed + len(survivors)
    print()
    for path in dict.fromkeys(m.path for m in mutants):
        mine = [m for m in mutants if m.path == path and outcome[m] != "broken"]
        k = sum(outcome[m] in ("killed", "timeout") for m in mine)
        print(f"  {path:40s} {k:4d} / {len(mine):4d} killed")
    print(f"\n{len(mutants)} mutants in {seconds:.0f} s: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    print(f"kill rate: {killed}/{scored} = {100 * killed / max(scored, 1):.1f}%")
    explained = _explained()
    unexplained = [m for m in survivors if m.key not in explained]
    harmless = len(survivors) - len(unexplained)
    print(f"survivors explained harmless: {harmless}; killed or harmless: {killed + harmless}/{scored}"
          f" = {100 * (killed + harmless) / max(scored, 1):.1f}%; unexplained: {len(unexplained)}")
    if args.write_survivors:
        head, _, body = SURVIVORS.read_text(encoding="utf-8").partition("\n---\n")
        lines = [head.rstrip("\n"), "---"]
        mutated = {m.path for m in mutants}
        # with --only, the other files' lines stay as the last run left them
        kept = [line for line in body.splitlines() if line and line.split(":", 1)[0] not in mutated]
        lines += kept + [f"{m.key}  # {explained.get(m.key, 'UNEXPLAINED')}" + (" [not covered]" if outcome[m] == "not covered" else "")
                         for m in survivors]
        SURVIVORS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if unexplained:
        print(f"{len(unexplained)} survivors without a reason in {SURVIVORS.name}:")
        for m in unexplained:
            print(f"  {m.key}" + (" [not covered]" if outcome[m] == "not covered" else ""))
    return 0


def _explained() -> dict[str, str]:
    if not SURVIVORS.exists():
        return {}
    out = {}
    body = SURVIVORS.read_text(encoding="utf-8").split("\n---\n", 1)
    for line in (body[1] if len(body) > 1 else "").splitlines():
        if "  # " in line:
            key, reason = line.split("  # ", 1)
            reason = reason.replace(" [not covered]", "")
            if reason != "UNEXPLAINED":
                out[key] = reason
    return out


if __name__ == "__main__":
    sys.exit(main())
