"""The one printer of the syntax tree: .kpi source lines, and the one-line texts that
``kpi diff``, lowering's labels and the form show.  No comments, no files.

Source layout (``source_lines``, ``source_text``): two spaces of indentation inside
braces, one statement or clause a line, one ``when`` a line inside ``tiers``, one
``from`` a line inside ``progressive``.  Quantities print as written (``0.50``,
``90%``, ``200元``); expressions get the fewest parentheses their precedence allows
and ASCII operators.  What the tree does not record -- whether a default word
(``half up``, ``zeroes item``) or ``between`` was written, and where each printed
line started in the source -- a ``Layout`` answers; the formatter's layout reads
the source tokens, the default one knows nothing and prints the canonical choice.

One-line texts (``expr_text``, ``rule_text``, ...): the same printer with
``one_line`` set: every operation parenthesised, every default word spelled out,
labels left off, and the blocks (``tiers``, ``progressive``, levels, checklists)
folded into one line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass
from decimal import Decimal
from typing import Any

from kpidsl.syntax import ast, ast_rank
from kpidsl.syntax.printer_expr import Explicit, ExprPrinter, Layout, Line, q_text, quantity_text, quoted, strings_text

__all__ = ["Layout", "Line", "source_lines", "source_text", "expr_text", "band_text", "condition_text",
           "rule_text", "statement_text", "strip_spans", "ast_equal", "INDENT", "quoted",
           "not_applicable_text", "quantity_text"]

INDENT = "  "


# ---- comparing trees ---------------------------------------------------------------------------


def strip_spans(node: Any) -> Any:
    """A plain, comparable value for an AST node, without spans or comments.

    Numbers compare by their digits as written (``0.50`` differs from ``0.5``),
    so a test that prints, parses and compares with this also proves that
    quantities print as written.
    """
    if isinstance(node, ast.Rubric):
        return ("Rubric", strip_spans(node.statements))
    if is_dataclass(node) and not isinstance(node, type):
        return (type(node).__name__,) + tuple(
            (f.name, strip_spans(getattr(node, f.name))) for f in fields(node)
            if f.name != "span" and not f.name.endswith("_span"))  # a clause's own place (`pick_span`) too
    if isinstance(node, (tuple, list)):
        return tuple(strip_spans(x) for x in node)
    if isinstance(node, Decimal):
        return ("Decimal", node.as_tuple())
    return node


def ast_equal(a: Any, b: Any) -> bool:
    """True when two ASTs say the same thing, wherever it was written and whatever the comments."""
    return strip_spans(a) == strip_spans(b)


# The keyword each statement and clause is written after (settings, text lists and
# person/group keys are written after their own key or kind).
KEYWORDS = {
    ast.Rounding: "round", ast.Note: "note", ast.Use: "use", ast.Input: "input", ast.Metric: "metric",
    ast.Rater: "rater", ast.Section: "section", ast.Item: "item", ast.Veto: "veto", ast.Grade: "grade",
    ast.Award: "award", ast.Pool: "pool", ast.Pay: "pay", ast.Exclude: "exclude", ast.ExcludeFrom: "exclude", ast.Streak: "streak",
    ast.Quota: "quota", ast.Flag: "flag", ast.WhenFlag: "flag", ast.Level: "level", ast.Scale: "scale", ast.Tiers: "tiers",
    ast.Ratio: "ratio", ast.Proportional: "proportional", ast.Deduct: "deduct", ast.Change: "change",
    ast.Checklist: "checklist", ast.EnteredBy: "entered", ast.Todo: "todo",
    ast_rank.RankedGrade: "grade", ast_rank.Distribution: "distribute",
}


def keyword(node: Any) -> str:
    if isinstance(node, ast.Setting):
        return node.key
    if isinstance(node, (ast.TextList, ast.Key)):
        return node.kind
    return KEYWORDS[type(node)]


# ---- the printer ----------------------------------------------------------------------------------


class _Printer(ExprPrinter):
    """The statements and clauses of a rubric, over the base printer's formulas."""

    # -- statements
    def statement(self, s: Any, depth: int, top: bool = False) -> None:
        self.newline(depth, self.layout.line(s, keyword(s)), statement=s if top else None)
        getattr(self, "_" + type(s).__name__)(s, depth)

    def _Setting(self, s: ast.Setting, depth: int) -> None:
        if isinstance(s.value, ast.Quantity):
            self.w(f"{s.key} {q_text(s.value)}")
        elif s.key in ("period", "currency"):
            self.w(f"{s.key} {s.value}")
        else:
            self.w(f"{s.key} {quoted(str(s.value))}")

    def _Rounding(self, s: ast.Rounding, depth: int) -> None:
        self.w(f"round {s.level} to {q_text(s.step)}")
        if s.mode != "half up" or self.layout.written_default(s):
            self.w(f" {s.mode}")

    def _TextList(self, s: ast.TextList, depth: int) -> None:
        # kpi diff has always listed the texts bare
        self.w(f"{s.kind} " + (", ".join(s.texts) if self.one_line else strings_text(s.texts)))

    def _Note(self, s: ast.Note, depth: int) -> None:
        self.w(f"note {quoted(s.text)}")

    def _Use(self, s: ast.Use, depth: int) -> None:
        if s.names is None:
            self.w(f"use {quoted(s.path)}")
        else:
            self.w(f'use {", ".join(s.names)} from {quoted(s.path)}')

    def _range(self, r: ast.Range | None) -> None:
        if r is not None:
            self.w(f" range {q_text(r.low)}..{q_text(r.high) if r.high is not None else ''}")

    def _direction(self, d: ast.Direction | None) -> None:
        if d is not None:
            self.w(f" {d.better} is better")

    def _Input(self, s: ast.Input, depth: int) -> None:
        self.w(f"input {s.name}{self.label(s.label)}: {s.unit}")
        self._range(s.range)
        self._direction(s.direction)
        if s.source is not None:
            self.w(f" from {s.source.who}{self.label(s.source.detail)}")
        if s.columns is not None:
            at_least = f" at least {q_text(s.columns.at_least)}" if s.columns.at_least is not None else ""
            self.w(f" columns {s.columns.written}{at_least}")
        if s.blank is not None:
            self.w(f" when blank: {s.blank.action}")

    def _Metric(self, s: ast.Metric, depth: int) -> None:
        self.w(f"metric {s.name}{self.label(s.label)}: {s.unit}")
        self._range(s.range)
        self._direction(s.direction)
        self.w(" = ")
        self.expr(s.expr)

    def _Rater(self, s: ast.Rater, depth: int) -> None:
        self.w(f"rater {s.name}{self.label(s.label)}")
        if s.weight is not None:
            self.w(f" weight {q_text(s.weight)}")
        if not s.counted:
            self.w(" not counted")

    def _Key(self, s: ast.Key, depth: int) -> None:
        self.w(f"{s.kind} {s.name}{self.label(s.label)}")

    def _Section(self, s: ast.Section, depth: int) -> None:
        self.w(f"section {s.name}{self.label(s.label)}")
        if s.weight is not None:
            self.w(f" weight {q_text(s.weight)}")
        if s.out_of is not None:
            self.w(f" out of {q_text(s.out_of)}")
        self.w(" {")
        members = [(self.layout.line(m, keyword(m)), i, m) for i, m in enumerate((*s.members, *s.vetoes, *s.notes))]
        for _, _, m in sorted(members, key=lambda x: x[:2]):
            self.statement(m, depth + 1)
        self.close(depth, s)

    def _Veto(self, s: ast.Veto, depth: int) -> None:
        self.w(f"veto {s.condition}{self.label(s.label)}")
        if s.scope != "item" or self.layout.written_default(s):
            self.w(f" zeroes {s.scope}")

    def _Item(self, s: ast.Item, depth: int) -> None:
        self.w(f"item {s.name}{self.label(s.label)} {s.size_kind} {q_text(s.size)}")
        lay = self.layout
        clauses: list[tuple[object, str, object]] = [  # (anchor, kind, node), in the order written
            (a, "criteria", text) for a, text in zip(lay.criteria(s), s.criteria)]
        if s.bonus is not None:
            clauses.append((lay.line(s.bonus, "bonus"), "bonus", s.bonus))
        for rule in s.rules:
            for clause in rule.levels if isinstance(rule, ast.Levels) else (rule,):
                clauses.append((lay.line(clause, keyword(clause)), "rule", clause))
        if s.not_applicable is not None:
            clauses.append((lay.not_applicable(s), "na", s.not_applicable))
        clauses += [(lay.line(n, keyword(n)), "rule", n) for n in (*s.vetoes, *s.notes, *s.todos)]
        if not clauses:
            return  # `{ }` or no braces at all: one line

        self.w(" {")
        order = sorted(range(len(clauses)), key=lambda i: (clauses[i][0], i))
        for anchor, kind, node in (clauses[i] for i in order):
            self.newline(depth + 1, anchor)
            if kind == "criteria":
                self.w(f"criteria {quoted(str(node))}")
            elif kind == "bonus":
                self.w(f"bonus up to {self.limit(node)}")
            elif kind == "na":
                assert isinstance(node, ast.NotApplicable)
                self._NotApplicable(node)
            else:
                getattr(self, "_" + type(node).__name__)(node, depth + 1)
        self.close(depth, s)

    def _NotApplicable(self, s: ast.NotApplicable) -> None:
        policy = {"proportionally": "spread proportionally", "evenly": "spread evenly"}.get(s.policy)
        self.w("not applicable")
        if s.when is not None:
            self.w(" when ")
            self.condition(s.when)
        self.w(f": {policy or 'give to ' + str(s.target)}")

    def _Todo(self, s: ast.Todo, depth: int) -> None:
        self.w(f"todo {quoted(s.text)}")

    # -- scoring rules
    def _EnteredBy(self, s: ast.EnteredBy, depth: int) -> None:
        self.w(f"entered by {s.rater}")

    def _level(self, s: ast.Level) -> str:
        return f"{quoted(s.text)}: {q_text(s.low)}" + (f"..{q_text(s.high)}" if s.high is not None else "")

    def _Level(self, s: ast.Level, depth: int) -> None:
        self.w("level " + self._level(s))

    def _Levels(self, s: ast.Levels, depth: int) -> None:
        # only one-line: in source each level is a clause of its item
        self.w("levels " + ", ".join(map(self._level, s.levels)))

    def _Scale(self, s: ast.Scale, depth: int) -> None:
        self.w("scale " + ", ".join(f"{q_text(st.step)}: {q_text(st.points)}" for st in s.steps))

    def _Tiers(self, s: ast.Tiers, depth: int) -> None:
        self.tiers(s, depth, rule=True)

    def _Ratio(self, s: ast.Ratio, depth: int) -> None:
        self.w("ratio ")
        self.expr(s.subject)
        self.w(f" target {self.limit(s.target, parens=True)} ±{q_text(s.step)}")
        if s.per is not None:
            self.w(f" per {q_text(s.per)}")
        if s.base is not None:
            self.w(f" base {q_text(s.base)}")

    def _Proportional(self, s: ast.Proportional, depth: int) -> None:
        self.w("proportional ")
        self.expr(s.subject)

    def _Deduct(self, s: ast.Deduct, depth: int) -> None:
        self.w(f"deduct {q_text(s.amount)} per ")
        self.expr(s.per)
        if s.base is not None:
            self.w(f" base {q_text(s.base)}")
        if not s.floored:
            self.w(" no floor")

    def _Change(self, s: ast.Change, depth: int) -> None:
        self.w("change ")
        self.expr(s.subject)
        self.w(f" by {q_text(s.by)} per {q_text(s.per)}")
        if s.base is not None:
            self.w(f" base {q_text(s.base)}")

    def _Checklist(self, s: ast.Checklist, depth: int) -> None:
        checks = f"of {len(s.checks)}" if self.one_line else strings_text(s.checks)
        self.w(f"checklist {checks} scores {', '.join(map(q_text, s.scores))}")

    # -- results
    def _Grade(self, s: ast.Grade, depth: int) -> None:
        self.w(f"grade {s.name}{self.label(s.label)} ")
        self.w("otherwise" if s.band is None else f"when {self.band(s.band)}")
        if s.coefficient is not None:
            self.w(f" coefficient {q_text(s.coefficient)}")

    def _Award(self, s: ast.Award, depth: int) -> None:
        self.w(f"award {s.name}{self.label(s.label)} {q_text(s.amount)}")
        parts = [p for p in (s.best_of, s.when) if p is not None]
        # in the order written, so lines that a `progressive` adds stay in source order
        for p in sorted(parts, key=lambda p: (p.span.line, p.span.column)):
            if isinstance(p, ast.BestOf):
                self.w(" to best ")
                self.expr(p.expr)
                self.w(f" per {p.group}")
                if isinstance(p, ast_rank.RankedBestOf):
                    self._ties(p.tie_by, f"pick one by {p.pick_by}" if p.pick_by else "share")
            else:
                self.w(" when ")
                self.condition(p)
        if s.requires is not None:
            self.w(f" requires grade {s.requires}")

    def _RankedGrade(self, s: ast_rank.RankedGrade, depth: int) -> None:
        self.w(f"grade {s.name}{self.label(s.label)} {s.side} {q_text(s.share)}")
        if s.coefficient is not None:
            self.w(f" coefficient {q_text(s.coefficient)}")

    def _Distribution(self, s: ast_rank.Distribution, depth: int) -> None:
        self.w(f"distribute grades per {s.per} rounded {s.rounding}")
        self._ties(s.tie_by, "share the better grade")

    def _ties(self, tie_by: Any, then: str) -> None:
        """`` ties by a, b then share``; `` ties share`` without tie-break expressions."""
        self.w(" ties ")
        for i, e in enumerate(tie_by):
            self.w(", " if i else "by ")
            self.expr(e)
        self.w(f" then {then}" if tie_by else then)

    def _Pool(self, s: ast.Pool, depth: int) -> None:
        self.w(f"pool {s.name}{self.label(s.label)} = ")
        self.expr(s.expr)
        self.w(f" shared by {s.shared_by}")

    def _Pay(self, s: ast.Pay, depth: int) -> None:
        self.w(f"pay {s.name}{self.label(s.label)} = ")
        self.expr(s.expr)
        if s.when is not None:
            self.w(" when ")
            self.condition(s.when)

    def _Exclude(self, s: ast.Exclude, depth: int) -> None:
        self.w("exclude when ")
        self.condition(s.when)
        self.w(self.label(s.reason))

    def _ExcludeFrom(self, s: ast.ExcludeFrom, depth: int) -> None:
        self.w(f"exclude from {s.scope} when ")
        self.condition(s.when)
        self.w(self.label(s.reason))

    def _Streak(self, s: ast.Streak, depth: int) -> None:
        self.w(f"streak {s.name}{self.label(s.label)} when ")
        self.condition(s.when)
        self.w(f" for {q_text(s.periods)} periods ")
        if s.action == "award":
            assert s.amount is not None
            self.w(f"award {q_text(s.amount)}")
        else:
            self.w(f"flag {quoted(s.flag or '')}")

    def _Quota(self, s: ast.Quota, depth: int) -> None:
        self.w(f"quota {s.grade} at most {q_text(s.at_most)} per {s.per}")
        for i, e in enumerate(s.tie_by):
            self.w(", " if i else " tie by ")
            self.expr(e)

    def _Flag(self, s: ast.Flag, depth: int) -> None:
        self.w(f"flag {s.name}{self.label(s.label)} bottom {q_text(s.bottom)} per {s.per}")

    def _WhenFlag(self, s: ast.WhenFlag, depth: int) -> None:
        self.w(f"flag {s.name}{self.label(s.label)} when ")
        self.condition(s.when)

# ---- entry points ------------------------------------------------------------------------------------


_EXPRESSIONS = (ast.Number, ast.DateLit, ast.Var, ast.BinOp, ast.Neg, ast.Call, ast.Progressive, ast.Table)


def source_lines(statements: Any, layout: Layout | None = None) -> tuple[Line, ...]:
    """The statements as .kpi source lines, top-level statements marked where they start."""
    p = _Printer(layout or Layout())
    for s in statements:
        p.statement(s, 0, top=True)
    return p.result()


def source_text(node: Any, layout: Layout | None = None) -> str:
    """.kpi source for a rubric, a statement, or an expression (no comments, no blank lines)."""
    if isinstance(node, ast.Rubric):
        lines = source_lines(node.statements, layout)
    elif isinstance(node, _EXPRESSIONS):
        p = _Printer(layout or Layout())
        p.newline(0, None)
        p.expr(node)
        lines = p.result()
    else:
        lines = source_lines(node.levels if isinstance(node, ast.Levels) else [node], layout)
    return "".join(INDENT * ln.depth + ln.text + "\n" for ln in lines)


def _one_line(print_: Callable[[_Printer, Any], None], node: Any) -> str:
    p = _Printer(Explicit(), one_line=True)
    p.newline(0, None)
    print_(p, node)
    return p.text()


def expr_text(e: Any) -> str:
    """One line for an expression, every operation in parentheses: ``((a + b) * 2)``."""
    return _one_line(_Printer.expr, e)


def band_text(b: ast.Band | None) -> str:
    """``>= 80 and < 90``; ``else`` for a tier or grade without a band."""
    return "else" if b is None else _one_line(lambda p, b: p.w(p.band(b)), b)


def condition_text(c: Any) -> str:
    return _one_line(_Printer.condition, c)


def not_applicable_text(na: ast.NotApplicable | None) -> str:
    """``not applicable when (n = 0): spread evenly``; ``—`` for an item that always applies."""
    return "—" if na is None else _one_line(_Printer._NotApplicable, na)


_RULES = (ast.Levels, ast.Scale, ast.Tiers, ast.Ratio, ast.Proportional, ast.Deduct, ast.Change, ast.Checklist,
          ast.EnteredBy)


def _node(p: _Printer, node: Any) -> None:
    getattr(p, "_" + type(node).__name__)(node, 0)


def rule_text(rule: Any) -> str:
    """One line a reviewer can read: the rule's kind and every number in it."""
    if rule is None:
        return "entered directly"
    return _one_line(_node, rule) if isinstance(rule, _RULES) else type(rule).__name__


_STATEMENT_TEXTS = (ast_rank.Distribution, ast.Rounding, ast.Quota, ast.Flag, ast.WhenFlag, ast.Streak, ast.Exclude, ast.ExcludeFrom, ast.Veto, ast.Key,
                    ast.TextList, ast.Note, ast.Use)


def statement_text(s: Any) -> str:
    """One line for a header, key, veto or batch statement, without its labels."""
    if not isinstance(s, _STATEMENT_TEXTS):
        return type(s).__name__.lower()
    return _one_line(_node, s)
