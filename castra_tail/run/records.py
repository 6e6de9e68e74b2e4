"""Compact records of what events said, as the state keeps them: never the events themselves.

Steps, endings and plans of bootstraps; commands; places in the input (``Where``)
and what was found there (``Problem``, ``Notable``).

Every string from the stream is kept through ``keep``: whole up to MAX_KEPT
characters, else cut and marked with its full length. So memory is bounded by
how many things a stream holds (VMs, steps, commands: capped by the trackers), not
by how long its strings are — an 800-step bootstrap with a 1 MiB detail on
each step keeps 800 short details, not 800 MiB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, overload

import msgspec

from castra_tail.contract import events as ev
from castra_tail.run.ssh import Ssh, ssh_of

#: Longest string kept from the stream (a name, an error, a detail); the text view shows 2,000.
MAX_KEPT: Final = 4096
#: A plan's warnings kept; past it, one more says how many were not.
MAX_WARNINGS: Final = 100
#: Distinct keys of a count keyed by strings from the stream; past it, new keys count as OTHER.
MAX_KEYS: Final = 1_000
OTHER: Final = "(other)"
#: Longest ``ts`` kept: an RFC 3339 timestamp is 20 to 35 characters; a longer one is no time.
MAX_TS: Final = 64


@overload
def keep(value: str) -> str: ...
@overload
def keep(value: None) -> None: ...
def keep(value: str | None) -> str | None:
    """A string from the stream as the state keeps it: whole up to MAX_KEPT characters,
    else cut, with ``…`` and its full length."""
    if value is None or len(value) <= MAX_KEPT:
        return value
    return f"{value[:MAX_KEPT]}… ({len(value):,} characters)"


def kept_ts(ts: str | None) -> str | None:
    """An event's ``ts`` as the state keeps it, for the pictures of a run's timing
    (render/clock.py): None when absent or too long to be a timestamp."""
    return ts if ts is not None and len(ts) <= MAX_TS else None


def bump(counts: dict[str, int], key: str, n: int = 1) -> None:
    """Add ``n`` to ``counts[key]``; past MAX_KEYS keys, a new key counts as OTHER.

    For counts keyed by strings from the stream, which no one bounds.
    """
    if key not in counts and len(counts) >= MAX_KEYS:
        key = OTHER
    counts[key] = counts.get(key, 0) + n


class Step(msgspec.Struct, frozen=True, gc=False, tag=True):
    """A finished bootstrap stage: its name, status, duration, (kept) detail and when it ended."""

    step: str
    status: str
    duration_ms: int
    detail: str | None = None
    ts: str | None = None  # the event's own, when it had one: the step's end

    @classmethod
    def of(cls, e: ev.BootstrapStep) -> Step:
        """The step a ``bootstrap.step`` event reports."""
        return cls(keep(e.step), keep(e.status), e.duration_ms, keep(e.detail), kept_ts(e.ts))


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

    @classmethod
    def of(cls, e: ev.BootstrapPlanned) -> Plan:
        """The plan a ``bootstrap.planned`` event reports."""
        warnings = _capped(e.warnings, "warnings")
        ssh = ssh_of(e.ssh) if e.ssh is not None else NO_SSH
        if ssh.command is not None and len(ssh.command) > MAX_KEPT:
            ssh = Ssh(keep(ssh.command), ssh.left_out)  # a left-out part is already cut short
        verify = e.verify
        return cls(
            keep(e.mode),
            keep(e.action),
            keep(e.reason),
            warnings,
            ssh,
            trigger=keep(e.trigger),
            script_path=keep(e.script_path),
            payload_path=keep(e.payload_path),
            payload_bytes=e.payload_bytes,
            remote_dir=keep(e.remote_dir),
            handshake_timeout_secs=e.handshake_timeout_secs,
            env_keys=_capped(e.env_keys, "keys"),
            verify_command=keep(verify.command) if verify else None,
            verify_path=keep(verify.path) if verify else None,
            artifact_hash=keep(e.artifact_hash),
            metadata_path=keep(e.metadata_path),
        )


def _capped(values: list[str], what: str) -> tuple[str, ...]:
    """A list from the stream as kept: the first MAX_WARNINGS, then how many more there were."""
    if not values:
        return ()
    kept = [keep(v) for v in values[:MAX_WARNINGS]]
    if len(values) > MAX_WARNINGS:
        kept.append(f"… (+{len(values) - MAX_WARNINGS:,} more {what})")
    return tuple(kept)


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
