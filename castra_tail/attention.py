"""The Attention Model: one level scale for every event (SCHEMA.md's table)."""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Final

from castra_tail import events as ev


class Level(IntEnum):
    """Attention levels, in rising order."""

    INFO = 0
    PROGRESS = 1
    WARN = 2
    ERROR = 3
    BLOCKER = 4

    @property
    def label(self) -> str:
        """The contract's spelling: ``info``, ``progress``, ``warn``, …"""
        return self.name.lower()


LEVEL_NAMES: Final = tuple(level.label for level in Level)
_BY_NAME: Final = {level.label: level for level in Level} | {"warning": Level.WARN}


def parse_level(name: str) -> Level | None:
    """The level called ``name`` (any case; ``warning`` = ``warn``), or None."""
    return _BY_NAME.get(name.lower())


_WARN_PHASES: Final = frozenset({"cooperative_timed_out", "shutdown_escalated"})


def _message(e: ev.Message) -> Level:
    # Decoding normalised the spelling; an unknown severity is shown but not escalated.
    return _BY_NAME.get(e.severity, Level.INFO)


def _lifecycle(e: ev.VmLifecycle) -> Level:
    if e.phase in _WARN_PHASES or (e.phase == "shutdown_complete" and e.outcome == "forced"):
        return Level.WARN
    return Level.INFO


def _planned(e: ev.BootstrapPlanned) -> Level:
    if e.action == "error":
        return Level.ERROR
    return Level.WARN if e.warnings else Level.INFO


def _step(e: ev.BootstrapStep) -> Level:
    return Level.ERROR if e.status == "failed" else Level.PROGRESS


def _summary(e: ev.Summary) -> Level:
    return Level.ERROR if e.exit_code != 0 else Level.INFO


def _completed(e: ev.CommandCompleted) -> Level:
    # Not in SCHEMA.md's table ("everything else: info"); a command that reports a
    # non-zero exit code failed, and a CI job must not pass on it.
    return Level.ERROR if e.exit_code else Level.INFO


def _const(level: Level) -> Callable[[ev.Event], Level]:
    return lambda _e: level


LEVEL_RULES: Final[dict[type, Callable]] = {
    ev.Message: _message,
    ev.VmLifecycle: _lifecycle,
    ev.BootstrapPlanned: _planned,
    ev.BootstrapStarted: _const(Level.PROGRESS),
    ev.BootstrapStep: _step,
    ev.BootstrapCompleted: _const(Level.INFO),
    ev.BootstrapFailed: _const(Level.ERROR),
    ev.Usage: _const(Level.INFO),
    ev.Cleanup: _const(Level.PROGRESS),
    ev.CommandAccepted: _const(Level.INFO),
    ev.CommandRejected: _const(Level.ERROR),
    ev.CommandCompleted: _completed,
    ev.CommandFailed: _const(Level.ERROR),
    ev.Summary: _summary,
}


def level_of(event: ev.Event) -> Level:
    """The attention level of a decoded event."""
    return LEVEL_RULES[type(event)](event)
