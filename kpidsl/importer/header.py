"""Which row of a table is its header, and what each column holds; then the rows below it as
scorecard rows (section, item, weight, criteria, data source, rater)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kpidsl.importer.tables import ImportProblem, Table

# Header words for each role, in the forms the seeds and their English equivalents use.  A
# cell is matched on its text without spaces and parentheses; a longer word wins over a shorter.
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "section": ("考核类别", "类别", "指标维度", "考核维度", "维度", "一级指标", "考核项目及权重", "类型",
                "category", "section", "dimension"),
    "item": ("考核项目", "项目", "考核指标", "具体指标", "考核内容", "量化指标", "指标名称", "考核子项目",
             "行为指标", "二级指标", "指标", "项目及考核的内容", "考核指标", "item", "indicator", "kpi"),
    "weight": ("指标权重", "权重", "分值", "占比", "分数", "满分", "考核总分", "标准分", "参考分数",
               "weight", "points", "score"),
    "criteria": ("考核标准", "评分标准", "评分细则", "评分原则", "评估办法", "评分等级", "指标说明", "项目详述",
                 "指标定义/计算公式", "计算公式", "指标要求", "评分方法", "考核方式", "评分办法", "绩效目标值",
                 "criteria", "standard", "scoring", "rule"),
    "source": ("数据来源", "数据来源方式", "source"),
    "rater": ("评分人", "考核人", "考评人", "rater", "assessor"),
}
TOTAL_WORDS = ("合计", "总计", "总分", "total")


def _norm(text: str) -> str:
    return re.sub(r"[\s()（）:：]", "", text).lower()


def role_of(cell: str) -> str | None:
    text = _norm(cell)
    if not text or len(text) > 12:
        return None
    best: tuple[int, str] | None = None
    for role, words in ROLE_WORDS.items():
        for w in words:
            if text == w or (text.startswith(w) and len(w) >= 2):
                if best is None or len(w) > best[0]:
                    best = (len(w), role)
    return best[1] if best else None


@dataclass
class Row:
    number: int  # the row in the table, from 1
    section: str
    item: str
    weight: str
    criteria: list[str] = field(default_factory=list)
    source: str = ""
    rater: str = ""


@dataclass
class Layout:
    header_row: int  # from 1
    columns: dict[str, list[int]]  # role -> column indexes, left to right
    title: str | None
    rows: list[Row]
    total: str | None  # the weight cell of a 合计 row


def _roles(row: tuple[str, ...], mapping: dict[str, str]) -> dict[str, list[int]]:
    columns: dict[str, list[int]] = {}
    for i, cell in enumerate(row):
        forced = [role for role, header in mapping.items() if header and _norm(header) == _norm(cell)]
        role = forced[0] if forced else role_of(cell)
        if role is not None:
            columns.setdefault(role, []).append(i)
    # Two item-like columns (项目 | 具体指标): the left one names the group, the right one the item.
    if "section" not in columns and len(columns.get("item", [])) > 1:
        columns["section"] = [columns["item"].pop(0)]
    if len(columns.get("weight", [])) > 1:
        columns["weight"] = columns["weight"][:1]
    return columns


def find_layout(table: Table, mapping: dict[str, str] | None = None) -> Layout:
    mapping = mapping or {}
    unknown = set(mapping) - set(ROLE_WORDS)
    if unknown:
        raise ImportProblem(f"--map: unknown role {', '.join(sorted(unknown))}; the roles are "
                            f"{', '.join(ROLE_WORDS)}")
    best: tuple[int, int, dict[str, list[int]]] | None = None
    for n, row in enumerate(table.rows[:20], 1):
        cols = _roles(row, mapping)
        if "item" in cols and ("weight" in cols or "criteria" in cols):
            score = len(cols)
            if best is None or score > best[0]:
                best = (score, n, cols)
    if best is None:
        raise ImportProblem(
            f"{table.name}: no header row found in the first 20 rows: kpi import looks for 项目/指标 beside "
            "权重/分值 or 考核标准/评分细则 (or item, weight, criteria); name the columns with "
            "--map item=HEADER --map weight=HEADER --map criteria=HEADER")
    _, header_row, columns = best
    if "weight" not in columns:
        raise ImportProblem(f"{table.name}: the header (row {header_row}) has no 权重/分值 column; name it with "
                            "--map weight=HEADER")
    title = _title(table, header_row) or table.title
    rows, total = _rows(table, header_row, columns)
    if not rows:
        raise ImportProblem(f"{table.name}: no item rows below the header (row {header_row})")
    return Layout(header_row, columns, title, rows, total)


def _title(table: Table, header_row: int) -> str | None:
    for row in table.rows[: header_row - 1]:
        texts = {c for c in row if c}
        if len(texts) == 1:
            text = texts.pop()
            if ":" not in text and "：" not in text:
                return text
    return None


def _rows(table: Table, header_row: int, columns: dict[str, list[int]]) -> tuple[list[Row], str | None]:
    def cell(row: tuple[str, ...], role: str) -> str:
        idx = columns.get(role, [])
        return row[idx[0]] if idx else ""

    rows: list[Row] = []
    total = None
    section = ""
    for n, row in enumerate(table.rows[header_row:], header_row + 1):
        item, weight = cell(row, "item"), cell(row, "weight")
        criteria = [row[i] for i in columns.get("criteria", []) if row[i]]
        if "section" in columns:
            section = cell(row, "section") or section  # a category written once stands for the rows below
        first = next((c for c in row if c), "")
        if any(_norm(c).startswith(TOTAL_WORDS) or _norm(c).endswith(TOTAL_WORDS)
               for c in (first, item, cell(row, "section")) if c):
            total = weight or total
            continue
        if not item and not weight and not criteria:
            continue
        if rows and (not item or item == rows[-1].item) and (not weight or weight == rows[-1].weight):
            last = rows[-1]  # a merged item cell, or a criteria line of its own: more of the same item
            last.criteria += [c for c in criteria if c not in last.criteria]
            continue
        rows.append(Row(n, section, item, weight, criteria, cell(row, "source"), cell(row, "rater")))
    return rows, total
