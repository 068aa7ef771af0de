"""kpi diff (golden output, checked by hand) and kpi test (a passing and a failing example)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
    from kpidsl.diff import describe_changes

    old, _ = load_text('rubric "x"\ngroup team\nround money to 0.01\nitem a "A" points 100\n'
                       'grade ok "优" when >= 0\nquota ok at most 20% per team\n', "old.kpi")
    new, _ = load_text('rubric "x"\ngroup team\nround money to 0.1\nitem a "A" points 100 { not applicable: spread evenly }\n'
                       'grade ok "优" when >= 0\nquota ok at most 30% per team\nflag last "末位" bottom 1 per team\n', "new.kpi")
    lines = describe_changes(list(old.statements), list(new.statements))
    assert "item a: not applicable changed" in lines
    assert "removed: quota ok at most 20% per team" in lines and "added: quota ok at most 30% per team" in lines
    assert "added: flag last bottom 1 per team" in lines
    assert "added: round money to 0.1 half up" in lines
