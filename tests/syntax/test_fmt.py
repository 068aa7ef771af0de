"""kpi fmt: the canonical layout keeps meaning and comments, and is a fixed point."""

import os
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpidsl.diagnostics.diagnostic import KpiError
from kpidsl.syntax.formatter import format_text
from kpidsl.syntax.parser import parse
from kpidsl.syntax.printer import ast_equal, expr_text, source_text, strip_spans

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "fmt"
# KPI_EXAMPLES=2000 python -m pytest tests/test_fmt.py for a longer hunt.
EXAMPLES = int(os.environ.get("KPI_EXAMPLES", "150"))


def _comments(text: str) -> Counter:
    return Counter(c.text.rstrip() for c in parse(text, "x.kpi").comments)


def assert_laws(text: str) -> str:
    """The three laws of formatting, for one input that parses; returns the output."""
    before = parse(text, "before.kpi")
    out = format_text(text, "before.kpi")
    after = parse(out, "after.kpi")
    assert ast_equal(before, after), f"meaning changed:\n{text}\n---- became ----\n{out}"
    assert format_text(out) == out, f"not idempotent:\n{out}\n---- became ----\n{format_text(out)}"
    assert _comments(text) == _comments(out), f"comments changed:\n{text}\n---- became ----\n{out}"
    for line in out.splitlines():
        assert line == line.rstrip() and "\t" not in line, repr(line)
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0, repr(line)
    assert out == "" or (out.endswith("\n") and not out.endswith("\n\n"))
    return out


# ---- every real rubric and every documented example ------------------------------------------------


def _rubric_files():
    """The real rubrics and every test fixture: each must parse (a fixture broken on purpose
    would be listed here by name, so that none is dropped unseen; none is today)."""
    return sorted((ROOT / "rubrics").rglob("*.kpi")) + sorted((ROOT / "tests" / "fixtures").rglob("*.kpi"))


def _doc_examples():
    """Every ```kpi block of the language reference; a block that stops parsing fails its test."""
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```kpi\n(.*?)```", text, re.S)
    return [pytest.param(block, id=f"doc{i}") for i, block in enumerate(blocks)]


@pytest.mark.parametrize("path", _rubric_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_rubric_files_keep_meaning_and_comments(path):
    assert_laws(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("text", _doc_examples())
def test_doc_examples_keep_meaning_and_comments(text):
    assert_laws(text)


def test_docs_have_examples():
    assert len(_doc_examples()) >= 20


# ---- the golden file -----------------------------------------------------------------------


def test_golden_messy():
    messy = (GOLDEN / "messy.kpi").read_text(encoding="utf-8")
    expected = (GOLDEN / "messy.expected.kpi").read_text(encoding="utf-8")
    assert format_text(messy) == expected
    assert format_text(expected) == expected
    assert_laws(messy)


# ---- particular rules of the layout ----------------------------------------------------------


def _metric(expr: str) -> str:
    out = format_text(f"metric m: number = {expr}")
    assert out.startswith("metric m: number = ")
    return out[len("metric m: number = "):].rstrip("\n")


@pytest.mark.parametrize("written, printed", [
    ("(a + b) * c", "(a + b) * c"),
    ("a + (b * c)", "a + b * c"),
    ("a - (b - c)", "a - (b - c)"),
    ("a - (b + c)", "a - (b + c)"),
    ("a + (b + c)", "a + (b + c)"),
    ("(a - b) - c", "a - b - c"),
    ("a / (b * c)", "a / (b * c)"),
    ("(a / b) * c", "a / b * c"),
    ("((a))", "a"),
    ("-(a)", "-a"),
    ("-(a + b)", "-(a + b)"),
    ("(-a) * b", "-a * b"),
    ("-(a * b)", "-(a * b)"),
    ("a - -b", "a - -b"),
    ("- - a", "--a"),
    ("a × b ÷ c", "a * b / c"),
    ("min( a,(b) )", "min(a, b)"),
    ("sum( (x) over team )", "sum(x over team)"),
    ("0.50 * 90% + 200元 - 3次", "0.50 * 90% + 200元 - 3次"),
    ("1.0 + 007 + 0.0000001 + 10.000", "1.0 + 7 + 0.0000001 + 10.000"),
])
def test_expressions_get_minimal_parentheses_and_ascii_operators(written, printed):
    assert _metric(written) == printed
    assert ast_equal(parse(f"metric m: number = {written}"), parse(f"metric m: number = {printed}"))


def test_operator_spellings_are_normalised():
    out = format_text('item a "A" points 10 { ratio r target 90% +-1pt per 0.5% base 5\n'
                      "tiers r { when ≥ 90%: 10 when ≤ 5%: 0 } }")
    assert "ratio r target 90% ±1pt per 0.5% base 5" in out
    assert "when >= 90%: 10" in out and "when <= 5%: 0" in out


def test_item_layout():
    out = format_text('item a "A" points 5 {}  item b "B" points 5 { criteria "甲" proportional r }')
    assert out == ('item a "A" points 5\n'
                   'item b "B" points 5 {\n'
                   '  criteria "甲"\n'
                   '  proportional r\n'
                   '}\n')


def test_blank_lines_between_groups_and_around_sections():
    out = format_text('rubric "R" input r: percent rater s "S" weight 100% item a "A" points 50 '
                      'section t "T" weight 50 { item b "B" points 50 } grade g "G" otherwise')
    assert out == ('rubric "R"\n'
                   '\n'
                   'input r: percent\n'
                   'rater s "S" weight 100%\n'
                   '\n'
                   'item a "A" points 50\n'
                   '\n'
                   'section t "T" weight 50 {\n'
                   '  item b "B" points 50\n'
                   '}\n'
                   '\n'
                   'grade g "G" otherwise\n')


def test_optional_words_as_written_are_kept():
    text = ('round items to 0.1 half up\nround money to 0.01\n'
            'item a "A" points 5 {\n  veto v zeroes item\n  veto w\n'
            '  tiers r {\n    when between 1 and 2: 5\n    when >= 2 and <= 3: 0\n  }\n}\n')
    assert format_text(text) == text.replace("0.01\n", "0.01\n\n")


def test_comments_stay_where_they_were():
    text = ("# 头\n"
            'rubric "R"   # 标题\n'
            "item a \"A\" points 5 {  # 开\n"
            "      # 规则前\n"
            "  proportional r # 规则\n"
            "# 收尾前\n"
            "} # 收\n"
            "# 文件尾\n")
    assert format_text(text) == ("# 头\n"
                                 'rubric "R"  # 标题\n'
                                 "\n"
                                 'item a "A" points 5 {  # 开\n'
                                 "  # 规则前\n"
                                 "  proportional r  # 规则\n"
                                 "  # 收尾前\n"
                                 "}  # 收\n"
                                 "# 文件尾\n")


def test_comments_inside_a_statement_that_spans_lines():
    text = "pay p =   # 一\n  a +\n  # 二\n  b   # 三\ngrade g otherwise\n"
    out = assert_laws(text)
    # a comment alone on its line inside a statement goes before that statement;
    # a second end-of-line comment for one printed line goes before the next one
    assert out == ("# 二\n"
                   "pay p = a + b  # 一\n"
                   "\n"
                   "# 三\n"
                   "grade g otherwise\n")


def test_keyword_and_name_on_different_lines():
    text = "item\n# 名字\n  a \"A\"\n  points 5 {\n criteria\n\"甲\" }\n"
    assert assert_laws(text) == '# 名字\nitem a "A" points 5 {\n  criteria "甲"\n}\n'


def test_names_that_are_keywords_elsewhere():
    text = ('input item "x": count\ninput criteria: count\n'
            'item item "y" points 5 { veto criteria "c" criteria "c" proportional item\n'
            'note "n" }\nexclude when exclude > 2 "r"\npay total = total')
    assert_laws(text)


def test_clause_order_is_kept_even_where_the_ast_groups_clauses():
    text = ('item a "A" points 5 {\n  note "一"\n  level "好": 5\n  criteria "甲"\n'
            '  level "差": 0\n  not applicable: spread evenly\n  bonus up to 1\n}\n')
    assert assert_laws(text) == text


def test_windows_line_endings():
    assert format_text('rubric "R"  # c\r\ninput r: count\r\n') == 'rubric "R"  # c\n\ninput r: count\n'


def test_empty_and_comment_only_files():
    assert format_text("") == ""
    assert format_text("\n\n  \n") == ""
    assert format_text("  # 只有注释   \n\n#二\n") == "# 只有注释\n#二\n"


def test_unparsable_input_raises_kpi_error():
    with pytest.raises(KpiError) as e:
        format_text('item a "A" points {', "bad.kpi")
    assert e.value.diagnostics and e.value.diagnostics[0].span.file == "bad.kpi"


def test_ast_equal_ignores_spans_and_comments_only():
    a = parse('pay p = a - b - c  # 注释', "one.kpi")
    assert ast_equal(a, parse("\n\npay   p =\n (a - b) - c", "two.kpi"))
    assert not ast_equal(a, parse("pay p = a - (b - c)"))
    assert not ast_equal(parse("total 0.50"), parse("total 0.5"))  # digits as written count
    assert strip_spans(parse("total 1")) == strip_spans(parse("# x\ntotal 1"))


# ---- generated rubrics ----------------------------------------------------------------------------

NAMES = ["a", "b", "rate", "销售额", "total", "level"]
QS = ["0", "1", "90", "90%", "1pt", "5分", "200元", "3次", "24h", "24小时", "3天", "3d", "0.5", "0.50",
      "100", "1.0", "0.0000001", "007"]
SIGNED = QS + ["-5", "-0.50", "-2pt"]
LABELS = ['"标签"', '"销售额 (元)"', '"#不是注释"', '""', '"Sales A"', '"：，全角"']
BANDS = ["> {q}", ">= {q} and < {q}", "between {s} and {s}", "= {q}", "≥ {q}", "≤ {s}", "< {q} and > {s}",
         "<= {q}"]
CMP = [">", ">=", "<", "<=", "=", "≥", "≤"]

q = st.sampled_from(QS)
signed = st.sampled_from(SIGNED)
label = st.sampled_from(LABELS)
maybe_label = st.one_of(st.just(""), label)
name = st.sampled_from(NAMES)


def _wrap(e, paren):
    return f"({e})" if paren else e


def _extend(sub):
    return st.one_of(
        st.builds(lambda left, op, r, pl, pr: f"{_wrap(left, pl)} {op} {_wrap(r, pr)}",
                  sub, st.sampled_from(["+", "-", "*", "/", "×", "÷"]), sub, st.booleans(), st.booleans()),
        st.builds(lambda e, p: f"-{_wrap(e, p)}", sub, st.booleans()),
        st.builds(lambda x, y: f"min({x}, {y})", sub, sub),
        st.builds(lambda x: f"sum({x} over team)", sub),
        st.builds(lambda x, a, b: f"progressive {x} {{ from {a}: 1% from {b}: 2% }}", sub, q, q),
        sub.map(lambda e: f"({e})"),
    )


expr = st.recursive(st.one_of(name, q), _extend, max_leaves=5)


@st.composite
def band(draw):
    return draw(st.sampled_from(BANDS)).format(q=draw(q), s=draw(signed))


@st.composite
def condition(draw):
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return f"{draw(expr)} {draw(st.sampled_from(CMP))} {draw(expr)}"
    if kind == 1:
        return draw(expr)
    return f"grade {draw(st.sampled_from(['is', 'below', 'at least']))} g1"


def _opt(draw, text):
    return text if draw(st.booleans()) else ""


@st.composite
def clause(draw):
    d = draw
    kinds = [
        lambda: f"criteria {d(label)}",
        lambda: f"bonus up to {d(q)}",
        lambda: "entered by qa",
        lambda: "not applicable: " + d(st.sampled_from(["spread proportionally", "spread evenly", "give to b"])),
        lambda: f"veto law{d(maybe_label)}" + _opt(d, " zeroes " + d(st.sampled_from(["item", "section"]))),
        lambda: f"note {d(label)}",
        lambda: f"level {d(label)}: {d(signed)}" + _opt(d, f"..{d(signed)}"),
        lambda: "scale " + ", ".join(f"{i}: {d(signed)}" for i in range(1, d(st.integers(1, 3)) + 1)),
        lambda: f"tiers {d(expr)} {{ " + " ".join(f"when {d(band())}: {d(signed)}"
                                                 for _ in range(d(st.integers(1, 3))))
                + _opt(d, f" else: {d(signed)}") + " }",
        lambda: f"ratio {d(expr)} target {d(q)} {d(st.sampled_from(['±', '+-']))}{d(q)}"
                + _opt(d, f" per {d(q)}") + _opt(d, f" base {d(signed)}"),
        lambda: f"proportional {d(expr)}",
        lambda: f"deduct {d(q)} per {d(expr)}" + _opt(d, f" base {d(signed)}") + _opt(d, " no floor"),
        lambda: f"change {d(expr)} by {d(signed)} per {d(q)}" + _opt(d, f" base {d(signed)}"),
        lambda: f"checklist {d(label)}, {d(label)} scores {d(signed)}, {d(signed)}",
    ]
    return d(st.sampled_from(kinds))()


@st.composite
def item(draw, n):
    head = f"item i{n}{draw(maybe_label)} {draw(st.sampled_from(['points', 'factor']))} {draw(q)}"
    if draw(st.booleans()):
        return head
    clauses, once = [], set()
    for c in draw(st.lists(clause(), max_size=4)):
        kind = next((k for k in ("bonus up to", "not applicable") if c.startswith(k)), None)
        if kind in once:
            continue  # a second one is KPI106, not a formatting question
        if kind:
            once.add(kind)
        clauses.append(c)
    return head + " { " + " ".join(clauses) + " }"


@st.composite
def section(draw, n, depth=0):
    head = f"section s{n}{draw(maybe_label)}" + _opt(draw, f" weight {draw(q)}") + _opt(draw, f" out of {draw(q)}")
    members = []
    for k in range(draw(st.integers(0, 3))):
        kind = draw(st.integers(0, 4 if depth < 1 else 3))
        if kind <= 1:
            members.append(draw(item(f"{n}_{k}")))
        elif kind == 2:
            members.append(f"veto law{draw(maybe_label)} zeroes section")
        elif kind == 3:
            members.append(f"note {draw(label)}")
        else:
            members.append(draw(section(f"{n}_{k}", depth + 1)))
    return head + " { " + " ".join(members) + " }"


@st.composite
def statement(draw, n):
    d = draw
    kinds = [
        lambda: f"rubric {d(label)}", lambda: f"position {d(label)}",
        lambda: f"period {d(st.sampled_from(['monthly', 'quarterly', 'yearly']))}",
        lambda: f"version {d(label)}", lambda: "currency CNY", lambda: f"total {d(q)}",
        lambda: f"round {d(st.sampled_from(['items', 'sections', 'total', 'money']))} to {d(q)}"
                + _opt(d, " " + d(st.sampled_from(["half up", "half even", "up", "down"]))),
        lambda: f"fields {d(label)}, {d(label)}", lambda: f"signatures {d(label)}",
        lambda: f"note {d(label)}", lambda: 'use "common.kpi"', lambda: 'use a, b from "common.kpi"',
        lambda: f"input x{n}{d(maybe_label)}: {d(st.sampled_from(['percent', 'count', 'yes/no', 'money']))}"
                + _opt(d, f" range {d(signed)}..{d(st.sampled_from(['', '100', '150%']))}")
                + _opt(d, " from " + d(st.sampled_from(["system", 'system "表单"', "boss"]))),
        lambda: f"metric m{n}{d(maybe_label)}: percent" + _opt(d, f" range {d(signed)}..") + f" = {d(expr)}",
        lambda: f"rater r{n}{d(maybe_label)}" + _opt(d, f" weight {d(q)}"),
        lambda: f"{d(st.sampled_from(['person', 'group']))} k{n}{d(maybe_label)}",
        lambda: d(section(n)), lambda: d(item(n)), lambda: d(item(n)),
        lambda: f"veto law{d(maybe_label)} zeroes appraisal",
        lambda: f"grade g{n}{d(maybe_label)} " + d(st.one_of(band().map(lambda b: "when " + b), st.just("otherwise")))
                + _opt(d, f" coefficient {d(q)}"),
        lambda: f"award w{n}{d(maybe_label)} {d(q)}" + _opt(d, f" to best {d(expr)} per team")
                + _opt(d, f" when {d(condition())}") + _opt(d, " requires grade g1"),
        lambda: f"pool o{n}{d(maybe_label)} = {d(expr)} shared by team",
        lambda: f"pay p{n}{d(maybe_label)} = {d(expr)}" + _opt(d, f" when {d(condition())}"),
        lambda: f"exclude when {d(condition())}" + _opt(d, " " + d(label)),
        lambda: f"streak k{n}{d(maybe_label)} when {d(condition())} for {d(q)} periods "
                + d(st.sampled_from(["award 200元", 'flag "面谈"'])),
        lambda: f"quota g1 at most {d(q)} per team" + _opt(d, f" tie by {d(expr)}, {d(expr)}"),
        lambda: f"flag f{n}{d(maybe_label)} bottom {d(q)} per department",
    ]
    return d(st.sampled_from(kinds))()


@st.composite
def rubric_text(draw):
    return " ".join(draw(statement(n)) for n in range(draw(st.integers(2, 8))))


# Split into the pieces that must stay whole ("at least" is one word to the lexer).
_PIECES = re.compile(r'at least|"[^"\n]*"|[^\s"]+')
SEPARATORS = [" ", " ", " ", "  ", "\n", "\n\n", "\t", "\n      ", " \n "]


def messy(text: str, rnd: random.Random) -> str:
    """The same tokens with random white space and comments between them."""
    out, k = [], 0
    for piece in _PIECES.findall(text):
        if out:
            r = rnd.random()
            if r < 0.06:
                k += 1
                out.append(f"  # 注释 c{k} ")
                out.append("\n" + rnd.choice(["", "  ", "\t"]))
            elif r < 0.1:
                k += 1
                out.append(f"\n{rnd.choice(['', '    '])}#c{k} 独占一行\n")
            else:
                out.append(rnd.choice(SEPARATORS))
        out.append(piece)
    if rnd.random() < 0.3:
        out.append("\n# 文件尾\n")
    return "".join(out)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rubric_text(), st.randoms(use_true_random=False))
def test_generated_rubrics_keep_meaning_and_comments(text, rnd):
    assert_laws(messy(text, rnd))


@settings(max_examples=EXAMPLES, deadline=None)
@given(expr)
def test_generated_expressions_keep_meaning(e):
    text = f"metric m: number = {e}"
    out = assert_laws(text)
    assert out.count("\n") == 1 or "progressive" in e
    assert "×" not in out and "÷" not in out
    # no parenthesis can go: dropping any one pair changes the meaning or breaks the text
    before = parse(out)
    for i, j in _paren_pairs(out):
        if i > 0 and (out[i - 1].isalnum() or out[i - 1] == "_"):
            continue  # a call's parentheses
        dropped = out[:i] + " " + out[i + 1:j] + " " + out[j + 1:]
        try:
            assert not ast_equal(before, parse(dropped)), f"redundant parentheses in {out!r}"
        except KpiError:
            pass


def _paren_pairs(text):
    stack, pairs = [], []
    for k, ch in enumerate(text):
        if ch == "(":
            stack.append(k)
        elif ch == ")":
            pairs.append((stack.pop(), k))
    return pairs


# ---- the printer alone, with no source to consult ---------------------------------------------------


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rubric_text())
def test_generated_rubrics_print_back_from_the_tree_alone(text):
    """printer.source_text knows only the tree (no `between`, no default words): it still means the same."""
    before = parse(text)
    printed = source_text(before)
    assert ast_equal(before, parse(printed)), f"meaning changed:\n{text}\n---- printed ----\n{printed}"


@settings(max_examples=EXAMPLES, deadline=None)
@given(expr)
def test_one_line_expression_text_means_the_expression(e):
    """Lowering's labels and kpi diff show expr_text: every operation parenthesised, same meaning."""
    tree = parse(f"metric m: number = {e}").statements[0].expr
    if "progressive" in e:
        return  # folded onto one line with commas, which is no .kpi syntax
    text = expr_text(tree)
    assert ast_equal(tree, parse(f"metric m: number = {text}").statements[0].expr), text
