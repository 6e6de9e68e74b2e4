"""Castra's native serde form (SCHEMA.md, Appendix B): ``{"BootstrapStarted": {...}}``.

A one-key object named after a Rust variant is mapped onto the contract: the
variant gives ``type`` (and ``phase`` for lifecycle variants), and enum values
spelled as serde writes Rust variants (``WaitHandshake``, ``NoOp``,
``Sigkill``, ``PidFile``) are matched to the contract's spellings whatever the
case and separators. The decoder tries this only for lines that are not
already contract events, so the contract's own form pays nothing for it.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

from castra_tail import events as ev

#: Rust variant → (contract type, vm.lifecycle phase or None).
VARIANTS: Final[dict[str, tuple[str, str | None]]] = {
    "Message": ("message", None),
    "OverlayPrepared": ("vm.lifecycle", "overlay_prepared"),
    "VmLaunched": ("vm.lifecycle", "launched"),
    "ShutdownRequested": ("vm.lifecycle", "shutdown_requested"),
    "CooperativeAttempted": ("vm.lifecycle", "cooperative_attempted"),
    "CooperativeSucceeded": ("vm.lifecycle", "cooperative_succeeded"),
    "CooperativeTimedOut": ("vm.lifecycle", "cooperative_timed_out"),
    "ShutdownEscalated": ("vm.lifecycle", "shutdown_escalated"),
    "ShutdownComplete": ("vm.lifecycle", "shutdown_complete"),
    "EphemeralLayerDiscarded": ("vm.lifecycle", "overlay_discarded"),
    "BootstrapPlanned": ("bootstrap.planned", None),
    "BootstrapStarted": ("bootstrap.started", None),
    "BootstrapStep": ("bootstrap.step", None),
    "BootstrapCompleted": ("bootstrap.completed", None),
    "BootstrapFailed": ("bootstrap.failed", None),
    "CleanupProgress": ("cleanup", None),
}


def _squash(value: str) -> str:
    return value.replace("_", "").replace("-", "").lower()


#: Enum-valued fields and their contract spellings, by squashed spelling.
_ENUM_FIELDS: Final[dict[str, dict[str, str]]] = {
    field: {_squash(v): v for v in values}
    for field, values in {
        "severity": (*ev.SEVERITIES, "warning"),
        "method": ev.COOP_METHODS,
        "signal": ev.SIGNALS,
        "outcome": ev.OUTCOMES,
        "reason": (*ev.TIMEOUT_REASONS, *ev.DISCARD_REASONS),
        "mode": ev.PLAN_MODES,
        "action": ev.PLAN_ACTIONS,
        "trigger": ev.TRIGGERS,
        "step": ev.STEPS,
        "status": (*ev.STEP_STATUSES, *ev.COMPLETED_STATUSES),
        "category": ev.CATEGORIES,
        "kind": ev.CATEGORIES,
    }.items()
}
_GENERIC: Final = msgspec.json.Decoder()
_ENCODER: Final = msgspec.json.Encoder()


def variant_of(line: bytes) -> str | None:
    """The Rust variant a native-form line holds, or None for any other line."""
    native = _native(line)
    return native[0] if native else None


def to_contract(line: bytes) -> bytes | None:
    """The line in the contract's form, or None when it is not in the native form."""
    native = _native(line)
    if native is None:
        return None
    variant, fields = native
    type_name, phase = VARIANTS[variant]
    mapped: dict[str, Any] = {"type": type_name}
    if phase is not None:
        mapped["phase"] = phase
    for key, value in fields.items():
        spellings = _ENUM_FIELDS.get(key)
        if spellings is not None and isinstance(value, str):
            value = spellings.get(_squash(value), value)
        mapped.setdefault(key, value)
    return _ENCODER.encode(mapped)


def _native(line: bytes) -> tuple[str, dict[str, Any]] | None:
    try:
        value = _GENERIC.decode(line)
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((variant, fields),) = value.items()
    if variant not in VARIANTS or not isinstance(fields, dict):
        return None
    return variant, fields
