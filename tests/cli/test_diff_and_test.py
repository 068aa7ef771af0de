"""kpi diff (golden output, checked by hand) and kpi test (a passing and a failing example)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIFF = ROOT / "tests" / "fixtures" / "diff"


def test_diff_golden(kpi):
    # By hand: 王五 v1 25+19+16+25 = 85, v2 23+19+16+24 = 82, pay 85/80×5000 = 5312.50 -> 5125.00;
    # 张三 v1 23+18+17+27 = 85, v2 21+18+17+28 = 84; 李四 83 in both (-2 on installs, +2 on warehouse).
    r = kpi("diff", "tests/fixtures/diff/card_v1.kpi", "tests/fixtures/diff/card_v2.kpi",
            "--data", "tests/fixtures/diff/card.csv")
    assert r.returncode == 0, r.stderr
    assert r.stdout == (ROOT / "tests" / "golden" / "diff" / "card.expected.txt").read_text(encoding="utf-8")


def test_diff_without_data_and_identical_files(kpi):
    r = kpi("diff", DIFF / "card_v1.kpi", DIFF / "card_v1.kpi")
    assert r.returncode == 0 and "no change in meaning" in r.stdout
    r = kpi("diff", DIFF / "card_v1.kpi", DIFF / "nope.kpi")
    assert r.returncode == 2 and "no such file" in r.stderr


RUBRIC = '''rubric "测试"
input late "迟到次数": count
item a "纪律性" points 100 { deduct 5 per late }
grade ok "合格" when >= 60
grade bad "不合格" otherwise
'''


def _examples(write, expected_total_for_zhang: str):
    return write({
        "r.kpi": RUBRIC,
        "examples/r.csv": "id,late\n张三,2\n李四,9\n",
        "examples/r.expected.csv": f"# 张三: 100 - 5 × 2 = 90; 李四: 100 - 45 = 55 -> 不合格\n"
                                   f"id,a,total,grade\n张三,90,{expected_total_for_zhang},合格\n李四,55,55,不合格\n",
    })


def test_kpi_test_passes(kpi, write):
    path = _examples(write, "90")
    r = kpi("test", path)
    assert r.returncode == 0, r.stdout
    assert r.stdout.strip().splitlines()[-1] == "2 passed, 0 failed"


def test_kpi_test_fails_with_expected_and_actual(kpi, write):
    path = _examples(write, "91")
    r = kpi("test", path)
    assert r.returncode == 1
    assert "FAIL" in r.stdout and "total: expected 91, got 90" in r.stdout
    assert r.stdout.strip().splitlines()[-1] == "1 passed, 1 failed"


def test_kpi_test_without_examples_is_a_usage_error(kpi, write):
    r = kpi("test", write({"r.kpi": RUBRIC}))
    assert r.returncode == 2 and "no examples found" in r.stderr


def test_diff_sees_quotas_flags_rounding_and_item_clauses():
    from kpidsl.api import load_text
    from kpidsl.cli.diff import describe_changes

    old, _ = load_text('rubric "x"\ngroup team\nround money to 0.01\nitem a "A" points 100\n'
                       'grade ok "优" when >= 0\nquota ok at most 20% per team\n', "old.kpi")
    new, _ = load_text('rubric "x"\ngroup team\nround money to 0.1\nitem a "A" points 100 { not applicable: spread evenly }\n'
                       'grade ok "优" when >= 0\nquota ok at most 30% per team\nflag last "末位" bottom 1 per team\n', "new.kpi")
    lines = describe_changes(list(old.statements), list(new.statements))
    assert "item a: not applicable changed" in lines
    assert "removed: quota ok at most 20% per team" in lines and "added: quota ok at most 30% per team" in lines
    assert "added: flag last bottom 1 per team" in lines
    assert "added: round money to 0.1 half up" in lines


# ---- declarations: raters who stop counting, directions, sources --------------------------------

def _changes(old_text: str, new_text: str) -> list[str]:
    from kpidsl.api import load_text
    from kpidsl.cli.diff import describe_changes

    old, _ = load_text(old_text, "old.kpi")
    new, _ = load_text(new_text, "new.kpi")
    return describe_changes(list(old.statements), list(new.statements))


DECLARED = '''rubric "x"
rater self "自评"{self}
rater boss "主管" weight 100%
input errors "差错率": percent{errors}
metric slips "失误率": percent{slips} = errors
item a "A" points 50
item b "B" points 50 {{ proportional 100% - slips }}
'''


def _declared(self: str = "", errors: str = "", slips: str = "") -> str:
    return DECLARED.format(self=self, errors=errors, slips=slips)


def test_diff_says_a_rater_is_no_longer_counted():
    assert _changes(_declared(), _declared(self=" not counted")) == [
        "rater `self` (自评): no weight → not counted",
        "    its marks are now recorded in columns of their own and summed into nothing"]
    assert _changes(_declared(self=" weight 40%"), _declared(self=" not counted"))[0] == \
        "rater `self` (自评): weight 40% → not counted"
    back = _changes(_declared(self=" not counted"), _declared(self=" weight 40%"))
    assert back == ["rater `self` (自评): not counted → weight 40%",
                    "    its marks now count toward the total, at weight 40%"]
    assert _changes(_declared(self=" not counted"), _declared())[1] == \
        "    it now fills only the items `entered by` it and the inputs `from` it"


def test_diff_says_a_direction_was_declared_changed_or_dropped():
    assert _changes(_declared(), _declared(errors=" lower is better")) == [
        "input `errors` (差错率): no direction → lower is better"]
    assert _changes(_declared(slips=" higher is better"), _declared(slips=" lower is better")) == [
        "metric `slips` (失误率): higher is better → lower is better"]
    assert _changes(_declared(errors=" lower is better"), _declared()) == [
        "input `errors` (差错率): lower is better → no direction"]


def test_diff_lists_each_clause_of_an_input_or_metric_that_changes():
    assert _changes(_declared(), _declared(errors=' range 0%..50% lower is better from system "质检"')) == [
        "input `errors` (差错率): no range → range 0%..50%",
        "input `errors` (差错率): no direction → lower is better",
        'input `errors` (差错率): no source → from system "质检"']
    assert _changes(_declared(), _declared(slips=" range 0%..20%")) == [
        "metric `slips` (失误率): no range → range 0%..20%"]


def test_a_change_no_clause_names_still_shows():
    # A field added to a declaration later, and not yet described, must not read as no change.
    from dataclasses import dataclass, replace

    from kpidsl.cli.diff import _declaration_changes
    from kpidsl.syntax import ast
    from kpidsl.syntax.parser import parse

    @dataclass(frozen=True)
    class Input(ast.Input):
        future: int = 0

    (x,) = [s for s in parse('rubric "x"\ninput e "E": count\n').statements if isinstance(s, ast.Input)]
    old = Input(**{f: getattr(x, f) for f in ("name", "label", "unit", "range", "source", "span", "direction")})
    lines = _declaration_changes("input", old, replace(old, future=1))
    assert lines == ["input `e` (E): changed"]
    assert _declaration_changes("input", old, replace(old, label="新")) == []


def test_kpi_diff_no_longer_calls_a_direction_or_not_counted_no_change(kpi, write):
    old = write({"old.kpi": _declared(), "new.kpi": _declared(self=" not counted", errors=" lower is better")})
    r = kpi("diff", old, old.parent / "new.kpi")
    assert r.returncode == 0, r.stderr
    assert "no change in meaning" not in r.stdout
    assert "rater `self` (自评): no weight → not counted" in r.stdout
    assert "input `errors` (差错率): no direction → lower is better" in r.stdout
