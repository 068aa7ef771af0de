"""Walks over the names a formula, a condition or a rule reads: the checker orders phases
with them, lowering orders steps and decides which metrics wait for the whole batch, and
`kpi diff` finds what a change touches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from typing import Any

from kpidsl.syntax import ast

AGGREGATES = {"sum", "average", "count", "max", "min"}


def names_in(node: Any) -> Iterator[tuple[str, ast.Span]]:
    """(name, span) of every name anywhere in a formula, a condition or a rule, however
    the node is built (a rule's bounds and subjects, a look-up's keys); a grade test reads
    `grade`."""
    if isinstance(node, ast.Var):
        yield node.name, node.span
    elif isinstance(node, ast.GradeTest):
        yield "grade", node.span
    elif isinstance(node, tuple):
        for x in node:
            yield from names_in(x)
    elif is_dataclass(node) and not isinstance(node, (ast.Quantity, ast.Comment)):
        for f in fields(node):
            if f.name not in ("span", "comments"):
                yield from names_in(getattr(node, f.name))


def has_aggregate(node: Any) -> bool:
    if isinstance(node, ast.Call) and node.over is not None and node.func in AGGREGATES:
        return True  # (`abs(x over year)` is KPI143's: not an aggregate at all)
    if isinstance(node, tuple):
        return any(has_aggregate(x) for x in node)
    if is_dataclass(node) and not isinstance(node, (ast.Quantity, ast.Comment, ast.Var)):
        return any(has_aggregate(getattr(node, f.name)) for f in fields(node) if f.name not in ("span", "comments"))
    return False


def aggregated(name: str, metrics: dict, seen: frozenset[str] = frozenset()) -> bool:
    """Whether a metric reads an aggregate, itself or through the metrics it reads: then it is
    worked out after every row is scored, with pay."""
    m = metrics.get(name)
    if m is None or name in seen:
        return False
    return has_aggregate(m.expr) or any(aggregated(n, metrics, seen | {name}) for n, _ in names_in(m.expr))
