"""Calendar periods: a period cell read as a month, a quarter or a year, the spellings kpi
accepts for each, and the index that puts periods in time order and shows their gaps.

The spellings are regular expressions written once here, in the subset of syntax that
Python, DuckDB (RE2), PostgreSQL and Spark (Java) read alike (``[0-9]``, never ``\\d``,
which some engines read as any Unicode digit): the SQL backend matches the same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTH, QUARTER, YEAR = "month", "quarter", "year"
KINDS = (MONTH, QUARTER, YEAR)
BY_SETTING = {"monthly": MONTH, "quarterly": QUARTER, "yearly": YEAR}  # the rubric's `period` line
SETTING = {kind: setting for setting, kind in BY_SETTING.items()}
PER_YEAR = {MONTH: 12, QUARTER: 4, YEAR: 1}

_YEAR = "[0-9]{4}"
# Each spelling: where the year ({y}) and the month or quarter ({p}) stand.
SPELLINGS: dict[str, tuple[str, ...]] = {
    MONTH: ("^{y}[-/]{p}$",       # 2024-01, 2024-1, 2024/01
            "^{y}{pp}$",          # 202401
            "^{y}年{p}月$"),      # 2024年1月
    QUARTER: ("^{y}-?[Qq]{q}$",   # 2024Q1, 2024-Q1
              "^{y}年第{q}季度$"),  # 2024年第1季度
    YEAR: ("^{y}$",               # 2024
           "^{y}年$"),            # 2024年
}


@dataclass(frozen=True, slots=True)
class Pattern:
    """One spelling as two patterns of one group each (PostgreSQL's ``substring`` returns the
    first group only): ``year`` captures the year, ``part`` the month or quarter (None: a year)."""
    kind: str
    year: str
    part: str | None


def patterns(kind: str) -> tuple[Pattern, ...]:
    out = []
    for spelling in SPELLINGS[kind]:
        def fill(y: str, p: str, pp: str, q: str, spelling: str = spelling) -> str:
            return spelling.format(y=y, p=p, pp=pp, q=q)
        year = fill(f"({_YEAR})", "[0-9]{1,2}", "[0-9]{2}", "[1-4]")
        part = None if kind == YEAR else fill(_YEAR, "([0-9]{1,2})", "([0-9]{2})", "([1-4])")
        out.append(Pattern(kind, year, part))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Period:
    """A calendar period: ``part`` is the month (1 to 12) or quarter (1 to 4), 0 for a year."""
    kind: str
    year: int
    part: int

    @property
    def index(self) -> int:
        """Consecutive periods of one kind have consecutive indexes: 2023-12 then 2024-01."""
        return self.year * PER_YEAR[self.kind] + max(self.part, 1) - 1

    @property
    def quarter(self) -> int | None:
        """The calendar quarter (0 to 3) of a month or quarter; a year has none."""
        if self.kind == MONTH:
            return (self.part - 1) // 3
        return self.part - 1 if self.kind == QUARTER else None


_COMPILED = tuple((k, tuple((re.compile(p.year), None if p.part is None else re.compile(p.part)) for p in patterns(k)))
                  for k in KINDS)


def kind_of(setting: str | None) -> str | None:
    """The kind of period a rubric's ``period`` line declares (None: not declared)."""
    return BY_SETTING.get(setting or "")


def read(text: str, kind: str | None = None) -> Period | None:
    """``text`` as a calendar period of ``kind`` (any kind when None), or None when it cannot be."""
    for k, compiled in _COMPILED:
        if kind and k != kind:
            continue
        for year_re, part_re in compiled:
            year = year_re.fullmatch(text)
            if year is None:
                continue
            part = 0 if part_re is None else int(part_re.fullmatch(text).group(1))  # type: ignore[union-attr]
            if k == MONTH and not 1 <= part <= 12:
                return None
            return Period(k, int(year.group(1)), part)
    return None


def spellings(kind: str | None) -> str:
    """The accepted spellings, in words, for a message."""
    words = {MONTH: "2024-01, 2024-1, 2024/01, 202401 or 2024年1月", QUARTER: "2024Q1, 2024-Q1 or 2024年第1季度",
             YEAR: "2024 or 2024年"}
    if kind:
        return words[kind]
    return "; ".join(f"a {k} as {words[k]}" for k in KINDS)
