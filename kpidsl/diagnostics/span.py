"""Where something was written: a file, and a line and column range in it.  Every syntax
node and every diagnostic carries one."""

from __future__ import annotations

from typing import NamedTuple


class Span(NamedTuple):
    """Where a node was written.  An immutable record rather than a node: a
    large rubric makes a hundred thousand of them, and a tuple is built at a
    third of a frozen dataclass's cost."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"
