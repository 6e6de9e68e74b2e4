"""A part ``Run`` as bytes and back: what a reading process sends to the parent (msgpack).

msgspec's msgpack with a typed decoder, not pickle: for a part of 10,000 VMs
pickle took 0.75 s to write and 0.5 s to read — more than reading the part
took — where this takes a few hundredths of a second (README, Performance).
Commands travel once, in a pool, and ``commands``, ``open`` and ``orphans``
as indexes into it: merge.py relies on those lists sharing their objects.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import msgspec

from castra_tail.contract import events as ev
from castra_tail.run.harness import Harness
from castra_tail.run.records import Command, Notable, Problem
from castra_tail.run.state import Run
from castra_tail.run.vm import Vm


class _Part(msgspec.Struct, array_like=True, gc=False):
    """Everything a part ``Run`` knows, in plain typed fields."""

    lines: int
    vms: list[msgspec.Raw]  # each VM encoded alone: only those the Run can take are made
    untracked: list[int]
    untracked_overflow: bool
    by_type: dict[str, int]
    by_level: list[int]
    firsts: list[Notable | None]
    messages: dict[str, int]
    usage_tokens: dict[str, int]
    usage_events: int
    turn_tokens: dict[str, int]
    harness: Harness
    cleanup: dict[str, dict[str, int]]
    pool: list[Command]
    commands: list[int]
    open: dict[str, list[int]]
    orphans: list[int]
    command_totals: dict[str, dict[str, int]]
    summary: ev.Summary | None
    malformed: int
    text_lines: int
    problems: list[Problem]
    unknown_types: dict[str, int]


class _Name(msgspec.Struct, gc=False):
    """Only the name of an encoded ``Vm``: the rest is skipped unread."""

    name: str


_ENCODER: Final = msgspec.msgpack.Encoder()
_DECODER: Final = msgspec.msgpack.Decoder(_Part)
_VM: Final = msgspec.msgpack.Decoder(Vm)
_NAME: Final = msgspec.msgpack.Decoder(_Name)
_CLASS_OF: Final = {name: cls for cls, name in ev.TYPE_OF.items()}


def dumps(run: Run) -> bytes:
    """``run`` (a part) as msgpack."""
    pool: list[Command] = []
    index: dict[int, int] = {}

    def ref(command: Command) -> int:
        i = index.get(id(command))
        if i is None:
            i = index[id(command)] = len(pool)
            pool.append(command)
        return i

    return _ENCODER.encode(
        _Part(
            lines=run.lines,
            vms=[msgspec.Raw(_ENCODER.encode(vm)) for vm in run.vms.values()],
            untracked=list(run.fleet.untracked),
            untracked_overflow=run.fleet.untracked_overflow,
            by_type=run.by_type,
            by_level=run.by_level,
            firsts=run.firsts,
            messages=run.messages,
            usage_tokens=run.transcript.usage_tokens,
            usage_events=run.transcript.usage_events,
            turn_tokens=run.transcript.turn_tokens,
            harness=run.harness,
            cleanup=run.cleanup,
            commands=[ref(c) for c in run.commands],
            open={name: [ref(c) for c in waiting] for name, waiting in run.cmds.open.items()},
            orphans=[ref(c) for c in run.cmds.orphans],
            pool=pool,
            command_totals=run.command_totals,
            summary=run.summary,
            malformed=run.malformed,
            text_lines=run.text_lines,
            problems=run.problems,
            unknown_types=dict(run.unknown_types),
        )
    )


def loads(data: bytes | memoryview, into: Run) -> Run:
    """The part ``Run`` that ``dumps`` wrote, to be merged ``into`` a Run.

    Only the VMs ``into`` can take (it has them, or room for them) are made; the
    others are counted untracked right away, as ``merge`` would count them. On
    a log of many thousands of VMs that is most of them: their records are
    never made. msgspec.DecodeError when ``data`` is not a part.
    """
    with _no_collection():
        p = _DECODER.decode(data)
        run = Run(part=True)
        run.lines = p.lines
        run.fleet.untracked, run.fleet.untracked_overflow = set(p.untracked), p.untracked_overflow
        _take_vms(run, p.vms, into)
    for name, n in p.by_type.items():
        run.by_class[_CLASS_OF[name]] = n
    run.by_level, run.firsts, run.messages = p.by_level, p.firsts, p.messages
    t = run.transcript
    t.usage_tokens, t.usage_events, t.turn_tokens = p.usage_tokens, p.usage_events, p.turn_tokens
    t.harness, run.cleanup = p.harness, p.cleanup
    pool = p.pool
    cmds = run.cmds
    cmds.commands = [pool[i] for i in p.commands]
    cmds.open = {name: [pool[i] for i in waiting] for name, waiting in p.open.items()}
    cmds.orphans = [pool[i] for i in p.orphans]
    cmds.totals, run.summary = p.command_totals, p.summary
    run.malformed, run.text_lines, run.problems = p.malformed, p.text_lines, p.problems
    run.unknown_types.update(p.unknown_types)
    return run


def _take_vms(part: Run, encoded: list[msgspec.Raw], into: Run) -> None:
    room = into.fleet.max_vms - len(into.vms)
    for raw in encoded:
        name = _NAME.decode(raw).name
        if name in into.vms or room > 0:
            room -= name not in into.vms
            part.vms[name] = _VM.decode(raw)
        else:
            part.fleet.refuse(name)


@contextmanager
def _no_collection() -> Iterator[None]:
    """The cyclic collector paused: it would walk the growing heap again and again
    while thousands of records are made, none of them garbage (60 % of the time)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
