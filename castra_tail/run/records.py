"""Compact records of what events said, as the state keeps them: never the events themselves.

Steps, endings and plans of bootstraps; commands; places in the input (``Where``)
and what was found there (``Problem``, ``Notable``).

Every string in them comes through ``kept.keep`` (kept.py makes the records of
events), so each is a few KiB at most however long the stream's was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import msgspec

from castra_tail.run.ssh import Ssh


class Step(msgspec.Struct, frozen=True, gc=False, tag=True):
    """A finished bootstrap stage: its name, status, duration, (kept) detail and when it ended."""

    step: str
    status: str
    duration_ms: int
    detail: str | None = None
    ts: str | None = None  # the event's own, when it had one: the step's end


class Ending(msgspec.Struct, frozen=True, gc=False, tag=True):
    """How a bootstrap ended: completed (``success``/``noop``, a stamp) or failed (an error)."""

    status: str
    duration_ms: int
    stamp: str | None = None
    error: str | None = None  # set when, and only when, it failed
    ts: str | None = None  # the event's own, when it had one


#: The ssh of a plan that names no target.
NO_SSH: Final = Ssh(None)


class Plan(msgspec.Struct, frozen=True, gc=False):
    """The planner's decision for a VM, with what it planned to run: all the plan's fields.

    A struct, not a dataclass: a frozen dataclass sets each of its 16 fields through
    ``object.__setattr__``, 15 times slower, once per VM of every run."""

    mode: str
    action: str
    reason: str
    warnings: tuple[str, ...] = ()
    ssh: Ssh = NO_SSH
    trigger: str | None = None
    script_path: str | None = None
    payload_path: str | None = None
    payload_bytes: int | None = None
    remote_dir: str | None = None
    handshake_timeout_secs: int | None = None
    env_keys: tuple[str, ...] = ()
    verify_command: str | None = None
    verify_path: str | None = None
    artifact_hash: str | None = None
    metadata_path: str | None = None


@dataclass(slots=True)
class Command:
    """One CLI command: ``accepted`` → ``completed``/``failed``, or ``rejected``."""

    name: str
    status: str
    detail: str | None = None
    exit_code: int | None = None
    duration_ms: int | None = None
    #: Where it was said to have failed (or been rejected), for the failures to point at.
    where: Where | None = None


@dataclass(frozen=True, slots=True)
class Where:
    """A line of input."""

    source: str
    line: int


@dataclass(frozen=True, slots=True)
class Problem:
    """A malformed line: where, and why."""

    where: Where
    reason: str


@dataclass(frozen=True, slots=True)
class Notable:
    """The first event seen at some level."""

    order: int  # how many events came before it, plus one
    where: Where
    type: str
    vm: str | None
