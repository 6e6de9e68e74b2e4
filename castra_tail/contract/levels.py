"""The Attention Model: one level scale for every event (SCHEMA.md's table)."""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Any, Final

from castra_tail.contract import events as ev
from castra_tail.run.ssh import ssh_of


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


def message_level(e: ev.Message) -> Level:
    """A message's level: its severity's."""
    # Decoding normalised the spelling; an unknown severity is shown but not escalated.
    return _BY_NAME.get(e.severity, Level.INFO)


def lifecycle_level(e: ev.VmLifecycle) -> Level:
    """A lifecycle step's level: a shutdown that timed out, escalated or was forced warns."""
    if e.phase in _WARN_PHASES or (e.phase == "shutdown_complete" and e.outcome == "forced"):
        return Level.WARN
    return Level.INFO


def _planned(e: ev.BootstrapPlanned) -> Level:
    if e.action == "error":
        return Level.ERROR
    # An ssh target with options left out of the paste-ready command is a warning.
    unsafe_ssh = e.ssh is not None and bool(ssh_of(e.ssh).left_out)
    return Level.WARN if e.warnings or unsafe_ssh else Level.INFO


def step_level(e: ev.BootstrapStep) -> Level:
    """A bootstrap stage's level: an error when it failed, else progress."""
    return Level.ERROR if e.status == "failed" else Level.PROGRESS


def _summary(e: ev.Summary) -> Level:
    return Level.ERROR if e.exit_code != 0 else Level.INFO


def _completed(e: ev.CommandCompleted) -> Level:
    # Not in SCHEMA.md's table ("everything else: info"); a command that reports a
    # non-zero exit code failed, and a CI job must not pass on it.
    return Level.ERROR if e.exit_code else Level.INFO


_ITEM_LEVELS: Final = {"agent_message": Level.PROGRESS, "error": Level.ERROR}
_ITEMS_THAT_RUN: Final = frozenset({"command_execution", "file_change", "mcp_tool_call"})


def _item(e: ev.ItemEvent) -> Level:
    # SCHEMA.md Appendix A: a failed command, change or tool call is an error; what the
    # agent says and does is progress; reasoning, searches and to-do lists are info.
    item = e.item
    if item.type in _ITEMS_THAT_RUN:
        return Level.ERROR if item.status == "failed" else Level.PROGRESS
    return _ITEM_LEVELS.get(item.type, Level.INFO)


#: Types whose level never depends on their fields.
CONSTANT_LEVELS: Final[dict[type, Level]] = {
    ev.BootstrapStarted: Level.PROGRESS,
    ev.BootstrapCompleted: Level.INFO,
    ev.BootstrapFailed: Level.ERROR,
    ev.Usage: Level.INFO,
    ev.Cleanup: Level.PROGRESS,
    ev.CommandAccepted: Level.INFO,
    ev.CommandRejected: Level.ERROR,
    ev.CommandFailed: Level.ERROR,
    ev.ThreadStarted: Level.INFO,
    ev.TurnStarted: Level.INFO,
    ev.TurnCompleted: Level.INFO,
    ev.TurnFailed: Level.ERROR,
    ev.HarnessError: Level.ERROR,
}
#: Types whose level is read off their fields.
LEVEL_RULES: Final[dict[type, Callable[[Any], Level]]] = {
    ev.Message: message_level,
    ev.VmLifecycle: lifecycle_level,
    ev.BootstrapPlanned: _planned,
    ev.BootstrapStep: step_level,
    ev.CommandCompleted: _completed,
    ev.Summary: _summary,
    ev.ItemStarted: _item,
    ev.ItemUpdated: _item,
    ev.ItemCompleted: _item,
}


def level_of(event: ev.Event) -> Level:
    """The attention level of a decoded event."""
    level = CONSTANT_LEVELS.get(event.__class__)
    return level if level is not None else LEVEL_RULES[event.__class__](event)
