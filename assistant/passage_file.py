"""The passages of a version folder, read from passages.jsonl when asked for.

A million `Passage` objects take 1.6 GB of heap in every replica (docs/scale.md); the line
offsets of the memory-mapped file take 8 MB, and the pages read live in the page cache, which
the replicas of one host share. A query reads a few hundred candidates' metadata, and the most
recent are kept parsed. A version folder pruned while a replica still serves it stays readable:
the mapping holds the deleted file.
"""

import json
import mmap
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import overload

import numpy as np

from assistant.passage import Passage

# Newline search in slices, so that a 1 GB file never needs a 1 GB temporary array.
SCAN_BYTES = 64 << 20


def line_starts(data: mmap.mmap) -> np.ndarray:
    """Offsets of every line's first byte, plus the end of the data."""
    view = np.frombuffer(data, dtype=np.uint8)
    ends = [np.flatnonzero(view[i:i + SCAN_BYTES] == ord("\n")) + i + 1 for i in range(0, len(view), SCAN_BYTES)]
    starts = np.concatenate([[0], *ends]).astype(np.int64)
    return starts if starts[-1] == len(view) else np.append(starts, len(view))


class OnDemandPassages(Sequence[Passage]):
    """Passages kept out of the heap and read by row when asked for; subclasses say how."""

    @abstractmethod
    def _get(self, row: int) -> Passage: ...

    def _get_many(self, rows: range) -> list[Passage]:
        return [self._get(r) for r in rows]

    @overload
    def __getitem__(self, row: int) -> Passage: ...

    @overload
    def __getitem__(self, row: slice) -> list[Passage]: ...

    def __getitem__(self, row: int | slice) -> Passage | list[Passage]:
        if isinstance(row, slice):
            return self._get_many(range(*row.indices(len(self))))
        row = int(row)
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(row)
        return self._get(row)


class PassageFile(OnDemandPassages):
    def __init__(self, path: Path, cached: int = 8192):
        with open(path, "rb") as f:
            size = f.seek(0, 2)
            self._data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        self._starts = line_starts(self._data) if size else np.zeros(1, np.int64)
        self._parsed = lru_cache(maxsize=cached)(self._parse)

    def _parse(self, row: int) -> Passage:
        return Passage.from_record(json.loads(self._data[self._starts[row]:self._starts[row + 1]]))

    def _get(self, row: int) -> Passage:
        return self._parsed(row)

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __iter__(self) -> Iterator[Passage]:
        # A full scan (registers, masks, admin lists) must not flush the cache of hot candidates.
        return (self._parse(r) for r in range(len(self)))
