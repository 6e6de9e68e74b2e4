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
1 ms to a day spans about 570 buckets, whatever the number of values.

Which form a key has depends only on how many values it got, never on their
order: two parts read apart and merged (``merge``) give what one read gives.
"""

from __future__ import annotations

import math
from array import array
from typing import Final

import msgspec

ALPHA: Final = 0.01
GAMMA: Final = (1 + ALPHA) / (1 - ALPHA)
_LOG_GAMMA: Final = math.log(GAMMA)
#: Values kept exact per key, by default.
EXACT: Final = 10_000


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

    __slots__ = ("limit", "count", "total", "low", "high", "values", "zeros", "buckets")

    def __init__(self, limit: int = EXACT) -> None:
        self.limit = limit
        self.count = 0
        self.total = 0
        self.low = 0
        self.high = 0
        self.values: array[int] | None = array("Q")  # None once past the limit
        self.zeros = 0
        self.buckets: dict[int, int] = {}

    def add(self, value: int) -> None:
        """One more value (≥ 0)."""
        self.low = value if not self.count or value < self.low else self.low
        self.high = value if value > self.high else self.high
        self.count += 1
        self.total += value
        values = self.values
        if values is not None:
            values.append(value)
            if len(values) > self.limit:
                self._sketch()
        else:
            self._count(value)

    def _count(self, value: int) -> None:
        if value == 0:
            self.zeros += 1
        else:
            index = bucket(value)
            self.buckets[index] = self.buckets.get(index, 0) + 1

    def _sketch(self) -> None:
        """Past the limit: every value so far into the histogram."""
        values, self.values = self.values, None
        for value in values or ():
            self._count(value)

    @property
    def exact(self) -> bool:
        """Whether the percentiles are exact (the values are all kept)."""
        return self.values is not None

    def percentile(self, p: float) -> int | None:
        """The nearest-rank ``p``-th percentile (0 < p ≤ 100); None when there is no value."""
        if not self.count:
            return None
        rank = min(self.count, max(1, math.ceil(p / 100 * self.count)))
        if self.values is not None:
            return sorted(self.values)[rank - 1]
        if rank == self.count:
            return self.high
        if rank <= self.zeros:
            return 0
        seen = self.zeros
        for index in sorted(self.buckets):
            seen += self.buckets[index]
            if seen >= rank:
                return min(self.high, max(self.low, round(representative(index))))
        return self.high  # not reached: the buckets hold every value but the zeros

    def merge(self, other: Durations) -> None:
        """Add what ``other`` (of the same key, read elsewhere) holds."""
        if not other.count:
            return
        self.low = other.low if not self.count else min(self.low, other.low)
        self.high = max(self.high, other.high)
        self.count += other.count
        self.total += other.total
        if self.values is not None and other.values is not None:
            self.values.extend(other.values)
            if len(self.values) > self.limit:
                self._sketch()
            return
        if self.values is not None:
            self._sketch()
        for value in other.values or ():
            self._count(value)
        self.zeros += other.zeros
        for index, n in other.buckets.items():
            self.buckets[index] = self.buckets.get(index, 0) + n

    def wire(self) -> Wire:
        """What a reading process sends."""
        values = self.values.tobytes() if self.values is not None else None
        return Wire(
            self.limit, self.count, self.total, self.low, self.high, values, self.zeros,
            self.buckets,
        )  # fmt: skip

    @classmethod
    def of(cls, wire: Wire) -> Durations:
        """Durations as a reading process sent them."""
        d = cls(wire.limit)
        d.count, d.total, d.low, d.high = wire.count, wire.total, wire.low, wire.high
        d.zeros, d.buckets = wire.zeros, dict(wire.buckets)
        if wire.values is None:
            d.values = None
        else:
            assert d.values is not None
            d.values.frombytes(wire.values)
        return d
