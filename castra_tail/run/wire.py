"""A part of a stream as bytes and back: what a reading process sends to the parent (msgpack).

A part is the runs of one byte range of a file (parallel.py cuts only where a
run begins): the records of the runs it finished, and the run it ended with,
whole. msgspec's msgpack with a typed decoder, not pickle: for 10,000 VMs
pickle took 0.75 s to write and 0.5 s to read — more than reading them took —
where this takes a few hundredths of a second. Commands travel once, in a
pool, with ``commands`` and ``open`` as indexes into it: the open ones are
the same objects as those listed.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import msgspec

from castra_tail.contract import events as ev
from castra_tail.run.harness import Harness
from castra_tail.run.log import RunRecord
from castra_tail.run.records import Command, Notable, Problem, Where
from castra_tail.run.state import Run
from castra_tail.run.vm import Vm


class _Run(msgspec.Struct, array_like=True, gc=False):
    """Everything a ``Run`` knows, in plain typed fields."""

    number: int
    where: Where | None
    vms: list[Vm]
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
    command_totals: dict[str, dict[str, int]]
    summary: ev.Summary | None
    malformed: int
    text_lines: int
    problems: list[Problem]
    unknown_types: dict[str, int]
    broken: list[str]
    remediations: list[str]


class Part(msgspec.Struct, array_like=True, gc=False):
    """The runs of one range of a file: records of those it finished, and its last, whole."""

    lines: int
    records: list[RunRecord]
    runs_counted: int  # records included: past the log's bounds some are only counted
    runs_failed: int
    current: _Run


_ENCODER: Final = msgspec.msgpack.Encoder()
_DECODER: Final = msgspec.msgpack.Decoder(Part)
_CLASS_OF: Final = {name: cls for cls, name in ev.TYPE_OF.items()}


def dumps(lines: int, records: list[RunRecord], counted: int, failed: int, run: Run) -> bytes:
    """A part as msgpack: ``lines`` read, the finished runs' records, and ``run``, unfinished."""
    return _ENCODER.encode(Part(lines, records, counted, failed, _from(run)))


def loads(data: bytes | memoryview) -> tuple[Part, Run]:
    """The part ``dumps`` wrote, and its last run made whole (msgspec.DecodeError if not one)."""
    with _no_collection():
        part = _DECODER.decode(data)
        run = _to(part.current)
    return part, run


def _from(run: Run) -> _Run:
    pool: list[Command] = []
    index: dict[int, int] = {}

    def ref(command: Command) -> int:
        i = index.get(id(command))
        if i is None:
            i = index[id(command)] = len(pool)
            pool.append(command)
        return i

    t = run.transcript
    return _Run(
        number=run.number,
        where=run.where,
        vms=list(run.vms.values()),
        untracked=list(run.fleet.untracked),
        untracked_overflow=run.fleet.untracked_overflow,
        by_type=run.by_type,
        by_level=run.by_level,
        firsts=run.firsts,
        messages=run.messages,
        usage_tokens=t.usage_tokens,
        usage_events=t.usage_events,
        turn_tokens=t.turn_tokens,
        harness=t.harness,
        cleanup=run.cleanup,
        commands=[ref(c) for c in run.commands],
        open={name: [ref(c) for c in waiting] for name, waiting in run.cmds.open.items()},
        pool=pool,
        command_totals=run.command_totals,
        summary=run.summary,
        malformed=run.malformed,
        text_lines=run.text_lines,
        problems=run.problems,
        unknown_types=dict(run.unknown_types),
        broken=run.broken,
        remediations=run.remediations,
    )


def _to(p: _Run) -> Run:
    run = Run(p.number)
    run.where = p.where
    run.fleet.vms = {vm.name: vm for vm in p.vms}
    run.fleet.untracked, run.fleet.untracked_overflow = set(p.untracked), p.untracked_overflow
    for name, n in p.by_type.items():
        run.by_class[_CLASS_OF[name]] = n
    run.by_level, run.firsts, run.messages = p.by_level, p.firsts, p.messages
    t = run.transcript
    t.usage_tokens, t.usage_events, t.turn_tokens = p.usage_tokens, p.usage_events, p.turn_tokens
    t.harness, run.cleanup = p.harness, p.cleanup
    cmds, pool = run.cmds, p.pool
    cmds.commands = [pool[i] for i in p.commands]
    cmds.open = {name: [pool[i] for i in waiting] for name, waiting in p.open.items()}
    cmds.totals, run.summary = p.command_totals, p.summary
    run.malformed, run.text_lines, run.problems = p.malformed, p.text_lines, p.problems
    run.unknown_types.update(p.unknown_types)
    run.broken, run.remediations = p.broken, p.remediations
    return run


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
