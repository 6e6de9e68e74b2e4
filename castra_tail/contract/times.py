"""An event's ``ts``: one reading of it for everything that reads times.

The reader (``--since``/``--until``) and ``check`` agree on what a ``ts`` is:
RFC 3339 as ``TS_PATTERN`` spells it (an offset is required) and a moment the
calendar has — ``2026-02-30`` matches the pattern and is no day. A leap
second (``:60``) is valid RFC 3339 that Python's clock lacks: it is read as
the second before it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from castra_tail.contract.events.base import TS_PATTERN

_TS: Final = re.compile(TS_PATTERN)
_LEAP: Final = re.compile(r":60(?=[.Zz+-])")


def parse_ts(ts: str) -> datetime | None:
    """``ts`` as an aware time, or None when it is not an RFC 3339 timestamp of a real day."""
    if _TS.fullmatch(ts) is None:
        return None
    try:
        return datetime.fromisoformat(_LEAP.sub(":59", ts.upper()).replace(" ", "T"))
    except ValueError:  # a day the month lacks, or a year Python cannot hold
        return None


def ts_problem(ts: str) -> str | None:
    """Why ``ts`` is no timestamp, in words; None when it is one."""
    if _TS.fullmatch(ts) is None:
        return "is not an RFC 3339 timestamp"
    if parse_ts(ts) is None:
        return "is not a moment of the calendar (no such day)"
    return None
