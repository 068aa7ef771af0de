"""JavaScript backend: the same scoring IR as the Python evaluator, for the
fillable form.  Arithmetic goes through ``Dec`` (templates/form/decimal.js,
BigInt decimals with the semantics of kpidsl/numbers/semantics.py), so the form and
``kpi eval`` agree to the last digit.

Every name and text from the rubric is emitted as a JSON string literal with
``<``, ``>``, ``&`` and line separators escaped, so it can neither end the
``<script>`` element nor become code.  Steps that need the whole batch
(aggregates over a team or a year) are left out: a form scores one person.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import assert_never

from kpidsl import ir

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def js_string(text: str) -> str:
    """A JavaScript string literal that is also safe inside an HTML <script> element."""
    return (json.dumps(text, ensure_ascii=False)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


class _Emitter:
    def __init__(self) -> None:
        self.constants: dict[str, int] = {}
        self.names: dict[str, str] = {}

    def const(self, v: Decimal) -> str:
        text = str(v)
        if text not in self.constants:
            self.constants[text] = len(self.constants)
        return f"K[{self.constants[text]}]"

    def expr(self, e: ir.Expr) -> str:
        match e:
            case ir.Const():
                return self.const(e.value)
            case ir.Cell():
                return f"cell(c, {js_string(e.column)})"
            case ir.Ref():
                return self.names.get(e.step) or f"s[{js_string(e.step)}]"
            case ir.Bin():
                fn = {"+": "add", "-": "sub", "*": "mul", "/": "div"}[e.op]
                return f"Dec.{fn}({self.expr(e.a)}, {self.expr(e.b)})"
            case ir.Neg():
                return f"Dec.neg({self.expr(e.a)})"
            case ir.Min():
                return "Dec.min(" + ", ".join(self.expr(a) for a in e.args) + ")"
            case ir.Max():
                return "Dec.max(" + ", ".join(self.expr(a) for a in e.args) + ")"
            case ir.If():
                return f"({self.cond(e.cond)} ? {self.expr(e.then)} : {self.expr(e.else_)})"
            case ir.Round():
                return f"Dec.roundTo({self.expr(e.a)}, {self.const(e.step)}, {js_string(e.mode)})"
            case ir.Fail():
                return f"fail({js_string(e.message)}, {self.expr(e.show)})"
            case ir.Agg():  # a form scores one person: batch_only leaves these steps out
                raise TypeError(f"not an IR expression for the form: {type(e).__name__}")
            case ir.Sqrt():
                return f"Dec.sqrt({self.expr(e.a)})"
            case _:
                assert_never(e)

    def cond(self, c: ir.Cond) -> str:
        match c:
            case ir.Cmp():
                op = {"=": "===", "!=": "!=="}.get(c.op, c.op)
                return f"(Dec.cmp({self.expr(c.a)}, {self.expr(c.b)}) {op} 0)"
            case ir.And():
                return "(" + " && ".join(self.cond(a) for a in c.args) + ")"
            case ir.Or():
                return "(" + " || ".join(self.cond(a) for a in c.args) + ")"
            case ir.Not():
                return f"(!{self.cond(c.a)})"
            case ir.IsTrue():
                return f"(!Dec.isZero({self.expr(c.a)}))"
            case ir.Given():  # the form holds null for a blank field of a column that may be blank
                return f"(cell(c, {js_string(c.column)}) !== null)"
            case _:
                assert_never(c)

    def steps(self, steps: Iterable[ir.Step]) -> list[tuple[str, str, str]]:
        out = []
        for step in steps:
            code = self.expr(step.expr)
            var = f"v{len(self.names)}"
            self.names[step.name] = var
            out.append((var, js_string(step.name), code))
        return out


def batch_only(plan: ir.Plan) -> set[str]:
    """Result steps a single form cannot compute: they read the whole batch."""
    out: set[str] = set()
    for s in plan.result_steps:
        if any(isinstance(n, ir.Agg) or (isinstance(n, ir.Ref) and n.step in out) for n in ir.walk(s.expr)):
            out.add(s.name)
    return out


def generate(plan: ir.Plan) -> str:
    """The scoring functions for one rubric: score(cells), grade(cells, steps), excluded(cells)
    (the reason a person is not scored, or null) and result(cells, steps)."""
    em = _Emitter()
    score = em.steps(plan.score_steps)
    em.names = {}
    grades = [("true" if g.cond is None else em.cond(g.cond)) for g in plan.grades]
    skip = batch_only(plan)
    result = em.steps([s for s in plan.result_steps if s.name not in skip])
    exclusions = [(em.cond(cond), reason) for cond, reason in plan.exclude]
    # an item that does not apply is shown so, not as the 0 it counts for
    not_applicable = [(em.cond(ir.Cmp("=", na.flag, ir.Const(Decimal(1)))), na.item) for na in plan.not_applicable]
    # every constant is known only now, after all code is emitted
    lines = ["const K = [" + ", ".join(f"Dec.parse({js_string(t)})" for t in em.constants) + "];",
             "function score(c) {"]
    lines += [f"  const {var} = {code};" for var, _, code in score]
    lines.append("  return {" + ", ".join(f"{key}: {var}" for var, key, _ in score) + "};")
    lines += ["}", "function grade(c, s) {"]
    lines += [f"  if ({cond}) return {i};" for i, cond in enumerate(grades)]
    lines += ["  return null;", "}", "function excluded(c) {"]
    lines += [f"  if ({cond}) return {js_string(reason or 'excluded')};" for cond, reason in exclusions]
    lines += ["  return null;", "}", "function notApplicable(c) {", "  const out = [];"]
    lines += [f"  if ({cond}) out.push({js_string(item)});" for cond, item in not_applicable]
    lines += ["  return out;", "}", "function result(c, s) {"]
    lines += [f"  const {var} = {code};" for var, _, code in result]
    lines.append("  return {" + ", ".join(f"{key}: {var}" for var, key, _ in result) + "};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def decimal_library() -> str:
    return (TEMPLATES / "form" / "decimal.js").read_text(encoding="utf-8").replace(
        "__PLACES__", str(ir.DIVISION_PLACES))


def cell_library() -> str:
    """``Cells.read(rule, text)``: the form's reader of one cell, which interprets the
    rules ``cells.rules`` exports for each column (templates/form/cells.js)."""
    return (TEMPLATES / "form" / "cells.js").read_text(encoding="utf-8")


def standalone_module(plan: ir.Plan) -> str:
    """Library, scoring functions and a small runner, for node: used by the tests that hold
    the JavaScript to the Python evaluator digit for digit."""
    return decimal_library() + """
function cell(c, name) { if (!(name in c)) throw new Error("missing " + name); return c[name]; }
function fail(message, value) { throw new Error(message + ": " + Dec.str(value)); }
""" + generate(plan) + """
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = input.map((row) => {
  const c = {};
  for (const [k, v] of Object.entries(row)) c[k] = v === null ? null : Dec.parse(v);  // null: a blank not given
  try {
    const s = score(c);
    const g = grade(c, s);
    const all = Object.assign({}, s, { grade: Dec.make(BigInt(g === null ? -1 : g), 0) });
    const r = result(c, all);
    const shown = {};
    for (const [k, v] of Object.entries(Object.assign({}, s, r))) shown[k] = Dec.str(v);
    shown.grade = g;
    shown.not_applicable = notApplicable(c);
    return shown;
  } catch (e) { return { error: String(e.message) }; }
});
process.stdout.write(JSON.stringify(out));
"""
