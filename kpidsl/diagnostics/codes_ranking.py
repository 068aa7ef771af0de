"""The diagnostics of ranking (grade quotas, grades by rank and their distribution, and who of
the people tied for a best-in-group award is paid), kept beside ``codes.py`` (which reads them
in, in code order): each as (code, severity, title, summary, wrong, fixed)."""

from __future__ import annotations

_HEAD = 'rubric "示例"\n'

ENTRIES: list[tuple[str, str, str, str, str, str]] = [
    ("KPI180", "error", "quota outside 0%..100%",
     "A grade quota is a share of a group: at most 100%.",
     _HEAD + 'group team "团队"\nitem a "A" points 100\ngrade ok "优秀" when >= 0\n'
             'quota ok at most 120% per team',
     _HEAD + 'group team "团队"\nitem a "A" points 100\ngrade ok "优秀" when >= 0\n'
             'quota ok at most 20% per team'),
    ("KPI181", "error", "a ranked grade's share outside 0%..100%",
     "`grade NAME top SHARE` (or `bottom SHARE`) gives the grade to that share of each group, by rank: "
     "a percent from 0% to 100%, not a number of people.",
     _HEAD + 'group team "团队"\nitem a "A" points 100\ngrade top "优秀" top 2\ngrade rest "合格" otherwise\n'
             'distribute grades per team rounded half up ties share the better grade',
     _HEAD + 'group team "团队"\nitem a "A" points 100\ngrade top "优秀" top 20%\ngrade rest "合格" otherwise\n'
             'distribute grades per team rounded half up ties share the better grade'),
    ("KPI182", "error", "ranked grades' shares add up to more than 100%",
     "The top and bottom shares are cut from one group; `otherwise` takes the people left between them, "
     "so together the shares are at most 100%.",
     _HEAD + 'group team "团队"\nitem a "A" points 100\ngrade top "优秀" top 60%\ngrade mid "合格" otherwise\n'
             'grade low "待改进" bottom 50%\ndistribute grades per team rounded half up ties share the better grade',
     _HEAD + 'group team "团队"\nitem a "A" points 100\ngrade top "优秀" top 20%\ngrade mid "合格" otherwise\n'
             'grade low "待改进" bottom 10%\ndistribute grades per team rounded half up ties share the better grade'),
    ("KPI183", "error", "ranked grades without one `distribute grades` line",
     "Grades given by rank need exactly one `distribute grades per GROUP rounded MODE ties …` line: "
     "it says which group is ranked, how a share becomes a number of people, and who is tied at a cut. "
     "A `distribute grades` line needs grades by rank to give.",
     _HEAD + 'group team "团队"\nitem a "A" points 100\ngrade top "优秀" top 20%\ngrade rest "合格" otherwise',
     _HEAD + 'group team "团队"\nitem a "A" points 100\ngrade top "优秀" top 20%\ngrade rest "合格" otherwise\n'
             'distribute grades per team rounded down ties share the better grade'),
    ("KPI184", "error", "ranked grades out of order, or mixed with bands",
     "Ranked grades are written as the ranking cuts them, best first: the `top` shares, one grade "
     "`otherwise` for everyone between, then the `bottom` shares. No grade of a ranked rubric goes by "
     "total, and no quota limits one: the distribution already says how many get each grade.",
     _HEAD + 'group team "团队"\nitem a "A" points 100\ngrade low "待改进" bottom 10%\ngrade top "优秀" top 20%\n'
             'grade mid "合格" otherwise\ndistribute grades per team rounded half up ties share the better grade',
     _HEAD + 'group team "团队"\nitem a "A" points 100\ngrade top "优秀" top 20%\ngrade mid "合格" otherwise\n'
             'grade low "待改进" bottom 10%\ndistribute grades per team rounded half up ties share the better grade'),
    ("KPI185", "error", "a distribution ranks by what the grade decides",
     "People are ranked before they have a grade, so a tie-break reads inputs, metrics, items, sections "
     "and the total, not the grade, the coefficient, pay or awards.",
     _HEAD + 'group team "团队"\ninput base "基数": money\nitem a "A" points 100\ngrade top "优秀" top 20% '
             'coefficient 1.2\ngrade mid "合格" otherwise coefficient 1\npay bonus "奖金" = base * coefficient\n'
             'distribute grades per team rounded half up ties by bonus then share the better grade',
     _HEAD + 'group team "团队"\ninput base "基数": money\ninput seniority "司龄": number\nitem a "A" points 100\n'
             'grade top "优秀" top 20% coefficient 1.2\ngrade mid "合格" otherwise coefficient 1\n'
             'pay bonus "奖金" = base * coefficient\n'
             'distribute grades per team rounded half up ties by seniority then share the better grade'),
    ("KPI186", "error", "an award picks one of the tied by a value that is not the person key",
     "`ties … pick one by KEY` gives a best-in-group award to one of the people still tied: the first by "
     "the person key (`person NAME`, or `id` when none is declared), whose values tell everyone in a group "
     "apart. Any other value could tie again; rank by it first with `ties by VALUE then pick one by KEY`.",
     _HEAD + 'person id "工号"\ngroup team "团队"\ninput years "司龄": number\nitem a "A" points 100\n'
             'award best "最佳" 200元 to best total per team ties pick one by years',
     _HEAD + 'person id "工号"\ngroup team "团队"\ninput years "司龄": number\nitem a "A" points 100\n'
             'award best "最佳" 200元 to best total per team ties by years then pick one by id'),
]
