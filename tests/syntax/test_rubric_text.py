"""What an editor shows is what kpi reads: every line break an editor shows ends a line
and a comment, and a header line the rubric holds once is refused when written twice."""

from __future__ import annotations

import pytest

from kpidsl.api import check_text

BODY = ['rubric "卡"', "# 说明: 下一行是考核项目", 'item a "A" points 90 { entered by boss }',
        'rater boss "主管" weight 100%', 'grade pass "合格" when >= 60', 'grade fail "不合格" otherwise']

BREAKS = {"CRLF": "\r\n", "CR": "\r", "VT": "\x0b", "FF": "\x0c", "FS": "\x1c", "GS": "\x1d", "RS": "\x1e",
          "NEL": "\x85", "LS": "\u2028", "PS": "\u2029"}


@pytest.mark.parametrize("name", BREAKS)
def test_a_comment_ends_at_every_line_break(name):
    # the break stands right after the comment: whatever it is, the item after it is read
    text = BODY[0] + "\n" + BODY[1] + BREAKS[name] + "\n".join(BODY[2:]) + "\n"
    diags = check_text(text, "a.kpi")
    if name in ("CRLF", "CR"):  # a line break to every editor and to kpi: the item is on line 3
        assert [(d.code, d.related[0].span.line) for d in diags] == [("KPI101", 3)], diags
    elif name == "FF":  # white space to kpi, as to most editors: the item is read on line 2
        assert [(d.code, d.related[0].span.line) for d in diags] == [("KPI101", 2)], diags
    else:  # shown as a new line by some editors and not one to kpi: refused where it stands
        assert [(d.code, d.span.line, d.span.column) for d in diags] == [("KPI001", 2, len(BODY[1]) + 1)], diags
        assert "replace it with a newline" in (diags[0].hint or "")


def test_a_comment_on_a_cr_only_file_no_longer_hides_the_grades(tmp_path, kpi):
    text = "\r".join([*BODY[:2], 'item a "A" points 100 { entered by boss }', *BODY[3:]]) + "\r"
    (tmp_path / "r.kpi").write_bytes(text.encode("utf-8"))
    (tmp_path / "d.csv").write_text("id,a\n张三,70\n李四,50\n", encoding="utf-8")
    r = kpi("eval", "r.kpi", "d.csv", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    header, *rows = [line.split(",") for line in r.stdout.splitlines()]
    grade = header.index("等级")
    assert [(row[0], row[grade]) for row in rows] == [("张三", "合格"), ("李四", "不合格")], r.stdout


SETTINGS = [('rubric "卡"', 'rubric "另一张"'), ('position "安装师"', 'position "客服"'), ("period monthly", "period yearly"),
            ('version "v1"', 'version "v2"'), ("currency CNY", "currency USD"), ("total 100", "total 120"),
            ("round items to 0.1", "round items to 1"), ("round sections to 0.1", "round sections to 1"),
            ("round total to 0.01", "round total to 1"), ("round money to 0.01", "round money to 1")]


@pytest.mark.parametrize(("first", "second"), SETTINGS, ids=[s[0].split()[0] + "-" + s[0].split()[1] for s in SETTINGS])
def test_a_setting_given_twice_is_an_error_naming_both_lines(first, second):
    head = [] if first.startswith("rubric") else ['rubric "卡"']
    lines = [*head, first, 'item a "A" points 100 { entered by boss }', second, *BODY[3:]]
    diags = check_text("\n".join(lines) + "\n", "a.kpi")
    twice = [d for d in diags if d.code == "KPI106"]
    assert len(twice) == 1, diags
    assert twice[0].span.line == len(head) + 3 and twice[0].related[0].span.line == len(head) + 1
    assert f"(first at line {len(head) + 1})" in twice[0].message


def test_a_setting_written_once_is_not_refused():
    lines = ['rubric "卡"', "round total to 0.01", "round money to 0.01", 'item a "A" points 100 { entered by boss }',
             *BODY[3:]]
    assert check_text("\n".join(lines) + "\n", "a.kpi") == []
