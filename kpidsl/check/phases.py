"""When each named value is known, and so what may read it.

A row is worked out in an order: whether it is excluded (from its inputs and metrics),
then the scores (metrics, items, sections, the total), then the grade and its
coefficient, then pay, pools and awards.  A formula may read what is known before it, or
beside it in the same phase in any order of the file, but not in a circle (KPI144: an item
whose rule reads `total` needs its own score), and a score may not read a pay (KPI193).
`exclude` decides before anything is scored (KPI192).  An aggregate over a group or the
periods (`sum(x over team)`) needs every row scored first, so a metric that reads one is
worked out with pay, and no item's rule may read it (KPI194).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kpidsl.check.base import Context, name_span
from kpidsl.diagnostics.diagnostic import Diagnostic, error
from kpidsl.syntax import ast
from kpidsl.syntax.names import aggregated, has_aggregate, names_in

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
    if any(isinstance(s, ast.Grade) for s in stmts):
        reads["grade"] = [("total", ast.Span("", 0, 0, 0, 0))] if top else []
        reads["coefficient"] = [("grade", ast.Span("", 0, 0, 0, 0))]
    for name in list(reads):
        reads[name] = [(n, sp) for n, sp in reads[name] if n in reads]
    return nodes, reads


def cycles(ctx: Context, f: Formulas) -> None:
    """Pass: when each value is known, over the names ``names.collect`` found (see above)."""
    ctx.diagnostics.extend(check(ctx.stmts))


def check(stmts: tuple[ast.Statement, ...]) -> list[Diagnostic]:
    """The three checks over one graph: circles (KPI144), and when there is none, a score
    that reads a pay (KPI193: in a circle already when an item needs it, so one message);
    an item that reads an aggregate (KPI194)."""
    g = graph(stmts)
    return (circles(g) or score_reads_result(g)) + score_reads_aggregate(g)


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
                out.append(error(
                    "KPI144", "formulas refer to each other in a circle: " + " → ".join(f"`{x}`" for x in cycle),
                    name_span(nodes[where]) if where else name_span(nodes[n]),
                    "one of them must be computed from the others, not the reverse"))
            elif m not in state:
                visit(m, path + [m])
        state[n] = 2

    for n in sorted(reads, key=lambda x: x not in nodes):  # the file's own names first
        if n not in state:
            visit(n, [n])
    return out


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


def score_reads_aggregate(g: Graph) -> list[Diagnostic]:
    """KPI194: an item's rule, or whether it applies, cannot wait for the whole batch."""
    nodes, _ = g
    metrics = {n: s for n, s in nodes.items() if isinstance(s, ast.Metric)}
    out: list[Diagnostic] = []
    for s in nodes.values():
        if not isinstance(s, ast.Item):
            continue
        parts = (s.rules, s.not_applicable)
        via = next((n for n, _ in names_in(parts) if aggregated(n, metrics)), None)
        if has_aggregate(parts) or via is not None:
            what = f"metric `{via}`, which reads an aggregate" if via else "an aggregate"
            out.append(error(
                "KPI194", f"item `{s.name}` reads {what}; an aggregate over a group or the periods is "
                "known only when every row is scored, after the items", name_span(s),
                "pay or award it instead (`pay … = … sum(x over team)`), or give the group's figure as an input"))
    return out
