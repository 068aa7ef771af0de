"""Every diagnostic code: what it means, and a wrong and a fixed example.

``kpi explain CODE`` prints these; the test suite runs every example through
the checker (the wrong one must raise the code, the fixed one must not), so
the documentation cannot drift from the behaviour.  Examples are checked as a
file named ``a.kpi`` (some ``use`` examples refer to that name).
"""

from __future__ import annotations

from dataclasses import dataclass

from kpidsl.diagnostics import codes_dates, codes_ranking
from kpidsl.diagnostics.codes_lists import LIST_CODES


@dataclass(frozen=True)
class CodeInfo:
    code: str
    severity: str
    title: str
    summary: str
    wrong: str
    fixed: str


_HEAD = 'rubric "示例"\n'

# A library file that examples may `use`; it sits beside a.kpi.
EXAMPLE_LIBRARY = ("common.kpi", 'input late "迟到次数": count\n'
                   'section attitude "工作态度" weight 10% {\n'
                   '  item discipline "纪律性" points 10 { deduct 2 per late }\n}\n')


def _code(code: str, severity: str, title: str, summary: str, wrong: str, fixed: str) -> CodeInfo:
    return CodeInfo(code, severity, title, summary, wrong.strip() + "\n", fixed.strip() + "\n")


_ALL = [
    _code("KPI001", "error", "syntax error",
          "The text is not valid .kpi. The message says what was found and what could come there; "
          "the hint names common slips: full-width punctuation from a Chinese input method, `=` where "
          "`:` belongs, `3-4` for a range, a `%` separated from its number.",
          _HEAD + 'input rate "及时率" = percent\nitem a "A" points 100 { proportional rate }',
          _HEAD + 'input rate "及时率": percent\nitem a "A" points 100 { proportional rate }'),
    _code("KPI010", "error", "used file not found",
          "A `use` names a file that does not exist. Paths are read relative to the folder of the file "
          "that says `use`.",
          _HEAD + 'use "common/attitude.kpi"\nitem a "A" points 100',
          _HEAD + 'item a "A" points 100'),
    _code("KPI011", "error", "use cycle",
          "Files `use` each other in a circle, so neither can be read first. Move what both need into "
          "a third file.",
          _HEAD + 'use "a.kpi"\nitem a "A" points 100',
          _HEAD + 'item a "A" points 100'),
    _code("KPI012", "error", "name not in used file",
          "`use NAME from \"file\"` asks for a name the file does not define. (The examples use a "
          "library, common.kpi, shown below them.)",
          _HEAD + 'use attitud from "common.kpi"\nitem a "A" points 90',
          _HEAD + 'use attitude from "common.kpi"\nitem a "A" points 90'),
    _code("KPI013", "error", "used file outside the rubric's folder",
          "A `use` may only bring in files inside the folder of the rubric being checked (and its "
          "subfolders, after symlinks are resolved): an absolute path or a `../` out of that folder is "
          "refused and never opened, so a rubric cannot make kpi read any file on the machine. Copy "
          "the shared file into the rubric's folder, or check the rubric from a folder that holds both.",
          _HEAD + 'use "../common.kpi"\nitem a "A" points 100',
          _HEAD + 'use "common.kpi"\nsection work "工作" weight 90% {\n  item a "A" points 90\n}'),
    _code("KPI020", "warning", "a suppression gives no reason",
          "`# kpi: ignore[CODE]` silences a warning on its line; the words after the codes say why, "
          "so a reader (and a reviewer) knows the warning was weighed, not hidden. Errors cannot be "
          "silenced.",
          _HEAD + 'input v "违反次数": count\nitem a "仓库管理" points 100 {\n'
          '  deduct 1 per v base 80  # kpi: ignore[KPI111]\n}',
          _HEAD + 'input v "违反次数": count\nitem a "仓库管理" points 100 {\n'
          '  deduct 1 per v base 80  # kpi: ignore[KPI111] 满分由主管另行加分\n}'),
    _code("KPI021", "warning", "a suppression that silences nothing",
          "A `# kpi: ignore[CODE]` comment whose line reports none of its codes: the problem was fixed, "
          "the code is misspelt, or it names an error (errors cannot be silenced). Remove the comment "
          "or the codes that no longer apply.",
          _HEAD + 'item a "A" points 100  # kpi: ignore[KPI111] 满分由主管另行加分',
          _HEAD + 'item a "A" points 100'),
    _code("KPI101", "error", "weights do not add up",
          "The top-level sections and items must add up to the rubric's total (100 unless `total` says "
          "otherwise). The seed service-supervisor scorecard adds up to 105; the logistics form to 85. "
          "The note lists every contributor with its line; the hint says by how much and where it "
          "could come from.",
          _HEAD + 'section a "业绩" weight 70% { item x "X" points 70 }\n'
                  'section b "行为" weight 40% { item y "Y" points 40 }',
          _HEAD + 'section a "业绩" weight 60% { item x "X" points 60 }\n'
                  'section b "行为" weight 40% { item y "Y" points 40 }'),
    _code("KPI102", "error", "section members do not add up",
          "The items of a weighted section must add up to its weight in points, or to its `out of` "
          "scale when it has one.",
          _HEAD + 'section a "任务绩效" weight 100% {\n  item x "X" points 60\n  item y "Y" points 45\n}',
          _HEAD + 'section a "任务绩效" weight 100% {\n  item x "X" points 60\n  item y "Y" points 40\n}'),
    _code("KPI103", "error", "rater weights do not add up",
          "Weighted raters (`rater self \"自评\" weight 40%`) share the final score; their weights "
          "must add up to 100%.",
          _HEAD + 'rater self "自评" weight 40%\nrater boss "主管评" weight 50%\nitem a "A" points 100',
          _HEAD + 'rater self "自评" weight 40%\nrater boss "主管评" weight 60%\nitem a "A" points 100'),
    _code("KPI104", "error", "`out of` without a weight",
          "`out of S` rescales a weighted section whose items are scored out of S; without a weight "
          "there is nothing to rescale to.",
          _HEAD + 'section a "行为考核" out of 100 { item x "X" points 100 }',
          _HEAD + 'section a "行为考核" weight 100% out of 100 { item x "X" points 100 }'),
    _code("KPI105", "error", "two scoring rules in one item",
          "An item is scored one way: levels, a scale, tiers, a ratio… Two rules in one item would "
          "give two answers.",
          _HEAD + 'input n "次数": count\nitem a "A" points 100 {\n  level "好": 100\n  deduct 5 per n\n}',
          _HEAD + 'input n "次数": count\nitem a "A" points 100 {\n  deduct 5 per n\n}'),
    _code("KPI106", "error", "a clause given twice",
          "A clause that can only hold one value (a range, a source, a weight, `out of`, a bonus, "
          "`not applicable`, an award's `when`) appears twice, or a header line the rubric holds once "
          "(`rubric`, `position`, `period`, `version`, `currency`, `total`, each `round` level) is "
          "written twice; one of them would be silently ignored.",
          _HEAD + 'input r "及时率": percent range 0%..100% range 0%..120%\nitem a "A" points 100 { proportional r }',
          _HEAD + 'input r "及时率": percent range 0%..120%\nitem a "A" points 100 { proportional r }'),
    _code("KPI107", "error", "the rubric scores nothing",
          "A rubric (not a library) with no items and no pay or award would give everyone 0. An empty "
          "file, or one of comments only, is the usual cause.",
          _HEAD + '# 考核项目待定',
          _HEAD + 'input rate "及时率": percent\nitem a "及时率" points 100 { proportional rate }'),
    _code("KPI108", "error", "a grade or ranking without points",
          "A rubric of pay lines only (a commission or merit-increase sheet) needs no items and no total. "
          "But a grade, a quota or a bottom-rank flag is decided by the total, which such a rubric does not "
          "score: add the items, or drop the grade.",
          _HEAD + 'input sales "销售额": money\npay c "提成" = sales * 2%\ngrade ok "合格" when >= 60',
          _HEAD + 'input sales "销售额": money\npay c "提成" = sales * 2%'),
    _code("KPI109", "error", "an item entered by a rater who is not counted",
          "A rater declared `not counted` (自评, 审核) marks every item the counted raters mark, in a "
          "column of their own that is recorded and summed into nothing. `entered by` that rater would "
          "make their marks an item's score after all: name the person whose marks count.",
          _HEAD + 'rater self "自评" not counted\nrater boss "主管" weight 100%\nrater qa "质检员"\n'
                  'item a "A" points 100 { entered by self }',
          _HEAD + 'rater self "自评" not counted\nrater boss "主管" weight 100%\nrater qa "质检员"\n'
                  'item a "A" points 100 { entered by qa }'),
    _code("KPI110", "error", "a rule can award more than the item is worth",
          "The rule's best case exceeds the item's points. Lower it, or declare the excess with "
          "`bonus up to N` if it is meant.",
          _HEAD + 'item a "纪律性" points 100 {\n  level "全勤": 110\n  level "缺勤": 0\n}',
          _HEAD + 'item a "纪律性" points 100 {\n  level "全勤": 100\n  level "缺勤": 0\n}'),
    _code("KPI111", "warning", "the item's maximum cannot be reached",
          "No input can earn the item's full points: the seed installer card gives 仓库管理 10 points but "
          "its rule (严格执行到位得8分) awards at most 8. Also raised when a declared bonus cannot be "
          "earned because the input's range stops short.",
          _HEAD + 'input v "违反次数": count\nitem a "仓库管理" points 100 {\n  deduct 1 per v base 80\n}',
          _HEAD + 'input v "违反次数": count\nitem a "仓库管理" points 100 {\n  deduct 1 per v base 100\n}'),
    _code("KPI112", "info", "a rule can go below zero",
          "The rule can award negative points (e.g. `deduct … no floor`, 不计上限), which takes points "
          "from the rest of the appraisal. A note, not a fault: say it is meant, or floor it.",
          _HEAD + 'input c "投诉次数": count\nitem a "投诉" points 100 {\n  deduct 5 per c no floor\n}',
          _HEAD + 'input c "投诉次数": count\nitem a "投诉" points 100 {\n  deduct 5 per c\n}'),
    _code("KPI115", "warning", "an unfinished item",
          "An item holds `todo \"…\"`: a criterion `kpi import` kept as written because it could not read "
          "it as a rule. The draft checks, so it can be edited with the checker's help, but nothing "
          "scores it: `kpi eval`, `test`, `sql`, `form` and `docs` refuse the rubric while any `todo` is "
          "left. Write the rule the text describes (or no rule, if raters score the item directly) and "
          "delete the `todo` line.",
          _HEAD + 'input v "违反次数": count\nitem a "仓库管理" points 100 {\n'
                  '  todo "严格执行到位得满分，违反一次扣1分"\n}',
          _HEAD + 'input v "违反次数": count\nitem a "仓库管理" points 100 {\n'
                  '  criteria "严格执行到位得满分，违反一次扣1分"\n  deduct 1 per v\n}'),
    _code("KPI120", "error", "tiers leave a gap",
          "Some value of the input gets no tier (or no row or column of a `table`). The seed says 超过1%得0分; 低于1%得5分: exactly 1% gets "
          "nothing. Counts are whole numbers, so `> 3` and `< 3` leave 3 out but `>= 4` and `<= 3` do not.",
          _HEAD + 'input lost "大客户流失率": percent\nitem a "大客户流失" points 100 {\n'
                  '  tiers lost {\n    when > 1%: 0\n    when < 1%: 100\n  }\n}',
          _HEAD + 'input lost "大客户流失率": percent\nitem a "大客户流失" points 100 {\n'
                  '  tiers lost {\n    when > 1%: 0\n    when <= 1%: 100\n  }\n}'),
    _code("KPI121", "error", "tiers contradict each other",
          "Two tiers cover the same values with different points. The seed says 大于3次得0分, "
          "高于3次得10分: both mean more than 3.",
          _HEAD + 'input n "建议被采纳次数": count\nitem a "改进建议" points 100 {\n'
                  '  tiers n {\n    when > 3: 0\n    when > 3: 100\n    when <= 3: 0\n  }\n}',
          _HEAD + 'input n "建议被采纳次数": count\nitem a "改进建议" points 100 {\n'
                  '  tiers n {\n    when > 3: 100\n    when <= 3: 0\n  }\n}'),
    _code("KPI122", "warning", "tiers overlap",
          "Two tiers cover the same values and give the same points: harmless now, but the next edit "
          "of one of them makes a contradiction.",
          _HEAD + 'input r "回访率": percent\nitem a "回访" points 100 {\n'
                  '  tiers r {\n    when >= 90%: 100\n    when >= 95%: 100\n    when < 90%: 0\n  }\n}',
          _HEAD + 'input r "回访率": percent\nitem a "回访" points 100 {\n'
                  '  tiers r {\n    when >= 90%: 100\n    when < 90%: 0\n  }\n}'),
    _code("KPI123", "warning", "a tier can never apply",
          "The tier's band lies outside the input's range (a percent runs 0%..100% unless declared "
          "otherwise), or its bounds exclude every value.",
          _HEAD + 'input r "执行率": percent\nitem a "执行率" points 100 {\n'
                  '  tiers r {\n    when > 100%: 100\n    when >= 90% and <= 100%: 80\n    when < 90%: 0\n  }\n}',
          _HEAD + 'input r "执行率": percent range 0%..120%\nitem a "执行率" points 100 {\n'
                  '  tiers r {\n    when > 100%: 100\n    when >= 90% and <= 100%: 80\n    when < 90%: 0\n  }\n}'),
    _code("KPI124", "warning", "tier points are not monotonic",
          "As the value rises, the points go up and then down (or the reverse): usually one tier's "
          "points were typed wrong.",
          _HEAD + 'input r "满意度": points range 0..100\nitem a "满意度" points 100 {\n'
                  '  tiers r {\n    when >= 90: 100\n    when >= 80 and < 90: 20\n    when < 80: 50\n  }\n}',
          _HEAD + 'input r "满意度": points range 0..100\nitem a "满意度" points 100 {\n'
                  '  tiers r {\n    when >= 90: 100\n    when >= 80 and < 90: 50\n    when < 80: 20\n  }\n}'),
    _code("KPI125", "warning", "points move against the declared direction",
          "An input or metric declared `lower is better` (or `higher is better`) feeds a rule whose "
          "points provably rise as it gets worse: the seeds' 得分=20×(实际差错率÷目标差错率) gives more "
          "points for more errors. The checker follows the value through formulas (sums, products and "
          "quotients by the sign of the other side, min, max, rounding, metrics) and through each rule: "
          "tiers by the order of their points, `ratio` and `proportional` up, `deduct` down, `change` by "
          "the sign of its `by`. Where the direction cannot be decided it says nothing. A metric whose "
          "own direction contradicts its inputs' is reported the same way.",
          _HEAD + 'input errors "差错率": percent lower is better\ninput goal "目标差错率": percent range 1%..100%\n'
                  'item a "安装差错率" points 100 { proportional errors / goal }',
          _HEAD + 'input errors "差错率": percent lower is better\ninput goal "目标差错率": percent range 1%..100%\n'
                  'item a "安装差错率" points 100 { proportional goal / max(errors, goal) }'),
    _code("KPI126", "info", "bounds come from data",
          "A tier's bound, a bracket's start or a bonus is a formula of the row's data (a quota that differs "
          "per person), so the checker cannot prove here that the tiers leave no gap and do not contradict "
          "each other, that the brackets rise, or that the bonus is not negative; it checks their units, "
          "and the scoring checks each row's own bounds: a row whose tiers overlap with different points or "
          "leave a gap, whose brackets do not rise or whose bonus comes out below zero is a data error. "
          "A note, not a fault: write numbers to have it proven once for every row.",
          _HEAD + 'input sales "销售额": money\ninput quota "指标": money\nitem a "达成" points 100 {\n'
                  '  tiers sales {\n    when < quota: 0\n    when >= quota: 100\n  }\n}',
          _HEAD + 'input sales "销售额": money\nitem a "达成" points 100 {\n'
                  '  tiers sales {\n    when < 10000元: 0\n    when >= 10000元: 100\n  }\n}'),
    _code("KPI127", "warning", "a ratio on a plain number with a percent target",
          "`ratio … target 95% ±2pt` steps per percentage point only when its value is a percent. A count "
          "divided by a count (`on_time / deliveries`) is a plain number, whose step is 1, that is 100%: "
          "98% against 95% moves the points by 0.06, not 6. Write `per 1%`, or declare the value as a "
          "percent metric.",
          _HEAD + 'input ok "准时次数": count\ninput n "交付次数": count range 1..\n'
                  'item a "准时率" points 100 { ratio ok / n target 95% ±2pt }',
          _HEAD + 'input ok "准时次数": count\ninput n "交付次数": count range 1..\n'
                  'item a "准时率" points 100 { ratio ok / n target 95% ±2pt per 1% }'),
    _code("KPI128", "error", "a table row has the wrong number of values",
          "Each row of a `table` gives one value for each of its `columns`, in their order; the message "
          "names the row's line. A value left out would shift every value after it into the wrong column.",
          _HEAD + 'input rating "绩效等级分": number range 1..5\ninput compa "薪酬比率": percent range 50%..150%\n'
                  'metric raise "调薪比例": percent = table rating, compa {\n'
                  '  columns when < 100%, else\n  when >= 4: 6%\n  else: 2%, 0%\n}\n'
                  'pay p "调薪额" = raise * 10000元',
          _HEAD + 'input rating "绩效等级分": number range 1..5\ninput compa "薪酬比率": percent range 50%..150%\n'
                  'metric raise "调薪比例": percent = table rating, compa {\n'
                  '  columns when < 100%, else\n  when >= 4: 6%, 4%\n  else: 2%, 0%\n}\n'
                  'pay p "调薪额" = raise * 10000元'),
    _code("KPI129", "error", "a look-up's values mix units",
          "A `tiers` or a `table` written in a formula gives one kind of value, and that is the formula's "
          "unit: percents, money, points or plain numbers, not two of them. A bare number takes the unit "
          "of the others (among percents it must be written with `%`).",
          _HEAD + 'input sales "销售额": money\n'
                  'pay p "提成" = tiers sales {\n  when >= 10000元: 500元\n  else: 2%\n}',
          _HEAD + 'input sales "销售额": money\n'
                  'pay p "提成" = tiers sales {\n  when >= 10000元: 500元\n  else: 0元\n}'),
    _code("KPI130", "error", "units do not match",
          "A percent compared with or added to a count, money to points, hours to days… A metric's "
          "unit has to be known to compare it with a threshold (回访率 100% next to 3次 in the seeds).",
          _HEAD + 'input r "回访率": percent\nitem a "回访" points 100 {\n'
                  '  tiers r {\n    when >= 3次: 100\n    else: 0\n  }\n}',
          _HEAD + 'input r "回访率": percent\nitem a "回访" points 100 {\n'
                  '  tiers r {\n    when >= 100%: 100\n    else: 0\n  }\n}'),
    _code("KPI131", "error", "a bare number on a percent",
          "A bare `90` compared with a percent means 9000%: write `90%`.",
          _HEAD + 'input r "及时率": percent\nitem a "及时率" points 100 {\n'
                  '  tiers r {\n    when >= 90: 100\n    else: 0\n  }\n}',
          _HEAD + 'input r "及时率": percent\nitem a "及时率" points 100 {\n'
                  '  tiers r {\n    when >= 90%: 100\n    else: 0\n  }\n}'),
    _code("KPI140", "error", "undefined name",
          "A formula, rule or clause names something that is not declared. The hint suggests the "
          "closest name.",
          _HEAD + 'input sales "销售额": money\ninput goal "目标销售额": money\n'
                  'item a "销售目标完成率" points 100 {\n  proportional sale / goal\n}',
          _HEAD + 'input sales "销售额": money\ninput goal "目标销售额": money\n'
                  'item a "销售目标完成率" points 100 {\n  proportional sales / goal\n}'),
    _code("KPI141", "warning", "unused input or metric",
          "An input or metric is declared but no rule, formula or condition uses it: a data column "
          "HR must fill for nothing.",
          _HEAD + 'input sales "销售额": money\ninput unused_col "无用列": count\n'
                  'item a "销售" points 100 { proportional sales / 10000 }',
          _HEAD + 'input sales "销售额": money\nitem a "销售" points 100 { proportional sales / 10000 }'),
    _code("KPI142", "error", "duplicate name",
          "Two declarations share a name. Every input, metric, section, item, rater, grade and pay "
          "has its own.",
          _HEAD + 'item a "A" points 50\nitem a "B" points 50',
          _HEAD + 'item a "A" points 50\nitem b "B" points 50'),
    _code("KPI143", "error", "unknown function, or a function called wrongly",
          "Formulas may call min, max, abs, floor, ceil, round, number and the aggregates sum, average, "
          "count, max, min (with `over GROUP`). floor, ceil and number take one value; round takes a value "
          "and a step written as a number (`round(total / 3, 0.5)`), and may end with a quoted mode "
          "(`\"half up\"`, the default, `\"half even\"`, `\"up\"` or `\"down\"`).",
          _HEAD + 'input s "销售额": money\nitem a "A" points 100\npay p "月均提成" = mean(s over year) * 1%',
          _HEAD + 'input s "销售额": money\nitem a "A" points 100\npay p "月均提成" = average(s over year) * 1%'),
    _code("KPI144", "error", "formulas in a circle",
          "Values that each need the other's value can never be computed: metrics, pays, pools and "
          "awards, and also items and the total (an item whose rule reads `total` needs its own score). "
          "Items, metrics and pays may otherwise name each other in any order in the file.",
          _HEAD + 'input base "基本工资": money\nitem a "A" points 100\n'
                  'pay p "绩效工资" = q * 10%\npay q "应发工资" = base + p',
          _HEAD + 'input base "基本工资": money\nitem a "A" points 100\n'
                  'pay p "绩效工资" = base * 10%\npay q "应发工资" = base + p'),
    _code("KPI145", "error", "a formula nested too deeply",
          "A formula more than 64 levels deep (a sum of 70 terms written in one line, or 70 nested "
          "parentheses around operations) is refused: checking and scoring it would exhaust Python's "
          "recursion. Split it into metrics, each a step of the calculation.",
          _HEAD + 'input a "甲": count\nmetric m "合计": count = ' + " + ".join(["a"] * 70) +
          '\nitem x "X" points 100 { deduct 1 per m }',
          _HEAD + 'input a "甲": count\nmetric half "前半": count = ' + " + ".join(["a"] * 33) +
          '\nmetric m "合计": count = half + ' + " + ".join(["a"] * 32) +
          '\nitem x "X" points 100 { deduct 1 per m }'),
    _code("KPI146", "error", "a formula uses a best-in-group award",
          "An award `to best … per GROUP` is decided across the group after every person's formulas are "
          "computed, so no metric, pay or pool can use its amount.",
          _HEAD + 'input late "迟到": count\ngroup team "组"\nitem a "A" points 100 { deduct 5 per late }\n'
                  'award best "最佳" 50元 to best total per team\npay p "奖金" = best * 2',
          _HEAD + 'input late "迟到": count\ngroup team "组"\nitem a "A" points 100 { deduct 5 per late }\n'
                  'award best "最佳" 50元 to best total per team\npay p "奖金" = 100元 when total >= 90'),
    _code("KPI147", "error", "a name starting with `_`",
          "Names starting with `_` are kept for the steps kpi makes itself when it lowers a rubric "
          "(a metric's raw value, a tie-break, a streak's condition); a rubric's own name there could "
          "be mistaken for one of them.",
          _HEAD + 'input _late "迟到": count\nitem a "A" points 100 { deduct 5 per _late }',
          _HEAD + 'input late "迟到": count\nitem a "A" points 100 { deduct 5 per late }'),
    _code("KPI150", "error", "grade bands leave a gap",
          "Some reachable total gets no grade. Totals are worked out from the items' ranges.",
          _HEAD + 'item a "A" points 100\ngrade good "良好" when >= 80\ngrade pass "合格" when >= 60 and < 79\n'
                  'grade fail "不合格" when < 60',
          _HEAD + 'item a "A" points 100\ngrade good "良好" when >= 80\ngrade pass "合格" when >= 60 and < 80\n'
                  'grade fail "不合格" when < 60'),
    _code("KPI151", "error", "grade bands overlap",
          "A total falls in two grades.",
          _HEAD + 'item a "A" points 100\ngrade good "良好" when >= 80\ngrade pass "合格" when >= 60 and <= 80\n'
                  'grade fail "不合格" when < 60',
          _HEAD + 'item a "A" points 100\ngrade good "良好" when >= 80\ngrade pass "合格" when >= 60 and < 80\n'
                  'grade fail "不合格" when < 60'),
    _code("KPI152", "error", "a grade after `otherwise`",
          "Grades are tried in order, and an `otherwise` grade takes every total left, so a grade "
          "written after it can never be given.",
          _HEAD + 'item a "A" points 100\ngrade pass "合格" when >= 60\ngrade fail "不合格" otherwise\n'
                  'grade poor "差" otherwise',
          _HEAD + 'item a "A" points 100\ngrade pass "合格" when >= 60\ngrade fail "不合格" otherwise'),
    _code("KPI153", "error", "a grade band bounded by data",
          "A grade's band is bounded by a formula of the row's data. Grade bands are numbers, so that "
          "the checker can prove every total gets exactly one grade; score the comparison with the data "
          "in an item instead (tiers whose bounds come from data).",
          _HEAD + 'input bar "合格线": points\nitem a "A" points 100\ngrade pass "合格" when >= bar\n'
                  'grade fail "不合格" otherwise',
          _HEAD + 'item a "A" points 100\ngrade pass "合格" when >= 60\ngrade fail "不合格" otherwise'),
    _code("KPI160", "error", "a range runs backwards",
          "A range's low end is above its high end, as in `4..3`.",
          _HEAD + 'item a "部门协作" points 100 {\n  level "积极": 100\n  level "一般": 80..60\n}',
          _HEAD + 'item a "部门协作" points 100 {\n  level "积极": 100\n  level "一般": 60..80\n}'),
    _code("KPI161", "error", "checklist scores do not match its checks",
          "A checklist of N checks needs N+1 scores: for 0, 1, …, N failed checks.",
          _HEAD + 'item a "处理投诉" points 100 {\n  checklist "处理及时", "反馈及时" scores 100, 50\n}',
          _HEAD + 'item a "处理投诉" points 100 {\n  checklist "处理及时", "反馈及时" scores 100, 50, 0\n}'),
    _code("KPI162", "error", "progressive brackets do not rise",
          "Each bracket starts above the one before it.",
          _HEAD + 'input s "业绩": money\nitem a "A" points 100\n'
                  'pay c "提成" = progressive s {\n  from 0元: 1%\n  from 30000元: 3%\n  from 20000元: 2%\n}',
          _HEAD + 'input s "业绩": money\nitem a "A" points 100\n'
                  'pay c "提成" = progressive s {\n  from 0元: 1%\n  from 20000元: 2%\n  from 30000元: 3%\n}'),
    _code("KPI163", "error", "`per` must be positive",
          "The step of a `ratio` or `change` rule is taken per some amount, which must be above zero.",
          _HEAD + 'input r "合格率": percent\nitem a "A" points 100 { ratio r target 90% ±1pt per 0% base 90 }',
          _HEAD + 'input r "合格率": percent\nitem a "A" points 100 { ratio r target 90% ±1pt per 1% base 90 }'),
    _code("KPI170", "error", "invalid setting",
          "A header setting has an impossible value: a rounding step or a total of zero or less.",
          _HEAD + 'round total to 0\nitem a "A" points 100',
          _HEAD + 'round total to 0.01\nitem a "A" points 100'),
    _code("KPI171", "error", "a condition or veto that is not yes/no",
          "A veto, or a condition written as a bare name, needs a yes/no input; compare anything else.",
          _HEAD + 'input law "违法次数": count\nveto law "触犯国家法律法规" zeroes appraisal\nitem a "A" points 100',
          _HEAD + 'input law "触犯国家法律法规": yes/no\nveto law "触犯国家法律法规" zeroes appraisal\nitem a "A" points 100'),
    _code("KPI173", "error", "a condition where a number belongs",
          "A comparison or a condition joined with `and`, `or` or `not` is true or false, not a number: "
          "it can stand after `when`, not inside a formula. To pay only when it holds, give the pay a `when`.",
          _HEAD + 'input sales "销售额": money\nitem a "A" points 100\npay p "奖金" = (sales > 10000元) * 100元',
          _HEAD + 'input sales "销售额": money\nitem a "A" points 100\npay p "奖金" = 100元 when sales > 10000元'),
    _code("KPI172", "error", "a streak needs two or more whole periods",
          "`streak … for N periods` counts consecutive periods; N is a whole number of at least 2.",
          _HEAD + 'item a "A" points 100\ngrade ok "合格" when >= 0\n'
                  'streak s "连续优秀" when grade is ok for 1.5 periods award 200元',
          _HEAD + 'item a "A" points 100\ngrade ok "合格" when >= 0\n'
                  'streak s "连续优秀" when grade is ok for 3 periods award 200元'),
    _code("KPI190", "error", "not-applicable weight given to itself",
          "`not applicable: give to ITEM` must name another item.",
          _HEAD + 'item a "A" points 50 { not applicable: give to a }\nitem b "B" points 50',
          _HEAD + 'item a "A" points 50 { not applicable: give to b }\nitem b "B" points 50'),
    _code("KPI191", "error", "whether an item applies depends on a score",
          "`not applicable when COND` is decided before any item is scored, so the condition reads "
          "inputs and metrics only, not items, sections, the total, the grade or pay.",
          _HEAD + 'input n "交付次数": count\nitem a "A" points 50 { not applicable when b < 10: spread evenly }\n'
                  'item b "B" points 50',
          _HEAD + 'input n "交付次数": count\nitem a "A" points 50 { not applicable when n = 0: spread evenly }\n'
                  'item b "B" points 50'),
    _code("KPI192", "error", "whether a row is excluded depends on a score",
          "`exclude when COND` is decided before the row is scored, so the condition reads inputs and "
          "metrics only, not items, sections, the total, the grade or pay.",
          _HEAD + 'input absent "缺岗月数": count\nitem a "A" points 100 { deduct 10 per absent }\n'
                  'exclude when a < 80 "缺岗过多"',
          _HEAD + 'input absent "缺岗月数": count\nitem a "A" points 100 { deduct 10 per absent }\n'
                  'exclude when absent > 2 "缺岗过多"'),
    _code("KPI193", "error", "a score reads a pay",
          "Metrics and items are worked out with the scores, before the grade, its coefficient, pay, "
          "pools and awards, so they cannot read those. Compute the value in a pay line instead.",
          _HEAD + 'input base "基本工资": money\nitem a "A" points 100\npay p "绩效工资" = base * 10%\n'
                  'metric m "绩效基数": money = p * 2\npay q "双倍绩效" = m',
          _HEAD + 'input base "基本工资": money\nitem a "A" points 100\npay p "绩效工资" = base * 10%\n'
                  'pay q "双倍绩效" = p * 2'),
    _code("KPI194", "error", "a group figure needs itself",
          "A figure over a group or the periods (`average(x over team)`, `stddev_pop(score over department)`) "
          "is taken once every row has the value it aggregates. An item, a metric or a grade may read one, "
          "but not a figure of a value that itself reads the figure: that is a circle.",
          _HEAD + 'group team "班组"\ninput sales "销售额": money\n'
                  'item a "A" points 100 { proportional sales / max(a over team) }',
          _HEAD + 'group team "班组"\ninput sales "销售额": money\n'
                  'item a "A" points 100 { proportional sales / max(sales over team) }'),
    _code("KPI250", "error", "a group statistic or square root written wrong",
          "`variance_pop`, `variance_sample`, `stddev_pop`, `stddev_sample`, `median`, `percentile` and "
          "`percent_rank` are statistics of a group: each takes one value and `over` a group (or the year, "
          "the quarter); `percentile` also takes the percentile, a written percent from 0% to 100% "
          "(`percentile(score over department, 90%)`). `stddev` and `variance` alone do not say whether "
          "they divide by n (the whole group: `_pop`) or by n − 1 (a sample: `_sample`). `sqrt` takes one value.",
          _HEAD + 'group department "部门"\ninput raw "初评分": points range 0..100\n'
                  'metric sd "部门标准差": points = stddev(raw over department)\n'
                  'item a "A" points 100 { proportional (raw - sd) / 100 }',
          _HEAD + 'group department "部门"\ninput raw "初评分": points range 0..100\n'
                  'metric sd "部门标准差": points = stddev_pop(raw over department)\n'
                  'item a "A" points 100 { proportional raw / 100 }'),
    _code("KPI251", "warning", "a square root of what can be negative",
          "`sqrt` of a negative number has no value: a row where it is negative stops with a data error "
          "naming the row. Take the root of what cannot be negative (a variance, a declared range from 0), "
          "or hold it at zero with `max(…, 0)`.",
          _HEAD + 'input a "A值": number range -10..10\nitem i "I" points 100 { proportional sqrt(a) / 10 }',
          _HEAD + 'input a "A值": number range 0..10\nitem i "I" points 100 { proportional sqrt(a) / 10 }'),
]

_ALL += [_code(*entry) for entry in codes_dates.ENTRIES + codes_ranking.ENTRIES]
_ALL += [_code(*c) for c in LIST_CODES]  # optional inputs and lists (check/blanks.py)
_ALL.sort(key=lambda c: c.code)
CODES: dict[str, CodeInfo] = {c.code: c for c in _ALL}


def explain(code: str) -> str | None:
    info = CODES.get(code.upper())
    if info is None:
        return None
    text = (
        f"{info.code} ({info.severity}): {info.title}\n\n{info.summary}\n\n"
        f"Wrong:\n\n{_indent(info.wrong)}\nFixed:\n\n{_indent(info.fixed)}"
    )
    if EXAMPLE_LIBRARY[0] in info.wrong:
        text += f"\nwhere {EXAMPLE_LIBRARY[0]} holds:\n\n{_indent(EXAMPLE_LIBRARY[1])}"
    return text


def _indent(text: str) -> str:
    return "".join(f"    {line}\n" for line in text.rstrip("\n").split("\n"))
