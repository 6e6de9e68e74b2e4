"""``castra-tail compare FILE``: the last run, and the last one before it of the same command.

An appended log holds runs of every command (``up``, ``down``, ``clean`` …): the
run before the last is often of another, and comparing a rejected ``up`` with
a ``clean`` says nothing. So the last run is paired with the latest earlier
run of its own command; when there is none, with the run before it (and the
notes say the commands differ). The runs of each command are kept whole only
two at a time, and only for so many commands and VMs (memory stays bounded).
"""

from __future__ import annotations

from collections import deque
from typing import Final

from castra_tail.render.text import clean
from castra_tail.run.log import RunRecord
from castra_tail.run.state import Run

#: Commands whose last two runs are kept (castra has a handful; a stream may name more).
MAX_COMMANDS: Final = 16

Kept = tuple[Run, RunRecord]


class SameCommand:
    """The last two runs of each command, as the stream folds them."""

    def __init__(self, max_vms: int) -> None:
        self.max_vms = max_vms
        self.runs: dict[str | None, deque[Kept]] = {}
        self.let_go = False  # whether a command's runs were let go (past the bounds)

    def fold(self, run: Run, record: RunRecord) -> None:
        """A run ended: it is now its command's last."""
        kept = self.runs.pop(record.command, None) or deque(maxlen=2)
        kept.append((run, record))
        self.runs[record.command] = kept  # the most recent command last
        while len(self.runs) > 1 and (len(self.runs) > MAX_COMMANDS or self._vms() > self.max_vms):
            del self.runs[next(iter(self.runs))]  # the command not run for longest
            self.let_go = True

    def unpaired(self) -> str:
        """The note when the last run's command has no earlier run kept."""
        if not self.runs:
            return ""
        what = clean(next(reversed(self.runs)) or "no command", 40)
        if self.let_go:
            return (
                f"no earlier {what} run kept whole (runs of too many commands or VMs are let "
                "go): compared with the run before it; name the runs (FILE@N) to choose"
            )
        return f"no earlier {what} run: compared with the run before it"

    def _vms(self) -> int:
        return sum(len(run.vms) for kept in self.runs.values() for run, _ in kept)

    def before_last(self, total: int) -> tuple[Kept, str] | None:
        """The run of the last one's command before it, and a note saying what was paired;
        None when the last run's command ran only once (as far as is kept)."""
        last = next(reversed(self.runs.values()), None)
        if last is None or len(last) < 2 or last[-1][0].number != total:
            return None
        (before, record), (now, _) = last[0], last[1]
        between = now.number - before.number - 1
        if not between:
            return (before, record), ""
        what = clean(record.command or "no command", 40)
        others = "1 run of another command" if between == 1 else f"{between:,} runs of others"
        return (before, record), (
            f"run {before.number:,} is the last {what} run before run {now.number:,} "
            f"({others} between them)"
        )
