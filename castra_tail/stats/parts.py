"""``stats`` of a big plain file on several cores: parallel.py reads it, and this is
the tally each reading process keeps and sends beside its part.

The file is cut where ``parallel`` cuts it (only where a run begins, so each
range holds whole runs); each reading process tallies the runs it folds and
sends its tally (msgpack, not pickle) with its part. Joining a part is what
reading on would have done: the run under way here is folded (and tallied),
the part's tally is added, and its last run goes on here.
"""

from __future__ import annotations

import msgspec

from castra_tail.run.log import RunRecord
from castra_tail.run.state import Run
from castra_tail.stats import tally as t
from castra_tail.stats.sketch import Durations, Wire


class _Steps(msgspec.Struct, array_like=True, gc=False):
    durations: Wire
    failed: int
    skipped: int


class _Runs(msgspec.Struct, array_like=True, gc=False):
    count: int
    failed: int
    durations: Wire


class _Group(msgspec.Struct, array_like=True, gc=False):
    count: int
    first: str
    last: str
    example: str


class _Tally(msgspec.Struct, array_like=True, gc=False):
    """A tally as a reading process sends it (the keys in the order they were first seen)."""

    by_vm: bool
    counts: tuple[int, int, int, int]  # runs, failed, events, malformed
    malformed_at: tuple[str | None, str | None]
    steps: list[tuple[str, _Steps]]
    vm_steps: list[tuple[str, str, _Steps]]
    vms: list[tuple[str, int, int]]
    groups: list[tuple[str, _Group]]
    commands: list[tuple[str, _Runs]]
    tokens: Wire


class Full(Exception):
    """A reading process's tally reached a name cap: its part can no longer be joined as
    reading in order would count it, so it stops (parallel.py reads its range in order)."""


class Parts:
    """A tally as parallel.py's ``Extra``: added to as runs fold, sent, and joined."""

    def __init__(self, tally: t.Tally, *, apart: bool = False) -> None:
        self.tally = tally
        #: Kept by a reading process (``fresh``): it gives up once a name cap is reached.
        self.apart = apart
        #: A name cap was reached in the join: the answer may differ from reading in
        #: order (see ``stats.run.read``, which then reads in order).
        self.inexact = False

    def fresh(self) -> Parts:
        """An empty tally of the same kind, for a reading process."""
        return Parts(t.Tally(by_vm=self.tally.by_vm), apart=True)

    def add(self, run: Run, record: RunRecord) -> None:
        """Tally a run as it is folded (in a reading process: ``Full`` past a name cap)."""
        self.tally.add(run, record)
        if self.apart and self.tally.full:
            raise Full

    def joinable(self) -> bool:
        """Whether a part read apart may still be joined to this tally: not once it has
        reached a name cap (a name the part tracks may have gone to ``(other)`` here)."""
        return not self.tally.full

    def dumps(self) -> bytes:
        """The tally, for the parent."""
        return msgspec.msgpack.encode(_wire(self.tally))

    def join(self, data: bytes) -> None:
        """Add a reading process's tally."""
        theirs = _tally(_DECODER.decode(data))
        self.inexact = self.inexact or theirs.full or self.tally.full
        self.tally.merge(theirs)
        self.inexact = self.inexact or self.tally.full


_DECODER = msgspec.msgpack.Decoder(_Tally)


def _wire(x: t.Tally) -> _Tally:
    def steps(s: t.Steps) -> _Steps:
        return _Steps(s.durations.wire(), s.failed, s.skipped)

    return _Tally(
        x.by_vm,
        (x.runs, x.failed, x.events, x.malformed),
        (x.first_malformed, x.last_malformed),
        [(name, steps(s)) for name, s in x.steps.items()],
        [(vm, step, steps(s)) for (vm, step), s in x.vm_steps.items()],
        [(name, runs, failed) for name, (runs, failed) in x.vms.items()],
        [(k, _Group(g.count, g.first, g.last, g.example)) for k, g in x.groups.items()],
        [(k, _Runs(r.count, r.failed, r.durations.wire())) for k, r in x.commands.items()],
        x.tokens.wire(),
    )


def _tally(w: _Tally) -> t.Tally:
    def steps(s: _Steps) -> t.Steps:
        made = t.Steps(s.durations.limit)
        made.durations, made.failed, made.skipped = Durations.of(s.durations), s.failed, s.skipped
        return made

    x = t.Tally(by_vm=w.by_vm)
    x.runs, x.failed, x.events, x.malformed = w.counts
    x.first_malformed, x.last_malformed = w.malformed_at
    x.steps = {name: steps(s) for name, s in w.steps}
    x.vm_steps = {(vm, step): steps(s) for vm, step, s in w.vm_steps}
    x.vms = {name: [runs, failed] for name, runs, failed in w.vms}
    for key, g in w.groups:
        group = x.groups[key] = t.Group(g.first, g.example)
        group.count, group.last = g.count, g.last
    for key, r in w.commands:
        runs = x.commands[key] = t.Runs()
        runs.count, runs.failed, runs.durations = r.count, r.failed, Durations.of(r.durations)
    x.tokens = Durations.of(w.tokens)
    return x
