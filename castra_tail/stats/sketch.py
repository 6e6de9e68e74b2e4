"""Durations: how many, the largest, and percentiles — exact up to a bound, then from a sketch.

Up to ``limit`` values of one key are kept as they are (8 bytes each) and a
percentile is exact: the nearest rank, the smallest value with at least p % of
the values at or below it. Past ``limit``, every value goes into a histogram
of fixed log-spaced buckets instead: bucket ``i`` holds the values in
(γ^(i-1), γ^i] with γ = (1 + α) / (1 − α), α = ALPHA = 1 %, and a percentile
is the representative 2γ^i / (γ + 1) of the bucket that holds its rank, which
is within α of the exact nearest-rank value (the bound of DDSketch, Masson,
Rim and Lee, VLDB 2019; written here, no dependency). Zero has a bucket of its
own; the count, the sum, the smallest and the largest stay exact, and a
percentile is never outside them. A histogram holds one count per bucket used:
1 ms to a day spans about 570 buckets, whatever the number of values. The
bucket of a value is remembered for the next one alike (``CACHED`` values,
shared by every key): adding is then a look-up, as fast as keeping it.

Which form a key has depends only on how many values it got, never on their
order: two parts read apart and merged (``merge``) give what one read gives.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from typing import Final

import msgspec

ALPHA: Final = 0.01
GAMMA: Final = (1 + ALPHA) / (1 - ALPHA)
_LOG_GAMMA: Final = math.log(GAMMA)
#: Values kept exact per key, by default.
EXACT: Final = 10_000
#: Values whose bucket is remembered (shared by every key: durations in ms repeat, and a
#: logarithm costs more than a look-up); about 100 bytes each.
CACHED: Final = 65_536
_INDEX: dict[int, int] = {}


def bucket(value: int) -> int:
    """The histogram bucket of a value > 0."""
    return math.ceil(math.log(value) / _LOG_GAMMA)


def representative(index: int) -> float:
    """The value a bucket stands for: within ALPHA of any value in it."""
    return 2 * GAMMA**index / (GAMMA + 1)


class Wire(msgspec.Struct, array_like=True, gc=False):
    """Durations as a reading process sends them (parallel reading)."""

    limit: int
    count: int
    total: int
    low: int
    high: int
    values: bytes | None
    zeros: int
    buckets: dict[int, int]


class Durations:
    """The durations of one key (a step, a VM's step, a command's runs)."""

    __slots__ = ("limit", "values", "n", "sum", "lo", "hi", "zeros", "buckets")

    def __init__(self, limit: int = EXACT) -> None:
        self.limit = limit
        #: Every value while they are at most ``limit`` (then None): the count, sum, smallest
        #: and largest are read from them then, so that adding one is an append.
        self.values: array[int] | None = array("Q")
        self.n = self.sum = self.lo = self.hi = 0  # past the limit
        self.zeros = 0
        self.buckets: dict[int, int] = {}

    def add(self, value: int) -> None:
        """One more value (≥ 0)."""
        values = self.values
        if values is not None:
            values.append(value)
            if len(values) > self.limit:
                self._sketch()
            return
        self.n += 1
        self.sum += value
        if value > self.hi:
            self.hi = value
        elif value < self.lo:
            self.lo = value
        if value:
            index = _INDEX.get(value)
            if index is None:
                index = bucket(value)
                if len(_INDEX) < CACHED:
                    _INDEX[value] = index
            self.buckets[index] = self.buckets.get(index, 0) + 1
        else:
            self.zeros += 1

    @property
    def count(self) -> int:
        """How many values."""
        return len(self.values) if self.values is not None else self.n

    @property
    def total(self) -> int:
        """Their sum."""
        return sum(self.values) if self.values is not None else self.sum

    @property
    def low(self) -> int:
        """The smallest (0 when there is none)."""
        return (min(self.values, default=0)) if self.values is not None else self.lo

    @property
    def high(self) -> int:
        """The largest (0 when there is none)."""
        return (max(self.values, default=0)) if self.values is not None else self.hi

    def _sketch(self) -> None:
        """Past the limit: every value so far into the histogram."""
        values = self.values
        assert values is not None and values
        self.n, self.sum, self.lo, self.hi = len(values), sum(values), min(values), max(values)
        self.values = None
        buckets = self.buckets
        for value, n in Counter(values).items():  # durations in ms repeat: a log each
            if value == 0:
                self.zeros += n
            else:
                index = bucket(value)
                buckets[index] = buckets.get(index, 0) + n

    @property
    def exact(self) -> bool:
        """Whether the percentiles are exact (the values are all kept)."""
        return self.values is not None

    def percentile(self, p: float) -> int | None:
        """The nearest-rank ``p``-th percentile (0 < p ≤ 100); None when there is no value."""
        count = self.count
        if not count:
            return None
        rank = min(count, max(1, math.ceil(p / 100 * count)))
        if self.values is not None:
            return sorted(self.values)[rank - 1]
        if rank == count:
            return self.hi
        if rank <= self.zeros:
            return 0
        seen = self.zeros
        for index in sorted(self.buckets):
            seen += self.buckets[index]
            if seen >= rank:
                return min(self.hi, max(self.lo, round(representative(index))))
        return self.hi  # not reached: the buckets hold every value but the zeros

    def merge(self, other: Durations) -> None:
        """Add what ``other`` (of the same key, read elsewhere) holds."""
        if not other.count:
            return
        if self.values is not None and other.values is not None:
            self.values.extend(other.values)
            if len(self.values) > self.limit:
                self._sketch()
            return
        if self.values is not None:
            if not self.values:  # nothing here yet: what the other holds, as it is
                self.values = None
                self.n, self.sum, self.lo, self.hi = other.n, other.sum, other.lo, other.hi
                self._take(other)
                return
            self._sketch()
        if other.values is not None:
            for value in other.values:
                self.add(value)
            return
        self.n += other.n
        self.sum += other.sum
        self.lo = min(self.lo, other.lo)
        self.hi = max(self.hi, other.hi)
        self._take(other)

    def _take(self, other: Durations) -> None:
        """Add the histogram of ``other``, past its limit."""
        self.zeros += other.zeros
        for index, n in other.buckets.items():
            self.buckets[index] = self.buckets.get(index, 0) + n

    def wire(self) -> Wire:
        """What a reading process sends."""
        if self.values is not None:
            return Wire(self.limit, len(self.values), 0, 0, 0, self.values.tobytes(), 0, {})
        return Wire(
            self.limit, self.n, self.sum, self.lo, self.hi, None, self.zeros, self.buckets
        )  # fmt: skip

    @classmethod
    def of(cls, wire: Wire) -> Durations:
        """Durations as a reading process sent them."""
        d = cls(wire.limit)
        if wire.values is None:
            d.values = None
            d.n, d.sum, d.lo, d.hi = wire.count, wire.total, wire.low, wire.high
            d.zeros, d.buckets = wire.zeros, dict(wire.buckets)
        else:
            assert d.values is not None
            d.values.frombytes(wire.values)
        return d
