"""Hypothesis strategies for contract events, derived from the msgspec types themselves.

Deriving them from ``msgspec.inspect`` means a field added to ``contract/events``
is fuzzed without anyone remembering to add it here.
"""

from __future__ import annotations

from typing import Any

import msgspec
from hypothesis import strategies as st

from castra_tail.contract import events as ev
from castra_tail.contract import rules

I64 = 2**63


def for_type(t: msgspec.inspect.Type) -> st.SearchStrategy[Any]:
    """Values of a msgspec type as the decoder would produce them."""
    if isinstance(t, msgspec.inspect.Metadata):
        return for_type(t.type)
    if isinstance(t, msgspec.inspect.IntType):
        low = t.ge if t.ge is not None else -I64
        return st.integers(min_value=low, max_value=2**64 - 1 if low >= 0 else I64 - 1)
    if isinstance(t, msgspec.inspect.StrType):
        return st.text(max_size=40)
    if isinstance(t, msgspec.inspect.BoolType):
        return st.booleans()
    if isinstance(t, msgspec.inspect.NoneType):
        return st.none()
    if isinstance(t, msgspec.inspect.ListType):
        return st.lists(for_type(t.item_type), max_size=3)
    if isinstance(t, msgspec.inspect.UnionType):
        return st.one_of(*(for_type(member) for member in t.types))
    if isinstance(t, msgspec.inspect.StructType):
        return _struct(t)
    raise NotImplementedError(f"no strategy for {t!r}")


def _struct(t: msgspec.inspect.StructType) -> st.SearchStrategy[Any]:
    fields = {f.name: for_type(f.type) for f in t.fields}
    return st.builds(t.cls, **fields)


def _canonical(event: ev.Event, draw: st.DrawFn) -> ev.Event:
    """Make a drawn event what decoding yields: aliases folded, per-phase fields present."""
    if isinstance(event, ev.Message):
        event.severity = draw(st.sampled_from(ev.SEVERITIES))
    elif isinstance(event, ev.Usage):
        u64 = st.integers(min_value=0, max_value=2**64 - 1)
        event.prompt_tokens = draw(u64)
        event.completion_tokens = draw(u64)
        event.cached_tokens = draw(u64)
    elif isinstance(event, ev.Cleanup):
        event.category = draw(st.sampled_from(ev.CATEGORIES))
    elif isinstance(event, ev.VmLifecycle):
        event.phase = draw(st.sampled_from(ev.PHASES) | st.text(max_size=12))
        _required(event, rules.PHASE_FIELDS.get(event.phase, ()), draw)
    elif isinstance(event, ev.ItemEvent):
        event.item.type = draw(st.sampled_from(ev.ITEM_TYPES) | st.text(max_size=12))
        _required(event.item, rules.ITEM_FIELDS.get(event.item.type, ()), draw)
    return event


def _required(struct: msgspec.Struct, names: tuple[str, ...], draw: st.DrawFn) -> None:
    """Give the optional fields ``names`` a value where they have none."""
    fields = {f.name: f for f in msgspec.inspect.type_info(type(struct)).fields}  # type: ignore[union-attr]
    for name in names:
        if getattr(struct, name) is None:
            member = next(
                m for m in fields[name].type.types if not isinstance(m, msgspec.inspect.NoneType)
            )
            setattr(struct, name, draw(for_type(member)))


@st.composite
def events(draw: st.DrawFn, classes: tuple[type[ev.Event], ...] = ev.EVENT_TYPES) -> ev.Event:
    """Any valid event of the contract, in the form decoding produces."""
    cls = draw(st.sampled_from(classes))
    event = draw(_struct(msgspec.inspect.type_info(cls)))  # type: ignore[arg-type]
    return _canonical(event, draw)
