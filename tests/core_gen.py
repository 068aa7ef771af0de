"""Generated rubrics of the language's general core (issue 12), each with its own answer.

A case is a rubric that uses conditions built from `and`, `or`, `not` and parentheses (on
awards, pay, `flag … when`, `exclude` and `not applicable when`), `floor`, `ceil`, `round`
in every mode and `number`, plus the rows to score and, for every row, what it must score.
The expected values are worked out here from the generator's own description of the
rubric (a tree of conditions, the functions' arithmetic in exact fractions), not by
parsing the text, lowering or evaluating it, so a bug in the shared IR shows as a
difference.  Only `total` conditions can sit within a hair of their threshold (a spread
of not-applicable points divides); those are marked ambiguous and not judged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from hypothesis import strategies as st

NUMS = (0, 1, 2, 4, 5, 8, 10)  # divisors that terminate: m / n stays exact
MODES = {"rx": "half up", "rh": "half up", "re": "half even", "ru": "up", "rd": "down"}  # rx: no mode written


# ---- conditions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Atom:
    text: str
    holds: object  # (row values) -> bool | None; None when too close to call


@dataclass(frozen=True)
class Node:
    op: str  # and | or | not | atom
    parts: tuple = ()
    atom: Atom | None = None


PREC = {"or": 1, "and": 2, "not": 3, "atom": 4}


def render(node: Node, need: int, extra_parens: list[bool]) -> str:
    if node.op == "atom":
        text = node.atom.text
    elif node.op == "not":
        text = "not " + render(node.parts[0], PREC["not"], extra_parens)
    else:
        left = render(node.parts[0], PREC[node.op], extra_parens)
        # the right operand binds one tighter: a or (b or c) needs its parentheses to keep its shape
        right = render(node.parts[1], PREC[node.op] + 1, extra_parens)
        text = f"{left} {node.op} {right}"
    # besides the parentheses precedence needs, some that change nothing
    wrap = PREC[node.op] < need or (extra_parens.pop() if extra_parens else False)
    return f"({text})" if wrap else text


def holds(node: Node, v: dict) -> bool | None:
    """Three-valued: None when a `total` test sits too near its threshold to call."""
    if node.op == "atom":
        return node.atom.holds(v)
    parts = [holds(p, v) for p in node.parts]
    if node.op == "not":
        return None if parts[0] is None else not parts[0]
    a, b = parts
    if node.op == "and":
        if a is False or b is False:
            return False
        return None if a is None or b is None else True
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def _cmp(op: str, a, b) -> bool:
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "=": a == b}[op]


@st.composite
def atom(draw, names: tuple[str, ...]) -> Atom:
    kind = draw(st.sampled_from(names))
    op = draw(st.sampled_from(["<", "<=", ">", ">=", "="]))
    if kind in ("y", "z"):
        return Atom(kind, lambda v, k=kind: v[k])
    if kind == "x":
        k = Fraction(draw(st.integers(-40, 40)), 2)
        return Atom(f"x {op} {_num(k)}", lambda v, o=op, k=k: _cmp(o, v["x"], k))
    if kind == "total":
        k = draw(st.integers(0, 100))

        def near(v, o=op, k=k):
            t = v["total"]
            return None if abs(t - k) < Fraction(1, 10**12) and t != k else _cmp(o, t, k)
        return Atom(f"total {op} {k}", near)
    k = draw(st.integers(0, 12))
    return Atom(f"{kind} {op} {k}", lambda v, n=kind, o=op, k=k: _cmp(o, v[n], k))


@st.composite
def condition(draw, names: tuple[str, ...], depth: int = 0) -> Node:
    kind = draw(st.sampled_from(["atom", "atom", "and", "or", "not"])) if depth < 3 else "atom"
    if kind == "atom":
        return Node("atom", atom=draw(atom(names)))
    if kind == "not":
        return Node("not", (draw(condition(names, depth + 1)),))
    return Node(kind, (draw(condition(names, depth + 1)), draw(condition(names, depth + 1))))


def condition_text(draw, node: Node) -> str:
    extra = draw(st.lists(st.booleans(), min_size=8, max_size=8))
    return render(node, 0, extra)


# ---- functions -----------------------------------------------------------------------------


def _num(q: Fraction) -> str:
    """A half or a quarter as a decimal, the way a sheet writes it."""
    return str(q.numerator) if q.denominator == 1 else f"{float(q):g}"


def round_to(x: Fraction, step: Fraction, mode: str) -> Fraction:
    q = x / step
    lo = math.floor(q)
    frac = q - lo
    if mode == "up":  # toward +∞, as docs/language.md says of the modes
        n = math.ceil(q)
    elif mode == "down":  # toward −∞
        n = math.floor(q)
    elif frac == Fraction(1, 2):
        n = (lo if lo % 2 == 0 else lo + 1) if mode == "half even" else (lo + 1 if x >= 0 else lo)
    else:
        n = lo if frac < Fraction(1, 2) else lo + 1
    return n * step


def _x(step: Fraction):
    """A quarter in -20..20, half of the time exactly half way between two multiples of the
    rounding step, where the modes differ."""
    ties = [(2 * j + 1) * step / 2 for j in range(-45, 45) if abs((2 * j + 1) * step / 2) <= 20]
    return st.one_of(st.integers(-80, 80).map(lambda k: Fraction(k, 4)), st.sampled_from(ties))


# ---- the rubric ----------------------------------------------------------------------------


@dataclass
class Case:
    text: str
    rows: list[dict[str, str]]
    expected: list[dict] = field(default_factory=list)  # per row: status, steps, awards, flags


INPUTS = '''input n "次数": count range 0..12
input m "完成": count range 0..12
input y "甲": yes/no
input z "乙": yes/no
input x "值": number range -20..20
input pr "评分": number range -20..20 columns pr1..pr5 at least 2
input ob "加评": number range -20..20 when blank: skip
'''
# ratings: quarters and ties, so a trimmed end or a median's middle is often one of equals
RATINGS = (Fraction(-5), Fraction(-5, 2), Fraction(0), Fraction(5, 4), Fraction(3), Fraction(3), Fraction(15, 2),
           Fraction(20), Fraction(-20))


def _lists(values: list[Fraction], ratings: list[Fraction], drop: int, least: int) -> dict[str, Fraction]:
    """The functions over values that may be blank, worked on the values given (a blank left out),
    by sorting: not how kpi does it (by rank, lower/lists.py)."""
    s = sorted(values)
    n = len(s)
    median = (s[(n - 1) // 2] + s[n // 2]) / 2
    r = sorted(ratings)
    kept = r[drop:len(r) - drop] if len(r) >= least else r
    return {"l_cnt": Fraction(n), "l_sum": sum(s, Fraction(0)), "l_avg": sum(s, Fraction(0)) / n, "l_min": s[0],
            "l_max": max(ratings), "l_med": median, "l_trim": sum(kept, Fraction(0)) / len(kept)}


@st.composite
def core_case(draw) -> Case:
    lines = ['rubric "核心构造"', INPUTS.rstrip("\n")]
    # metrics through floor/ceil/round/number: their values feed items, pay and conditions
    fl_fn = draw(st.sampled_from(["floor", "ceil"]))
    div = draw(st.sampled_from([2, 3, 4]))
    lines.append(f'metric fl "折算": count = {fl_fn}(n / {div})')
    step = draw(st.sampled_from([Fraction(1, 2), Fraction(1), Fraction(5), Fraction(1, 4)]))
    for name, mode in MODES.items():  # every mode on the same value, where they differ at a tie
        mode_text = f', "{mode}"' if name != "rx" else ""
        lines.append(f'metric {name} "舍入": number range -25..25 = round(x, {_num(step)}{mode_text})')
    # three items, 100 points; the middle one divides by n, so it must not apply when n = 0
    pa = draw(st.sampled_from([10, 20, 30, 40]))
    pb = draw(st.sampled_from([20, 30, 40]))
    pc = 100 - pa - pb
    da = draw(st.integers(1, 10))
    lines.append(f'item a "出勤" points {pa} {{\n  deduct {da} per fl\n}}')
    policy = draw(st.sampled_from(["spread proportionally", "spread evenly", "give to c"]))
    na_extra = draw(st.one_of(st.none(), condition(("n", "m", "x", "y", "z", "fl"), 1)))
    na_text = "n = 0" if na_extra is None else f"n = 0 or {condition_text(draw, na_extra)}"
    lines.append(f'item b "交付" points {pb} {{\n  not applicable when {na_text}: {policy}\n'
                 f'  proportional m / n\n}}')
    lines.append(f'item c "其他" points {pc} {{\n  proportional number(fl) * 20%\n}}')
    names = ("n", "m", "x", "y", "z", "fl", "rx", "re", "total")
    award = draw(condition(names))
    lines.append(f'award w "全勤奖" 50元 when {condition_text(draw, award)}')
    flag = draw(condition(names))
    lines.append(f'flag warn "约谈" when {condition_text(draw, flag)}')
    pay_when = draw(st.one_of(st.none(), condition(names)))
    pay = 'pay p "取整" = floor(x) * 10元 + ceil(x / 4) * 1元 + rx * 1元 + rd * 1元'
    lines.append(pay + ("" if pay_when is None else f" when {condition_text(draw, pay_when)}"))
    lines.append('pay q "各种舍入" = rh * 1元 + re * 1元 + ru * 1元')  # so every mode's metric is a step
    # functions over a list (pr: 2 to 5 ratings, blanks between) and an input that may be blank (ob)
    least = draw(st.sampled_from([3, 4, 5]))
    for name, formula, rng in (("l_cnt", "count(pr, ob)", "count range 0..6"), ("l_sum", "sum(pr, ob)", "number range -120..120"),
                               ("l_avg", "average(pr, ob)", "number range -20..20"), ("l_min", "min(ob, pr)", "number range -20..20"),
                               ("l_max", "max(pr)", "number range -20..20"), ("l_med", "median(pr, ob)", "number range -20..20"),
                               ("l_trim", f"trimmed_mean(pr, 1, {least})", "number range -20..20")):
        lines.append(f'metric {name} "名单{name}": {rng} = {formula}')
    lines.append('pay lq "评分" = l_cnt * 1元 + (l_sum + l_avg + l_min + l_max + l_med + l_trim) * 1元')
    exclude = draw(st.one_of(st.none(), condition(("n", "m", "x", "y", "z"))))
    if exclude is not None:
        lines.append(f'exclude when {condition_text(draw, exclude)} "不考核"')
    text = "\n".join(lines) + "\n"

    rows, expected = [], []
    for j in range(draw(st.integers(1, 5))):
        v = {"n": draw(st.sampled_from(NUMS)), "m": draw(st.integers(0, 12)), "y": draw(st.booleans()),
             "z": draw(st.booleans()), "x": draw(_x(step))}
        rows.append({"id": f"p{j}", "n": str(v["n"]), "m": str(v["m"]), "y": "是" if v["y"] else "否",
                     "z": "是" if v["z"] else "否", "x": _num(v["x"])})
        ratings = [draw(st.sampled_from(RATINGS)) if k < 2 else draw(st.one_of(st.none(), st.sampled_from(RATINGS)))
                   for k in range(5)]
        ob = draw(st.one_of(st.none(), st.sampled_from(RATINGS)))
        rows[-1].update({f"pr{k + 1}": "" if r is None else _num(r) for k, r in enumerate(ratings)})
        rows[-1]["ob"] = "" if ob is None else _num(ob)
        given = [r for r in ratings if r is not None]
        listed = _lists(given + ([] if ob is None else [ob]), given, 1, least)
        fl = (math.floor if fl_fn == "floor" else math.ceil)(Fraction(v["n"], div))
        v["fl"] = fl
        for name, mode in MODES.items():
            v[name] = round_to(v["x"], step, mode)
        a = max(Fraction(pa - da * fl), Fraction(0))
        na = v["n"] == 0 or (na_extra is not None and holds(na_extra, v))
        b = Fraction(0) if na else min(max(pb * Fraction(v["m"], v["n"]), Fraction(0)), Fraction(pb))
        c = min(pc * Fraction(fl, 5), Fraction(pc))
        total = a + b + c
        if na:  # the item's points go where the policy says
            if policy == "spread proportionally":
                total += (a + c) * pb / (pa + pc)
            elif policy == "spread evenly":
                total += (a * pb / pa + c * pb / pc) / 2
            else:
                total += c * pb / pc
        v["total"] = total
        out: dict = {"status": "scored", "steps": {"fl": Fraction(fl), **{n: v[n] for n in MODES},
                                                   "a": a, "b": b, "c": c, "total": total, **listed}}
        if exclude is not None and holds(exclude, v):
            out = {"status": "excluded"}
        else:
            out["award"] = holds(award, v)
            out["flag"] = holds(flag, v)
            paid = math.floor(v["x"]) * 10 + math.ceil(v["x"] / 4) + v["rx"] + v["rd"]
            when = True if pay_when is None else holds(pay_when, v)
            out["steps"]["q"] = v["rh"] + v["re"] + v["ru"]
            out["pay"] = None if when is None else (Fraction(paid) if when else Fraction(0))
        expected.append(out)
    return Case(text, rows, expected)
