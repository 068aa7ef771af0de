"""AST nodes of rank-based grading: a grade given to the top or bottom share of each group
(``grade excellent "优秀" top 20%``), the one ``distribute grades`` line that says how a share
becomes a number of people and who is tied at a cut, and a best-in-group award's tie policy.

A ranked grade is a ``Grade`` (``band`` is None) so every rule that names grades (``grade is``,
``requires grade``, coefficients, the names check) treats it as one."""

from __future__ import annotations

from dataclasses import dataclass

from kpidsl.syntax.ast import BestOf, Expr, Grade, Quantity, Span


@dataclass(frozen=True, slots=True)
class RankedGrade(Grade):
    side: str  # "top" or "bottom"
    share: Quantity


@dataclass(frozen=True, slots=True)
class Distribution:
    """``distribute grades per GROUP rounded MODE ties [by EXPR, … then] share the better grade``."""

    per: str
    rounding: str  # "down" (floor), "up" (ceil), "half up"
    tie_by: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class RankedBestOf(BestOf):
    """``to best EXPR per GROUP ties [by EXPR, … then] share`` or ``… pick one by KEY``: the
    tie-break expressions, in order; whoever is still tied after them shares the award, or,
    with ``pick_by`` (the person key), only the first of them by that key does."""

    tie_by: tuple[Expr, ...]
    pick_by: str | None = None
    pick_span: Span | None = None
