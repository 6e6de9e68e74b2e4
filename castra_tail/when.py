"""``--since``/``--until WHEN``: a time, or a time relative to the stream's last event.

WHEN is an RFC 3339 time (``2026-11-26T01:00:00Z``; a space for the ``T``;
without an offset it is local time, as ``date`` and journalctl read it), a
date (``2026-11-26``, its midnight), a time of day (``09:14``, ``09:14:03``: on
the day of the last event, in its offset) or a duration (``10m``, ``90s``,
``1h30m``, ``2d``) before the last event. The last two need the time of the
last event before anything is shown: a plain file is read backwards from its
end to the last line with a ``ts``; a compressed one is read through once; a
pipe has its last event only at its end, so they are refused there.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

import msgspec

from castra_tail.contract.times import parse_ts
from castra_tail.input.framing import BOM
from castra_tail.input.read import read_inputs
from castra_tail.input.sources import Chunk, FileSource
from castra_tail.input.unpack import HEAD, kind_of
from castra_tail.options import UsageError
from castra_tail.render.text import clean

_UNITS: Final = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION: Final = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_TIME_OF_DAY: Final = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(\.\d+)?)?")
#: Bytes read at a time when a plain file is read backwards.
BLOCK: Final = 64 << 10
FORMS: Final = "a time (2026-11-26T01:00:00Z), a time of day (09:14) or a duration (10m)"
RANGE: Final = "times run from year 1 to 9999"
_MAX_DAYS: Final = timedelta.max.days


@dataclass(frozen=True)
class When:
    """A parsed WHEN: an absolute time, a time of day, or a duration before the last event."""

    at: datetime | None = None
    of_day: time | None = None
    before_last: timedelta | None = None

    @property
    def relative(self) -> bool:
        """True when it needs the time of the stream's last event."""
        return self.at is None


class Stamp(msgspec.Struct):
    """Only the ``ts`` of a line (the rest is skipped unread)."""

    ts: str | None = None


def parse_when(text: str) -> When:
    """WHEN as the command line gives it, or ValueError saying which forms it can take."""
    word = text.strip()
    if re.fullmatch(r"(\d+(?:\.\d+)?(ms|s|m|h|d|w))+", word, re.ASCII):
        seconds = sum(float(n) * _UNITS[unit] for n, unit in _DURATION.findall(word))
        try:
            return When(before_last=timedelta(seconds=seconds))
        except OverflowError:  # more days than a timedelta holds, or digits beyond a float
            raise ValueError(f"{_shown(text)} is too long: at most {_MAX_DAYS:,}d") from None
    if _TIME_OF_DAY.fullmatch(word):
        return When(of_day=time.fromisoformat(word.zfill(5) if len(word) == 4 else word))
    try:
        at = datetime.fromisoformat(word)
    except ValueError:
        try:
            at = datetime.combine(date.fromisoformat(word), time())
        except ValueError:
            raise ValueError(f"{_shown(text)} is not {FORMS}") from None
    if at.tzinfo is None:
        try:
            at = at.astimezone()  # local time, as date reads it
        except (OverflowError, ValueError, OSError):  # year 1 east of UTC: year 0 in UTC
            raise ValueError(f"{_shown(text)} is out of range: {RANGE}") from None
    return When(at=at)


def _shown(text: str) -> str:
    return repr(clean(text.strip(), 40))


def resolve(when: When, last: datetime | None) -> datetime:
    """The absolute time ``when`` stands for, given the last event's time; OverflowError
    when that is before year 1."""
    if when.at is not None:
        return when.at
    assert last is not None
    if when.of_day is not None:
        return datetime.combine(last.date(), when.of_day, tzinfo=last.tzinfo)
    assert when.before_last is not None
    return last - when.before_last  # datetime raises OverflowError before year 1


def last_time(paths: Sequence[str], max_line: int, flag: str) -> datetime:
    """The latest ``ts`` of the last stamped event of each file, or UsageError saying why not."""
    found: list[datetime] = []
    for path in paths:
        if path != "-" and not os.path.lexists(path):  # -F: not there yet, no events yet
            continue
        if path == "-" or not _regular(path):
            raise UsageError(
                f"{flag} relative to the last event needs a file: a pipe's last event comes only "
                f"at its end; give a time instead ({flag} 2026-11-26T01:00:00Z)"
            )
        stamp = _last_in_file(path, max_line)
        if stamp is not None:
            found.append(stamp)
    if not found:
        names = ", ".join(clean(p) for p in paths)
        raise UsageError(f"{flag} relative to the last event: no event in {names} carries a ts")
    return max(found)


def _regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _last_in_file(path: str, max_line: int) -> datetime | None:
    with open(path, "rb") as f:
        compressed = kind_of(f.read(HEAD)) is not None
    if compressed:  # no way to read it backwards: once through, keeping the last
        last = None
        for item in read_inputs([FileSource(path)], max_line):
            if isinstance(item, Chunk):
                for line in item.lines:
                    last = _stamp(line) or last
        return last
    return next(filter(None, map(_stamp, _lines_backwards(path, max_line))), None)


def _stamp(line: bytes) -> datetime | None:
    if b'"ts"' not in line:
        return None
    try:
        ts = msgspec.json.decode(line.lstrip(BOM), type=Stamp).ts
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    return parse_ts(ts) if ts is not None else None


def _lines_backwards(path: str, max_line: int) -> Iterator[bytes]:
    """The lines of a plain file, last first; a line longer than ``max_line`` is never held."""
    with open(path, "rb") as f:
        end = f.seek(0, os.SEEK_END)
        tail, dropped = b"", False  # the end of a line whose start is not read yet
        while end > 0:
            start = max(0, end - BLOCK)
            f.seek(start)
            first, *complete = (f.read(end - start) + tail).split(b"\n")
            end = start
            if complete and dropped:  # the start of the line too long to hold
                complete.pop()
                dropped = False
            yield from reversed(complete)
            tail = first
            if len(tail) > max_line:
                tail, dropped = b"", True
        if tail and not dropped:
            yield tail
