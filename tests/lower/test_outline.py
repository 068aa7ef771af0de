"""The display outline in the IR (``Plan.outline``): what the form, explanations and the API
read instead of the syntax tree, and the rule that keeps the syntax tree out of them."""

import ast as pyast
from decimal import Decimal
from pathlib import Path

import pytest

from kpidsl import ir
from kpidsl.api import load_rubric

ROOT = Path(__file__).resolve().parents[2]
KPIDSL = ROOT / "kpidsl"
RUBRICS = sorted((ROOT / "rubrics").glob("*.kpi"))

# The modules that show or compute from the IR alone.
IR_ONLY = sorted(KPIDSL.glob("backends/**/*.py")) + [KPIDSL / "api.py", KPIDSL / "engine" / "explain.py"]


def _ast_uses(path: Path, root: Path = ROOT) -> list[str]:
    """Every import of kpidsl.syntax.ast in a module, and every read of a program's statements."""
    tree = pyast.parse(path.read_text(encoding="utf-8"), str(path))
    package = path.relative_to(root).with_suffix("").parts[:-1]  # ("kpidsl", "backends")
    found = []
    for node in pyast.walk(tree):
        if isinstance(node, pyast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names = [f"{module}.{a.name}" for a in node.names]
            found += [f"line {node.lineno}: from {module}" for n in [module, *names] if n == "kpidsl.syntax.ast"]
        elif isinstance(node, pyast.Import):
            found += [f"line {node.lineno}: import {a.name}" for a in node.names
                      if a.name == "kpidsl.syntax.ast" or a.name.startswith("kpidsl.syntax.ast.")]
        elif isinstance(node, pyast.Attribute) and node.attr in ("statements", "root"):
            found.append(f"line {node.lineno}: .{node.attr}")
    return found


@pytest.mark.parametrize("path", IR_ONLY, ids=lambda p: str(p.relative_to(KPIDSL)))
def test_backends_api_and_explain_read_only_the_ir(path):
    assert _ast_uses(path) == []


def test_the_import_check_sees_each_way_of_reading_the_ast(tmp_path):
    module = tmp_path / "kpidsl" / "backends" / "m.py"
    module.parent.mkdir(parents=True)
    for text in ("from ..syntax import ast\n", "from ..syntax.ast import Item\n", "import kpidsl.syntax.ast\n",
                 "from kpidsl.syntax import ast\n", "x = program.root.statements\n"):
        module.write_text(text, encoding="utf-8")
        assert _ast_uses(module, tmp_path), text
    module.write_text("from .. import ir\nimport ast\nfrom ..syntax import printer\n", encoding="utf-8")
    assert _ast_uses(module, tmp_path) == []


def _item(plan: ir.Plan, name: str) -> ir.ShownItem:
    return next(it for it in plan.outline.items() if it.name == name)


def test_each_weighted_rater_fills_their_own_column():
    plan = load_rubric(ROOT / "rubrics" / "taobao_presales_agent.kpi").plan
    assert [(r.name, r.weight) for r in plan.outline.raters] == [("self", "40%"), ("supervisor", "60%")]
    discipline = _item(plan, "discipline")
    assert discipline.rater_columns == (("self", "discipline.self"), ("supervisor", "discipline.supervisor"))
    assert discipline.column is None
    sales = next(it for it in plan.outline.items() if it.rule is not None and it.rule.kind == "proportional")
    assert sales.rater_columns == () and sales.column is None  # computed from the data


def test_an_item_entered_by_one_rater_has_one_column():
    plan = load_rubric(ROOT / "rubrics" / "installation_aftersales_card.kpi").plan
    inspection = _item(plan, "inspection")
    assert (inspection.column, inspection.entered_by, inspection.rater_columns) == ("inspection", "qa", ())
    assert inspection.rule == ir.ShownRule("entered", "entered by qa", rater="qa")


@pytest.mark.parametrize("rubric", RUBRICS, ids=lambda p: p.stem)
def test_every_filled_column_is_a_plan_column_and_belongs_to_one_item(rubric):
    plan = load_rubric(rubric).plan
    names = {c.name for c in plan.columns}
    filled = [col for it in plan.outline.items() for col in
              [c for _, c in it.rater_columns] + ([it.column] if it.column else [])]
    assert len(filled) == len(set(filled))
    assert set(filled) <= names
    steps = {s.name for s in plan.score_steps}
    assert {it.name for it in plan.outline.items()} <= steps


def test_a_tiers_item_shows_its_bands_as_written():
    plan = load_rubric(ROOT / "rubrics" / "logistics_scorecard.kpi").plan
    damage = _item(plan, "damage")
    assert damage.rule == ir.ShownRule(
        "tiers", "tiers (damage_rate - industry_damage_rate): <= 0% → 10; > 0% → 0",
        "(damage_rate - industry_damage_rate)",
        tiers=(ir.ShownTier((ir.ShownBound("<=", "0%"),), Decimal(10)),
               ir.ShownTier((ir.ShownBound(">", "0%"),), Decimal(0))))
    assert (damage.label, damage.size, damage.size_kind) == ("货损率", Decimal(10), "points")
    assert damage.notes == ("考核频率：月度/季度/年度；数据来源：物流部",)


def test_ratio_deduct_and_otherwise_tiers(write):
    plan = load_rubric(write(
        'rubric "t"\ninput r "率": percent\ninput n "次": count\n'
        'item a "a" points 30 { bonus up to 2\n  ratio r target 90% ±1pt per 2% base 20 }\n'
        'item b "b" points 30 { deduct 2 per n no floor }\n'
        'item c "c" points 40 { tiers r { when >= 90%: 40\n when between 80% and 89%: 20\n else: 0 } }\n')).plan
    a, b, c = plan.outline.items()
    assert a.bonus == "2"
    assert (a.rule.kind, a.rule.subject, a.rule.target, a.rule.step, a.rule.per, a.rule.base) == (
        "ratio", "r", "90%", "1pt", "2%", "20")
    assert (b.rule.kind, b.rule.subject, b.rule.amount, b.rule.base, b.rule.floored) == ("deduct", "n", "2", None, False)
    assert [(tuple((x.op, x.value) for x in t.bounds), t.points) for t in c.rule.tiers] == [
        (((">=", "90%"),), Decimal(40)), (((">=", "80%"), ("<=", "89%")), Decimal(20)), ((), Decimal(0))]


def test_level_and_factor_descriptions_are_in_the_ir():
    plan = load_rubric(ROOT / "rubrics" / "logistics_sales_staff.kpi").plan
    behaviour = _item(plan, "behaviour")
    assert behaviour.size_kind == "factor" and behaviour.size == Decimal("1.2")
    assert behaviour.rule.kind == "levels"
    assert behaviour.rule.levels[0] == ir.ShownLevel("当月有突出表现者，最高可以加到1.2分", Decimal(1), Decimal("1.2"))
    assert behaviour.rule.levels[1] == ir.ShownLevel("行为表现优秀者为满分1分", Decimal(1), None)
    assert len(behaviour.criteria) == 4


def test_header_lines_come_from_the_rubric_itself():
    outline = load_rubric(ROOT / "rubrics" / "taobao_presales_agent.kpi").plan.outline
    assert (outline.position, outline.period) == ("网店客服（售前）", "monthly")
    assert outline.fields == ("岗位名称", "姓名", "职位", "考核月份")
    assert outline.signatures == ("考核人签名", "考核日期", "总经理确认")
    assert outline.notes[0] == "考核周期：月度考核，于下一个月的3~6日实施。"
    attitude = outline.members[0]
    assert isinstance(attitude, ir.ShownSection)
    assert (attitude.name, attitude.weight, attitude.out_of) == ("attitude", "10%", "16")


def test_item_points_come_from_the_outline():
    scorer = load_rubric(ROOT / "rubrics" / "logistics_sales_staff.kpi")
    points = scorer.item_points()
    assert points["behaviour"] == Decimal("1.2")
    assert set(points) == {it.name for it in scorer.plan.outline.items()}
