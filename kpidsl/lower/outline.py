"""The display outline of a rubric (``ir.Outline``), built from the checked syntax tree.

Lowering calls ``build`` once; from then on the form, explanations and the API read
the outline, never the tree. Numbers a reader sees are kept as the author wrote them
(``printer.quantity_text``: ``90%``, ``1pt``), so every backend shows the same text.
"""

from __future__ import annotations

from collections.abc import Mapping

from kpidsl import ir
from kpidsl.syntax import ast
from kpidsl.syntax.loader import Program
from kpidsl.syntax.printer import expr_text, quantity_text, rule_text


def _text(q: ast.Quantity | ast.Expr | None) -> str | None:
    return None if q is None else quantity_text(q)


def rule(r: ast.Rule | None) -> ir.ShownRule | None:
    """One item's rule as display data: its kind and parameters, as written."""
    if r is None:
        return None
    text = rule_text(r)
    if isinstance(r, ast.Tiers):
        tiers = tuple(ir.ShownTier(tuple(ir.ShownBound(b.op, quantity_text(b.value)) for b in t.band.bounds)
                                   if t.band is not None else (), t.points.value) for t in r.tiers)
        return ir.ShownRule("tiers", text, expr_text(r.subject), tiers=tiers)
    if isinstance(r, ast.Ratio):
        return ir.ShownRule("ratio", text, expr_text(r.subject), target=quantity_text(r.target), step=quantity_text(r.step),
                            per=_text(r.per), base=_text(r.base))
    if isinstance(r, ast.Proportional):
        return ir.ShownRule("proportional", text, expr_text(r.subject))
    if isinstance(r, ast.Deduct):
        return ir.ShownRule("deduct", text, expr_text(r.per), amount=quantity_text(r.amount), base=_text(r.base),
                            floored=r.floored)
    if isinstance(r, ast.Change):
        return ir.ShownRule("change", text, expr_text(r.subject), by=quantity_text(r.by), per=quantity_text(r.per), base=_text(r.base))
    if isinstance(r, ast.Levels):
        levels = tuple(ir.ShownLevel(lv.text, lv.low.value, lv.high.value if lv.high is not None else None)
                       for lv in r.levels)
        return ir.ShownRule("levels", text, levels=levels)
    if isinstance(r, ast.Scale):
        return ir.ShownRule("scale", text, steps=tuple(ir.ShownStep(s.step.value, s.points.value) for s in r.steps))
    if isinstance(r, ast.Checklist):
        return ir.ShownRule("checklist", text, checks=r.checks, check_scores=tuple(q.value for q in r.scores))
    if isinstance(r, ast.EnteredBy):
        return ir.ShownRule("entered", text, rater=r.rater)
    raise TypeError(f"no display for rule {type(r).__name__}")


def build(program: Program, fills: Mapping[str, tuple[tuple[str | None, str], ...]]) -> ir.Outline:
    """``fills``: for each item someone fills in, (weighted rater or None, column) as lowering made
    the columns; None when one person fills the item's one column."""

    def item(it: ast.Item) -> ir.ShownItem:
        cells = fills.get(it.name, ())
        single = next((col for who, col in cells if who is None), None)
        return ir.ShownItem(
            it.name, it.label, it.size_kind, it.size.value, _text(it.bonus), it.criteria,
            tuple(n.text for n in it.notes), rule(it.rule),
            rater_columns=tuple((who, col) for who, col in cells if who is not None),
            column=single, entered_by=it.entered_by.rater if it.entered_by is not None else None)

    def member(m: ast.Item | ast.Section) -> ir.ShownItem | ir.ShownSection:
        if isinstance(m, ast.Item):
            return item(m)
        return ir.ShownSection(m.name, m.label, _text(m.weight), _text(m.out_of),
                               tuple(member(x) for x in m.members), notes=tuple(n.text for n in m.notes))

    head = program.root.statements  # the header is the rubric's own, never a used library's

    def setting(key: str) -> str | None:
        value = program.root.setting(key)
        return None if value is None else str(value)

    def text_list(kind: str) -> tuple[str, ...] | None:
        return next((s.texts for s in head if isinstance(s, ast.TextList) and s.kind == kind), None)

    stmts = program.statements
    return ir.Outline(
        position=setting("position"), period=setting("period"),
        fields=text_list("fields"), signatures=text_list("signatures"),
        notes=tuple(s.text for s in head if isinstance(s, ast.Note)),
        raters=tuple(ir.ShownRater(s.name, s.label, _text(s.weight), s.counted)
                     for s in stmts if isinstance(s, ast.Rater)),
        members=tuple(member(s) for s in stmts if isinstance(s, (ast.Section, ast.Item))),
    )
