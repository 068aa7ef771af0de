"""The words of a data problem with a person's rows, which every engine reports alike: the
Python engine raises them, the SQL query writes them into ``_kpi_error``, and the advice is
worked out from them for both."""

from __future__ import annotations

from kpidsl import ir
from kpidsl.data import periods

POOL_HINT = "a team amount must be the same on every row of the team"

# How the problems with a person's periods end: the SQL engine reports a problem's words,
# and its advice is worked out from them, for Python's and SQL's errors alike.  The words
# before these are a person's and a period's (quoted), which cannot end a problem this way.
CANNOT_ORDER = ": kpi cannot tell which comes first"
NOT_CALENDAR = " is not a calendar period" + CANNOT_ORDER
NOT_OF_KIND = ": the rubric's periods are "
A_YEAR = " is a year: `over quarter` needs months or quarters"


def period_hint(problem: str, kind: str | None) -> str:
    """The advice for a problem with a person's period, ``calendar``'s or the SQL engine's."""
    if kind is not None and problem.endswith(NOT_OF_KIND + periods.SETTING[kind]):
        return f"write a {kind} as {periods.spellings(kind)}"
    if problem.endswith(NOT_CALENDAR):
        return f"write {periods.spellings(None)}"
    if problem.endswith(CANNOT_ORDER):
        return "write every period of a person as the same kind, e.g. 2024-01, 2024-02"
    if problem.endswith(A_YEAR):
        return "write the periods as months (2024-01) or quarters (2024Q1)"
    return "a person has one row a period"


def missing_last(column: ir.Column) -> tuple[str, str]:
    """The problem and the advice where last period's value of ``column`` is nowhere."""
    source = column.name[: -len(".last")]
    return (f"needs last period's {source!r} and the data has none",
            f"add a {column.name!r} column, or the previous period's row")
