"""The codes of optional inputs and lists (``check/blanks.py``), each with a wrong and a fixed
example: (code, severity, title, summary, wrong, fixed), made ``CodeInfo``s by ``codes.py``."""

from __future__ import annotations

_HEAD = 'rubric "示例"\n'
_PEER = 'input peer "同事评分": points range 0..100 columns peer1..peer5 at least 3\n'

LIST_CODES: list[tuple[str, str, str, str, str, str]] = [
    ("KPI210", "error", "a blank read as a number",
     "An input that may be blank (`when blank: skip`), or a list of values (`columns peer1..peer7`), is read "
     "where a blank would have to be a number. Read it through `count`, `sum`, `average`, `min`, `max`, "
     "`median` or `trimmed_mean`, which leave a blank out; or let the item that reads it not apply "
     "(`when blank: not applicable`). A `change` rule cannot read one either: a value that may be blank keeps "
     "no last period's value to compare.",
     _HEAD + _PEER + 'item a "同事评分" points 100 { proportional peer / 100 }',
     _HEAD + _PEER + 'item a "同事评分" points 100 { proportional average(peer) / 100 }'),
    ("KPI211", "error", "a blank that makes an item not applicable, read elsewhere",
     "An input declared `when blank: not applicable` leaves out the items whose rules read it (directly or "
     "through metrics) in a row where it is blank; their points are re-spread as each item's `not applicable:` "
     "says. So every item that reads it needs a `not applicable:` clause, and nothing but an item's rule may "
     "read it: pay, an award, a condition would have no value to read.",
     _HEAD + 'input visits "回访满意度": percent when blank: not applicable\n'
             'input late "迟到次数": count\n'
             'item v "回访" points 40 { proportional visits }\nitem l "纪律" points 60 { deduct 10 per late }',
     _HEAD + 'input visits "回访满意度": percent when blank: not applicable\n'
             'input late "迟到次数": count\n'
             'item v "回访" points 40 {\n  not applicable: spread proportionally\n  proportional visits\n}\n'
             'item l "纪律" points 60 { deduct 10 per late }'),
    ("KPI212", "error", "a function of values that may all be blank",
     "`average`, `min`, `max`, `median` and `trimmed_mean` need at least one value, and here every value may be "
     "blank. Say how many values each row holds (`columns peer1..peer7 at least 3`; without `at least` a list "
     "holds at least one), or add a value that is never blank.",
     _HEAD + 'input a "A": points when blank: skip\ninput b "B": points when blank: skip\n'
             'item x "X" points 100 { proportional average(a, b) / 100 }',
     _HEAD + 'input a "A": points when blank: skip\ninput b "B": points\n'
             'item x "X" points 100 { proportional average(a, b) / 100 }'),
    ("KPI213", "warning", "`count` of values that are never blank",
     "`count` of values counts the ones given. Values that are never blank are always all given, so "
     "`count(a, b, c)` is always 3. Declare the inputs that may be blank (`when blank: skip`), or read the "
     "values as one list (`columns p1..p7`), so a blank is not given and not counted.",
     _HEAD + 'input p1 "评分1": points\ninput p2 "评分2": points\n'
             'item x "X" points 100 { proportional count(p1, p2) / 2 }',
     _HEAD + 'input p1 "评分1": points when blank: skip\ninput p2 "评分2": points when blank: skip\n'
             'item x "X" points 100 { proportional count(p1, p2) / 2 }'),
    ("KPI214", "error", "a list's columns",
     "`columns` names the columns one list is read from: a run of numbered columns (`peer1..peer7`) or "
     "names separated by commas, at least two and at most 30, each once, none the column of another input; "
     "`at least N` is a whole number of values, at most the number of columns.",
     _HEAD + 'input peer "同事评分": points columns peer1..peer5 at least 6\n'
             'item a "A" points 100 { proportional average(peer) / 100 }',
     _HEAD + 'input peer "同事评分": points columns peer1..peer5 at least 3\n'
             'item a "A" points 100 { proportional average(peer) / 100 }'),
    ("KPI215", "error", "`trimmed_mean` written wrong",
     "`trimmed_mean(LIST, DROP, FROM)` averages a list without its DROP highest and DROP lowest values when "
     "at least FROM values are given, and averages them all when fewer are (FROM may be left out: 2 × DROP + 1). "
     "LIST is a list input; DROP and FROM are whole numbers written out, FROM at least 2 × DROP + 1, so a "
     "value is left.",
     _HEAD + _PEER + 'item a "A" points 100 { proportional trimmed_mean(peer, 2, 4) / 100 }',
     _HEAD + _PEER + 'item a "A" points 100 { proportional trimmed_mean(peer, 1, 5) / 100 }'),
]
