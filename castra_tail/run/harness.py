"""The harness's transcript, added up: turns, commands run, files changed, errors, tokens.

SCHEMA.md Appendix A. Tokens: ``usage`` events are the totals when the stream
has any; else the turns' usage is (shown per turn, never counted twice).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from castra_tail.contract import events as ev
from castra_tail.run.kept import bump, keep


@dataclass(slots=True)
class Harness:
    """What the Codex harness's transcript events added up to (SCHEMA.md Appendix A)."""

    threads: int = 0
    turns: int = 0
    turns_completed: int = 0
    turns_failed: int = 0
    commands_run: int = 0
    commands_failed: int = 0
    files_changed: int = 0
    errors: int = 0
    items: dict[str, int] = field(default_factory=dict)  # completed items by type

    @property
    def seen(self) -> bool:
        """Whether the stream had any harness event."""
        return bool(self.threads or self.turns or self.items or self.errors or self.turns_failed)

    def counts(self) -> dict[str, int]:
        """The counters by name (for the JSON report and merging)."""
        return {name: getattr(self, name) for name in _HARNESS_COUNTS}


_HARNESS_COUNTS: Final = (
    "threads",
    "turns",
    "turns_completed",
    "turns_failed",
    "commands_run",
    "commands_failed",
    "files_changed",
    "errors",
)


def _tokens() -> dict[str, int]:
    return {"prompt": 0, "cached": 0, "completion": 0}


class Transcript:
    """Tracks the harness's events and every event's tokens."""

    def __init__(self) -> None:
        self.harness = Harness()
        self.usage_tokens = _tokens()
        self.usage_events = 0
        self.turn_tokens = _tokens()

    def handlers(self) -> dict[type, Callable[[Any], None]]:
        """What each event type this tracker follows does to it."""
        return {
            ev.Usage: self._usage,
            ev.ThreadStarted: self._thread,
            ev.TurnStarted: self._turn_started,
            ev.TurnCompleted: self._turn_completed,
            ev.TurnFailed: self._turn_failed,
            ev.ItemStarted: _ignore,  # started and updated items end in a completed one
            ev.ItemUpdated: _ignore,
            ev.ItemCompleted: self._item,
            ev.HarnessError: self._harness_error,
        }

    @property
    def tokens(self) -> dict[str, int]:
        """Token totals: ``usage`` events when the stream has any, else the turns' usage."""
        return self.usage_tokens if self.usage_events else self.turn_tokens

    @property
    def token_source(self) -> str | None:
        """Where ``tokens`` come from: ``usage`` events, ``turns``, or nowhere."""
        if self.usage_events:
            return "usage"
        return "turns" if self.harness.turns_completed else None

    def _usage(self, e: ev.Usage) -> None:
        self.usage_events += 1
        tokens = self.usage_tokens
        tokens["prompt"] += e.prompt_tokens or 0
        tokens["cached"] += e.cached_tokens or 0
        tokens["completion"] += e.completion_tokens or 0

    def _thread(self, e: ev.ThreadStarted) -> None:
        self.harness.threads += 1

    def _turn_started(self, e: ev.TurnStarted) -> None:
        self.harness.turns += 1

    def _turn_completed(self, e: ev.TurnCompleted) -> None:
        self.harness.turns_completed += 1
        tokens, usage = self.turn_tokens, e.usage
        tokens["prompt"] += usage.input_tokens
        tokens["cached"] += usage.cached_input_tokens
        tokens["completion"] += usage.output_tokens

    def _turn_failed(self, e: ev.TurnFailed) -> None:
        self.harness.turns_failed += 1

    def _item(self, e: ev.ItemCompleted) -> None:
        h, item = self.harness, e.item
        bump(h.items, keep(item.type))
        kind = item.type
        if kind == "command_execution":
            h.commands_run += 1
            if item.status == "failed" or item.exit_code:
                h.commands_failed += 1
        elif kind == "file_change" and item.status != "failed":
            h.files_changed += len(item.changes)

    def _harness_error(self, e: ev.HarnessError) -> None:
        self.harness.errors += 1


def _ignore(e: ev.Event) -> None:
    return None
