"""The fused intake (run/intake.py) agrees with the general path, line by line.

The reference is the slow, obvious reading of each line: ``decode()`` (the
fix-ups included), ``level_of()``, the stream's boundaries, ``Run.add()``.
The app's loop (pipeline.consume) takes the fused path for message,
bootstrap.step and vm.lifecycle. Both read the same lines; they must show the
same events (as fixed up) at the same levels, and end in the same state: every
run folded, and the last one whole, compared as the bytes -j sends (wire.py).
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from castra_tail.contract import events as ev
from castra_tail.contract.decode import Malformed, Unknown, decode
from castra_tail.contract.levels import Level, level_of
from castra_tail.filters import Selector
from castra_tail.input.sources import Chunk
from castra_tail.output.modes import View
from castra_tail.pipeline import VM_EVENTS, consume
from castra_tail.run import wire
from castra_tail.run.intake import INTAKES
from castra_tail.run.stream import Stream
from castra_tail.run.vm import Vm

VMS = ("web-0", "web-1", "db-0")


class Shown(View):
    """A view that keeps what it is told to show: each event as JSON, with its level."""

    shows_events = True

    def __init__(self) -> None:
        self.shown: list[tuple[bytes, Level, str | None]] = []

    def event(self, event: ev.Event, level: Level, raw: bytes, vm: Vm | None) -> None:
        phase = vm.phase if vm is not None else None
        self.shown.append((msgspec.json.encode(event), level, phase))


def reference(lines: list[bytes]) -> tuple[Stream, list[tuple[bytes, Level, str | None]]]:
    """The stream and what is shown, read the slow way: decode(), level_of(), Run.add()."""
    stream, shown = Stream(), []
    stream.source("s.ndjson")
    stream.lines = len(lines)
    for lineno, raw in enumerate(lines, 1):
        event = decode(raw)
        if isinstance(event, Unknown):
            stream.current.add_unknown(event.type)
            continue
        if isinstance(event, Malformed):
            stream.current.add_malformed(event.reason, "s.ndjson", lineno, text=event.text, raw=raw)
            continue
        level = level_of(event)
        if event.__class__ in stream.watch:
            stream.boundary(event, "s.ndjson", lineno)
        run = stream.current
        run.add(event, level, "s.ndjson", lineno)
        vm = run.find(getattr(event, "vm", None) or "") if type(event) in VM_EVENTS else None
        shown.append((msgspec.json.encode(event), level, vm.phase if vm else None))
    stream.finish()
    return stream, shown


def fused(lines: list[bytes]) -> tuple[Stream, list[tuple[bytes, Level, str | None]]]:
    """The stream and what is shown, read by the app's loop."""
    stream, view = Stream(), Shown()
    consume([Chunk("s.ndjson", 1, lines)], stream, view, Selector(), None)
    stream.finish()
    return stream, view.shown


def state(stream: Stream) -> bytes:
    """Everything the stream knows, as bytes: the folded runs' records, the last run whole."""
    log = stream.log
    return wire.dumps(stream.lines, log.records(), log.total, log.failed_total, stream.current)


def line(**fields: Any) -> bytes:
    return json.dumps({k: v for k, v in fields.items() if v is not None}).encode()


SEVERITY = st.sampled_from([*ev.SEVERITIES, "warning", "Warning", "WARNING", "Error", "notice", ""])
VM = st.sampled_from(VMS)
MAYBE = st.none() | st.integers(min_value=0, max_value=99)

messages = st.builds(
    lambda sev, text, vm, remedy: line(
        type="message", severity=sev, text=text, vm=vm, remediation=remedy
    ),
    SEVERITY,
    st.sampled_from(["hi", "→ web-0: do this", "→ db-0: fix it"]),
    st.none() | VM,
    st.none() | st.sampled_from(["restart it", "x" * 300]),
)
steps = st.builds(
    lambda vm, name, status, ms, detail: line(
        type="bootstrap.step", vm=vm, step=name, status=status, duration_ms=ms, detail=detail
    ),
    VM,
    st.sampled_from([*ev.STEPS, "warm-up"]),
    st.sampled_from([*ev.STEP_STATUSES, "odd"]),
    st.integers(min_value=0, max_value=10_000),
    st.none() | st.just("stage output"),
)
lifecycles = st.builds(
    lambda vm, phase, pid, overlay, ms, outcome, changed, signal: line(
        type="vm.lifecycle",
        vm=vm,
        phase=phase,
        pid=pid,
        overlay_path=overlay,
        total_ms=ms,
        waited_ms=ms,
        elapsed_ms=ms,
        timeout_ms=ms,
        outcome=outcome,
        changed=changed,
        signal=signal,
        method="acpi" if ms is not None else None,
        reason="deadline" if ms is not None else None,
        reclaimed_bytes=ms,
    ),
    VM,
    st.sampled_from([*ev.PHASES, "hibernated"]),
    MAYBE,
    st.none() | st.just("/o"),
    MAYBE,
    st.none() | st.sampled_from(["forced", "graceful"]),
    st.none() | st.booleans(),
    st.none() | st.just("SIGKILL"),
)
others = st.sampled_from(
    [
        line(type="command.accepted", command="up"),
        line(type="command.completed", command="up"),
        line(type="command.failed", command="up", exit_code=1),
        line(
            type="bootstrap.started", vm="web-0", base_hash="b", artifact_hash="a", trigger="auto"
        ),
        line(type="bootstrap.completed", vm="web-1", status="success", duration_ms=5),
        line(type="bootstrap.failed", vm="db-0", duration_ms=5, error="boom"),
        line(type="future.thing", x=1),
        b'{"type":"message","severity":"info"}',
        b"not json",
    ]
)
LINES = st.lists(st.one_of(messages, steps, lifecycles, others), max_size=60)


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_fused_intake_agrees_with_decode_level_of_and_add(lines: list[bytes]) -> None:
    slow, slow_shown = reference(lines)
    fast, fast_shown = fused(lines)
    assert fast_shown == slow_shown
    assert state(fast) == state(slow)


def test_fused_intake_takes_the_frequent_types() -> None:
    """The three types three lines in four of a stream are, and only those."""
    assert set(INTAKES) == {ev.Message, ev.BootstrapStep, ev.VmLifecycle}


def test_an_alias_is_fixed_on_the_fused_path_too() -> None:
    """A message severity spelled ``Warning`` warns, is counted as ``warn`` and shown so."""
    lines = [line(type="message", severity="Warning", text="careful", vm="web-0")]
    fast, shown = fused(lines)
    assert shown == [(msgspec.json.encode(decode(lines[0])), Level.WARN, None)]
    assert fast.current.messages == {"warn": 1}
    assert fast.current.by_level[Level.WARN] == 1


def test_a_lifecycle_without_its_phase_fields_is_malformed_and_not_counted() -> None:
    lines = [line(type="vm.lifecycle", vm="web-0", phase="launched")]
    fast, shown = fused(lines)
    assert shown == []
    assert fast.current.malformed == 1
    assert fast.current.by_class[ev.VmLifecycle] == 0
    assert fast.current.fleet.vms == {}
