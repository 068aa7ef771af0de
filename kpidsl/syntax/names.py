"""Walks over the names a formula, a condition or a rule reads: the checker orders phases
with them, lowering orders steps and decides which metrics wait for the whole batch, and
`kpi diff` finds what a change touches."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

from kpidsl.syntax import ast

AGGREGATES = {"sum", "average", "count", "max", "min"}
# statistics of a group, always with `over` (numbers/stats.py); `median` without `over` is not one
GROUP_STATS = {"variance_pop", "variance_sample", "stddev_pop", "stddev_sample", "median", "percentile",
               "percent_rank"}


_FIELDS: dict[type, tuple[str, ...]] = {}


def child_fields(cls: type) -> tuple[str, ...]:
    """The fields a walk over a node enters, worked out once per class: all but its span and
    comments; none for a leaf (a number, a comment) or what is not a node (text, a Decimal)."""
    found = _FIELDS.get(cls)
    if found is None:  # two threads may both work it out: the same answer
        leaf = not is_dataclass(cls) or issubclass(cls, (ast.Quantity, ast.Comment))
        found = _FIELDS[cls] = () if leaf else tuple(f.name for f in fields(cls) if f.name not in ("span", "comments"))
    return found


def names_in(node: Any) -> list[tuple[str, ast.Span]]:
    """(name, span) of every name anywhere in a formula, a condition or a rule, however
    the node is built (a rule's bounds and subjects, a look-up's keys), in the order
    written; a grade test reads `grade`."""
    out: list[tuple[str, ast.Span]] = []
    stack = [node]
    while stack:  # a stack, not recursion: 10,000 items' formulas are walked per check
        n = stack.pop()
        t = type(n)
        if t is ast.Var:
            out.append((n.name, n.span))
        elif t is ast.GradeTest:
            out.append(("grade", n.span))
        elif t is tuple:
            stack.extend(reversed(n))
        else:
            stack.extend([getattr(n, f) for f in reversed(child_fields(t))])
    return out


def has_aggregate(node: Any) -> bool:
    """Whether an aggregate over a group or the periods is anywhere in ``node``."""
    stack = [node]
    while stack:
        n = stack.pop()
        t = type(n)
        if t is ast.Call and n.over is not None and (n.func in AGGREGATES or n.func in GROUP_STATS):
            return True  # (`abs(x over year)` is KPI143's: not an aggregate at all)
        if t is tuple:
            stack.extend(n)
        else:
            stack.extend([getattr(n, f) for f in child_fields(t)])
    return False


def names_in_aggregates(node: Any) -> set[str]:
    """The names read inside an aggregate over a group or the periods, anywhere in ``node``."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        t = type(n)
        if t is ast.Call and n.over is not None and (n.func in AGGREGATES or n.func in GROUP_STATS):
            out.update(name for name, _ in names_in(n.args))
        elif t is tuple:
            stack.extend(n)
        else:
            stack.extend([getattr(n, f) for f in child_fields(t)])
    return out


def aggregated(name: str, metrics: dict, seen: frozenset[str] = frozenset()) -> bool:
    """Whether a metric reads an aggregate, itself or through the metrics it reads: then it is
    worked out after every row is scored, with pay."""
    m = metrics.get(name)
    if m is None or name in seen:
        return False
    return has_aggregate(m.expr) or any(aggregated(n, metrics, seen | {name}) for n, _ in names_in(m.expr))
