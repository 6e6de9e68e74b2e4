"""The contract's rules that a struct cannot say by itself, each declared once.

The wire shapes live in ``events``; the known values of each enum-valued field
are declared on the field itself (``events.base._known``). What is left is
here, and every consumer reads it from here: the decoder (``decode``), the
native form (``native``), ``castra-tail check`` and ``castra-tail schema``.

- ``SPELLINGS``: fields the contract lets a producer spell two ways.
- ``PHASE_FIELDS`` / ``PHASE_ENUMS``: what each ``vm.lifecycle`` phase requires,
  and the values a phase-dependent field may take.
- ``ITEM_FIELDS``: what each harness item type requires.
- ``enum_fields``: each enum-valued field of a struct, with its known values
  and whether it is open (a new value is shown, not an error).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Final

from msgspec import Struct

from castra_tail.contract.events.base import (
    DISCARD_REASONS,
    SEVERITIES,
    SEVERITY_ALIASES,
    TIMEOUT_REASONS,
    field_rules,
)


@dataclass(frozen=True, slots=True)
class Spelling:
    """A field of ``type`` that may also be sent as ``other`` (the harness's own name)."""

    type: str
    name: str
    other: str
    #: The value when neither is sent; None: one of the two is required.
    default: int | None = None


SPELLINGS: Final = (
    Spelling("usage", "prompt_tokens", "input_tokens"),
    Spelling("usage", "completion_tokens", "output_tokens"),
    Spelling("usage", "cached_tokens", "cached_input_tokens", default=0),
    Spelling("cleanup", "category", "kind"),
)

#: Required fields per known ``vm.lifecycle`` phase (SCHEMA.md's table).
PHASE_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "overlay_prepared": ("overlay_path",),
    "launched": ("pid",),
    "shutdown_requested": (),
    "cooperative_attempted": ("method", "timeout_ms"),
    "cooperative_succeeded": ("elapsed_ms",),
    "cooperative_timed_out": ("waited_ms", "reason"),
    "shutdown_escalated": ("signal",),
    "shutdown_complete": ("outcome", "total_ms", "changed"),
    "overlay_discarded": ("overlay_path", "reclaimed_bytes", "reason"),
}
#: Enum-valued fields whose known values depend on the phase (closed, as SCHEMA.md's table).
PHASE_ENUMS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "cooperative_timed_out": {"reason": TIMEOUT_REASONS},
    "overlay_discarded": {"reason": DISCARD_REASONS},
}

#: Required fields per known harness item type (SCHEMA.md Appendix A).
ITEM_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "agent_message": ("text",),
    "reasoning": ("text",),
    "command_execution": ("command", "status"),
    "file_change": ("status",),
    "mcp_tool_call": ("server", "tool", "status"),
    "web_search": ("query",),
    "todo_list": (),
    "error": ("message",),
}

#: Every spelling of a severity the contract reads (the canonical ones, and the aliases).
SEVERITY_SPELLINGS: Final = (*SEVERITIES, *SEVERITY_ALIASES)


@functools.cache
def enum_fields(cls: type[Struct]) -> dict[str, tuple[tuple[str, ...], bool]]:
    """Per enum-valued field of ``cls``: its known values, and whether the field is open."""
    return {
        field: (meta.extra["known"], meta.extra["open"])
        for field, metas in field_rules(cls).items()
        for meta in metas
        if meta.extra and "known" in meta.extra
    }
