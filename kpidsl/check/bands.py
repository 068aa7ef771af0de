"""Tiers and bands: tiers that leave a gap, contradict or overlap each other, can
never apply, or go up and down; grade bands that overlap or leave totals with
no grade.  The interval arithmetic is ``intervals.py``'s."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from kpidsl.analysis.units import INTEGER_UNITS, compatible
from kpidsl.check.base import UNIT_WORDS, ZERO, describe, fmt, fmt_in
from kpidsl.diagnostics.diagnostic import Related, error, info, warning
from kpidsl.numbers.intervals import INF, Interval, Range, gaps
from kpidsl.syntax import ast
from kpidsl.syntax.ast_rank import RankedGrade
from kpidsl.syntax.names import names_in
from kpidsl.syntax.printer_expr import limit_text

if TYPE_CHECKING:
    from kpidsl.check.base import Context
    from kpidsl.check.formulas import Formulas, Info


def is_data(x: object) -> bool:
    """A bound, bracket start, target or cap written as a formula of the row's data."""
    return x is not None and not isinstance(x, ast.Quantity)


def data_names(values: Iterable[Any]) -> str:
    """The names the data bounds read, for a note: ``quota, target``."""
    seen: list[str] = []
    for v in values:
        seen += [n for n, _ in names_in(v) if n not in seen]
    return ", ".join(f"`{n}`" for n in seen) or "a formula"


class AxisBand(NamedTuple):
    """One band along a key: a tier, a table's row or column.  ``value`` is what it gives
    (two overlapping bands that give equal values only overlap, unequal ones contradict);
    ``shown`` is that value in a message."""

    band: ast.Band | None  # None: `else`
    span: ast.Span
    value: object
    shown: str


class Axis(NamedTuple):
    """What checking one key's bands found, by index into its entries."""

    reachable: list[int]  # the entries some value of the key reaches (an `else` whenever written)
    gap: bool  # some value of the key falls in no band (reported: a data error at run time)
    order: list[int] | None  # the banded entries from the lowest band up; None when bands overlap


def data_bound(f: Formulas, e: Any, unit: str | None, context: str) -> Range | None:
    """A bound from the row's data: its unit is the compared value's (a bare formula, like a
    bare number, takes the value's unit); its range, where known."""
    u, rng = f.expr(e)
    if unit is not None and u not in (None, "bare") and not compatible(u, unit):
        f.ctx.once(error(
            "KPI130", f"`{limit_text(e)}` is {UNIT_WORDS[u]}, but it is compared with {UNIT_WORDS[unit]}{context}",
            e.span, "compare values of one unit: a bound from data has the unit of the value it bounds"))
        return None
    return rng


def data_brackets(f: Formulas, e: ast.Progressive) -> Info:
    """Brackets that start where the row's data says: units are checked here, and whether
    they rise where two literal starts follow each other; the rest for each row."""
    unit, _ = f.expr(e.subject)
    u = unit if unit not in (None, "bare") else None
    prev: Decimal | None = None
    for b in e.brackets:
        start = None
        if isinstance(b.start, ast.Quantity):
            start = f.literal(b.start, u)
        else:
            data_bound(f, b.start, u, " (a bracket's start)")
        if b.rate.suffix != "%":
            f.ctx.once(error("KPI130", f"a bracket's rate is a percent; `{b.rate}` is not",
                             b.rate.span, f"write `{b.rate.value}%`"))
        if start is not None and prev is not None and start <= prev:
            f.ctx.once(error(
                "KPI162", f"brackets must rise: {b.start} does not come after the bracket before it",
                b.span, "list brackets from the lowest amount to the highest"))
        prev = start
    f.ctx.once(info(
        "KPI126", f"the brackets start where the data says ({data_names(b.start for b in e.brackets if is_data(b.start))}): "
        "whether they rise is checked for each row when it is scored", e.span,
        "a row whose brackets do not rise is a data error; write numbers to have it proven here"))
    return "money", Range(ZERO, INF)


def band_interval(f: Formulas, band: ast.Band, unit: str | None, integer: bool) -> Interval | None:
    """The band's interval, or None where a bound is unknown: a unit mistake, or a bound
    from data (the tiers' check says so and leaves it to each row)."""
    lo = hi = None
    lo_c = hi_c = False
    for b in band.bounds:
        if not isinstance(b.value, ast.Quantity):
            return None
        v = f.literal(b.value, unit)
        if v is None:
            return None
        if b.op in (">", ">="):
            lo, lo_c = v, b.op == ">="
        elif b.op in ("<", "<="):
            hi, hi_c = v, b.op == "<="
        else:  # "="
            lo = hi = v
            lo_c = hi_c = True
    return Interval(lo, hi, lo_c, hi_c, integer)


def check_axis(f: Formulas, subject: Any, entries: list[AxisBand], span: ast.Span, noun: str = "tier") -> Axis | None:
    """Check the bands of one key (a tiers' subject, a table's row or column key): bands that
    never apply, overlap or contradict each other, and values of the key that no band holds.
    ``None`` when the key's unit or range is unknown (already reported) or a band is broken."""
    unit, dom = f.expr(subject)
    if unit is None or dom is None:
        return None
    u = unit if unit != "bare" else None
    # A count divided (`late / 3`) can land between two whole numbers: check it as fractional.
    integer = unit in INTEGER_UNITS and f.whole(subject)
    domain = Interval(dom.lo if dom.lo != -INF else None, dom.hi if dom.hi != INF else None,
                      dom.lo != -INF, dom.hi != INF, integer)
    bands: list[tuple[int, Interval]] = []
    has_else = False
    broken = False
    for i, e in enumerate(entries):
        if e.band is None:
            has_else = True
            continue
        iv = band_interval(f, e.band, u, integer)
        if iv is None:
            broken = True
            continue
        bands.append((i, iv))
    if broken:
        return None
    reachable = []
    overlapping = False
    for i, iv in bands:
        t = entries[i]
        if iv.is_empty():
            f.ctx.diagnostics.append(warning("KPI123", f"this {noun} can never apply: its bounds leave no value",
                                            t.span, "check the direction of `>` and `<`"))
        elif not iv.overlaps(domain):
            f.ctx.diagnostics.append(warning(
                "KPI123", f"this {noun} can never apply: `{_subject_text(subject)}` lies in "
                f"{fmt_in(dom.lo, unit)}..{fmt_in(dom.hi, unit)}", t.span,
                f"declare a wider range on the input, or remove the {noun}"))
        else:
            reachable.append(i)
    for k, (i1, a) in enumerate(bands):
        for i2, b in bands[k + 1:]:
            common = a.intersect(b)
            if common.is_empty():  # the usual answer: leave the domain out of it
                continue
            common = common.intersect(domain)
            if common.is_empty():
                continue
            at = describe(common, unit)
            overlapping = True
            t1, t2 = entries[i1], entries[i2]
            if t1.value != t2.value:
                f.ctx.diagnostics.append(error(
                    "KPI121", f"two {noun}s contradict each other: for {at} one gives {t1.shown} and the other "
                    f"{t2.shown}", t2.span, "make the bands exclusive, e.g. `> 3` and `<= 3`",
                    (Related(f"the other {noun}", t1.span),)))
            else:
                f.ctx.diagnostics.append(warning(
                    "KPI122", f"two {noun}s overlap (for {at}), both giving {t1.shown}", t2.span,
                    "merge them or make the bands exclusive", (Related(f"the other {noun}", t1.span),)))
    gap = False
    if not has_else:
        holes = gaps(domain, [iv for _, iv in bands])
        if holes:
            hole = holes[0]
            verb = "gets" if hole.is_point() else "get"
            f.ctx.diagnostics.append(error(
                "KPI120", f"the {noun}s leave a gap: {describe(hole, unit)} {verb} no {noun}", span,
                f"add a {noun} for it, widen a neighbouring bound (`>=` for `>`), or add "
                + ("`else: 0`" if noun == "tier" else "`else`")))
            gap = True
    else:
        reachable += [i for i, e in enumerate(entries) if e.band is None]
    order = None
    if not overlapping:  # with overlaps there is no order to speak of
        order = [i for i, _ in sorted(bands, key=lambda b: (b[1].lo if b[1].lo is not None else -INF))]
    return Axis(reachable, gap, order)


def tiers(f: Formulas, rule: ast.Tiers, pts: Callable[[ast.Quantity], Decimal], what: str = "points") -> Range | None:
    """The range of values a tiers gives (``pts``: a tier's value in its unit), its bands
    checked along the one axis of its subject."""
    points = [pts(t.points) for t in rule.tiers]
    full = Range(min(points), max(points))
    data = [b.value for t in rule.tiers if t.band is not None for b in t.band.bounds if is_data(b.value)]
    if data:
        unit, dom = f.expr(rule.subject)
        if unit is None or dom is None:
            return full
        return data_tiers(f, rule, unit if unit != "bare" else None, data, full)
    axis = check_axis(f, rule.subject, [AxisBand(t.band, t.span, p, fmt(p)) for t, p in zip(rule.tiers, points)],
                      rule.span)
    if axis is None:
        return full
    reachable = [points[i] for i in axis.reachable]
    if axis.gap:
        reachable.append(ZERO)  # the evaluator refuses such a value; count it as nothing
    if axis.order is not None and len(axis.order) >= 3:
        seq = [points[i] for i in axis.order]
        ups = any(b > a for a, b in zip(seq, seq[1:]))
        downs = any(b < a for a, b in zip(seq, seq[1:]))
        if ups and downs:
            f.ctx.diagnostics.append(warning(
                "KPI124", f"the tiers' {what} go up and down as the value rises: "
                + ", ".join(fmt(p) for p in seq), rule.span,
                f"a better result should not score less; check each tier's {what}"))
    if not reachable:
        return full
    return Range(min(reachable), max(reachable))


def data_tiers(f: Formulas, rule: ast.Tiers, unit: str | None, data: list[Any], full: Range) -> Range:
    """Tiers with bounds from data: only units can be proven here. Each row's own bounds are
    checked when it is scored (lowering's ``data_tiers``); a row whose tiers overlap with
    different points or leave a gap is a data error, so every tier's points may be given and
    no others."""
    for t in rule.tiers:
        for b in t.band.bounds if t.band is not None else ():
            if isinstance(b.value, ast.Quantity):
                f.literal(b.value, unit)
            else:
                data_bound(f, b.value, unit, " (a tier's bound)")
    f.ctx.once(info(
        "KPI126", f"the tiers' bounds come from data ({data_names(data)}): whether they overlap or leave "
        "a gap is checked for each row when it is scored", rule.span,
        "a row whose tiers overlap or leave a gap is a data error; write numbers to have it proven here"))
    return full


def grade_bands(ctx: Context, f: Formulas) -> None:
    """Pass: grades by total (ranked ones are ``ranking.py``'s) tried in order, their bands
    exclusive (KPI151) and, without `otherwise`, every total the members can reach given a
    grade (KPI150): so after ``weights.members`` has worked out the total's range."""
    grades = [s for s in ctx.stmts if isinstance(s, ast.Grade) and not isinstance(s, RankedGrade)]
    if not grades:
        return
    bands = []
    otherwise: ast.Grade | None = None
    for g in grades:
        if otherwise is not None:  # grades are tried in order: nothing gets past `otherwise`
            ctx.diagnostics.append(error(
                "KPI152", f"grade `{g.name}` comes after `{otherwise.name} … otherwise` and can never be given",
                g.span, f"move `{otherwise.name}` to the end, or give `{g.name}` up",
                (Related(f"`{otherwise.name}` takes every total left", otherwise.span),)))
            continue
        if g.band is None:
            otherwise = g
            continue
        data = next((b.value for b in g.band.bounds if is_data(b.value)), None)
        if data is not None:
            ctx.diagnostics.append(error(
                "KPI153", f"grade `{g.name}`'s band is bounded by `{limit_text(data)}`; a grade's bounds are "
                "numbers", data.span, "grade on a score instead: e.g. a metric of the total against the quota, "
                "or an item whose tiers read it"))
            continue
        iv = band_interval(f, g.band, "points", False)
        if iv is not None:
            bands.append((g, iv))
    for i, (g1, a) in enumerate(bands):
        for g2, b in bands[i + 1:]:
            common = a.intersect(b)
            w = common.witness()
            if w is not None and g1.band is not None and g2.band is not None:
                ctx.diagnostics.append(error(
                    "KPI151", f"grades `{g1.name}` and `{g2.name}` overlap: a total of {fmt(w)} is both",
                    g2.band.span, "make the bands exclusive, e.g. `>= 80 and < 90` below `>= 90`",
                    (Related(f"`{g1.name}` is here", g1.band.span),)))
    if otherwise is not None or ctx.total_range is None:
        return
    r = ctx.total_range
    domain = Interval(r.lo if r.lo != -INF else None, r.hi if r.hi != INF else None,
                      r.lo != -INF, r.hi != INF)
    holes = gaps(domain, [iv for _, iv in bands])
    if holes:
        hole = holes[0]
        ctx.diagnostics.append(error(
            "KPI150", f"the grade bands leave a gap: totals {describe(hole, 'points').removeprefix('values ')} get no grade "
            f"(totals run {fmt(r.lo)}..{fmt(r.hi)})", grades[-1].span,
            "extend a band to meet its neighbour, or end with `grade … otherwise`"))


def _subject_text(e: Any) -> str:
    if isinstance(e, ast.Var):
        return e.name
    return "the value"
