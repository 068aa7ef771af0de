"""SQL backend, rules by rank: ``batch_rank.distribute`` and a best-in-group award's winners
as window functions, in their words.  Over each group's scored rows of a period, ranked by total then the tie-break values
(higher first), ``above`` is RANK() - 1 and ``upto`` adds the rows tied with this one; each
slice's cut reads how far the slices before it reached (a window over the last slice's
rows), so each slice is a layer or two of the query."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sqlglot import exp

from kpidsl import ir
from kpidsl.backends.sql.values import col, decimal_type, number
from kpidsl.numbers.semantics import round_to
from kpidsl.numbers.spelling import percent

if TYPE_CHECKING:
    from kpidsl.backends.sql.batch import Windows
    from kpidsl.backends.sql.query import Builder

BIGINT = "BIGINT"


def _int(e: exp.Expr) -> exp.Expr:
    return exp.Cast(this=e, to=exp.DataType.build(BIGINT))


def _n(v: int) -> exp.Expr:
    return exp.Literal.number(v)


def _text(e: exp.Expr) -> exp.Expr:
    return exp.Cast(this=e, to=exp.DataType.build("VARCHAR"))


def _join(parts: list[exp.Expr]) -> exp.Expr:
    out = parts[0]
    for p in parts[1:]:
        out = exp.DPipe(this=out, expression=p)
    return out


def share_count(share: Decimal, size: exp.Expr, rounding: str) -> exp.Expr:
    """``batch_rank.share_count``: share × size rounded down, up or half up (size ≥ 0)."""
    x = exp.Mul(this=number(share), expression=exp.Cast(this=size, to=decimal_type(0)))
    if rounding == "down":
        return _int(exp.Floor(this=x))
    if rounding == "up":
        return _int(exp.Ceil(this=x))
    return _int(exp.Floor(this=exp.Add(this=x, expression=number(Decimal("0.5")))))


def distribute(b: Builder, w: Windows, grade: exp.Expr) -> exp.Expr:
    """The grade after the distribution: each slice's rows get its grade, the rest keep theirs
    (the `otherwise` grade); notes as ``batch_rank.distribute`` writes them.  ``w``: the batch
    rules' partitions (sql/batch.py's, which calls this)."""
    plan = b.plan
    d = plan.distribution
    assert d is not None
    scored: exp.Expr = exp.true() if b.excluded is None else exp.Not(
        this=exp.Paren(this=b.excluded.copy()))
    part = [*w.partition(d.group), exp.Paren(this=scored.copy())]
    values = [b.t.steps["total"].sql, *(b.t.steps[t].sql for t in d.tie_by)]
    order = [exp.Ordered(this=v.copy(), desc=True, nulls_first=True) for v in values]
    level = b.level + 1
    above = col(b.layers.add(exp.Sub(this=w.window(exp.Anonymous(this="RANK"), part, order), expression=_n(1)),
                             level, "d"))
    tied = b.layers.add(w.window(exp.Count(this=exp.Star()), [*[p.copy() for p in part], *[v.copy() for v in values]]),
                        level, "d")
    size = col(b.layers.add(w.window(exp.Count(this=exp.Star()), [p.copy() for p in part]), level, "d"))
    upto = col(b.layers.add(exp.Add(this=above.copy(), expression=col(tied)), level + 1, "d"))
    below_or_tied = exp.Paren(this=exp.Sub(this=size.copy(), expression=above.copy()))
    level += 2
    top_end: exp.Expr = _n(0)
    bottom_end: exp.Expr = _n(0)
    by = d.by_text
    cases: list[exp.If] = []
    for s in d.slices:
        g = plan.grades[s.grade]
        label = g.label or g.name
        k = col(b.layers.add(share_count(s.share, size.copy(), d.rounding), level - 1, "d"))
        if s.side == "top":
            left = exp.Sub(this=size.copy(), expression=top_end.copy())
        else:
            left = exp.Sub(this=exp.Sub(this=size.copy(), expression=top_end.copy()), expression=bottom_end.copy())
        start = top_end if s.side == "top" else bottom_end
        cut = col(b.layers.add(exp.Add(this=start.copy(), expression=exp.Greatest(
            this=exp.Least(this=k.copy(), expressions=[left]), expressions=[_n(0)])), level, "d"))
        if s.side == "top":
            inside: exp.Expr = exp.and_(scored.copy(), exp.LTE(this=top_end.copy(), expression=above.copy()),
                                        exp.LT(this=above.copy(), expression=cut.copy()))
            reach: exp.Expr = upto.copy()
        else:
            inside = exp.and_(scored.copy(), exp.LT(this=bottom_end.copy(), expression=below_or_tied.copy()),
                              exp.LTE(this=below_or_tied.copy(), expression=cut.copy()))
            reach = below_or_tied.copy()
        taken = col(b.layers.add(exp.Paren(this=inside), level + 1, "d"))
        end = col(b.layers.add(exp.Coalesce(this=w.window(exp.Max(this=exp.Case(ifs=[exp.If(this=taken.copy(), true=reach)])),
                                                          [p.copy() for p in part]), expressions=[start.copy()]),
                               level + 2, "d"))
        cases.append(exp.If(this=taken.copy(), true=exp.Literal.number(s.grade)))
        what = [exp.Literal.string(f"{s.side} {percent(s.share)} of {d.group} '"), _text(col(d.group)),
                exp.Literal.string("' is "), _text(k.copy()), exp.Literal.string(" of "), _text(size.copy()),
                exp.Literal.string(f", rounded {d.rounding}")]
        ranked = [exp.Literal.string("; ranked "), _text(exp.Add(this=above.copy(), expression=_n(1))),
                  exp.Literal.string(f" by {by}")]
        note = [exp.Literal.string(f"{label}: "), *what, *ranked]
        if s.side == "top":
            straddles = exp.GT(this=upto.copy(), expression=cut.copy())
            tie_note = exp.Case(ifs=[exp.If(this=straddles, true=_join([
                exp.Literal.string("; tied at the cut, all "), _text(col(tied)), exp.Literal.string(f" get {label}")]))],
                default=exp.Literal.string(""))
            b.notes.append(exp.Case(ifs=[exp.If(this=taken.copy(), true=_join([*note, tie_note]))]))
        else:
            b.notes.append(exp.Case(ifs=[exp.If(this=taken.copy(), true=_join(note))]))
            escapes = exp.and_(scored.copy(), exp.LT(this=exp.Sub(this=size.copy(), expression=upto.copy()),
                                                     expression=cut.copy()),
                               exp.LT(this=cut.copy(), expression=below_or_tied.copy()))
            b.notes.append(exp.Case(ifs=[exp.If(this=escapes, true=_join([
                exp.Literal.string(f"not {label}: tied at the cut ("), *[p.copy() for p in what],
                exp.Literal.string(")"), *[p.copy() for p in ranked], exp.Literal.string(", all "), _text(col(tied)),
                exp.Literal.string(" get the better grade")]))]))
        if s.side == "top":
            top_end = end
        else:
            bottom_end = end
        level += 3
    graded = b.layers.add(exp.Case(ifs=cases, default=grade.copy()), level, "g")
    b.need(level)
    return col(graded)



def is_one(b: Builder, step: str) -> exp.Expr:
    """A condition's step is 1 (held) or 0: compared at its scale (1.0 is 10 at scale 1), as
    Python compares the number."""
    v = b.t.steps[step]
    return exp.EQ(this=v.sql, expression=b.t.integer(10 ** v.scale))


def money(b: Builder, amount: Decimal) -> Decimal:
    step, mode = b.plan.money_round
    return round_to(amount, step, mode)


def awards(b: Builder, w: Windows) -> list[tuple[str, exp.Expr]]:
    """Best-in-group awards: the eligible rows with the group's top value, then the top of each
    tie-break value in turn (``batch_rank.tied``), get the amount; with ``pick one by``, only
    the first of them by the person key (``batch_rank.winners``)."""
    plan = b.plan
    out: list[tuple[str, exp.Expr]] = []
    for a in plan.best_of:
        eligible: exp.Expr = is_one(b, a.eligible)
        if b.excluded is not None:
            eligible = exp.And(this=eligible, expression=exp.Not(this=exp.Paren(this=b.excluded.copy())))
        level = b.level
        for step in (a.step, *a.tie_by):  # the top value, then the top of each tie-break among those left
            value = b.t.steps[step]
            top = w.window(exp.Max(this=exp.Case(ifs=[exp.If(this=eligible.copy(), true=value.sql)])),
                           w.partition(a.group))
            wins = exp.And(this=eligible, expression=exp.EQ(this=value.sql.copy(), expression=top))
            level += 1
            won = b.layers.add(exp.Coalesce(this=wins, expressions=[exp.false()]), level, "b")
            eligible = col(won)
        given, winner = won, None
        if a.pick_by is not None:
            order = [exp.Ordered(this=b.dialect.by_code_point(w.person), nulls_first=True)]
            first = b.layers.add(w.window(exp.RowNumber(), [*w.partition(a.group), col(won)], order), level + 1, "b")
            given = b.layers.add(exp.And(this=col(won), expression=exp.EQ(this=col(first), expression=_n(1))),
                                 level + 2, "b")
            winner = b.layers.add(w.window(exp.Max(this=exp.Case(ifs=[exp.If(this=col(given), true=w.person)])),
                                           w.partition(a.group)), level + 3, "b")
            level += 3
        name = b.layers.add(exp.Case(ifs=[exp.If(this=col(given), true=number(money(b, a.amount)))],
                                     default=number(money(b, Decimal(0)))), level + 1, "b")
        b.need(level + 1)
        out.append((a.award, col(name)))
        if b.row_column:
            b.notes.append(_tie_note(b, w, a, won, winner))
    return out


def _tie_note(b: Builder, w: Windows, a: ir.BestOf, won: str, winner: str | None) -> exp.Expr:
    """``Batch._best_of``'s note on each of the people tied: "LABEL: tied with" the others, in
    the order of the rows (those before this row, then those after it), and with ``pick one
    by`` whom it was given to."""
    part = [*w.partition(a.group), col(won)]
    order = [exp.Ordered(this=col(b.row_column), nulls_first=True)]  # type: ignore[arg-type]  # checked by the caller
    names = exp.GroupConcat(this=_text(w.person), separator=exp.Literal.string(", "))

    def others(start: str | exp.Expr, start_side: str | None, end: str | exp.Expr, end_side: str | None) -> exp.Expr:
        spec = exp.WindowSpec(kind="ROWS", start=start, start_side=start_side, end=end, end_side=end_side)
        return exp.Window(this=names.copy(), partition_by=[p.copy() for p in part], order=exp.Order(
            expressions=[o.copy() for o in order]), spec=spec)

    level = b.level + 1
    before = b.layers.add(others("UNBOUNDED", "PRECEDING", exp.Literal.number(1), "PRECEDING"), level, "b")
    after = b.layers.add(others(exp.Literal.number(1), "FOLLOWING", "UNBOUNDED", "FOLLOWING"), level, "b")
    b.need(level)
    both = exp.Case(ifs=[exp.If(this=exp.Is(this=col(before), expression=exp.Null()), true=col(after)),
                         exp.If(this=exp.Is(this=col(after), expression=exp.Null()), true=col(before))],
                    default=exp.DPipe(this=exp.DPipe(this=col(before), expression=exp.Literal.string(", ")),
                                      expression=col(after)))
    tied = exp.And(this=col(won), expression=exp.Not(this=exp.Is(this=both.copy(), expression=exp.Null())))
    text: exp.Expr = exp.DPipe(this=exp.Literal.string(f"{a.label or a.award}: tied with "), expression=both)
    if winner is not None:
        text = _join([text, exp.Literal.string("; given to "), _text(col(winner)),
                      exp.Literal.string(f", the first by {a.pick_by}")])
    return exp.Case(ifs=[exp.If(this=tied, true=text)])
