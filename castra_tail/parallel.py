"""Reading a big plain file on several cores: ranges of whole runs read at once, then joined.

Only where nothing is shown line by line (``--summary-only``, ``--format
json``) and every run is judged (no ``--run``), and only for a plain file:
compressed bytes cannot be cut at a line, so an archive is read in one
process. A file is cut only where a run begins (a ``command.accepted`` line):
each range is then a stream of whole runs, and joining them is appending
their runs (``Stream.absorb``) — exactly what reading on in one go gives. A
file of one run (Castra's own streams have no ``command.*`` events) is read in
one process: there is nowhere to cut it.

The first range is read here; each other by a forked process that sends its
part back (wire.py). Signals: reading processes ignore SIGINT and die of
SIGTERM, with no handler of the parent's (no traceback); on a stop the
parent kills and reaps them. A reading process that fails loses nothing:
its range is read here instead.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
from collections.abc import Iterator
from typing import BinaryIO, Final, NoReturn, Protocol

import msgspec

from castra_tail.contract import events as ev
from castra_tail.contract.decode import DECODER
from castra_tail.filters import Selector
from castra_tail.input.framing import CHUNK, Framer
from castra_tail.input.sources import Chunk
from castra_tail.input.unpack import HEAD, kind_of
from castra_tail.output.modes import Silent
from castra_tail.pipeline import consume
from castra_tail.run import wire
from castra_tail.run.log import RunRecord
from castra_tail.run.state import Run
from castra_tail.run.stream import Stream
from castra_tail.run.verdict import Policy
from castra_tail.stops import STOP_SIGNALS

#: Below this a fork costs more than it saves.
MIN_BYTES: Final = 16 << 20
#: The least a reading process is given.
MIN_PART: Final = 8 << 20
_ACCEPTED: Final = b'"command.accepted"'


def jobs_available() -> int:
    """How many cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def idle_cores(load: float | None = None) -> int:
    """The default ``-j``: the cores this process may use less those the rest of the machine
    keeps busy (``load``, rounded; by default ``busy_cores()``), at least one.

    A process reading a range on a busy core only takes turns with the work
    already there: the answer is no sooner, and the fork, the cut and the
    transfer are CPU spent for nothing. Measured on 2 cores, 1 M lines: with one
    core free, two processes take 1.4-1.8 s where one takes 2.3-2.6 s, for the same
    CPU within 4 %; with both busy, the same wall time as one process, and more CPU.
    """
    if load is None:
        load = busy_cores()
    return max(1, jobs_available() - round(load))


def busy_cores() -> float:
    """How many cores the rest of the machine keeps busy: the last minute's load average,
    or the tasks runnable right now besides this one when they are fewer.

    The average trails by a minute: just after a job (a build, the tests, an earlier
    reading) it still counts cores that are idle now, and a second process would
    then never be started where it pays most.
    """
    try:
        average = os.getloadavg()[0]
    except OSError:  # no load average here: take every core
        return 0.0
    now = runnable_others()
    return average if now is None else min(average, now)


#: The kernel's load figures: the fourth field is ``runnable/all`` tasks, right now.
LOADAVG: Final = "/proc/loadavg"


def runnable_others(path: str = LOADAVG) -> int | None:
    """How many tasks other than this one are runnable right now (None: not known here)."""
    try:
        with open(path, "rb") as f:
            runnable = int(f.read().split()[3].split(b"/")[0])
    except (OSError, ValueError, IndexError):
        return None
    return max(0, runnable - 1)  # this process, reading, is one of them


def parts(path: str, jobs: int) -> int:
    """How many processes should read ``path``: 1 unless it is a big plain file.

    ``jobs`` is capped at the cores there are (more processes would only take
    turns) and at one per MIN_PART bytes.
    """
    jobs = min(jobs, jobs_available())
    try:
        if jobs < 2 or not os.path.isfile(path) or os.path.getsize(path) < MIN_BYTES:
            return 1
        with open(path, "rb") as f:
            if kind_of(f.read(HEAD)) is not None:  # compressed: one stream, read in one go
                return 1
        return max(1, min(jobs, os.path.getsize(path) // MIN_PART))
    except OSError:
        return 1


class Extra(Protocol):
    """What a tool adds up beside the stream, from each run as it is folded (``stats``):
    a reading process keeps one of its own and sends it with its part, to be joined."""

    def fresh(self) -> Extra:
        """An empty one, for a reading process."""
        ...

    def add(self, run: Run, record: RunRecord) -> None:
        """Add a run as it is folded (the stream's ``on_fold``)."""
        ...

    def dumps(self) -> bytes:
        """It, for the parent."""
        ...

    def join(self, data: bytes) -> None:
        """Add what a reading process's ``dumps`` wrote (msgspec.DecodeError if not that)."""
        ...

    def joinable(self) -> bool:
        """Whether the next part may be joined as reading in order would add it up (False:
        its range is read here, in order)."""
        ...


class _Sent(msgspec.Struct, array_like=True, gc=False):
    part: bytes  # wire.dumps: the lines and runs read, and the last run whole
    extra: bytes  # Extra.dumps, or nothing


_SENT: Final = msgspec.msgpack.Decoder(_Sent)


def read_file(
    path: str, stream: Stream, max_line: int, jobs: int, extra: Extra | None = None
) -> None:
    """Read ``path`` into ``stream`` in up to ``jobs`` ranges: the first here, the others in
    processes (``extra``: what the stream's ``on_fold`` adds up, joined part by part). One
    range when no run begins where the file could be cut."""
    ranges = split(path, jobs)
    children: list[_Child | None] = []
    try:
        for lo, hi, first_line in ranges[1:]:
            fresh = extra.fresh() if extra is not None else None
            children.append(_Child.start(path, lo, hi, first_line, max_line, stream.policy, fresh))
        with open(path, "rb") as f:
            _read_range(f, path, *ranges[0], max_line, stream)
            for child, (lo, hi, first_line) in zip(children, ranges[1:], strict=True):
                stream.end_range()  # folded (and added up) before asking whether to join
                if extra is not None and not extra.joinable() and child is not None:
                    child.end()  # what it sends could not be joined: read its range here
                    child = None
                got = child.result() if child is not None else None
                if got is None:  # no process, or it failed or gave up: the range is read here
                    _read_range(f, path, lo, hi, first_line, max_line, stream)
                    continue
                part, run, theirs = got
                with _signals_held():  # a stop mid-join would leave a stream half joined
                    done, failed = part.runs_counted, part.runs_failed
                    stream.absorb(part.lines, part.records, done, failed, run)
                    if extra is not None:  # after the run under way here was folded: in order
                        extra.join(theirs)
    finally:
        for child in children:
            if child is not None:
                child.end()


def split(path: str, parts: int) -> list[tuple[int, int, int]]:
    """Ranges of ``path`` as (start, end, number of the first line), each but the first
    starting where a run begins; fewer than ``parts`` when the runs are too few."""
    size = os.path.getsize(path)
    cuts = [0]
    with open(path, "rb") as f:
        for k in range(1, parts):
            start = _next_run(f, max(cuts[-1], k * size // parts), (k + 1) * size // parts)
            if start is not None and cuts[-1] < start < size:
                cuts.append(start)
        cuts.append(size)
        lines = _lines_before(f, cuts[1:-1])
    starts = [1, *lines]
    return [(cuts[k], cuts[k + 1], starts[k]) for k in range(len(cuts) - 1)]


def _next_run(f: BinaryIO, pos: int, limit: int) -> int | None:
    """The offset of the first line at or after ``pos`` (before ``limit``) that is a
    ``command.accepted`` event, or None: a run begins there."""
    f.seek(pos)
    carry, base = b"", pos
    while base < limit and (block := f.read(CHUNK)):
        data = carry + block
        start = base - len(carry)
        found = data.find(_ACCEPTED)
        while found >= 0:
            line_start = data.rfind(b"\n", 0, found) + 1
            line_end = data.find(b"\n", found)
            if line_start > 0 or start == 0:  # the whole line is in ``data``
                if line_end < 0:
                    break  # the line goes on in the next block
                if _is_accepted(data[line_start:line_end]) and _ends_run(data, line_start):
                    return start + line_start
            found = data.find(_ACCEPTED, found + 1)
        carry = data[data.rfind(b"\n") + 1 :]
        base += len(block)
    return None


def _is_accepted(line: bytes) -> bool:
    return isinstance(_decoded(line), ev.CommandAccepted)


def _ends_run(data: bytes, line_start: int) -> bool:
    """Whether the line before ``line_start`` ends a command: the run before has ended
    there for sure, and the next begins (a run's opening messages are never cut off)."""
    if line_start == 0:
        return False
    before = data.rfind(b"\n", 0, line_start - 1) + 1
    if before == 0:
        return False  # the line before is not whole in ``data``
    return isinstance(_decoded(data[before : line_start - 1]), _ENDINGS)


def _decoded(line: bytes) -> object:
    try:
        return DECODER.decode(line)
    except Exception:  # noqa: BLE001 - a line that is not an event is simply not a cut
        return None


_ENDINGS: Final = (ev.CommandCompleted, ev.CommandFailed, ev.CommandRejected, ev.Summary)


def _lines_before(f: BinaryIO, cuts: list[int]) -> list[int]:
    """The number of the line each cut starts (1 + the newlines before it)."""
    numbers, seen, pos = [], 0, 0
    f.seek(0)
    for cut in cuts:
        while pos < cut:
            block = f.read(min(CHUNK, cut - pos))
            seen += block.count(b"\n")
            pos += len(block)
        numbers.append(seen + 1)
    return numbers


def _read_range(
    f: BinaryIO, path: str, lo: int, hi: int, first_line: int, max_line: int, stream: Stream
) -> None:
    """Bytes ``lo`` to ``hi`` (whole lines) of ``f`` into ``stream``, numbered from
    ``first_line``."""
    consume(_chunks(f, path, lo, hi, max_line, first_line), stream, Silent(), Selector(), None)


def _chunks(
    f: BinaryIO, path: str, lo: int, hi: int, max_line: int, lineno: int
) -> Iterator[Chunk]:
    # Framed here, not by framing.batches: the bytes of a range's start are not a
    # file's start (no compression magic to look for, no BOM but at offset 0).
    framer = Framer(max_line, first_line=lineno, at_start=lo == 0)
    f.seek(lo)
    left = hi - lo
    while left > 0 and (data := f.read(min(CHUNK, left))):
        left -= len(data)
        for first, lines in framer.feed(data):
            yield Chunk(path, first, lines)
    for first, lines in framer.end():
        yield Chunk(path, first, lines)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait (they are delivered at the end)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class _Child:
    """A forked process reading one range into a stream of its own, sent back through a pipe."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid, self.fd = pid, fd

    @classmethod
    def start(
        cls,
        path: str,
        lo: int,
        hi: int,
        first_line: int,
        max_line: int,
        policy: Policy,
        extra: Extra | None,
    ) -> _Child | None:
        """Fork a process to read ``lo`` to ``hi``; None when none can be had (EAGAIN…)."""
        try:
            read_end, write_end = os.pipe()
        except OSError:
            return None
        # Frozen, the objects of before the fork are not walked by the child's
        # collector, which would copy every page they are on (gc.freeze's docs).
        gc.freeze()
        try:
            with _signals_held():  # until the child has its own dispositions
                pid = os.fork()
                if pid == 0:
                    os.close(read_end)
                    _child(path, lo, hi, first_line, max_line, policy, extra, write_end)
        except OSError:
            os.close(read_end)
            return None
        finally:
            gc.unfreeze()
            os.close(write_end)
        return cls(pid, read_end)

    def result(self) -> tuple[wire.Part, Run, bytes] | None:
        """The part the child read, with its last run whole, and its extra; None when it
        failed."""
        with os.fdopen(self.fd, "rb") as pipe:
            self.fd = -1
            data = pipe.read()  # the parent waits for no more than the child's reading
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        if status != 0 or not data:
            return None
        try:
            sent = _SENT.decode(data)
            return (*wire.loads(sent.part), sent.extra)
        except msgspec.MsgspecError:  # never expected; the range is read here then
            return None

    def end(self) -> None:
        """Kill the child if it still runs, and reap it (bounded: SIGKILL cannot wait)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0


def _child(
    path: str,
    lo: int,
    hi: int,
    first_line: int,
    max_line: int,
    policy: Policy,
    extra: Extra | None,
    fd: int,
) -> NoReturn:
    """The forked process: read the range, send its part, and exit without cleanup."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        part = Stream(policy, on_fold=extra.add if extra is not None else None)
        with open(path, "rb") as f:
            _read_range(f, path, lo, hi, first_line, max_line, part)
        part.settle()  # a range ends where a run does, or where the file does
        log = part.log
        data = wire.dumps(part.lines, log.records(), log.total, log.failed_total, part.current)
        sent = _Sent(data, extra.dumps() if extra is not None else b"")
        with open(fd, "wb") as out:
            out.write(msgspec.msgpack.encode(sent))
        code = 0
    finally:
        os._exit(code)  # nothing of the parent's (buffers, atexit) runs here
