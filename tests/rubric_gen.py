"""The one hypothesis generator of rubrics that `kpi check` accepts, with valid rows for them,
shared by the property tests (tests/test_eval_properties.py, tests/test_random_rubrics.py).

``rubric_and_rows(rich=False)`` keeps to what tests/reference.py scores straight from the AST:
top-level items of every per-row rule, `no floor` deductions, item vetoes.
``rubric_and_rows(rich=True)`` builds every construct: nested sections (with and without
`out of`), bonuses, `round` lines at every level in every mode, vetoes of every scope, grades
with coefficients, pays and awards, and the rules that need the whole batch: team pools,
quotas, best-of awards and streaks, over rows of two people, two teams and two periods."""

from __future__ import annotations

from hypothesis import strategies as st

STEPS = ["0.01", "0.1", "0.5", "1", "2", "0.25"]
MODES = ["", " half up", " half even", " up", " down"]
KINDS = ["tiers", "ratio", "proportional", "deduct", "levels", "scale", "checklist", "entered", "veto"]
RICH_KINDS = ["plain", "list"]  # only in rich rubrics: an entered item, a rule over a list that may hold blanks
YES_NO = st.sampled_from(["是", "否"])

# percents: whole ones up to 100% for the reference; past 100% and with a decimal for the rest
FLAT_PCT = st.integers(0, 100).map(lambda n: f"{n}%")
RICH_PCT = st.one_of(st.integers(0, 120).map(lambda n: f"{n}%"),
                     st.tuples(st.integers(0, 99), st.integers(0, 9)).map(lambda t: f"{t[0]}.{t[1]}%"))

FLAT_INPUTS = ['input r "及时率": percent', 'input k "次数": count range 0..20', 'input law "违规": yes/no']
RICH_INPUTS = ['input r "及时率": percent range 0..150%', 'input k "次数": count range 0..20',
               'input law "违规": yes/no', 'input v "事故": yes/no', 'input w "严重": yes/no',
               'input base "基数": money range 0..100000', 'input x "销量": number range 0..200', 'rater qa "质检员"',
               'input pr "互评": points range 0..100 columns pr1..pr5 at least 2',
               'input ob "加评": points range 0..100 when blank: skip']
# a list's ratings: the first two always given, the others blank or not (halves: ties and digits)
RATING = st.one_of(st.integers(0, 100).map(str), st.sampled_from(["60", "80", "80", "92.5", "0", "100"]))
LIST_RULES = ["proportional average(pr) / 100", "proportional median(pr, ob) / 100", "proportional min(pr, ob) / 100",
              "proportional max(pr) / 100", "proportional trimmed_mean(pr, 1, 4) / 100",
              "proportional trimmed_mean(pr, 1) / 100", "proportional count(pr, ob) / 6",
              "proportional sum(pr, ob) / 600"]


def _split(draw, whole: int, n: int) -> list[int]:
    """n positive whole numbers adding up to ``whole`` (n <= whole)."""
    cuts = sorted(draw(st.sets(st.integers(1, whole - 1), min_size=n - 1, max_size=n - 1))) if n > 1 else []
    return [b - a for a, b in zip([0] + cuts, cuts + [whole])]


def item(draw, name: str, size: int, cols: dict, *, rich: bool, indent: str = "") -> str:
    """One item of ``size`` points with a random rule; its own data columns go into ``cols``."""
    kind = draw(st.sampled_from(KINDS + (RICH_KINDS if rich else [])))
    bonus = ""
    if kind == "tiers":
        t = sorted(draw(st.sets(st.integers(1, 99), min_size=1, max_size=3)))
        bands = [f"when >= {t[-1]}%: {size}"]
        for j in range(len(t) - 2, -1, -1):
            bands.append(f"when >= {t[j]}% and < {t[j + 1]}%: {draw(st.integers(0, size))}")
        bands.append(f"when < {t[0]}%: 0")
        rule = "tiers r { " + " ".join(bands) + " }"
    elif kind == "ratio":
        rule = (f"ratio r target {draw(st.integers(50, 100))}% ±{draw(st.sampled_from(['1', '0.5', '2']))}pt"
                f" base {draw(st.integers(0, size))}")
        if rich and draw(st.booleans()):
            bonus = f"bonus up to {draw(st.integers(1, 10))}\n{indent}  "
    elif kind == "proportional":
        rule = draw(st.sampled_from(["proportional r", "proportional x / 100"])) if rich else "proportional r"
        if rich and draw(st.booleans()):
            bonus = f"bonus up to {draw(st.integers(1, 10))}\n{indent}  "
    elif kind == "deduct":
        if rich:
            rule = f"deduct {draw(st.sampled_from(['1', '2', '0.5', '3']))} per k"
        else:
            rule = f"deduct {draw(st.integers(1, 10))} per k" + (" no floor" if draw(st.booleans()) else "")
    elif kind == "levels":
        rule = f'level "好": {size} level "中": {size / 2:g} level "差": 0'
        cols[name] = st.sampled_from([str(size), f"{size / 2:g}", "0"])
    elif kind == "scale":
        middle = size / 4 if rich else size / 2
        rule = f"scale 1: 0, 2: {middle:g}, 3: {size}"
        cols[name] = st.sampled_from(["1", "2", "3"])
    elif kind == "checklist":
        middle = size / 3 if rich else size / 2
        rule = f'checklist "及时", "准确" scores {size}, {middle:g}, 0'
        cols[name] = st.sampled_from(["0", "1", "2"])
    elif kind == "entered" and rich:
        rule = "entered by qa"
        # halves and thirds: ties for the `round` lines, and digits past them
        cols[name] = st.one_of(st.integers(0, size).map(str), st.just(f"{size / 3:.2f}"),
                               st.just(f"{size - 0.5:g}"), st.just(f"{size - 0.25:g}"), st.just(f"{size - 0.05:g}"))
    elif kind == "list":
        rule = draw(st.sampled_from(LIST_RULES))
    elif kind == "veto":
        rule = f'veto law "违规"\n{indent}  level "好": {size} level "差": 0'
        cols[name] = st.sampled_from([str(size), "0"])
    else:  # entered, or a plain entered item among the rich ones
        rule = "entered by qa"
        cols[name] = st.integers(0, size).map(str)
    return f'{indent}item {name} "项目{name}" points {size} {{\n{indent}  {bonus}{rule}\n{indent}}}'


@st.composite
def rubric_and_rows(draw, rich: bool = False):
    """(rubric text, rows as dicts of cell text) for a rubric that checks clean."""
    return (_rich if rich else _flat)(draw)


def _flat(draw):
    n = draw(st.integers(1, 6))
    lines = ['rubric "生成的考核表"', *FLAT_INPUTS]
    cols = {"r": FLAT_PCT, "k": st.integers(0, 20).map(str), "law": YES_NO}
    items = [item(draw, f"i{i}", size, cols, rich=False) for i, size in enumerate(_split(draw, 100, n))]
    if any("entered by qa" in it for it in items):
        lines.append('rater qa "质检员"')
    text = "\n".join(lines + items) + "\n"
    rows = draw(st.lists(st.fixed_dictionaries(cols), min_size=1, max_size=5))
    for j, row in enumerate(rows):
        row["id"] = f"p{j}"
    return text, rows


def _rich(draw):
    lines = ['rubric "随机考核表"']
    for level in ("items", "sections", "total", "money"):
        if draw(st.booleans()):
            lines.append(f"round {level} to {draw(st.sampled_from(STEPS))}{draw(st.sampled_from(MODES))}")
    lines += RICH_INPUTS
    cols = {"r": RICH_PCT, "k": st.integers(0, 20).map(str), "law": YES_NO, "v": YES_NO,
            "w": st.sampled_from(["是", "否", "是", "否", "否"]), "base": st.integers(0, 100000).map(str),
            "x": st.one_of(st.integers(0, 200).map(str), st.decimals(0, 200, places=2).map(str)),
            "pr1": RATING, "pr2": RATING, **{f"pr{k}": st.one_of(st.just(""), RATING) for k in (3, 4, 5)},
            "ob": st.one_of(st.just(""), RATING)}
    counter = iter(range(1000))

    def members(whole: int, indent: str, depth: int) -> list[str]:
        out = []
        for size in _split(draw, whole, draw(st.integers(1, min(4, whole)))):
            shape = draw(st.sampled_from(["item", "item", "section", "out of"])) if depth < 2 else "item"
            if shape == "item":
                out.append(item(draw, f"i{next(counter)}", size, cols, rich=True, indent=indent))
                continue
            name = f"s{next(counter)}"
            scale = draw(st.sampled_from([10, 50, 100])) if shape == "out of" else size
            head = f'{indent}section {name} "分组{name}" weight {size}' + (f" out of {scale}" if shape == "out of" else "")
            body = members(scale, indent + "  ", depth + 1)
            if draw(st.integers(0, 3)) == 0:
                body.insert(0, f'{indent}  veto v "事故" zeroes section')
            out.append(head + " {\n" + "\n".join(body) + f"\n{indent}}}")
        return out

    lines += members(100, "", 0)
    if draw(st.integers(0, 3)) == 0:
        lines.append('veto w "严重" zeroes appraisal')
    graded = draw(st.booleans())
    if graded:
        cut = draw(st.integers(30, 95))
        lines += [f'grade good "好" when >= {cut} coefficient 1.2', 'grade poor "差" otherwise coefficient 0.8']
        lines.append('pay p1 "绩效" = base * coefficient')
    lines.append(draw(st.sampled_from(['pay p2 "工资" = total / 80 * base',
                                       'pay p2 "工资" = base * total / 100 when total >= 60',
                                       'pay p2 "工资" = base / 3 + base * x / 7'])))
    if draw(st.booleans()):
        lines.append('award a1 "全勤" 50 when law')
    # the rules that read the whole batch: per team, and over periods
    batch = []
    if draw(st.booleans()):
        batch += [f'pool pl "团队奖" = {draw(st.sampled_from(["1000元", "999元", "100元"]))} shared by team',
                  'pay p3 "含团队奖" = pl + 100元']
    if draw(st.booleans()):
        ties = draw(st.sampled_from(["", " ties share", " ties pick one by id", " ties by x then pick one by id"]))
        batch.append('award best "组内最高" 200 to best total per team' + ties + (" requires grade good" if graded else ""))
    if graded and draw(st.booleans()):
        batch.append(f'quota good at most {draw(st.sampled_from(["50%", "34%", "1"]))} per team tie by total')
    if draw(st.booleans()):
        n = draw(st.integers(2, 3))
        batch.append(draw(st.sampled_from([f'streak st "连续达标" when total >= 60 for {n} periods award 100元',
                                           f'streak st "连续未达标" when total < 60 for {n} periods flag "需面谈"'])))
    if batch:
        lines += ['group team "小组"', *batch]
    text = "\n".join(lines) + "\n"
    rows = draw(st.lists(st.fixed_dictionaries(cols), min_size=1, max_size=4))
    teams = draw(st.lists(st.sampled_from(["甲", "乙"]), min_size=2, max_size=2))
    for j, row in enumerate(rows):  # two people, over two periods: (p0, 01) (p1, 01) (p0, 02) (p1, 02)
        row["id"] = f"p{j % 2}"
        row["period"] = f"2024-{j // 2 + 1:02d}"
        row["team"] = teams[j % 2]
    return text, rows
