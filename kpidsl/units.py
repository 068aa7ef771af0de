"""What an input's unit allows, shared by the checker (which reasons about it)
and the lowering (which holds the data to it), so the two never disagree.

Kept apart from ``ir`` so that ``kpi check`` need not import the IR.
"""

from __future__ import annotations

from decimal import Decimal

# The values an input may take when the rubric declares no `range`.
# (A percent above 100%, like 超额完成, needs `range 0%..150%`.)
DEFAULT_RANGES: dict[str, tuple[Decimal, Decimal | None]] = {
    "percent": (Decimal(0), Decimal(1)),
    "level": (Decimal(1), Decimal(5)),
    "yes/no": (Decimal(0), Decimal(1)),
}
DEFAULT_LOW = Decimal(0)  # every other unit: from zero, unbounded above

# Units whose values are whole numbers: a tier `> 3` on a count starts at 4.
INTEGER_UNITS = frozenset({"count", "level", "yes/no"})
