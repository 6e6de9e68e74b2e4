"""Finding events: by their text (``--grep``) and by their time (``--since``/``--until``).

Pure predicates over decoded events, for the ``Selector``: the pipeline asks
one of them (``Both`` when there are two) about each event that passed the
other filters, so each counts what it let through — enough to say, at the
end, that a filter matched nothing. No I/O here: ``when`` reads the files.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Final, Protocol

from msgspec import Struct

from castra_tail.contract.times import parse_ts

#: Fields that are not the event's text: who it is about and when (other filters have them).
NOT_TEXT: Final = frozenset({"vm", "ts", "seq"})


class Finder(Protocol):
    """A predicate on events, and on lines that are not events."""

    hits: int

    def __call__(self, event: Struct) -> bool:
        """Whether the event is shown."""
        ...

    def line(self, raw: bytes) -> bool:
        """Whether a line that is not an event (text, malformed, an unknown type) is shown."""
        ...


def texts(value: object) -> Iterator[str]:
    """Every string in an event: its fields', its items', its lists' (not vm, ts or seq)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Struct):
        for name in value.__struct_fields__:
            if name not in NOT_TEXT:
                yield from texts(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from texts(item)


class Grep:
    """``--grep``: events with a string that any of the patterns finds (``-i``: any case)."""

    def __init__(self, patterns: Sequence[str], *, ignore_case: bool = False) -> None:
        flags = re.IGNORECASE if ignore_case else 0
        self.patterns = [re.compile(p, flags) for p in patterns]
        self.hits = 0

    def __call__(self, event: Struct) -> bool:
        if any(p.search(text) for text in texts(event) for p in self.patterns):
            self.hits += 1
            return True
        return False

    def line(self, raw: bytes) -> bool:
        text = raw.decode("utf-8", "replace")
        if any(p.search(text) for p in self.patterns):
            self.hits += 1
            return True
        return False


def bad_pattern(pattern: str) -> str | None:
    """Why ``pattern`` is not a regular expression, or None when it is one."""
    try:
        re.compile(pattern)
    except re.error as exc:
        return str(exc)
    return None


class Window:
    """``--since``/``--until``: events whose ``ts`` lies between the bounds (both included).

    An event without a ``ts`` (or with one that is not a time) cannot be placed
    and is not shown; ``stamped`` counts the ones that could be, ``first`` and
    ``last`` are the earliest and latest ``ts`` among them.
    """

    def __init__(self, since: datetime | None, until: datetime | None) -> None:
        self.since, self.until = since, until
        self.hits = 0
        self.stamped = 0
        self.first = self.last = ""
        self._span: tuple[datetime, datetime] | None = None
        self._last: tuple[str, bool] = ("", False)  # events of a batch often share a ts

    def __call__(self, event: Struct) -> bool:
        ts = getattr(event, "ts", None)
        if ts is None:
            return False
        if ts == self._last[0]:
            inside = self._last[1]
        else:
            when = parse_ts(ts)
            if when is None:
                return False
            self._extend(ts, when)
            inside = (self.since is None or when >= self.since) and (
                self.until is None or when <= self.until
            )
            self._last = (ts, inside)
        self.stamped += 1
        self.hits += inside
        return inside

    def line(self, raw: bytes) -> bool:
        return False

    def _extend(self, ts: str, when: datetime) -> None:
        span = self._span
        if span is None or when < span[0]:
            self.first, span = ts, (when, span[1] if span else when)
        if when > span[1]:
            self.last, span = ts, (span[0], when)
        elif not self.last:
            self.last = ts
        self._span = span


class Both:
    """Two finders: an event is shown when both show it."""

    def __init__(self, first: Finder, second: Finder) -> None:
        self.first, self.second = first, second
        self.hits = 0

    def __call__(self, event: Struct) -> bool:
        shown = self.first(event) and self.second(event)
        self.hits += shown
        return shown

    def line(self, raw: bytes) -> bool:
        return self.first.line(raw) and self.second.line(raw)
