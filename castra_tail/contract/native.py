"""Castra's native serde form (SCHEMA.md, Appendix B): ``{"BootstrapStarted": {...}}``.

A one-key object named after a Rust variant is mapped onto the contract: the
variant gives ``type`` (and ``phase`` for lifecycle variants), and enum values
spelled as serde writes Rust variants (``WaitHandshake``, ``NoOp``,
``Sigkill``, ``PidFile``) are matched to the contract's spellings whatever the
case and separators. The decoder tries this only for lines that are not
already contract events, so the contract's own form pays nothing for it.
"""

from __future__ import annotations

import re
from typing import Any, Final

import msgspec

from castra_tail.contract import events as ev
from castra_tail.contract import rules

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


def _contract_spellings() -> dict[str, dict[str, str]]:
    """Per enum-valued field name of the native variants' types: squashed spelling → contract's.

    From the declarations (``rules.enum_fields``, ``rules.PHASE_ENUMS``), so a value
    the contract adds is matched here without anyone remembering to.
    """
    known: dict[str, set[str]] = {"severity": set(rules.SEVERITY_SPELLINGS)}
    types = {ev.CLASS_OF[type_name] for type_name, _ in VARIANTS.values()}
    for cls in types:
        for field, (values, _open) in rules.enum_fields(cls).items():
            known.setdefault(field, set()).update(values)
    for enums in rules.PHASE_ENUMS.values():
        for field, values in enums.items():
            known.setdefault(field, set()).update(values)
    return {field: {_squash(v): v for v in sorted(values)} for field, values in known.items()}


#: Enum-valued fields and their contract spellings, by squashed spelling.
_ENUM_FIELDS: Final = _contract_spellings()
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


def unknown_variant(line: bytes) -> str | None:
    """The name of a native-form variant this contract does not know, or None.

    One key, a Rust variant's name (PascalCase), an object as its value: an event
    of Castra's own form, old or new (``BrokerStarted``, removed since). SCHEMA.md:
    an unknown variant is an unknown type — a counted no-op — never a malformed line.
    """
    value = _decoded(line)
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((variant, fields),) = value.items()
    if not isinstance(variant, str) or variant in VARIANTS or not isinstance(fields, dict):
        return None
    return variant if _PASCAL.fullmatch(variant) else None


def _native(line: bytes) -> tuple[str, dict[str, Any]] | None:
    value = _decoded(line)
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((variant, fields),) = value.items()
    if variant not in VARIANTS or not isinstance(fields, dict):
        return None
    return variant, fields


def _decoded(line: bytes) -> Any:
    try:
        return _GENERIC.decode(line)
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError, ValueError):
        return None


_PASCAL: Final = re.compile(r"[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*")
