"""What command a run that begins with a message runs: read a few lines ahead.

A run may begin with the messages that lead into it (run/stream.py): a
``castra up`` refused because the state is locked says why, then
``command.rejected``. The line that names the run as it begins
(``── run 4 · up · all.ndjson:83``) is written before its command is read;
so the lines read with it are looked through, a few, for the command that
begins the run. Past them (a live stream cut between reads), the line names
no command.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from castra_tail.contract import events as ev
from castra_tail.contract.decode import decode
from castra_tail.run.stream import WORK

#: Lines looked at ahead: leading messages are few.
LOOK: Final = 16
_BEGINS: Final = (ev.CommandAccepted, ev.CommandRejected)
_ENDS_LOOKING: Final = frozenset(WORK)


def command_ahead(lines: Sequence[object], after: int) -> str:
    """The command of the run whose first event is ``lines[after]`` (``""``: none read):
    the first ``command.accepted`` or ``command.rejected`` ahead, before any other work."""
    for raw in lines[after + 1 : after + 1 + LOOK]:
        if not isinstance(raw, bytes) or not raw:
            continue
        event = decode(raw)
        if isinstance(event, _BEGINS):
            return event.command
        if event.__class__ in _ENDS_LOOKING:
            return ""
    return ""
