"""``--run SELECT``: which runs of a stream every output covers.

``last``, ``first``, ``N`` (the Nth run), ``-N`` (the Nth from the end), ``N..M``
(both included; ``N..`` to the end) and ``all``. Without ``--run`` the verdict
covers every run and the last one is shown in full.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

#: How many of the last runs a selection counted from the end can reach back.
MAX_FROM_END: Final = 1_000
_RANGE: Final = re.compile(r"(\d+)\.\.(\d*)")
#: Longer than any run number or range: refused before int() (which stops at 4,300 digits).
_LONGEST: Final = 40


@dataclass(frozen=True, slots=True)
class Selection:
    """A choice of runs: ``first..last`` (1-based, both in; ``last`` 0: the end), or from the end.

    ``from_end`` > 0 chooses the one run that many from the end instead.
    """

    first: int = 1
    last: int = 0  # 0: through the last run
    from_end: int = 0  # > 0: only the Nth run from the end
    #: Given with --run (else: every run is judged, the last one is shown in full).
    explicit: bool = False
    text: str = "all"

    @property
    def relative(self) -> bool:
        """Whether it counts from the end (``last``, ``-N``): known only when the input ends."""
        return self.from_end > 0

    def chooses(self, number: int) -> bool:
        """Whether run ``number`` is chosen (for a selection that is not ``relative``)."""
        return number >= self.first and (self.last == 0 or number <= self.last)

    def chooses_at_end(self, number: int, total: int) -> bool:
        """Whether run ``number`` of ``total`` is chosen."""
        if self.relative:
            return number == total - self.from_end + 1
        return self.chooses(number)

    def is_past(self, number: int) -> bool:
        """Whether no run from ``number`` on can be chosen any more."""
        return not self.relative and self.last != 0 and number > self.last


ALL: Final = Selection()


def parse(text: str) -> Selection:
    """The selection ``--run TEXT`` asks for; ValueError saying what is accepted when none."""
    value = text.strip().lower()
    if len(value) > _LONGEST or not value.isascii():  # int() refuses 4,300 digits; and ²
        value = "?"
    if value == "all":
        return Selection(explicit=True, text=value)
    if value == "first":
        return Selection(1, 1, explicit=True, text=value)
    if value == "last":
        return Selection(from_end=1, explicit=True, text=value)
    if value.isdigit() and int(value) > 0:
        return Selection(int(value), int(value), explicit=True, text=value)
    if value.startswith("-") and value[1:].isdigit() and 0 < int(value[1:]) <= MAX_FROM_END:
        return Selection(from_end=int(value[1:]), explicit=True, text=value)
    found = _RANGE.fullmatch(value)
    if found and int(found[1]) > 0 and (not found[2] or int(found[2]) >= int(found[1])):
        return Selection(int(found[1]), int(found[2] or 0), explicit=True, text=value)
    shown = text if len(text) <= _LONGEST else text[: _LONGEST - 1] + "…"
    raise ValueError(
        f"{shown!r}: choose last, first, N, -N (up to -{MAX_FROM_END:,}), N..M, N.. or all"
    )
