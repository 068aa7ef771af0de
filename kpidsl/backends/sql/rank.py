"""SQL backend, rank-based grades: ``batch_rank.distribute`` as window functions, in its
words.  Over each group's scored rows of a period, ranked by total then the tie-break values
(higher first), ``above`` is RANK() - 1 and ``upto`` adds the rows tied with this one; each
slice's cut reads how far the slices before it reached (a window over the last slice's
rows), so each slice is a layer or two of the query."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sqlglot import exp

from kpidsl.backends.sql.values import col, decimal_type, number
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

