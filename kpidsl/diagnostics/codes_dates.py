"""The diagnostics of dates and of partial exclusion, kept beside ``codes.py`` (which reads
them in, in code order): each as (code, severity, title, summary, wrong, fixed)."""

from __future__ import annotations

_HEAD = 'rubric "示例"\nperiod quarterly\ninput hired "入职日期": date\n'
_GRADES = 'grade A "合格" when >= 60\ngrade B "不合格" when < 60\n'

ENTRIES: list[tuple[str, str, str, str, str, str]] = [
    ("KPI270", "error", "a date where a number is expected",
     "A date is a day, not a number. One date may be taken from another (the days between them), days "
     "written with `d` may be added to or taken from a date, and dates compare with dates; "
     "`full_months(a, b)` and `full_years(a, b)` count whole months or years. Anything else (a date "
     "times a number, a date plus a plain number, a date compared with a number) would compute with the "
     "date's day count, and is refused. `2026-06-30 - hired` with a number `hired` is refused so, never "
     "read as 2026 − 6 − 30.",
     _HEAD + 'input tenure "工龄": number\npay p "工龄工资" = 50元 * (2026-06-30 - tenure)',
     _HEAD + 'pay p "工龄工资" = 50元 * full_years(hired, 2026-06-30)'),
    ("KPI271", "error", "not a date",
     "A date written in the rubric does not exist (month 13, 30 February) or lies outside the years kpi "
     "reads (1900 to 9999).",
     _HEAD + 'item a "业绩" points 100\nflag veteran "老员工" when hired < 2010-02-30',
     _HEAD + 'item a "业绩" points 100\nflag veteran "老员工" when hired < 2010-03-01'),
    ("KPI272", "error", "full_months or full_years of something other than two dates",
     "`full_months(from, to)` and `full_years(from, to)` count the whole months or years from one date to "
     "another (negative when `to` comes first); each takes exactly two dates.",
     _HEAD + 'input years "工龄": number\npay p "工龄工资" = 50元 * full_years(years)',
     _HEAD + 'pay p "工龄工资" = 50元 * full_years(hired, period_end)'),
    ("KPI273", "error", "period start or end without a period",
     "`period_start` and `period_end` are the first and last day of each row's period, read from its "
     "period cell (2026Q2 ends on 2026-06-30). The rubric must say what kind of period that is.",
     'rubric "示例"\ninput hired "入职日期": date\nitem a "业绩" points 100\nflag new "新员工" when period_end - hired < 90d',
     'rubric "示例"\nperiod quarterly\ninput hired "入职日期": date\nitem a "业绩" points 100\n'
     'flag new "新员工" when period_end - hired < 90d'),
    ("KPI274", "error", "exclude from grading with nothing to leave out of",
     "`exclude from grading when …` gives no grade to the people it holds for (they are still scored and "
     "paid, and flagged with the reason). A rubric without grades has no grade to leave them out of; "
     "grades by rank (`top 20%`) or by quota count the people in each grade, and leaving someone out of "
     "that count is not yet supported. Use `exclude when …` to leave a person out of everything.",
     _HEAD + 'item a "业绩" points 100\nexclude from grading when period_end - hired < 90d "试用期"',
     _HEAD + 'item a "业绩" points 100\n' + _GRADES + 'exclude from grading when period_end - hired < 90d "试用期"'),
]
