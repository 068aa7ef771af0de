"""Duplicate person-periods: which rows share a (person, period), found by an external
sort in memory that does not grow with the data."""

from __future__ import annotations

import heapq
import itertools
import tempfile
from array import array
from collections.abc import Iterator
from typing import IO


class DuplicateIndex:
    """Which rows share a (person, period), in memory that does not grow with the data.

    Each row leaves a 64-bit hash of its (person, period) and where it stood (file
    index << 32 | row).  Every ``chunk`` rows the pairs are sorted and spilled to a
    temporary file; at the end the sorted runs are merged, and equal hashes next to
    each other are the duplicates (two different pairs sharing a hash, about once in
    10^19, would be reported, never passed over)."""

    def __init__(self, chunk: int = 1 << 16):
        self.chunk = chunk
        self.keys = array("q")
        self.places = array("q")
        self.runs: list[IO[bytes]] = []  # temporary files, each a sorted run of (key, place) pairs

    def add(self, key: int, place: int) -> None:
        self.keys.append(key)
        self.places.append(place)
        if len(self.keys) >= self.chunk:
            self.spill()

    def spill(self) -> None:
        """Sort the pairs held and move them to a file.  The two arrays are emptied in
        place, so a caller may hold their ``append`` (as the generated loop does) and call
        this when ``len(keys)`` reaches ``chunk``."""
        pairs = sorted(zip(self.keys, self.places))
        flat = array("q", itertools.chain.from_iterable(pairs))
        f = tempfile.TemporaryFile()
        flat.tofile(f)
        f.seek(0)
        self.runs.append(f)
        del self.keys[:], self.places[:]

    @staticmethod
    def _read(f: IO[bytes], block: int = 1 << 13) -> Iterator[tuple[int, int]]:
        while True:
            data = f.read(16 * block)
            if not data:
                f.close()
                return
            a = array("q")
            a.frombytes(data)
            yield from zip(a[0::2], a[1::2])

    def duplicates(self) -> Iterator[tuple[int, int]]:
        """(first place, later place) for every repeated (person, period), in reading order."""
        if not self.runs:
            pairs: Iterator[tuple[int, int]] = iter(sorted(zip(self.keys, self.places)))
        else:
            if self.keys:
                self.spill()
            pairs = heapq.merge(*(self._read(f) for f in self.runs))
        first_key, first_place = None, 0
        for key, place in pairs:  # equal keys arrive together, earliest place first
            if key == first_key:
                yield first_place, place
            else:
                first_key, first_place = key, place
