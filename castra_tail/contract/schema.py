"""``castra-tail schema``: the JSON Schema of Event Contract v1, generated from the types.

msgspec writes the schema of ``events.AnyEvent``; the rules a struct cannot
say by itself are added from the same declarations in ``events``: which
fields each ``vm.lifecycle`` phase requires (``PHASE_FIELDS``) and which
reasons it knows (``PHASE_ENUMS``), that ``usage`` and ``cleanup`` need one
of two spellings of a field, that a ``u64`` goes up to 2⁶⁴−1, and that a
``type`` the contract does not know is a newer contract's event, not an error.
A line is valid exactly when ``castra-tail check`` finds no error in it.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

from castra_tail import CONTRACT_VERSION
from castra_tail.contract import events as ev
from castra_tail.contract import rules

DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"


def contract_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) every line of a v1 stream must satisfy."""
    schema = msgspec.json.schema(ev.AnyEvent)
    defs = schema["$defs"]
    defs["VmLifecycle"]["allOf"] = [_phase_rule(phase) for phase in rules.PHASE_FIELDS]
    defs["Item"]["allOf"] = [
        {
            "if": {"properties": {"type": {"const": kind}}, "required": ["type"]},
            "then": {"required": list(fields)},
        }
        for kind, fields in rules.ITEM_FIELDS.items()
        if fields
    ]
    for sp in rules.SPELLINGS:
        if sp.default is None:  # one of the two spellings is required
            name = ev.CLASS_OF[sp.type].__name__
            either = {"anyOf": [{"required": [sp.name]}, {"required": [sp.other]}]}
            defs[name].setdefault("allOf", []).append(either)
    _u64_maximum(defs)
    schema["anyOf"].append(_UNKNOWN_TYPE)
    return {
        "$schema": DIALECT,
        "title": f"Castra Event Contract {CONTRACT_VERSION}",
        "description": "One JSON object per line of a Castra event stream, tagged on `type`.",
        **schema,
    }


def _phase_rule(phase: str) -> dict[str, Any]:
    then: dict[str, Any] = {"required": list(rules.PHASE_FIELDS[phase])}
    enums = rules.PHASE_ENUMS.get(phase)
    if enums:
        then["properties"] = {field: {"enum": list(values)} for field, values in enums.items()}
    return {
        "if": {"properties": {"phase": {"const": phase}}, "required": ["phase"]},
        "then": then,
    }


#: An object whose ``type`` the contract does not name: counted and shown, never an error.
_UNKNOWN_TYPE: Final = {
    "type": "object",
    "properties": {"type": {"type": "string", "not": {"enum": list(ev.KNOWN_TYPES)}}},
    "required": ["type"],
}


def _u64_maximum(node: Any) -> None:
    """A ``u64``'s maximum is U64_MAX: msgspec wrote the int64 bound its decoder stops at.

    Only ``events.U64`` has ``minimum`` 0 and ``maximum`` I64_MAX (``I64`` starts below 0).
    """
    if isinstance(node, dict):
        if node.get("minimum") == 0 and node.get("maximum") == ev.I64_MAX:
            node["maximum"] = ev.U64_MAX
        for value in node.values():
            _u64_maximum(value)
    elif isinstance(node, list):
        for value in node:
            _u64_maximum(value)


def encode() -> bytes:
    """The schema as indented JSON with a final newline."""
    return msgspec.json.format(msgspec.json.encode(contract_schema()), indent=2) + b"\n"
