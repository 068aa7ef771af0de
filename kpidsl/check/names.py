"""Names: the symbol table (every name defined once, and not with kpi's own `_`), how a
name is looked up where it is used (KPI140 with a near match), and the names nothing
uses.  Units and ranges of formulas are ``formulas.py``'s."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from kpidsl.check.base import UNIT_WORDS, Context, Symbol, name_span
from kpidsl.diagnostics.diagnostic import Related, error, warning
from kpidsl.syntax import ast

if TYPE_CHECKING:
    from kpidsl.check.formulas import Formulas


def collect(ctx: Context, f: Formulas) -> None:
    """Pass: every defined name into ``ctx.symbols`` (KPI142 twice, KPI147 a leading `_`)."""
    def add(kind: str, node: Any, unit: str | None) -> None:
        name = node.name
        imported = id(node) in ctx.program.imported
        prev = ctx.symbols.get(name)
        if prev is not None:
            if prev.node is node:
                return
            ctx.diagnostics.append(error(
                "KPI142", f"`{name}` is defined twice", name_span(node),
                "every input, metric, section, item, rater, grade and pay needs its own name",
                (Related(f"`{name}` was first defined here, as {prev.kind}", name_span(prev.node)),)))
            return
        if name.startswith("_"):
            ctx.diagnostics.append(error(
                "KPI147", f"`{name}`: a name starting with `_` is kept for kpi's own steps", name_span(node),
                f"rename it, e.g. `{name.lstrip('_') or 'x'}`"))
        ctx.symbols[name] = Symbol(kind, node, unit, imported)

    def walk(members: Iterable[Any]) -> None:
        for m in members:
            if isinstance(m, ast.Section):
                add("section", m, "points")
                walk(m.members)
            elif isinstance(m, ast.Item):
                add("item", m, "points" if m.size_kind == "points" else "number")

    for s in ctx.stmts:
        if isinstance(s, ast.Input):
            add("input", s, s.unit)
        elif isinstance(s, ast.Metric):
            add("metric", s, s.unit)
        elif isinstance(s, ast.Rater):
            add("rater", s, None)
        elif isinstance(s, ast.Key):
            add("key", s, None)
        elif isinstance(s, (ast.Section, ast.Item)):
            walk([s])
        elif isinstance(s, ast.Grade):
            add("grade", s, None)
        elif isinstance(s, (ast.Pay, ast.Pool)):
            add("pay" if isinstance(s, ast.Pay) else "pool", s, "money")
        elif isinstance(s, ast.Award):
            add("award", s, "money")
        elif isinstance(s, ast.Streak):
            add("streak", s, None)
        elif isinstance(s, (ast.Flag, ast.WhenFlag)):
            add("flag", s, None)


def lookup(ctx: Context, name: str, span: ast.Span, kinds: tuple[str, ...] | None = None,
           what: str = "name") -> Symbol | None:
    """The symbol a use of ``name`` means, marked used; or KPI140, once for each place."""
    sym = ctx.symbols.get(name)
    if sym is not None and (kinds is None or sym.kind in kinds):
        sym.used = True
        return sym
    key = (name, span.line, span.column)
    if key in ctx.reported_undefined:
        return None
    ctx.reported_undefined.add(key)
    candidates = [n for n, s in ctx.symbols.items() if kinds is None or s.kind in kinds]
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if sym is not None:
        message = f"`{name}` is {sym.kind if sym.kind != 'input' else 'an input'}, not {what}"
    else:
        message = f"`{name}` is not defined"
        if what != "name":
            message = f"{what} `{name}` is not defined"
    hint = f"did you mean `{close[0]}`?" if close else None
    if hint is None and sym is None and kinds and "input" in kinds:
        hint = f'declare it first, e.g. `input {name} "…": count`'
    ctx.diagnostics.append(error("KPI140", message, span, hint))
    return None


def check_veto(ctx: Context, v: ast.Veto) -> None:
    sym = lookup(ctx, v.condition, v.span, ("input",), "an input")
    if sym is not None and sym.unit != "yes/no":
        ctx.diagnostics.append(error(
            "KPI171", f"a veto needs a yes/no input; `{v.condition}` is {UNIT_WORDS[sym.unit]}", v.span,
            f'declare it as `input {v.condition} "…": yes/no`'))


def unused(ctx: Context, f: Formulas) -> None:
    """Pass: KPI141 for an input or metric of this file that nothing reads.  A name another
    rule needs only at evaluation (a rater, a key) is not "unused"; a library's names are
    there for the rubrics that use it."""
    if ctx.is_library:
        return
    for name, sym in ctx.symbols.items():
        if sym.used or sym.imported or sym.kind not in ("input", "metric"):
            continue
        if sym.node.span.file != ctx.program.root.file:
            continue
        ctx.diagnostics.append(warning(
            "KPI141", f"{sym.kind} `{name}` is never used", name_span(sym.node),
            "remove it, or use it in a rule or formula"))


def vetoes(ctx: Context, f: Formulas) -> None:
    """Pass: each top-level veto reads a yes/no input (an item's or a section's vetoes are
    checked with it)."""
    for s in ctx.stmts:
        if isinstance(s, ast.Veto):
            check_veto(ctx, s)
