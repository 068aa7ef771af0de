"""Pause Python's cycle collector around work that only builds trees.

Parsing and checking a large rubric allocate hundreds of thousands of small
objects and free none of them in cycles (the AST is a tree of frozen nodes),
yet each allocation burst sets off collections that walk everything alive:
a fifth of a 10,000-item check.  Reference counting still frees garbage as
usual; only the cycle search waits until the work is done.

With parses in several threads the switch is shared, not counted: a thread
that found the collector on turns it back on when it finishes, even while
another still parses (which then only runs slower), so the collector always
ends as it was found.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
