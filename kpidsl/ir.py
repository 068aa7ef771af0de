"""The scoring IR: one small language every backend translates.

A checked rubric is lowered (``lower.py``) to a ``Plan``:

* ``columns`` — the data cells one row must provide, each with its unit and
  what values are allowed (validated before scoring, never inside it);
* ``steps`` — named values computed in order for each row, from cells,
  constants and earlier steps, with exact decimal arithmetic;
* ``batch`` — rules that need the whole batch of rows (best in each
  department, team pools, grade quotas, streaks, yearly averages);
* ``outline`` — the rubric as a reader sees it (header lines, raters,
  sections and items, each rule's kind and numbers as written, and which
  rater fills which column), for the form, explanations and the API, so no
  backend needs the syntax tree.

Expressions are tiny on purpose: arithmetic, comparisons joined by and, or
and not, min/max, a conditional and rounding (``floor``, ``ceil`` and ``round`` of
the language are ``Round`` nodes).  That is all a tier table, a ratio rule or a
progressive bracket needs once lowered, and all another backend (JavaScript today)
must reproduce to agree with the Python evaluator to the last digit.

Division is the one operation whose result can be longer than its inputs: every
backend divides to ``DIVISION_PLACES`` decimal places, ties to even, so they agree.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TypeAlias, assert_never, final, overload

# the outline is part of every plan: its classes are the IR's too (ir.ShownItem)
from kpidsl.outline import (  # noqa: F401
    Outline,
    ShownBound,
    ShownItem,
    ShownLevel,
    ShownRater,
    ShownRule,
    ShownSection,
    ShownStep,
    ShownTier,
)

DIVISION_PLACES = 20


@final
@dataclass(frozen=True, slots=True)
class Const:
    value: Decimal


@final
@dataclass(frozen=True, slots=True)
class Cell:
    """A validated data cell of the current row (yes/no is 1 or 0)."""
    column: str


@final
@dataclass(frozen=True, slots=True)
class Ref:
    """A step computed earlier for the same row."""
    step: str


@final
@dataclass(frozen=True, slots=True)
class Bin:
    op: str  # + - * /
    a: Expr
    b: Expr


@final
@dataclass(frozen=True, slots=True)
class Neg:
    a: Expr


@final
@dataclass(frozen=True, slots=True)
class Min:
    args: tuple[Expr, ...]


@final
@dataclass(frozen=True, slots=True)
class Max:
    args: tuple[Expr, ...]


@final
@dataclass(frozen=True, slots=True)
class Cmp:
    op: str  # < <= > >= = !=
    a: Expr
    b: Expr


@final
@dataclass(frozen=True, slots=True)
class And:
    args: tuple[Cond, ...]


@final
@dataclass(frozen=True, slots=True)
class Or:
    args: tuple[Cond, ...]


@final
@dataclass(frozen=True, slots=True)
class Not:
    a: Cond


@final
@dataclass(frozen=True, slots=True)
class IsTrue:
    """A yes/no value used as a condition."""
    a: Expr


@final
@dataclass(frozen=True, slots=True)
class If:
    cond: Cond
    then: Expr
    else_: Expr


@final
@dataclass(frozen=True, slots=True)
class Round:
    a: Expr
    step: Decimal
    mode: str  # "half up", "half even", "up", "down"


@final
@dataclass(frozen=True, slots=True)
class Fail:
    """Evaluating this is a data error: a value the rubric gives no score for."""
    message: str
    show: Expr  # the value to name in the error


@final
@dataclass(frozen=True, slots=True)
class Agg:
    """An aggregate over the batch: ``func`` of step ``step`` over rows sharing ``over``
    (a group column, or ``year``/``quarter`` of the same person). Only in result steps."""
    func: str  # sum average count max min, or a group statistic (numbers/stats.py: STATS)
    step: str
    over: str
    at: Decimal | None = None  # a percentile's fraction (0.9 for the 90th)


@final
@dataclass(frozen=True, slots=True)
class Sqrt:
    """√a to DIVISION_PLACES places, ties to even (numbers/stats.py); a < 0 is a data error."""
    a: Expr


@final
@dataclass(frozen=True, slots=True)
class Given:
    """True when the row's cell ``column`` holds a value: false for a blank cell of a column
    that may be blank (``Column.blank``), whose value nothing may read then."""
    column: str


# Closed unions of final classes: every translation of the IR dispatches on them (a ``match``,
# or ``type(e) is`` tests where speed counts, which mypy narrows because the classes are final)
# and ends in ``assert_never``, so mypy names each backend a new node is missing from, and
# tests/test_exhaustive.py does too.
Expr: TypeAlias = Const | Cell | Ref | Bin | Neg | Min | Max | If | Round | Fail | Agg | Sqrt
Cond: TypeAlias = Cmp | And | Or | Not | IsTrue | Given
Node: TypeAlias = Expr | Cond


# ---- the plan ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    name: str  # the data column
    label: str | None  # a title that may stand for it in a sheet (Chinese first)
    unit: str
    low: Decimal | None
    high: Decimal | None
    allowed: tuple[Decimal, ...] | None  # R1/R3/R12: only these values
    allowed_ranges: tuple[tuple[Decimal, Decimal], ...] | None  # R2: inside one of these
    integer: bool
    line: int  # the rubric line that needs it
    file: str
    optional: bool = False  # e.g. `.last` values that can come from the previous period's row
    may_be_na: bool = False  # an item that may be marked not applicable
    source: tuple[str, str | None] | None = None  # an input's `from WHO "detail"`: who ("system" or a rater)
    period_edge: str | None = None  # start | end: the day the row's period cell begins or ends on, not a column
    levels: tuple[tuple[str, Decimal, Decimal], ...] = ()  # each level's text, lowest and highest points
    blank: bool = False  # a blank cell means "not given": no value (None), read only where ``Given`` holds


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    # metric item section section_score total recorded coefficient pay award pool flag aux;
    # `recorded`: a `not counted` rater's total (named after the rater), the rubric scored with their
    # marks in place of the counted raters'; shown beside the total, summed into nothing.  The items
    # and sections of that view are aux steps named ``NAME@RATER`` (``discipline@self``).
    kind: str
    expr: Expr
    label: str | None = None
    line: int = 0
    why: str = ""  # how the rule reads, for explanations: "ratio installs_ok target 90% ±1pt"
    trace: tuple[tuple[str, Expr], ...] = ()  # sub-values worth showing in an explanation


@final
@dataclass(frozen=True, slots=True)
class NotApplicable:
    """An item that may not apply: ``flag`` is 1 in a row where it does not, from the row's
    cells alone (metrics inlined); ``spread``: where its points go; ``note``: the result's note."""
    item: str
    label: str | None
    flag: Expr
    spread: str
    note: str


@dataclass(frozen=True, slots=True)
class Grade:
    name: str
    label: str | None
    cond: Cond | None  # None: otherwise
    coefficient: Decimal | None


@dataclass(frozen=True, slots=True)
class BestOf:
    award: str
    label: str | None
    amount: Decimal
    step: str  # the value compared
    group: str
    eligible: str  # a step that is 1 when the person may receive it (grade gate, condition)
    tie_by: tuple[str, ...] = ()  # steps that break a tie on ``step``, in order, higher first
    tie_text: tuple[str, ...] = ()  # the tie-break formulas as written, for notes
    # None: whoever is still tied shares; the person column: only the first of them by its
    # values, compared character by character (code points, as Python compares text)
    pick_by: str | None = None


@dataclass(frozen=True, slots=True)
class Pool:
    name: str
    label: str | None
    step: str  # the pool amount, computed per row; must agree within the group
    group: str


@dataclass(frozen=True, slots=True)
class Quota:
    grade: str
    at_most: Decimal
    is_share: bool  # 20% of the group, or a number of people
    group: str
    tie_by: tuple[str, ...]  # steps, compared in order, higher first
    tie_text: tuple[str, ...] = ()  # the tie-break formulas as written, for notes


@dataclass(frozen=True, slots=True)
class Slice:
    """One ranked grade: the ``share`` (a fraction, 0.2 for 20%) of each group at the top or
    bottom of the ranking."""
    grade: int  # index into Plan.grades
    side: str  # top | bottom
    share: Decimal


@dataclass(frozen=True, slots=True)
class Distribution:
    """Grades by rank, per period and ``group``: everyone holds the ``otherwise`` grade until
    the slices are cut, the top ones from the best down, then the bottom ones from the worst
    up, each ``rounding`` of share × the group's size people (no more than are left).  People
    rank by total, then by the ``tie_by`` steps (higher first); people equal on all of them
    at a cut all get the better grade."""
    group: str
    slices: tuple[Slice, ...]  # in the order they are cut
    rounding: str  # down (floor) | up (ceil) | half up
    tie_by: tuple[str, ...]  # score-phase steps
    tie_text: tuple[str, ...] = ()

    @property
    def by_text(self) -> str:
        """What people are ranked by, as every engine's notes say it: ``total, sales``."""
        return ", ".join(("total", *(self.tie_text or self.tie_by)))


@dataclass(frozen=True, slots=True)
class Streak:
    name: str
    label: str | None
    step: str  # 1 when the condition holds in a period
    periods: int
    action: str  # award | flag
    amount: Decimal | None
    flag: str | None


@dataclass(frozen=True, slots=True)
class Flag:
    name: str
    label: str | None
    bottom: Decimal
    is_share: bool
    group: str


@dataclass(frozen=True, slots=True)
class WhenFlag:
    """A flag raised in each period its condition holds: ``step`` is 1 then, else 0."""
    name: str
    label: str | None
    step: str


@dataclass(frozen=True, slots=True)
class Plan:
    title: str
    person: str  # the column naming a person
    period: str  # the column naming a period
    groups: tuple[str, ...]
    columns: tuple[Column, ...]
    score_steps: tuple[Step, ...]  # up to and including the total
    grades: tuple[Grade, ...]
    result_steps: tuple[Step, ...]  # after grades (and quotas): coefficient, pay, awards
    exclude: tuple[tuple[Cond, str | None], ...]
    best_of: tuple[BestOf, ...] = ()
    pools: tuple[Pool, ...] = ()
    quotas: tuple[Quota, ...] = ()
    distribution: Distribution | None = None
    streaks: tuple[Streak, ...] = ()
    flags: tuple[Flag, ...] = ()
    when_flags: tuple[WhenFlag, ...] = ()
    money_round: tuple[Decimal, str] = (Decimal("0.01"), "half up")
    vetoes: tuple[tuple[str, str, str], ...] = ()  # (yes/no column, label, what it zeroes)
    key_labels: tuple[tuple[str, str], ...] = ()  # (person or group key, its label): either titles the column
    outputs: tuple[tuple[str, str], ...] = field(default=())  # (step, header) in output order
    outline: Outline = field(default=Outline())
    not_applicable: tuple[NotApplicable, ...] = ()  # items that may not apply, and what then becomes of their points

    def output_steps(self) -> tuple[list[str], list[str]]:
        """The steps an output row shows, in order, in every engine: before the grade column,
        and after it."""
        before = [s.name for s in self.score_steps if s.kind in ("item", "section_score", "section", "total", "recorded")]
        after = [s.name for s in self.result_steps if s.kind in ("coefficient", "pay", "award", "pool")]
        return before, after

    def aggregates(self, early: bool = False) -> list[Agg]:
        """Every aggregate the plan computes; ``early``: only those the score phase or a grade
        reads (a group figure that feeds a score), which every row must wait for."""
        exprs: list[Node] = [s.expr for s in self.score_steps] + [g.cond for g in self.grades if g.cond is not None]
        exprs += [] if early else [s.expr for s in self.result_steps]
        return [n for e in exprs for n in walk(e) if isinstance(n, Agg)]


def walk(e: Node) -> Iterator[Node]:
    """Every node of an expression or condition, depth first."""
    yield e
    for child in _children(e):
        yield from walk(child)


@overload
def inline(e: Expr, values: Mapping[str, Expr]) -> Expr: ...
@overload
def inline(e: Cond, values: Mapping[str, Expr]) -> Cond: ...
def inline(e: Node, values: Mapping[str, Expr]) -> Node:
    """``e`` with each ``Ref`` to a step in ``values`` replaced by that step's formula, itself
    inlined: a condition decided before any step is computed (``exclude``) reads metrics so."""
    match e:
        case Ref():
            return inline(values[e.step], values) if e.step in values else e
        case Bin() | Cmp():
            return replace(e, a=inline(e.a, values), b=inline(e.b, values))
        case Neg() | IsTrue() | Round() | Sqrt():
            return replace(e, a=inline(e.a, values))
        case Not():
            return Not(inline(e.a, values))
        case Min():
            return Min(tuple(inline(x, values) for x in e.args))
        case Max():
            return Max(tuple(inline(x, values) for x in e.args))
        case And():
            return And(tuple(inline(x, values) for x in e.args))
        case Or():
            return Or(tuple(inline(x, values) for x in e.args))
        case If():
            return If(inline(e.cond, values), inline(e.then, values), inline(e.else_, values))
        case Fail():
            return replace(e, show=inline(e.show, values))
        case Const() | Cell() | Agg() | Given():
            return e
        case _:
            assert_never(e)


def _children(e: Node) -> tuple[Node, ...]:
    match e:
        case Bin() | Cmp():
            return (e.a, e.b)
        case Neg() | Not() | IsTrue() | Round() | Sqrt():
            return (e.a,)
        case Min() | Max() | And() | Or():
            return e.args
        case If():
            return (e.cond, e.then, e.else_)
        case Fail():
            return (e.show,)
        case Const() | Cell() | Ref() | Agg() | Given():
            return ()
        case _:
            assert_never(e)
