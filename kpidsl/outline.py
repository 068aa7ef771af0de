"""The rubric as a reader sees it, for display: header lines, raters, sections and items,
each rule's kind and numbers as written, and which rater fills which column.

Every plan carries one (``ir.Plan.outline``) for the form, the pages, ``--explain`` and the
API, so no backend needs the syntax tree.  It holds no arithmetic: what is scored is the
plan's steps; this is what the people who fill and read the form are told.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ShownBound:
    op: str  # >= <= > < =
    value: str  # as written: "90%"


@dataclass(frozen=True, slots=True)
class ShownTier:
    bounds: tuple[ShownBound, ...]  # empty: ``else``, the tier for every other value
    points: Decimal


@dataclass(frozen=True, slots=True)
class ShownLevel:
    """One described level (R1/R2), of points or, in a factor item, of a coefficient."""
    text: str
    points: Decimal  # the level's value, or the low end of its range
    high: Decimal | None  # the top of the range the rater picks inside (R2)


@dataclass(frozen=True, slots=True)
class ShownStep:
    step: Decimal  # the step the rater picks (R3)
    points: Decimal


@dataclass(frozen=True, slots=True)
class ShownRule:
    """An item's scoring rule for display: its kind and its parameters as written.
    Only the fields of its kind are set."""
    kind: str  # tiers ratio proportional deduct change levels scale checklist entered
    text: str  # the whole rule on one line: "ratio r target 90% ±1pt base 30"
    subject: str = ""  # the value scored, as written (for deduct: what is counted)
    tiers: tuple[ShownTier, ...] = ()
    target: str | None = None  # ratio
    step: str | None = None  # ratio: points per ``per`` of difference
    per: str | None = None  # ratio (None: the default), change
    by: str | None = None  # change: points per ``per`` of change
    base: str | None = None  # ratio, deduct, change (None: the item's points)
    amount: str | None = None  # deduct: points off each time
    floored: bool = True  # deduct: never below zero
    levels: tuple[ShownLevel, ...] = ()
    steps: tuple[ShownStep, ...] = ()  # scale
    checks: tuple[str, ...] = ()  # checklist: each point checked
    check_scores: tuple[Decimal, ...] = ()  # checklist: the score for 0, 1, 2 … failed checks
    rater: str | None = None  # entered: who enters the points


@dataclass(frozen=True, slots=True)
class ShownItem:
    name: str
    label: str | None
    size_kind: str  # "points" or "factor"
    size: Decimal  # the item's points, or a factor item's top coefficient
    bonus: str | None  # ``bonus up to`` as written
    criteria: tuple[str, ...]
    notes: tuple[str, ...]
    rule: ShownRule | None  # None: the raters enter the points directly
    rater_columns: tuple[tuple[str, str], ...] = ()  # (weighted or `not counted` rater, the column they fill)
    column: str | None = None  # the one column one person fills (no weighted raters, or ``entered by``)
    entered_by: str | None = None  # who fills ``column`` when the rubric names them


@dataclass(frozen=True, slots=True)
class ShownSection:
    name: str
    label: str | None
    weight: str | None  # as written: "10%" or "40"
    out_of: str | None
    members: tuple[ShownItem | ShownSection, ...]


@dataclass(frozen=True, slots=True)
class ShownRater:
    name: str
    label: str | None
    weight: str | None  # as written; None: enters scores without weight (a third party)
    counted: bool = True  # False: `not counted`, fills the weighted raters' items in columns of its own


@dataclass(frozen=True, slots=True)
class Outline:
    """The rubric as a reader sees it, in the order it was written. The title is ``Plan.title``;
    group keys and their labels are ``Plan.groups`` and ``Plan.key_labels``."""
    position: str | None = None
    period: str | None = None  # monthly quarterly yearly
    fields: tuple[str, ...] | None = None  # header lines of the paper form; None: not given
    signatures: tuple[str, ...] | None = None
    notes: tuple[str, ...] = ()
    raters: tuple[ShownRater, ...] = ()
    members: tuple[ShownItem | ShownSection, ...] = ()

    def items(self) -> tuple[ShownItem, ...]:
        """Every item, depth first."""
        out: list[ShownItem] = []

        def visit(members: tuple[ShownItem | ShownSection, ...]) -> None:
            for m in members:
                if isinstance(m, ShownSection):
                    visit(m.members)
                else:
                    out.append(m)
        visit(self.members)
        return tuple(out)
