"""The CLI's commands: ``accepted`` → ``completed``/``failed``, or ``rejected``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from castra_tail.contract import events as ev
from castra_tail.run.kept import MAX_KEYS, keep
from castra_tail.run.records import Command, Where

MAX_COMMANDS: Final = 1_000
_STATUS: Final = {
    cls: name.removeprefix("command.")
    for cls, name in ev.TYPE_OF.items()
    if name.startswith("command.")
}


class Commands:
    """Tracks ``command.*`` events: each command, how many of each, and those left open."""

    def __init__(self) -> None:
        self.commands: list[Command] = []  # the first MAX_COMMANDS, in order
        self.totals: dict[str, dict[str, int]] = {}  # name → status → how many
        self.open: dict[str, list[Command]] = {}  # accepted, not yet ended, by name
        #: Where the command event being handled was read, when it is an error (Run sets it).
        self.error_at: Where | None = None

    def handlers(self) -> dict[type, Callable[[Any], None]]:
        """What each event type this tracker follows does to it."""
        return dict.fromkeys(_STATUS, self._command)

    def _command(self, e: ev.CommandEvent) -> None:
        status = _STATUS[e.__class__]
        name = keep(e.command)
        waiting = self.open.get(name)
        ends = status in ("completed", "failed")
        if ends and waiting:
            command = waiting.pop()  # the latest accepted one of that name ends
            self.tally(name, "accepted", -1)
        else:
            command = Command(name, status)
            if len(self.commands) < MAX_COMMANDS:
                self.commands.append(command)
            if status == "accepted":
                if waiting is None:
                    waiting = self.open[name] = []
                if len(waiting) < MAX_COMMANDS:
                    waiting.append(command)
        self.tally(name, status, 1)
        command.status = status
        command.detail = keep(e.detail) if e.detail is not None else command.detail
        command.exit_code = e.exit_code if e.exit_code is not None else command.exit_code
        command.duration_ms = e.duration_ms if e.duration_ms is not None else command.duration_ms
        if self.error_at is not None:
            command.where, self.error_at = self.error_at, None

    def tally(self, name: str, status: str, n: int) -> None:
        """Count ``n`` more commands ``name`` at ``status`` (names past MAX_KEYS: not counted)."""
        per_status = self.totals.get(name)
        if per_status is None:
            if len(self.totals) >= MAX_KEYS:
                return
            per_status = self.totals[name] = {}
        per_status[status] = per_status.get(status, 0) + n

    @property
    def still_open(self) -> list[Command]:
        """Commands accepted but never completed or failed."""
        return [c for waiting in self.open.values() for c in waiting]
