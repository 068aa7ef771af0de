"""Python backend: the scoring IR compiled to a Python module through a jinja2
template, for speed close to a hand-written function.

Safety: the generated source is built only from the IR.  Step names become
``v0, v1…``; data columns, messages and numbers from the rubric appear only as
``repr()`` string literals (numbers as ``Decimal('…')`` of their canonical
digits), so nothing a rubric says can become code.  The module is compiled
and run here, once per rubric, like a jinja2 template is.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, assert_never

from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, StrictUndefined
from jinja2.bccache import Bucket

from kpidsl import ir
from kpidsl.numbers.semantics import CONTEXT, ScoreError, div, is_power_of_ten, quantize, round_to
from kpidsl.numbers.spelling import declared_places, spell
from kpidsl.numbers.stats import sqrt


class _QuietCache(FileSystemBytecodeCache):
    """Jinja's cache of compiled templates in its per-user folder, which spares each run
    compiling them again (a third of starting `kpi eval`).  Jinja itself skips a cache
    file it cannot open or read; one it cannot write is skipped here (Jinja would stop)."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    try:
        return _QuietCache()  # refuses a folder another user owns or others can write
    except (OSError, RuntimeError):
        return None


@functools.cache
def environment() -> Environment:
    """The templates of the generated Python (scoring here, the row reader in rows.py, the
    streaming loop in fused.py); one per process, so each template compiles once."""
    env = Environment(loader=PackageLoader("kpidsl", "templates"), undefined=StrictUndefined,
                      autoescape=False, keep_trailing_newline=True, bytecode_cache=_bytecode_cache())
    env.filters["py"] = repr
    return env


class Emitter:
    def __init__(self) -> None:
        self.constants: dict[str, str] = {}  # canonical digits -> constant name
        self.names: dict[str, str] = {}  # step name -> local variable
        # column -> local variable, for the columns every streamed row holds (None: read c[...])
        self.cells: dict[str, str] | None = None

    def const(self, v: decimal.Decimal) -> str:
        text = str(v)
        if text not in self.constants:
            self.constants[text] = f"K{len(self.constants)}"
        return self.constants[text]

    def expr(self, e: ir.Expr, scope: str) -> str:
        # ``type(e) is`` rather than ``match``: a third faster, and as exhaustive for mypy (the
        # IR's classes are final), so the time to compile a rubric stays what it was
        if type(e) is ir.Const:
            return self.const(e.value)
        if type(e) is ir.Cell:
            if self.cells is not None and e.column in self.cells:
                return self.cells[e.column]
            return f"c[{e.column!r}]"
        if type(e) is ir.Ref:
            if e.step in self.names:
                return self.names[e.step]
            return f"s[{e.step!r}]"  # a score step, seen from the result function
        if type(e) is ir.Bin:
            a, b = self.expr(e.a, scope), self.expr(e.b, scope)
            return f"_div({a}, {b})" if e.op == "/" else f"({a} {e.op} {b})"
        if type(e) is ir.Neg:
            return f"(-{self.expr(e.a, scope)})"
        if type(e) is ir.Min:
            return "min(" + ", ".join(self.expr(a, scope) for a in e.args) + ")"
        if type(e) is ir.Max:
            return "max(" + ", ".join(self.expr(a, scope) for a in e.args) + ")"
        if type(e) is ir.If:
            return f"({self.expr(e.then, scope)} if {self.cond(e.cond, scope)} else {self.expr(e.else_, scope)})"
        if type(e) is ir.Round:
            how = "_quantize" if is_power_of_ten(e.step) else "_round"  # decided here, not every row
            return f"{how}({self.expr(e.a, scope)}, {self.const(e.step)}, {e.mode!r})"
        if type(e) is ir.Fail:
            return f"_fail({e.message!r}, {self.expr(e.show, scope)})"
        if type(e) is ir.Agg:
            at = "None" if e.at is None else self.const(e.at)
            return f"agg({e.func!r}, {e.step!r}, {e.over!r}, {at})"
        if type(e) is ir.Sqrt:
            return f"_sqrt({self.expr(e.a, scope)})"
        assert_never(e)

    def cond(self, c: ir.Cond, scope: str) -> str:
        if type(c) is ir.Cmp:
            op = "==" if c.op == "=" else c.op
            return f"({self.expr(c.a, scope)} {op} {self.expr(c.b, scope)})"
        if type(c) is ir.And:
            return "(" + " and ".join(self.cond(a, scope) for a in c.args) + ")"
        if type(c) is ir.Or:
            return "(" + " or ".join(self.cond(a, scope) for a in c.args) + ")"
        if type(c) is ir.Not:
            return f"(not {self.cond(c.a, scope)})"
        if type(c) is ir.IsTrue:
            return f"({self.expr(c.a, scope)} != 0)"
        if type(c) is ir.Given:  # a blank cell is None in the row (Column.blank)
            return f"({self.expr(ir.Cell(c.column), scope)} is not None)"
        assert_never(c)

    def lines(self, steps: Iterable[ir.Step], scope: str) -> list[tuple[str, str]]:
        out = []
        for step in steps:
            code = self.expr(step.expr, scope)  # before naming the step: it may not refer to itself
            var = f"v{len(self.names)}"
            self.names[step.name] = var
            out.append((var, code))
        return out


def generate(plan: ir.Plan) -> str:
    em = Emitter()
    score_lines = em.lines(plan.score_steps, "score")
    score_vars = [v for v, _ in score_lines]
    em.names = {}  # grades and result steps see score steps through `s`
    grade_conds = ["True" if g.cond is None else em.cond(g.cond, "result") for g in plan.grades]
    result_lines = em.lines(plan.result_steps, "result")
    outcome = one_pass_parts(em, plan)
    return environment().get_template("python_backend.py.j2").render(
        constants=[(name, text) for text, name in em.constants.items()],
        score_lines=score_lines, score_vars=score_vars, grade_conds=grade_conds,
        result_lines=result_lines, result_vars=[v for v, _ in result_lines], **outcome,
    )


def one_pass_parts(em: Emitter, plan: ir.Plan) -> dict:
    """The one-pass function: score steps as locals, the grade as `g`, then result steps."""
    if plan.aggregates():
        # a batch-only rubric never uses the one-pass function
        return {"outcome_scores": [], "outcome_grades": [], "outcome_results": [], "outcome_vars": [],
                "outcome_spelled": [], "text_cells": [], "text_scores": [], "text_grades": [], "text_results": []}

    def one_pass() -> tuple[list, list, list]:
        em.names = {}
        scores = em.lines(plan.score_steps, "score")
        em.names["grade"] = "g"
        grades = ["True" if g.cond is None else em.cond(g.cond, "score") for g in plan.grades]
        return scores, grades, em.lines(plan.result_steps, "score")

    scores, grades, results = one_pass()
    # outcome_text reads each cell once, into a local: a streamed row holds every column
    # that is not optional (a missing one stops the file at its header)
    em.cells = {col.name: f"x{i}" for i, col in enumerate(plan.columns) if not col.optional}
    text_scores, text_grades, text_results = one_pass()
    em.cells = None
    before, after = plan.output_steps()
    places = declared_places(plan)
    return {"outcome_scores": scores, "outcome_grades": grades, "outcome_results": results,
            "outcome_vars": [em.names[n] for n in before + after],
            "outcome_spelled": [(em.names[n], places.get(n)) for n in before + after],
            "text_cells": [(f"x{i}", col.name) for i, col in enumerate(plan.columns) if not col.optional],
            "text_scores": text_scores, "text_grades": text_grades, "text_results": text_results}


def _fail(message: str, shown: decimal.Decimal) -> NoReturn:
    raise ScoreError(f"{message}: {spell(shown)}")


@dataclass(frozen=True)
class Compiled:
    source: str
    score: Callable  # cells -> list of score-step values, in plan order
    grade: Callable  # (cells, steps) -> index of the first grade that applies, or None
    result: Callable  # (cells, steps, agg) -> list of result-step values
    raw_score: Callable  # score without entering the decimal context (the caller holds it)
    outcome: Callable  # cells -> (output values, grade index): the one-pass row, caller holds the context
    outcome_text: Callable  # the same, the values spelled as outputs write them (spelling.spell)


def compiled_namespace() -> dict[str, Any]:
    """The names the generated scoring code may use, and the only builtins it sees."""
    return {"Decimal": decimal.Decimal, "_div": div, "_round": round_to, "_quantize": quantize, "_fail": _fail,
            "_sqrt": sqrt, "_spell": spell, "__builtins__": {"min": min, "max": max, "True": True, "None": None, "str": str, "len": len}}


def compile_plan(plan: ir.Plan) -> Compiled:
    source = generate(plan)
    namespace = compiled_namespace()
    code = compile(source, "<kpidsl scoring>", "exec")
    exec(code, namespace)  # generated from the IR only; see the module docstring
    score, grade, result = namespace["score"], namespace["grade"], namespace["result"]

    def score_in_context(cells: Mapping[str, decimal.Decimal]) -> Any:
        with decimal.localcontext(CONTEXT):
            return score(cells)

    def result_in_context(cells: Mapping[str, decimal.Decimal], steps: Mapping[str, decimal.Decimal], agg: Any) -> Any:
        with decimal.localcontext(CONTEXT):
            return result(cells, steps, agg)

    return Compiled(source, score_in_context, grade, result_in_context, score, namespace["outcome"],
                    namespace["outcome_text"])
