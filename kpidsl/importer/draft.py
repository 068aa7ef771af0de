"""A draft rubric from a scorecard's rows: the syntax tree, printed by the project's printer.

Every name is made from the table's words (letters, digits and ``_`` only, unique); every label
and criterion is the cell's text, on one line, quoted by the printer.  An item whose criteria no
phrasing reads whole becomes a placeholder: ``todo "…"`` with the text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from kpidsl.importer.header import Layout, Row
from kpidsl.importer.phrases import SPAN, InputSpec, Reading, numbers, q, read
from kpidsl.syntax import ast
from kpidsl.syntax.formatter import format_text
from kpidsl.syntax.printer import source_text

# A text with a number, a target or one of these words says how the item is scored: unread, it
# is a todo.  List markers (1、2、) are not numbers of the rule.
SCORING = re.compile(r"\d|[二三四五六七八九十两千万]|百分点|评分|打分|得分|计分|扣|加分|挂钩|满分|否决|%|％|达到|目标值"
                     r"|不高于|不低于|高于|低于|均值|平均水平")
LIST_MARKER = re.compile(r"\d+、")


def restates(text: str, read_texts: list[str]) -> bool:
    """An unread text whose every number is one of the read texts' own (考核期内…达到99%以上 beside
    the tiers that score it) restates their target: it adds nothing the rule does not say."""
    have = {Decimal(n) for n in numbers(LIST_MARKER.sub("", text))}
    said = {Decimal(n) for t in read_texts for n in numbers(t)}
    return bool(have) and have <= said and not SCORING.search(re.sub(r"\d+(?:\.\d+)?|%|％|达到|以上|以下", "",
                                                                      LIST_MARKER.sub("", text)))


def one_line(text: str) -> str:
    """A label holds no line break: the cell's lines are joined with a space."""
    return re.sub(r"\s*(?:\r\n|\r|\n)\s*", " ", text).strip()


class Names:
    """Unique names from labels: a name is letters, digits and _, and starts with a letter."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def __call__(self, label: str) -> str:
        base = re.sub(r"\W+", "_", one_line(label)).strip("_")
        base = re.sub(r"^[\d_]+", "", base)[:16].rstrip("_") or "item"
        if base.isascii():
            base = base.lower()
        name, n = base, 2
        while name in self.taken:
            name, n = f"{base}_{n}", n + 1
        self.taken.add(name)
        return name


@dataclass
class DraftItem:
    row: Row
    name: str
    label: str
    points: ast.Quantity
    criteria: list[str]
    reading: Reading | None  # None: a placeholder
    unread: list[str] = field(default_factory=list)  # the criteria texts no phrasing read


@dataclass
class Draft:
    title: str
    sections: list[tuple[str | None, str, list[DraftItem]]]  # (name, label, items); name None: top level
    total: ast.Quantity | None
    skipped: list[Row]

    def items(self) -> list[DraftItem]:
        return [i for _, _, items in self.sections for i in items]

    def to_placeholder(self, names: set[str]) -> None:
        """Turn the named items back into placeholders: the checker objected to their rules."""
        for item in self.items():
            if item.name in names and item.reading is not None:
                item.unread = list(item.criteria)
                item.reading = None

    def tree(self) -> ast.Rubric:
        stmts: list[ast.Statement] = [ast.Setting("rubric", one_line(self.title), SPAN)]
        if self.total is not None:
            stmts.append(ast.Setting("total", self.total, SPAN))
        for row in self.skipped:
            stmts.append(ast.Note(one_line(f"未导入（第{row.number}行，没有分值）：{row.item} {' '.join(row.criteria)}"), SPAN))
        for item in self.items():
            for spec in item.reading.inputs if item.reading else []:
                stmts.append(_input(spec))
        for name, label, items in self.sections:
            nodes = tuple(_item(i) for i in items)
            if name is None:
                stmts.extend(nodes)
            else:
                stmts.append(ast.Section(name, one_line(label), None, None, nodes, (), (), SPAN))
        return ast.Rubric("<import>", tuple(stmts))

    def text(self, source: str) -> str:
        head = f"# drafted by kpi import from {one_line(source)}: finish each `todo`, then delete it\n"
        return format_text(head + source_text(self.tree()))


def _input(spec: InputSpec) -> ast.Input:
    return ast.Input(spec.name, one_line(spec.label), spec.unit, None, None, SPAN)


def _item(item: DraftItem) -> ast.Item:
    r = item.reading
    notes = []
    if item.row.source:
        notes.append(ast.Note(one_line(f"数据来源：{item.row.source}"), SPAN))
    if item.row.rater:
        notes.append(ast.Note(one_line(f"评分人：{item.row.rater}"), SPAN))
    rules = (r.rule,) if r is not None and r.rule is not None else ()
    todos = (ast.Todo(one_line("；".join(item.unread)), SPAN),) if r is None else ()
    return ast.Item(item.name, item.label, "points", item.points, rules,  # type: ignore[arg-type]
                    tuple(one_line(c) for c in item.criteria), r.bonus if r else None, None,
                    tuple(r.vetoes) if r else (), tuple(notes), SPAN, todos)


def points_of(weight: str) -> ast.Quantity | None:
    m = re.search(r"\d+(?:\.\d+)?", weight)
    if not m:
        return None
    try:
        return q(m.group())
    except InvalidOperation:
        return None


def build(layout: Layout, fallback_title: str) -> Draft:
    names = Names()
    sections: list[tuple[str | None, str, list[DraftItem]]] = []
    skipped = []
    for row in layout.rows:
        points = points_of(row.weight)
        if points is None or not row.item:
            skipped.append(row)
            continue
        label = one_line(row.item)
        name = names(label)
        readings: list[Reading] = []
        unread: list[str] = []
        read_texts: list[str] = []
        for text in row.criteria:
            r = read(text, label, names)
            if r is None:
                unread.append(text)
            else:
                readings.append(r)
                read_texts.append(text)
        unread = [t for t in unread if not restates(t, read_texts)]
        scoring = [r for r in readings if r.rule is not None]
        # One rule, every other text read too or free of numbers: finished; else a placeholder.
        # One rule, every other text read too or free of numbers and of scoring words: finished
        # (no rule at all: the raters score it); else a placeholder.
        if len(scoring) <= 1 and not any(SCORING.search(LIST_MARKER.sub("", t)) for t in unread):
            merged = scoring[0] if scoring else Reading(None)
            for r in readings:
                if r is not merged:
                    merged.inputs += r.inputs
                    merged.vetoes += r.vetoes
            reading: Reading | None = merged
            unread = []
        else:
            reading, unread = None, list(row.criteria)
        item = DraftItem(row, name, label, points, list(row.criteria), reading, unread)
        if sections and sections[-1][1] == row.section:
            sections[-1][2].append(item)
        else:
            sections.append((names(row.section) if row.section else None, row.section, [item]))
    total = None
    given = points_of(layout.total) if layout.total else None
    added = sum((i.points.value for _, _, items in sections for i in items), Decimal(0))
    if given is not None and given.value == added and added != 100:
        total = given  # the table's own 合计, where it is not the default 100
    return Draft(layout.title or fallback_title, sections, total, skipped)
