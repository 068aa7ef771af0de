"""Small edges of the core: rounding a tie to a non-power-of-ten step, how an exact
quotient is written, the width of a name's diagnostic span, which pay lines the form
cannot compute, and an `or` condition in the generated JavaScript.  Expected values are
worked by hand."""

from decimal import Decimal as D

from kpidsl.api import check_text, load_text
from kpidsl.backends.form.javascript import batch_only, generate
from kpidsl.lower.lowerer import lower
from kpidsl.numbers.semantics import div, round_to


def test_a_tie_rounds_to_a_step_of_two():
    # 1 is halfway between 0 and 2: half up goes to 2, half even to 0 (0 ÷ 2 = 0 is even), down to 0
    assert round_to(D(1), D(2), "half up") == 2
    assert round_to(D(1), D(2), "half even") == 0
    assert round_to(D(3), D(2), "half even") == 4   # 3 is between 2 (1 step) and 4 (2 steps): the even one
    assert round_to(D(-1), D(2), "half up") == -2   # a tie below zero rounds away from zero


def test_an_exact_quotient_is_written_without_an_exponent():
    assert str(div(D(100), D(10))) == "10"           # not 1E+1
    assert str(div(D(1000), D(10))) == "100"         # not 1E+2
    assert str(div(D(5), D(2))) == "2.5"
    big = D("1" + "0" * 69 + "1")                     # 71 digits, exact: returned whole
    assert div(big, D(1)) == big


def test_a_name_span_is_as_wide_as_the_name():
    (d,) = [d for d in check_text('rubric "x"\ninput unused_col "无用列": count\nitem a "A" points 100\n')
            if d.code == "KPI141"]
    assert d.span.end_column - d.span.column == len("unused_col")


RUBRIC = '''rubric "x"
input a "A": count
input b "B": count
group team "组"
item x "X" points 100 {
  not applicable when a = 0 or b = 0: spread evenly
  deduct 1 per a
}
pay p "P" = total * 1元
pay q "Q" = average(total over team) * 1元
pay r "R" = q + p
'''


def test_batch_only_follows_references_to_the_group_average():
    program, _ = load_text(RUBRIC)
    plan = lower(program)
    # q reads the team's average and r reads q: both need the whole batch; p reads one total
    assert batch_only(plan) == {"q", "r"}
    assert " || " in generate(plan)   # the `or` of the not-applicable condition
