"""The score and result steps once lowered: metrics that only items out of play read are
not computed, and every step comes after the steps it reads.

Issue 12 item 3: an item that does not apply is not evaluated at all, and that includes the metrics its
rule reads: `metric rate = on_time / deliveries` must not divide by zero in a row where
the one item that reads it does not apply because there were no deliveries.  Lowering
records who reads each metric (an item's rule under its not-applicable flag, another
metric, or anything else) and which steps compute it; a metric read only under such
flags is computed when at least one of its readers applies, and is 0 otherwise, which
nothing reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from kpidsl import ir

ZERO = ir.Const(Decimal(0))
# who read a metric: ("guard", the reading item's not-applicable flag), ("metric", a metric
# that reads it) or ("any", None): a reader that always runs
Reader = tuple[str, object]


@dataclass
class MetricGuards:
    reads: dict[str, list[Reader]] = field(default_factory=dict)
    steps: dict[str, list[str]] = field(default_factory=dict)  # metric -> the steps computing it

    def read(self, metric: str, reader: Reader) -> None:
        self.reads.setdefault(metric, []).append(reader)

    def owns(self, metric: str, steps: list[str]) -> None:
        self.steps[metric] = steps

    def guards(self, metric: str, seen: frozenset[str] = frozenset()) -> list[ir.Expr] | None:
        """The flags under which every reader of the metric is out of play; None when some
        reader always needs it."""
        if metric in seen:
            return None
        out: list[ir.Expr] = []
        for kind, what in self.reads.get(metric, [("any", None)]):
            if kind == "guard":
                flags: list[ir.Expr] | None = [what]  # type: ignore[list-item]
            elif kind == "metric":
                flags = self.guards(str(what), seen | {metric})
            else:
                flags = None
            if flags is None:
                return None
            out += [f for f in flags if f not in out]
        return out or None

    def wrap(self, steps: list[ir.Step]) -> list[ir.Step]:
        """Each guarded metric's steps as `if every reader is out: 0 else the value`."""
        skip: dict[str, ir.Cond] = {}
        for metric, names in self.steps.items():
            flags = self.guards(metric)
            if flags:
                out: ir.Cond = ir.IsTrue(flags[0]) if len(flags) == 1 else ir.And(tuple(ir.IsTrue(f) for f in flags))
                for n in names:
                    skip[n] = out
        return [replace(s, expr=ir.If(skip[s.name], ZERO, s.expr)) if s.name in skip else s for s in steps]


def in_dependency_order(steps: list[ir.Step]) -> tuple[ir.Step, ...]:
    """Steps may name each other in any order in the file (a pay may use a pool declared
    below it, an item an item); compute each after the steps it reads."""
    by_name = {s.name: s for s in steps}
    done: dict[str, ir.Step] = {}

    def visit(step: ir.Step, path: tuple[str, ...]) -> None:
        if step.name in done:
            return
        if step.name in path:
            raise ValueError("formulas refer to each other in a circle: " + " → ".join(path + (step.name,)))
        for node in ir.walk(step.expr):
            name = node.step if isinstance(node, (ir.Ref, ir.Agg)) else None
            if name in by_name:
                visit(by_name[name], path + (step.name,))
        done[step.name] = step

    for s in steps:
        visit(s, ())
    return tuple(done.values())
