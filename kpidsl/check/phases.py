"""When each named value is known, and so what may read it.

A row is worked out in an order: whether it is excluded (from its inputs and metrics),
then the scores (metrics, items, sections, the total), then the grade and its
coefficient, then pay, pools and awards.  A formula may read what is known before it, or
beside it in the same phase in any order of the file, but not in a circle (KPI144: an item
whose rule reads `total` needs its own score), and a score may not read a pay (KPI193).
`exclude` decides before anything is scored (KPI192).  An aggregate over a group or the
periods (`sum(x over team)`, `stddev_pop(score over department)`) is a group figure: it is
taken once every row has the value it aggregates, so an item or a grade may read it (the
engines work the steps out in that order), but not when that value needs the figure
itself (KPI194, a circle through a group figure).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kpidsl.check.base import Context, name_span
from kpidsl.diagnostics.diagnostic import Diagnostic, error
from kpidsl.syntax import ast
from kpidsl.syntax.names import aggregated, names_in, names_in_aggregates

if TYPE_CHECKING:
    from kpidsl.check.formulas import Formulas

Graph = tuple[dict[str, object], dict[str, list[tuple[str, ast.Span]]]]  # the values, what each reads
RESULT_KINDS = (ast.Pay, ast.Pool, ast.Award)
SCORE_KINDS = (ast.Metric, ast.Item, ast.Section)


def _reads(s: Any) -> list[Any]:
    """What a statement's own value is computed from (not its members' rules)."""
    if isinstance(s, ast.Item):
        return [s.rules, s.not_applicable]
    if isinstance(s, ast.Section):
        return []  # its members, below
    if isinstance(s, ast.Award):
        return [s.when, s.best_of]
    return [getattr(s, "expr", None), getattr(s, "when", None)]


def graph(stmts: tuple[ast.Statement, ...]) -> Graph:
    """(what defines each value, the values each one reads), `total`, `coefficient` and
    `grade` included: the total reads the top-level items and sections, the grade the total."""
    nodes: dict[str, object] = {}
    reads: dict[str, list[tuple[str, ast.Span]]] = {}

    def add(s: Any) -> None:
        nodes[s.name] = s
        reads[s.name] = [(n, sp) for part in _reads(s) for n, sp in names_in(part)]
        if isinstance(s, ast.Section):
            for m in s.members:
                if isinstance(m, (ast.Item, ast.Section)):
                    reads[s.name].append((m.name, m.span))
                    add(m)

    top = []
    for s in stmts:
        if isinstance(s, (*SCORE_KINDS, *RESULT_KINDS)):
            add(s)
            if isinstance(s, (ast.Item, ast.Section)):
                top.append((s.name, s.span))
    if top:
        reads["total"] = top
    grades = [s for s in stmts if isinstance(s, ast.Grade)]
    if grades:
        reads["grade"] = [("total", ast.Span("", 0, 0, 0, 0))] if top else []
        reads["grade"] += [(n, sp) for g in grades for n, sp in names_in(g.band) if n != "total"]
        reads["coefficient"] = [("grade", ast.Span("", 0, 0, 0, 0))]
    for name in list(reads):
        reads[name] = [(n, sp) for n, sp in reads[name] if n in reads]
    return nodes, reads


def cycles(ctx: Context, f: Formulas) -> None:
    """Pass: when each value is known, over the names ``names.collect`` found (see above)."""
    ctx.diagnostics.extend(check(ctx.stmts))


def check(stmts: tuple[ast.Statement, ...]) -> list[Diagnostic]:
    """The checks over one graph: circles (KPI144, or KPI194 through a group figure), and
    when there is none, a score that reads a pay (KPI193: in a circle already when an item
    needs it, so one message)."""
    g = graph(stmts)
    return circles(g) or score_reads_result(g)


def circles(g: Graph) -> list[Diagnostic]:
    """KPI144: values that need each other, each circle reported once, at the first value
    in it that the file defines."""
    nodes, reads = g
    state: dict[str, int] = {}
    out: list[Diagnostic] = []

    def visit(n: str, path: list[str]) -> None:
        state[n] = 1
        for m in sorted({x for x, _ in reads[n]}):
            if state.get(m) == 1:
                cycle = path[path.index(m):] + [m] if m in path else [n, m]
                where = next((x for x in cycle if x in nodes), None)
                span = name_span(nodes[where]) if where else name_span(nodes[n])
                through = _group_figure(cycle, nodes)
                if through is not None:
                    reader, read = through
                    out.append(error(
                        "KPI194", f"`{reader}` reads a group figure of `{read}`, which needs `{reader}` itself: "
                        + " → ".join(f"`{x}`" for x in cycle), span,
                        f"a figure over the group is taken once everyone's `{read}` is known; take it over a value "
                        f"worked out before `{reader}` (an input, or a metric of inputs)"))
                    continue
                out.append(error(
                    "KPI144", "formulas refer to each other in a circle: " + " → ".join(f"`{x}`" for x in cycle),
                    span, "one of them must be computed from the others, not the reverse"))
            elif m not in state:
                visit(m, path + [m])
        state[n] = 2

    for n in sorted(reads, key=lambda x: x not in nodes):  # the file's own names first
        if n not in state:
            visit(n, [n])
    return out


def _group_figure(cycle: list[str], nodes: dict[str, object]) -> tuple[str, str] | None:
    """(reader, read): the first step of a circle taken through a group figure, if any."""
    for reader, read in zip(cycle, cycle[1:]):
        s = nodes.get(reader)
        if s is not None and read in names_in_aggregates(tuple(_reads(s))):
            return reader, read
    return None


def _phase(name: str, nodes: dict[str, object]) -> str | None:
    s = nodes.get(name)
    if isinstance(s, RESULT_KINDS):
        return f"{type(s).__name__.lower()} `{name}`"
    if name in ("coefficient", "grade"):
        return f"the {name}"
    return None


def score_reads_result(g: Graph) -> list[Diagnostic]:
    """KPI193: a metric or an item's rule is worked out with the scores; a pay, pool, award,
    grade or coefficient only after them."""
    nodes, reads = g
    out: list[Diagnostic] = []
    for name, s in nodes.items():
        if not isinstance(s, SCORE_KINDS):
            continue
        for read, span in reads[name]:
            later = _phase(read, nodes)
            if later is not None:
                out.append(error(
                    "KPI193", f"{type(s).__name__.lower()} `{name}` is worked out with the scores, before "
                    f"{later}, so it cannot read it", span,
                    "compute it in a pay line instead, or read the inputs the later value is made of"))
                break
    return out


def exclusion_reads_only_data(x: ast.Exclude, kinds: dict[str, str], metrics: dict[str, Any]) -> list[Diagnostic]:
    """KPI192: whether a row is excluded is decided before it is scored (and before any
    aggregate is known)."""
    for name, span in names_in(x.when):
        kind = kinds.get(name)
        if kind == "input" or kind == "metric" and not aggregated(name, metrics):
            continue
        if kind is None and name not in ("total", "coefficient", "grade"):
            continue  # undefined: reported already
        what = f"the {name}" if kind is None else f"{kind} `{name}`"
        if kind == "metric":
            what = f"metric `{name}` (it reads an aggregate)"
        return [error("KPI192", f"whether a row is excluded cannot depend on {what}, which is worked out "
                      "after it is decided", span, "decide it from inputs and metrics, e.g. `when absent_months > 2`")]
    return []
