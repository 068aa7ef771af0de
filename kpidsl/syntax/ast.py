"""The syntax tree of a .kpi file: frozen dataclasses, each carrying its span.

Nodes say what the author wrote, not what it means: a weight of ``10%`` stays a
percent quantity here; the checker and the lowering pass give it meaning.
Comments are kept beside the tree (``Rubric.comments``) so a formatter can
reprint them where they stood.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Spans, expressions and look-up tables live in their own modules; ``ast.Var``, ``ast.Tiers``
# and the rest are re-exported here, so every node is ``ast.X``.
from kpidsl.diagnostics.span import Span as Span
from kpidsl.syntax.ast_expr import CONDITIONS as CONDITIONS
from kpidsl.syntax.ast_expr import SUFFIX_UNITS as SUFFIX_UNITS
from kpidsl.syntax.ast_expr import Band as Band
from kpidsl.syntax.ast_expr import BinOp as BinOp
from kpidsl.syntax.ast_expr import BoolOp as BoolOp
from kpidsl.syntax.ast_expr import Bound as Bound
from kpidsl.syntax.ast_expr import Bracket as Bracket
from kpidsl.syntax.ast_expr import Call as Call
from kpidsl.syntax.ast_expr import Comment as Comment
from kpidsl.syntax.ast_expr import Compare as Compare
from kpidsl.syntax.ast_expr import Condition as Condition
from kpidsl.syntax.ast_expr import DateLit as DateLit
from kpidsl.syntax.ast_expr import Expr as Expr
from kpidsl.syntax.ast_expr import GradeTest as GradeTest
from kpidsl.syntax.ast_expr import Neg as Neg
from kpidsl.syntax.ast_expr import Not as Not
from kpidsl.syntax.ast_expr import Number as Number
from kpidsl.syntax.ast_expr import Progressive as Progressive
from kpidsl.syntax.ast_expr import Quantity as Quantity
from kpidsl.syntax.ast_expr import Table as Table
from kpidsl.syntax.ast_expr import TableColumn as TableColumn
from kpidsl.syntax.ast_expr import TableRow as TableRow
from kpidsl.syntax.ast_expr import Tier as Tier
from kpidsl.syntax.ast_expr import Tiers as Tiers
from kpidsl.syntax.ast_expr import Truth as Truth
from kpidsl.syntax.ast_expr import Var as Var

# ---- header and declarations ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Setting:
    """A header line: ``rubric``, ``position``, ``period``, ``version``,
    ``currency`` or ``total``."""

    key: str
    value: object  # str for text settings, Quantity for ``total``
    span: Span


@dataclass(frozen=True, slots=True)
class Rounding:
    level: str  # items | sections | total | money
    step: Quantity
    mode: str  # "half up", "half even", "up", "down"
    span: Span


@dataclass(frozen=True, slots=True)
class TextList:
    """``fields`` and ``signatures``: lines printed on the paper form."""

    kind: str
    texts: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Note:
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Use:
    path: str
    names: tuple[str, ...] | None  # None: everything the file defines
    span: Span


@dataclass(frozen=True, slots=True)
class Range:
    low: Quantity
    high: Quantity | None
    span: Span


@dataclass(frozen=True, slots=True)
class Source:
    who: str  # "system" or a rater's name
    detail: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class Direction:
    """``higher is better`` / ``lower is better`` on an input or a metric."""

    better: str  # "higher" or "lower"
    span: Span


@dataclass(frozen=True, slots=True)
class Blank:
    """``when blank: skip | not applicable | error`` on an input: what a blank cell means."""

    action: str  # "skip", "not applicable" or "error"
    span: Span


@dataclass(frozen=True, slots=True)
class ListColumns:
    """``columns peer1..peer7 [at least 3]``: one input read from several columns, a list of
    the values given (a blank is left out), at least ``at_least`` of them (1 when not written)."""

    columns: tuple[str, ...]
    written: str  # as written: "peer1..peer7" or "a, b, c"
    at_least: Quantity | None
    span: Span


@dataclass(frozen=True, slots=True)
class Input:
    name: str
    label: str | None
    unit: str
    range: Range | None
    source: Source | None
    span: Span
    direction: Direction | None = None
    blank: Blank | None = None  # None: a blank cell is an error
    columns: ListColumns | None = None  # a list of values, read from these columns

    @property
    def optional(self) -> bool:
        """Whether a cell of this input may be blank: a list's, or one that says what a blank means."""
        return self.columns is not None or (self.blank is not None and self.blank.action != "error")


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    label: str | None
    unit: str
    range: Range | None
    expr: Expr
    span: Span
    direction: Direction | None = None


@dataclass(frozen=True, slots=True)
class Rater:
    name: str
    label: str | None
    weight: Quantity | None  # None: a third party who enters scores, not a weighted rater
    span: Span
    counted: bool = True  # False (`not counted`): fills what weighted raters fill, summed into nothing


@dataclass(frozen=True, slots=True)
class Key:
    kind: str  # "person" or "group"
    name: str
    label: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class Veto:
    condition: str  # a yes/no input
    label: str | None
    scope: str  # item | section | appraisal
    span: Span


# ---- scoring rules (patterns R1-R15) -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Level:
    text: str
    low: Quantity
    high: Quantity | None  # a range the rater picks inside (R2)
    span: Span


@dataclass(frozen=True, slots=True)
class Levels:
    levels: tuple[Level, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class ScaleStep:
    step: Quantity
    points: Quantity
    span: Span


@dataclass(frozen=True, slots=True)
class Scale:
    steps: tuple[ScaleStep, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Ratio:
    """R6: base points at the target, ± step points for each ``per`` of difference."""

    subject: Expr
    target: Quantity | Expr
    step: Quantity
    per: Quantity | None
    base: Quantity | None
    span: Span


@dataclass(frozen=True, slots=True)
class Proportional:
    subject: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Deduct:
    amount: Quantity
    per: Expr
    base: Quantity | None
    floored: bool
    span: Span


@dataclass(frozen=True, slots=True)
class Change:
    subject: Expr
    by: Quantity
    per: Quantity
    base: Quantity | None
    span: Span


@dataclass(frozen=True, slots=True)
class Checklist:
    checks: tuple[str, ...]
    scores: tuple[Quantity, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class EnteredBy:
    rater: str
    span: Span


@dataclass(frozen=True, slots=True)
class Todo:
    """``todo "TEXT"``: an item still to be finished, keeping the source text no rule was read from."""

    text: str
    span: Span


Rule = Levels | Scale | Tiers | Ratio | Proportional | Deduct | Change | Checklist | EnteredBy


@dataclass(frozen=True, slots=True)
class NotApplicable:
    """``not applicable [when COND]: POLICY``.  Without ``when`` the data says, per row,
    whether the item applies (an ``ITEM.na`` column); with it, the condition does."""

    policy: str  # "proportionally", "evenly" or "give"
    target: str | None
    span: Span
    when: Condition | None = None


@dataclass(frozen=True, slots=True)
class Item:
    name: str
    label: str | None
    size_kind: str  # "points" or "factor"
    size: Quantity
    rules: tuple[Rule, ...]  # the checker insists on at most one
    criteria: tuple[str, ...]
    bonus: Quantity | Expr | None
    not_applicable: NotApplicable | None
    vetoes: tuple[Veto, ...]
    notes: tuple[Note, ...]
    span: Span
    todos: tuple[Todo, ...] = ()

    @property
    def entered_by(self) -> EnteredBy | None:
        """Who fills the item in: alone it is the rule (R14); beside levels, a scale or a
        checklist it names the one person who picks, instead of the weighted raters."""
        return next((r for r in self.rules if isinstance(r, EnteredBy)), None)

    @property
    def rule(self) -> Rule | None:
        scoring = [r for r in self.rules if not isinstance(r, EnteredBy)]
        if scoring:
            return scoring[0]
        return self.rules[0] if self.rules else None

    @property
    def extra_rules(self) -> tuple[Rule, ...]:
        """Rules beyond the one the item is scored by: always a mistake."""
        first = self.rule
        picked = (Levels, Scale, Checklist)
        return tuple(r for r in self.rules if r is not first
                     and not (isinstance(r, EnteredBy) and isinstance(first, picked)
                              and sum(isinstance(x, EnteredBy) for x in self.rules) == 1))


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    label: str | None
    weight: Quantity | None
    out_of: Quantity | None
    members: tuple[Item | Section, ...]
    vetoes: tuple[Veto, ...]
    notes: tuple[Note, ...]
    span: Span


# ---- results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Grade:
    name: str
    label: str | None
    band: Band | None  # None: ``otherwise``
    coefficient: Quantity | None
    span: Span


@dataclass(frozen=True, slots=True)
class BestOf:
    expr: Expr
    group: str
    span: Span


@dataclass(frozen=True, slots=True)
class Award:
    name: str
    label: str | None
    amount: Quantity
    when: Condition | None
    best_of: BestOf | None
    requires: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class Pool:
    name: str
    label: str | None
    expr: Expr
    shared_by: str
    span: Span


@dataclass(frozen=True, slots=True)
class Pay:
    name: str
    label: str | None
    expr: Expr
    when: Condition | None
    span: Span


@dataclass(frozen=True, slots=True)
class Exclude:
    when: Condition
    reason: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class ExcludeFrom:
    """``exclude from grading when …``: out of one part of the appraisal only (``scope``),
    flagged with ``reason``; still scored and paid."""
    scope: str  # grading
    when: Condition
    reason: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class Streak:
    name: str
    label: str | None
    when: Condition
    periods: Quantity
    action: str  # "award" or "flag"
    amount: Quantity | None
    flag: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class Quota:
    grade: str
    at_most: Quantity
    per: str
    tie_by: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Flag:
    """Forced ranking: the bottom N (or N%) of each group are flagged."""

    name: str
    label: str | None
    bottom: Quantity
    per: str
    span: Span


@dataclass(frozen=True, slots=True)
class WhenFlag:
    """``flag NAME "label" when COND``: flagged in each period the condition holds."""

    name: str
    label: str | None
    when: Condition
    span: Span


Statement = (
    Setting
    | Rounding
    | TextList
    | Note
    | Use
    | Input
    | Metric
    | Rater
    | Key
    | Section
    | Item
    | Veto
    | Grade
    | Award
    | Pool
    | Pay
    | Exclude
    | ExcludeFrom
    | Streak
    | Quota
    | Flag
    | WhenFlag
)


@dataclass(frozen=True, slots=True)
class Rubric:
    file: str
    statements: tuple[Statement, ...]
    comments: tuple[Comment, ...] = field(default=())

    def setting(self, key: str) -> object | None:
        for s in self.statements:
            if isinstance(s, Setting) and s.key == key:
                return s.value
        return None

    @property
    def is_library(self) -> bool:
        """A file without a ``rubric`` title only offers definitions to ``use``."""
        return self.setting("rubric") is None
