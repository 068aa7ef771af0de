"""Batch rules by rank: grades given to the top and bottom shares of each group (a 20-70-10
distribution), and the winners of a best-in-group award under its tie policy.

A distribution ranks each group's scored rows of a period by total, then by its tie-break
values, higher first.  For a row, ``above`` is how many rank strictly higher and ``upto``
how many rank as high or higher (so the people tied with it are ``upto - above``).  Tied
people stand or fall together: a slice cut between them takes all of them into the better
grade (a top slice grows, a bottom slice shrinks).  ``sql_batch.distribute`` says the same
with window functions, in these words.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from kpidsl import ir
from kpidsl.numbers.semantics import round_to
from kpidsl.numbers.spelling import percent

if TYPE_CHECKING:
    from kpidsl.engine.result import Result

ONE = Decimal(1)


def share_count(share: Decimal, size: int, rounding: str) -> int:
    """How many people ``share`` of a group of ``size`` is: rounded down, up or half up."""
    return int(round_to(share * size, ONE, rounding))


def slice_text(plan: ir.Plan, d: ir.Distribution, s: ir.Slice, team: str, k: int, n: int) -> str:
    """``top 20% of team 'a' is 2 of 7, rounded half up``."""
    return (f"{s.side} {percent(s.share)} of {d.group} '{team}' is {k} of {n}, "
            f"rounded {d.rounding}")


def distribute(plan: ir.Plan, d: ir.Distribution, team: str, members: list[Result]) -> None:
    """Give one group's members their ranked grades, with a note on each row a slice takes
    and on each row a tie keeps out of a bottom slice."""
    n = len(members)
    keys = {id(r): (r.steps["total"], *(r.steps[t] for t in d.tie_by)) for r in members}
    above = {id(r): sum(keys[id(o)] > keys[id(r)] for o in members) for r in members}
    upto = {id(r): sum(keys[id(o)] >= keys[id(r)] for o in members) for r in members}
    by = d.by_text
    top_end = 0  # the rows the top slices took: the first top_end of the ranking
    bottom_end = 0  # the rows the bottom slices took, counted from the bottom
    for s in d.slices:
        k = share_count(s.share, n, d.rounding)
        grade = plan.grades[s.grade]
        label = grade.label or grade.name
        what = slice_text(plan, d, s, team, k, n)
        if s.side == "top":
            cut = top_end + min(k, n - top_end)
            taken = [r for r in members if top_end <= above[id(r)] < cut]
            for r in taken:
                tied = upto[id(r)] - above[id(r)]
                r.grade = s.grade
                r.notes.append(f"{label}: {what}; ranked {above[id(r)] + 1} by {by}"
                               + (f"; tied at the cut, all {tied} get {label}" if upto[id(r)] > cut else ""))
            top_end = max([upto[id(r)] for r in taken], default=top_end)
            continue
        cut = bottom_end + min(k, n - top_end - bottom_end)
        for r in members:
            below_or_tied = n - above[id(r)]  # rows ranked as low as r or lower
            if bottom_end < below_or_tied <= cut:
                r.grade = s.grade
                r.notes.append(f"{label}: {what}; ranked {above[id(r)] + 1} by {by}")
            elif n - upto[id(r)] < cut < below_or_tied:
                r.notes.append(f"not {label}: tied at the cut ({what}); ranked {above[id(r)] + 1} by {by}, "
                               f"all {upto[id(r)] - above[id(r)]} get the better grade")
        bottom_end = max([n - above[id(r)] for r in members if bottom_end < n - above[id(r)] <= cut],
                         default=bottom_end)


def tied(b: ir.BestOf, eligible: list[Result]) -> list[Result]:
    """The eligible rows with the top value, then the top of each tie-break value in turn:
    the people still tied, in the order of the rows."""
    for step in (b.step, *b.tie_by):
        top = max(r.steps[step] for r in eligible)
        eligible = [r for r in eligible if r.steps[step] == top]
    return eligible


def winners(b: ir.BestOf, still_tied: list[Result]) -> list[Result]:
    """Who of the people still tied receives the award: all of them (they share), or with
    ``pick one by`` the first by the person key, its text compared code point by code point
    (as SQL's binary collation, ``COLLATE "C"`` on PostgreSQL, orders it)."""
    if b.pick_by is None or not still_tied:
        return still_tied
    return [min(still_tied, key=lambda r: r.person)]
