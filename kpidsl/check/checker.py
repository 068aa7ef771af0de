"""The checker: proves a rubric is sound, or says exactly where it is not.

It resolves names, infers units, works out the range of points every rule can award,
and checks that weights add up, tiers and grade bands leave no gaps or contradictions,
and every maximum is reachable.  Its output is diagnostics only; it never raises for bad
input.

The checks run as the passes in ``PASSES``, in that order, over one ``Context`` (the
symbols, the total's range, the diagnostics so far) and one ``Formulas`` (what a
formula's unit and range are, asked by every pass that reads one).  The order matters:
a pass reads what those before it left in the context, and where one mistake could set
off several checks (an undefined name inside a tier, a bare ``90`` on a percent), the
first diagnostic wins and the checks that would only echo it are skipped.  The
diagnostics are sorted by place at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kpidsl.check import bands, blanks, formulas, names, phases, ranking, statements, weights
from kpidsl.check.base import Context
from kpidsl.check.direction import directions
from kpidsl.check.formulas import Formulas
from kpidsl.diagnostics.diagnostic import Diagnostic, error
from kpidsl.syntax import ast
from kpidsl.syntax.gcpause import cycle_gc_paused
from kpidsl.syntax.loader import Program
from kpidsl.syntax.names import child_fields

Pass = Callable[[Context, Formulas], None]

PASSES: tuple[Pass, ...] = (
    names.collect,                 # the symbol table; every later pass looks names up in it
    statements.header,             # settings alone: rounding steps, the declared total
    weights.raters,                # rater weights; reads only their own numbers
    statements.not_counted,        # `entered by` against the raters collected
    lambda ctx, f: blanks.declarations(ctx),  # lists' columns, before any formula reads them
    formulas.declarations,         # inputs and metrics: units of their formulas (`total` unknown yet)
    weights.members,               # every item and section, their ranges into the symbols; sets the total's range
    weights.top_level,             # the top level adds up to the total: the contributions members left
    names.vetoes,                  # the top-level vetoes' inputs
    bands.grade_bands,             # grades by total: needs the total's range for KPI150
    ranking.ranking,               # grades by rank, `distribute grades`
    statements.scores_something,   # a rubric with no items and no pay
    statements.no_points,          # grades or quotas with no items to score
    statements.results_and_rules,  # pay, awards, pools, exclusions, streaks, quotas, flags: may read the total
    phases.cycles,                 # circles and phases, over the names collected
    lambda ctx, f: blanks.reads(ctx),  # inputs whose blank makes an item not applicable: read by items only
    directions,                    # only when no pass before found an error; reads the items' ranges
    names.unused,                  # last: every pass before has marked the names it read
)


def check(program: Program) -> list[Diagnostic]:
    with cycle_gc_paused():
        ctx = Context(program)
        deep = _too_deep(ctx.stmts)
        if deep is not None:  # every pass recurses over formulas: refuse before they run
            return [error("KPI145", f"this formula is nested more than {MAX_DEPTH} levels deep", deep.span,
                          "split it into metrics, each a step of the calculation")]
        f = Formulas(ctx)
        for run in PASSES:
            run(ctx, f)
        return sorted(ctx.diagnostics, key=Diagnostic.sort_key)


# Deeper formulas would exhaust the checker's, the evaluator's and the generated code's
# recursion (Python's own parser refuses 200 nested parentheses); no real rubric comes near.
MAX_DEPTH = 64


def _too_deep(stmts: tuple[ast.Statement, ...]) -> Any:
    """The first node more than MAX_DEPTH formula levels deep, found without recursion."""
    stack: list[tuple[object, int]] = [(s, 0) for s in reversed(stmts)]
    while stack:
        node, depth = stack.pop()
        t = type(node)
        if t is tuple:
            stack.extend([(x, depth) for x in reversed(node)])  # type: ignore[call-overload]
            continue
        if t in _FORMULA_NODES:
            depth += 1
            if depth > MAX_DEPTH:
                return node
        stack.extend([(getattr(node, f), depth) for f in reversed(child_fields(t))])
    return None


_FORMULA_NODES = frozenset((ast.BinOp, ast.Neg, ast.Call, ast.Progressive, ast.Compare, ast.Truth, ast.BoolOp, ast.Not))
