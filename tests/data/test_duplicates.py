"""The duplicate index (kpidsl/data/duplicates.py) against the plain answer: for any keys, any
chunk size and any number of buckets, every later row of a repeated key is named with
the first row of that key, in reading order, and nothing else."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kpidsl.data.duplicates import DuplicateIndex

KEYS = st.lists(st.integers(-(1 << 63), (1 << 63) - 1) | st.integers(-3, 3)
                | st.sampled_from([-(1 << 63), (1 << 63) - 1]), max_size=60)


def _plainly(keys: list[int]) -> list[tuple[int, int]]:
    first: dict[int, int] = {}
    out = []
    for place, key in enumerate(keys):
        if key in first:
            out.append((first[key], place))
        else:
            first[key] = place
    return out


@settings(max_examples=300, deadline=None)
@given(KEYS, st.integers(1, 8), st.integers(1, 5))
def test_the_index_names_every_repeat_with_its_first_row_in_reading_order(keys, chunk, buckets):
    index = DuplicateIndex(chunk=chunk, buckets=buckets)
    for place, key in enumerate(keys):
        index.add(key, place)
    assert list(index.duplicates()) == _plainly(keys)


def test_the_hashes_are_cut_into_buckets_that_cover_every_hash():
    index = DuplicateIndex(chunk=3, buckets=4)
    assert index.bounds == [-(1 << 62), 0, 1 << 62]
    for place, key in enumerate([-(1 << 63), -1, 0, (1 << 63) - 1, 1 << 62, -(1 << 62)]):
        index.add(key, place)
    assert index.buckets is not None
    sizes = [f.seek(0, 2) // 8 for f in index.buckets]
    assert sizes == [1, 2, 1, 2]  # [-2^63, -2^62), [-2^62, 0), [0, 2^62), [2^62, 2^63)
