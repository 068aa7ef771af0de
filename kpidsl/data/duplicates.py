"""Duplicate person-periods: which rows share a (person, period), found in memory that
does not grow with the data."""

from __future__ import annotations

import bisect
import collections
import tempfile
from array import array
from collections.abc import Iterator
from typing import IO

_ITEM = array("q").itemsize


class DuplicateIndex:
    """Which rows share a (person, period), in memory that does not grow with the data.

    Each row leaves a 64-bit hash of its (person, period) and where it stood (file
    index << 32 | row).  Every ``chunk`` rows the hashes are sorted and cut into
    ``buckets`` temporary files by their value, and the (hash, place) pairs are kept
    in reading order in another.  At the end each bucket is small enough to be checked
    at once with a set, in C, not a row at a time in Python; only if a hash was seen
    twice are the pairs read again for the places to name (two different pairs sharing
    a hash, about once in 10^19, would be reported, never passed over)."""

    def __init__(self, chunk: int = 1 << 16, buckets: int = 64):
        self.chunk = chunk
        self.keys = array("q")
        self.places = array("q")
        # a bucket holds the hashes below its bound and at or above the one before
        self.bounds = [-(1 << 63) + (i << 64) // buckets for i in range(1, buckets)]
        self.buckets: list[IO[bytes]] | None = None  # temporary files, made at the first spill
        self.pairs: IO[bytes] | None = None  # each spilled chunk's hashes, then its places
        self.runs: list[int] = []  # the rows of each spilled chunk, in reading order

    def add(self, key: int, place: int) -> None:
        self.keys.append(key)
        self.places.append(place)
        if len(self.keys) >= self.chunk:
            self.spill()

    def spill(self) -> None:
        """Move the pairs held to files.  The two arrays are emptied in place, so a caller
        may hold their ``append`` (as the generated loop does) and call this when
        ``len(keys)`` reaches ``chunk``."""
        if self.buckets is None or self.pairs is None:
            self.buckets = [tempfile.TemporaryFile() for _ in range(len(self.bounds) + 1)]
            self.pairs = tempfile.TemporaryFile()
        ordered = array("q", sorted(self.keys))
        start = 0
        for f, bound in zip(self.buckets, [*self.bounds, None]):
            end = len(ordered) if bound is None else bisect.bisect_left(ordered, bound, start)
            ordered[start:end].tofile(f)
            start = end
        self.keys.tofile(self.pairs)
        self.places.tofile(self.pairs)
        self.runs.append(len(self.keys))
        del self.keys[:], self.places[:]

    def _repeated(self) -> set[int]:
        """The hashes held more than once.  One bucket is in memory at a time, so the peak
        is a bucket's share of the hashes (10,000,000 rows: about 1.3 MB a bucket), not all."""
        out: set[int] = set()
        for keys in self._groups():
            if len(set(keys)) != len(keys):
                out.update(k for k, n in collections.Counter(keys).items() if n > 1)
        return out

    def _groups(self) -> Iterator[array]:
        """The hashes, a bucket at a time (those held, if nothing was spilled)."""
        if self.buckets is None:
            yield self.keys
            return
        if self.keys:
            self.spill()
        for f in self.buckets:
            f.seek(0)
            keys = array("q")
            keys.frombytes(f.read())
            f.close()
            yield keys

    def _pairs(self) -> Iterator[tuple[array, array]]:
        """(hashes, places) chunk by chunk, in reading order."""
        if self.pairs is not None:
            self.pairs.seek(0)
            for n in self.runs:
                keys, places = array("q"), array("q")
                keys.frombytes(self.pairs.read(n * _ITEM))
                places.frombytes(self.pairs.read(n * _ITEM))
                yield keys, places
            self.pairs.close()
        if self.keys:
            yield self.keys, self.places

    def duplicates(self) -> Iterator[tuple[int, int]]:
        """(first place, later place) for every repeated (person, period), in reading order."""
        repeated = self._repeated()
        if not repeated:
            if self.pairs is not None:
                self.pairs.close()
            return
        first: dict[int, int] = {}
        for keys, places in self._pairs():
            for key, place in zip(keys, places):
                if key in repeated:
                    if key in first:
                        yield first[key], place
                    else:
                        first[key] = place
