"""Bytes → ``Event`` | ``Malformed`` | ``Unknown``: decoding that never raises.

One reused msgspec ``Decoder`` does the work on the hot path. Only a line that
fails takes the slow path, where it is decoded generically to say *why* in words
a person understands (``missing "type"``, ``bootstrap.step: duration_ms:
expected an integer, got a string``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, Final

import msgspec

from castra_tail.contract import events as ev
from castra_tail.contract import native, rules
from castra_tail.input.framing import BOM


class Malformed(msgspec.Struct, gc=False):
    """A line that is not a valid event, and why.

    ``text`` is true for a line that is not JSON at all (castra's stderr often
    shares the pipe): it is shown as it is rather than as an error.
    """

    reason: str
    text: bool = False


class Unknown(msgspec.Struct, gc=False):
    """A JSON object whose ``type`` this contract version does not know."""

    type: str


Decoded = ev.Event | Malformed | Unknown

#: What a line of only whitespace decodes to; it is skipped, not reported.
BLANK: Final = Malformed("blank line", text=True)


class _Probe(msgspec.Struct):
    """Only the ``type`` of an object, whatever else it holds."""

    type: Any = msgspec.UNSET


DECODER: Final = msgspec.json.Decoder(ev.AnyEvent)
_PROBE: Final = msgspec.json.Decoder(_Probe)

_UNDECODABLE: Final = (msgspec.DecodeError, RecursionError, UnicodeDecodeError, ValueError)


def decode(line: bytes) -> Decoded:
    """Decode one line (without its newline). Never raises.

    The app's loop inlines these few lines (``DECODER``, ``FIXUPS``, ``explain``):
    a function call per line is a measurable share of the hot path.
    """
    try:
        event = DECODER.decode(line)
    except Exception as exc:  # noqa: BLE001 - the stream must go on, whatever a line holds
        return explain(line, exc)
    fixup = FIXUPS.get(event.__class__)
    return event if fixup is None else fixup(event)


def explain(line: bytes, exc: Exception) -> Decoded:
    """What a line that failed to decode is, and why (the slow path)."""
    if isinstance(exc, msgspec.ValidationError):
        return _explain_invalid(line, exc)
    if isinstance(exc, _UNDECODABLE):
        return _explain_undecodable(line, exc)
    return Malformed(f"undecodable: {type(exc).__name__}")


# --- normalisation of accepted aliases ------------------------------------------

_CANONICAL_SEVERITIES: Final = frozenset(ev.SEVERITIES)
_SEVERITY_ALIASES: Final = {s: s for s in ev.SEVERITIES} | ev.SEVERITY_ALIASES


def fix_message(e: ev.Message) -> ev.Message:
    """A message as the contract reads it: its severity's other spellings as the canonical one."""
    if e.severity not in _CANONICAL_SEVERITIES:
        # Castra's Rust enum spells one `Warning`; an unknown value is kept as it is.
        e.severity = _SEVERITY_ALIASES.get(e.severity.lower(), e.severity)
    return e


def _spellings(type_name: str) -> Callable[[Any], Decoded]:
    """The fix-up of a type whose fields may come in either of two spellings (``rules``)."""
    spellings = [sp for sp in rules.SPELLINGS if sp.type == type_name]

    def fix(e: ev.Usage | ev.Cleanup) -> Decoded:
        for sp in spellings:
            if getattr(e, sp.name) is None:
                value = getattr(e, sp.other)
                if value is None:
                    if sp.default is None:
                        return Malformed(f'{type_name}: missing "{sp.name}" (or "{sp.other}")')
                    value = sp.default
                setattr(e, sp.name, value)
        return e

    return fix


def fix_lifecycle(e: ev.VmLifecycle) -> Decoded:
    """A lifecycle step, or Malformed when its phase lacks a field it requires."""
    for name in rules.PHASE_FIELDS.get(e.phase, ()):
        if getattr(e, name) is None:
            return Malformed(f'vm.lifecycle {e.phase}: missing "{name}"')
    return e


def _fix_item(e: ev.ItemEvent) -> Decoded:
    item = e.item
    for name in rules.ITEM_FIELDS.get(item.type, ()):
        if getattr(item, name) is None:
            return Malformed(f'{ev.TYPE_OF[type(e)]} {item.type}: item: missing "{name}"')
    return e


FIXUPS: Final[dict[type, Callable[[Any], Decoded]]] = {
    ev.Message: fix_message,
    ev.Usage: _spellings("usage"),
    ev.Cleanup: _spellings("cleanup"),
    ev.VmLifecycle: fix_lifecycle,
    ev.ItemStarted: _fix_item,
    ev.ItemUpdated: _fix_item,
    ev.ItemCompleted: _fix_item,
}


def without_boms(line: bytes) -> bytes:
    """``line`` without the UTF-8 BOMs it starts with (however many: one pass, no recursion)."""
    start = 0
    while line.startswith(BOM, start):
        start += len(BOM)
    return line[start:] if start else line


# --- the slow path: explaining a bad line ---------------------------------------

#: ``\ud800`` not followed by its low half (or a low half alone): JSON text no decoder of
#: UTF-8 can turn into a string.
_LONE_SURROGATE: Final = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
_WORDS: Final = {
    "int": "an integer",
    "str": "a string",
    "object": "an object",
    "array": "an array",
    "bool": "a boolean",
    "float": "a number",
    "null": "null",
}
_KINDS: Final = _WORDS | {"int": "a number"}
_JSON_KINDS: Final = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    dict: "an object",
    type(None): "null",
}
_NOT_OBJECT: Final = re.compile(r"Expected `object`, got `(\w+)`")
_AT: Final = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)


def _explain_undecodable(line: bytes, exc: Exception) -> Decoded:
    if line.startswith(BOM):  # files joined with `cat`: a BOM at the start of a line
        return decode(without_boms(line))  # no BOM left: this cannot come back here
    if not line.strip():
        return BLANK
    if isinstance(exc, RecursionError):
        return Malformed("invalid JSON: nested too deeply")
    if isinstance(exc, UnicodeDecodeError):
        return Malformed("invalid UTF-8")
    if not line.lstrip().startswith(b"{"):
        return Malformed("not JSON", text=True)
    detail = str(exc).removeprefix("JSON is malformed: ")
    if detail == "Input data was truncated":
        detail = "truncated"
        if _LONE_SURROGATE.search(line):  # msgspec says "truncated" of this too
            detail = "a \\u escape of half a surrogate pair, which is no character"
    return Malformed(f"invalid JSON: {detail}")


def _explain_invalid(line: bytes, exc: msgspec.ValidationError) -> Decoded:
    try:
        kind = _PROBE.decode(line).type
    except msgspec.ValidationError as not_object:
        got = _NOT_OBJECT.match(str(not_object))
        return Malformed(f"not an object ({_KINDS.get(got[1], got[1]) if got else 'a value'})")
    except Exception:  # noqa: BLE001 - the typed decoder parsed it; never fail here
        return Malformed(_words(str(exc)))
    if kind is msgspec.UNSET:
        contract = native.to_contract(line)  # {"BootstrapStep": {...}}, Castra's serde form
        if contract is not None:
            return decode(contract)
        variant = native.unknown_variant(line)  # {"BrokerStarted": {...}}: a variant not known
        return Unknown(variant) if variant is not None else Malformed('missing "type"')
    if not isinstance(kind, str):
        return Malformed(f'"type" is {_JSON_KINDS.get(type(kind), "not a string")}, not a string')
    if kind not in ev.KNOWN_TYPES:
        return Unknown(kind)
    message = str(exc)
    if message.endswith(" - at `$.type`"):  # two "type" keys: the last wins, as in jq
        return decode(msgspec.json.encode(msgspec.json.decode(line)))  # one key each now
    if message.startswith(_BEYOND_INT64):
        return _beyond_int64(kind, line)
    return Malformed(f"{kind}: {_words(message)}")


# --- integers beyond int64 ------------------------------------------------------

_BEYOND_INT64: Final = f"Expected `int` <= {ev.I64_MAX}"
Path = tuple[str | int, ...]


def _beyond_int64(kind: str, line: bytes) -> Decoded:
    """A line with an integer above int64, where msgspec's C bound stops (see ``events.U64``).

    In a ``u64`` field up to U64_MAX it is fine: the line is decoded with 0 in
    its place, then the value is put back. Anywhere else it is malformed.
    """
    document = msgspec.json.decode(line)
    big: list[tuple[Path, int]] = []
    _take_big_ints(document, (), big)
    stand_in = msgspec.json.encode(document)
    try:
        event = DECODER.decode(stand_in)
    except Exception as exc:  # noqa: BLE001 - something else is wrong with it too
        return explain(stand_in, exc)
    for path, value in big:
        where = _field_of(event, path)
        if where is None:  # an unknown field, ignored like any other
            continue
        owner, name = where
        bound = ev.U64_MAX if name in _u64_fields(type(owner)) else ev.I64_MAX
        if value > bound:
            dotted = ".".join(str(step) for step in path)
            return Malformed(f"{kind}: {dotted}: expected an integer <= {bound}")
        setattr(owner, name, value)
    fixup = FIXUPS.get(event.__class__)
    return event if fixup is None else fixup(event)


def _take_big_ints(node: Any, path: Path, found: list[tuple[Path, int]]) -> None:
    """Replace each int above int64 in a decoded JSON value by 0, noting where it was."""
    if not isinstance(node, dict | list):
        return
    for key, value in node.items() if isinstance(node, dict) else enumerate(node):
        if isinstance(value, int) and not isinstance(value, bool) and value > ev.I64_MAX:
            found.append(((*path, key), value))
            node[key] = 0
        else:
            _take_big_ints(value, (*path, key), found)


def _field_of(event: msgspec.Struct, path: Path) -> tuple[msgspec.Struct, str] | None:
    """The struct and field name a JSON path leads to, or None when it leads nowhere."""
    node: Any = event
    for step in path[:-1]:
        try:
            node = node[step] if isinstance(step, int) else getattr(node, step)
        except (AttributeError, IndexError, TypeError):
            return None
    name = path[-1]
    if not isinstance(node, msgspec.Struct) or not isinstance(name, str):
        return None
    return (node, name) if name in node.__struct_fields__ else None


@functools.cache
def _u64_fields(cls: type[msgspec.Struct]) -> frozenset[str]:
    rules = ev.field_rules(cls).items()
    return frozenset(n for n, metas in rules if any((m.extra or {}).get("u64") for m in metas))


def _words(message: str) -> str:
    """msgspec's validation message as ``path: problem`` in plain words."""
    found = _AT.match(message)
    assert found is not None  # the pattern matches any string
    msg, path = found["msg"], (found["path"] or "").lstrip(".")
    missing = re.fullmatch(r"Object missing required field `(.+)`", msg)
    if missing:
        problem = f'missing "{missing[1]}"'
    elif got := re.fullmatch(r"Expected `([\w |]+)`, got `(\w+)`", msg):
        either = " or ".join(_WORDS.get(w, w) for w in got[1].split(" | "))
        problem = f"expected {either}, got {_WORDS.get(got[2], got[2])}"
    elif bound := re.fullmatch(r"Expected `(\w+)` (.+)", msg):
        problem = f"expected {_WORDS.get(bound[1], bound[1])} {bound[2]}"
    else:
        problem = msg[:1].lower() + msg[1:]
    return f"{path}: {problem}" if path else problem
