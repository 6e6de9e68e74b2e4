"""``castra-tail schema``: the JSON Schema of Event Contract v1, generated from the types.

msgspec writes the schema of ``events.AnyEvent``; the rules a struct cannot
say by itself are added from the same declarations in ``events.py``: which
fields each ``vm.lifecycle`` phase requires (``PHASE_FIELDS``), and that
``usage`` and ``cleanup`` need one of two spellings of a field.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

from castra_tail import CONTRACT_VERSION
from castra_tail import events as ev

DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
#: Fields that one of two spellings must give (the contract's name first).
_EITHER: Final = {
    "Usage": (("prompt_tokens", "input_tokens"), ("completion_tokens", "output_tokens")),
    "Cleanup": (("category", "kind"),),
}
#: Enum-valued fields whose values depend on the lifecycle phase.
_PHASE_ENUMS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "cooperative_timed_out": {"reason": ev.TIMEOUT_REASONS},
    "overlay_discarded": {"reason": ev.DISCARD_REASONS},
}


def contract_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) every line of a v1 stream must satisfy."""
    schema = msgspec.json.schema(ev.AnyEvent)
    defs = schema["$defs"]
    defs["VmLifecycle"]["allOf"] = [_phase_rule(phase) for phase in ev.PHASE_FIELDS]
    defs["Item"]["allOf"] = [
        {
            "if": {"properties": {"type": {"const": kind}}, "required": ["type"]},
            "then": {"required": list(fields)},
        }
        for kind, fields in ev.ITEM_FIELDS.items()
        if fields
    ]
    for name, pairs in _EITHER.items():
        defs[name]["allOf"] = [
            {"anyOf": [{"required": [field]} for field in pair]} for pair in pairs
        ]
    return {
        "$schema": DIALECT,
        "title": f"Castra Event Contract {CONTRACT_VERSION}",
        "description": "One JSON object per line of a Castra event stream, tagged on `type`.",
        **schema,
    }


def _phase_rule(phase: str) -> dict[str, Any]:
    then: dict[str, Any] = {"required": list(ev.PHASE_FIELDS[phase])}
    enums = _PHASE_ENUMS.get(phase)
    if enums:
        then["properties"] = {field: {"enum": list(values)} for field, values in enums.items()}
    return {
        "if": {"properties": {"phase": {"const": phase}}, "required": ["phase"]},
        "then": then,
    }


def encode() -> bytes:
    """The schema as indented JSON with a final newline."""
    return msgspec.json.format(msgspec.json.encode(contract_schema()), indent=2) + b"\n"
