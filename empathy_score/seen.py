"""Which calls a run has met, in memory that stays small over millions of calls.

A batch must turn a second call with an id already read into an error that names where the
first was read (``flag_duplicate_ids``). A dictionary of every id and its place costs about
200 bytes a call, and would be the one part of a batch that grows with its size.
:class:`SeenIds` keeps the place of the most recent ids (a window of 20,000 by default) and,
beyond that, only a 16-byte BLAKE2b digest of each id with its position in the run, in sorted
numpy arrays: 24 bytes a call. A duplicate of an old id is then reported as "call N of this
run", which the output (in input order) leads back to. Two 64-bit halves are both compared,
so a false duplicate needs a 128-bit collision.

:class:`CallCounts` is the same idea for ``--resume``: the calls an interrupted run already
wrote, counted by ``(id, source)``, in 24 bytes a call instead of a ``Counter``'s ~250.
"""

from __future__ import annotations

import hashlib
from array import array
from itertools import islice

import numpy as np

__all__ = ["CallCounts", "SeenIds"]

WINDOW = 20_000


def _digest(call_id: str) -> tuple[int, int]:
    raw = hashlib.blake2b(call_id.encode("utf-8"), digest_size=16).digest()
    return int.from_bytes(raw[:8], "little"), int.from_bytes(raw[8:], "little")


def _index(firsts: np.ndarray, seconds: np.ndarray, text: str) -> int | None:
    """Where ``text``'s digest is in the arrays (sorted by ``firsts``), or None."""
    first, second = _digest(text)
    k = int(firsts.searchsorted(np.uint64(first)))
    while k < len(firsts) and int(firsts[k]) == first:
        if int(seconds[k]) == second:
            return k
        k += 1
    return None


class SeenIds:
    """Ids read so far and where, as ``flag_duplicate_ids`` asks: ``get(id)`` and ``[id] = place``.

    Parameters
    ----------
    window:
        How many of the most recent ids keep their exact place (file and line).
    """

    def __init__(self, window: int = WINDOW) -> None:
        if window < 1:
            raise ValueError("window must be >= 1")
        self.window = window
        self._recent: dict[str, tuple[int, str]] = {}  # id -> (position in the run, place)
        self._count = 0
        # older ids: the two halves of their digests, sorted by the first, and their positions
        self._first = np.empty(0, dtype=np.uint64)
        self._second = np.empty(0, dtype=np.uint64)
        self._positions = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return self._count

    def get(self, call_id: str, default: str | None = None) -> str | None:
        """Where ``call_id`` was first read, or ``default`` when it was not read before."""
        recent = self._recent.get(call_id)
        if recent is not None:
            return recent[1]
        if not len(self._first):  # nothing older than the window yet: no digest to compare
            return default
        k = _index(self._first, self._second, call_id)
        if k is None:
            return default
        return f"call {int(self._positions[k]) + 1:,} of this run"

    def __setitem__(self, call_id: str, place: str) -> None:
        self._recent[call_id] = (self._count, place)
        self._count += 1
        if len(self._recent) > self.window:
            self._compact()

    def _compact(self) -> None:
        """Move the older half of the recent ids into the digest arrays (kept sorted by the
        first half of the digest: a merge, not a new sort of everything)."""
        older = list(islice(self._recent.items(), len(self._recent) // 2))
        for call_id, _ in older:
            del self._recent[call_id]
        halves = np.array([_digest(call_id) for call_id, _ in older], dtype=np.uint64)
        positions = np.array([pos for _, (pos, _) in older], dtype=np.int64)
        order = np.argsort(halves[:, 0], kind="stable")
        first, second, positions = halves[order, 0], halves[order, 1], positions[order]
        at = self._first.searchsorted(first)
        self._first = np.insert(self._first, at, first)
        self._second = np.insert(self._second, at, second)
        self._positions = np.insert(self._positions, at, positions)


class CallCounts:
    """A multiset of ``(id, source)`` keys: ``add`` them all, then ``take`` one at a time.

    Keys are kept as 128-bit digests with a count, sorted once after the last ``add``.
    """

    def __init__(self) -> None:
        self._pending = array("Q")  # digest halves, two per key, until the first take
        self._first = np.empty(0, dtype=np.uint64)
        self._second = np.empty(0, dtype=np.uint64)
        self._counts = np.empty(0, dtype=np.int64)
        self._total = 0

    def add(self, key: tuple[str, str]) -> None:
        self._pending.extend(_digest("\x1f".join(key)))
        self._total += 1

    def __len__(self) -> int:
        """How many keys are left to take."""
        return self._total

    def take(self, key: tuple[str, str]) -> bool:
        """Take one ``key`` if any is left (True), else leave everything as it is (False)."""
        if self._pending:
            self._sort()
        k = _index(self._first, self._second, "\x1f".join(key))
        if k is None or self._counts[k] == 0:
            return False
        self._counts[k] -= 1
        self._total -= 1
        return True

    def _sort(self) -> None:
        halves = np.frombuffer(self._pending, dtype=np.uint64).reshape(-1, 2)
        pairs = np.concatenate(
            [np.repeat(np.column_stack([self._first, self._second]), self._counts, axis=0), halves]
        )
        unique, counts = np.unique(pairs, axis=0, return_counts=True)  # sorted by first, second
        self._first, self._second = unique[:, 0].copy(), unique[:, 1].copy()
        self._counts = counts.astype(np.int64)
        self._pending = array("Q")
