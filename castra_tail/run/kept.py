"""What the state keeps of the stream's strings, and the records it makes of events.

Every string from the stream is kept through ``keep``: whole up to MAX_KEPT
characters, else cut and marked with its full length. So memory is bounded by
how many things a stream holds (VMs, steps, commands: capped by the trackers),
not by how long its strings are — an 800-step bootstrap with a 1 MiB detail on
each step keeps 800 short details, not 800 MiB.

Apart from records.py, which declares the records: this module runs for most
events of a stream and is compiled in the optional build (Makefile ``HOT``),
where a module that declares msgspec structs cannot be (mypyc drops their
options, such as ``tag``, and the -j transfer would change).
"""

from __future__ import annotations

from typing import Final, overload

from castra_tail.contract import events as ev
from castra_tail.run.records import NO_SSH, Plan, Step
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


def step_of(e: ev.BootstrapStep) -> Step:
    """The step a ``bootstrap.step`` event reports."""
    return Step(keep(e.step), keep(e.status), e.duration_ms, keep(e.detail), kept_ts(e.ts))


def plan_of(e: ev.BootstrapPlanned) -> Plan:
    """The plan a ``bootstrap.planned`` event reports."""
    warnings = _capped(e.warnings, "warnings")
    ssh = ssh_of(e.ssh) if e.ssh is not None else NO_SSH
    if ssh.command is not None and len(ssh.command) > MAX_KEPT:
        ssh = Ssh(keep(ssh.command), ssh.left_out)  # a left-out part is already cut short
    verify = e.verify
    return Plan(
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
