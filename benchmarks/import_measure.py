"""How `kpi import` does on the seeds' scorecard tables: per table, the items whose finished rule
equals the shipped rubric's, the placeholders (todo), and the finished ones that differ (wrong).

    PYTHONPATH=. python benchmarks/import_measure.py

Each table of tests/fixtures/import/ is imported from its .xlsx and from its .docx (the two must
give the same draft), and each item is matched by label with the shipped rubric the table was
made into.  Rules are compared as written with input names numbered in order of appearance and
defaults spelled out (a ratio's ``per``, a ``base`` equal to the points); levels by their points
only (the shipped texts were tidied).  An item without a rule on both sides is equal."""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "import"
sys.path.insert(0, str(FIXTURES))

from scorecards import SCORECARDS  # noqa: E402

from kpidsl.cli.importing import draft_for  # noqa: E402
from kpidsl.syntax import ast  # noqa: E402
from kpidsl.syntax.parser import parse  # noqa: E402
from kpidsl.syntax.printer import rule_text  # noqa: E402


def norm_label(text: str | None) -> str:
    return re.sub(r"[\s()（）]", "", text or "")


def items_of(rubric: ast.Rubric) -> list[ast.Item]:
    out: list[ast.Item] = []

    def walk(members: Any) -> None:
        for m in members:
            if isinstance(m, ast.Item):
                out.append(m)
            elif isinstance(m, ast.Section):
                walk(m.members)

    walk(rubric.statements)
    return out


def shape(item: ast.Item) -> str:
    """The item's rule, comparable across rubrics."""
    rule = item.rule
    if rule is None:
        return "none"
    if isinstance(rule, ast.Levels):
        return "levels " + ", ".join(f"{lv.low.value}..{(lv.high or lv.low).value}" for lv in rule.levels)
    if isinstance(rule, ast.Ratio):
        rule = replace(rule, per=rule.per or ast.Quantity(Decimal(1), "%", rule.span),
                       base=rule.base if rule.base is not None and rule.base.value != item.size.value else None)
    if isinstance(rule, ast.Deduct) and rule.base is not None and rule.base.value == item.size.value:
        rule = replace(rule, base=None)
    text = rule_text(rule)
    names: dict[str, str] = {}
    text = re.sub(r"[^\W\d][\w]*", lambda m: names.setdefault(m.group(), f"${len(names) + 1}")
                  if m.group() not in KEYWORDS else m.group(), text)
    bonus = f" bonus {item.bonus}" if item.bonus is not None else ""
    return text + bonus


KEYWORDS = {"tiers", "when", "else", "and", "ratio", "target", "per", "base", "proportional", "deduct", "no",
            "floor", "scale", "change", "by", "checklist", "scores", "entered", "pt", "between", "max", "min"}


def measure(name: str) -> tuple[int, int, int, int, list[str], list[str]]:
    rubric_name = SCORECARDS[name][0]
    shipped = {norm_label(i.label): i for i in items_of(parse((ROOT / "rubrics" / f"{rubric_name}.kpi").read_text(), "s"))}
    texts = []
    for suffix in (".xlsx", ".docx"):
        _, text, diags = draft_for(FIXTURES / f"{name}{suffix}", {})
        texts.append((text, diags))
    (text, diags), (other, _) = texts
    same = text.split("\n", 1)[1] == other.split("\n", 1)[1]  # the first line names the file
    assert same, f"{name}: the .xlsx and .docx drafts differ"
    equal = todo = wrong = unmatched = 0
    wrong_items = []
    for item in items_of(parse(text, "draft")):
        if item.todos:
            todo += 1
            continue
        ref = shipped.get(norm_label(item.label))
        if ref is None:
            unmatched += 1
            continue
        if shape(item) == shape(ref):
            equal += 1
        else:
            wrong += 1
            wrong_items.append(f"{item.label}: {shape(item)} / shipped {shape(ref)}")
    problems = sorted({f"{d.code}" for d in diags if d.code != "KPI115" and d.severity.value != "info"})
    return equal, todo, wrong, unmatched, wrong_items, problems


def main() -> int:
    print(f"{'scorecard':32} {'items':>5} {'equal':>5} {'todo':>5} {'wrong':>5} {'unmatched':>9}  draft's other diagnostics")
    totals = [0, 0, 0, 0]
    failed = False
    for name in SCORECARDS:
        equal, todo, wrong, unmatched, wrong_items, problems = measure(name)
        n = equal + todo + wrong + unmatched
        for i, v in enumerate((equal, todo, wrong, unmatched)):
            totals[i] += v
        print(f"{name:32} {n:5} {equal:5} {todo:5} {wrong:5} {unmatched:9}  {', '.join(problems) or '-'}")
        for w in wrong_items:
            print(f"    wrong: {w}")
        failed |= wrong > 0
    print(f"{'all':32} {sum(totals):5} {totals[0]:5} {totals[1]:5} {totals[2]:5} {totals[3]:9}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
