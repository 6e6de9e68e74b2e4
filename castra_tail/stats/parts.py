"""``stats`` of a big plain file on several cores: ranges of whole runs tallied apart, then joined.

The file is cut where ``parallel`` cuts it (only where a run begins, so each
range holds whole runs); the first range is read here, each other one by a
forked process that tallies the runs it folds and sends back its tally and
its last run whole (``run/wire.py``; msgpack, not pickle). Joining a part is
what reading on would have done: the run under way here is folded (and
tallied), the part's tally is added, and its last run goes on here
(``Stream.absorb``). A process that fails loses nothing: its range is read
here instead. Processes ignore SIGINT (the parent stops them) and die of
SIGTERM.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
from collections.abc import Iterator
from typing import BinaryIO, NoReturn

import msgspec

from castra_tail import parallel
from castra_tail.filters import Selector
from castra_tail.input.framing import CHUNK, Framer
from castra_tail.input.sources import Chunk
from castra_tail.output.modes import Silent
from castra_tail.pipeline import consume
from castra_tail.run import wire
from castra_tail.run.state import Run
from castra_tail.run.stream import Stream
from castra_tail.stats import tally as t
from castra_tail.stats.sketch import Durations, Wire
from castra_tail.stops import STOP_SIGNALS


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


class _Sent(msgspec.Struct, array_like=True, gc=False):
    part: bytes  # wire.dumps: the lines and runs read, and the last run whole
    tally: _Tally


_DECODER = msgspec.msgpack.Decoder(_Sent)


def read_file(path: str, stream: Stream, tally: t.Tally, max_line: int, jobs: int) -> None:
    """Tally ``path`` into ``stream`` (whose ``on_fold`` is ``tally.add``) in up to ``jobs``
    ranges: the first here, the others in processes."""
    ranges = parallel.split(path, jobs)
    children = [_Child.start(path, *r, max_line, tally.by_vm) for r in ranges[1:]]
    try:
        with open(path, "rb") as f:
            consume(_chunks(f, path, *ranges[0], max_line), stream, Silent(), Selector(), None)
            for child, r in zip(children, ranges[1:], strict=True):
                got = child.result() if child is not None else None
                if got is None:  # no process, or it failed: the range is read here
                    consume(_chunks(f, path, *r, max_line), stream, Silent(), Selector(), None)
                    continue
                part, run, theirs = got
                stream.absorb(part.lines, [], part.runs_counted, part.runs_failed, run)
                tally.merge(theirs)  # after the run under way here was folded, in order
    finally:
        for child in children:
            if child is not None:
                child.end()


def _chunks(f: BinaryIO, path: str, lo: int, hi: int, line: int, max_line: int) -> Iterator[Chunk]:
    """Bytes ``lo`` to ``hi`` of ``f``, in numbered lines from ``line``."""
    framer = Framer(max_line, first_line=line, at_start=lo == 0)
    f.seek(lo)
    left = hi - lo
    while left > 0 and (data := f.read(min(CHUNK, left))):
        left -= len(data)
        for first, lines in framer.feed(data):
            yield Chunk(path, first, lines)
    for first, lines in framer.end():
        yield Chunk(path, first, lines)


def dumps(stream: Stream, tally: t.Tally) -> bytes:
    """What a reading process sends: its stream's part (its last run whole) and its tally."""
    log = stream.log
    part = wire.dumps(stream.lines, [], log.total, log.failed_total, stream.current)
    return msgspec.msgpack.encode(_Sent(part, _wire(tally)))


def loads(data: bytes) -> tuple[wire.Part, Run, t.Tally]:
    """What ``dumps`` wrote (msgspec.DecodeError when it is not that)."""
    sent = _DECODER.decode(data)
    part, run = wire.loads(sent.part)
    return part, run, _tally(sent.tally)


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


class _Child:
    """A forked process tallying one range; what it sends comes through a pipe."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid, self.fd = pid, fd

    @classmethod
    def start(
        cls, path: str, lo: int, hi: int, line: int, max_line: int, by_vm: bool
    ) -> _Child | None:
        """Fork a process to tally ``lo`` to ``hi``; None when none can be had."""
        try:
            read_end, write_end = os.pipe()
        except OSError:
            return None
        gc.freeze()  # the child's collector would otherwise copy every page it walks
        try:
            with _signals_held():
                pid = os.fork()
                if pid == 0:
                    os.close(read_end)
                    _child(path, lo, hi, line, max_line, by_vm, write_end)
        except OSError:
            os.close(read_end)
            return None
        finally:
            gc.unfreeze()
            os.close(write_end)
        return cls(pid, read_end)

    def result(self) -> tuple[wire.Part, Run, t.Tally] | None:
        """What the child read; None when it failed."""
        with os.fdopen(self.fd, "rb") as pipe:
            self.fd = -1
            data = pipe.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        if status != 0 or not data:
            return None
        try:
            return loads(data)
        except msgspec.MsgspecError:  # never expected; the range is read here then
            return None

    def end(self) -> None:
        """Kill the child if it still runs, and reap it."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _child(path: str, lo: int, hi: int, line: int, max_line: int, by_vm: bool, fd: int) -> NoReturn:
    """The forked process: tally the range, send it, exit without cleanup."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        tally = t.Tally(by_vm=by_vm)
        stream = Stream(on_fold=tally.add)
        with open(path, "rb") as f:
            consume(_chunks(f, path, lo, hi, line, max_line), stream, Silent(), Selector(), None)
        with open(fd, "wb") as out:
            out.write(dumps(stream, tally))
        code = 0
    finally:
        os._exit(code)
