"""Reading a big plain file on several cores: byte ranges read at once, their Runs merged.

Only where nothing is shown line by line (``--summary-only``, ``--format
json``), and only for a plain file: compressed bytes cannot be cut at a line,
so an archive is read in one process. The first range is read here, straight
into the Run; each other range by a forked process that sends its part Run
back (wire.py) for ``merge`` to join on.

A part must be exactly what reading on in one go would give. Past MAX_VMS VMs
it is not (which VMs a Run keeps depends on what came before), so a reading
process stops when its part holds MAX_VMS VMs and says where: the rest of its
range is read here. That also keeps a log of many thousands of VMs from paying
to send them: most of it is read here, where nothing is sent.

Signals: reading processes ignore SIGINT and die of SIGTERM, with no handler of
the parent's (no traceback); on a stop the parent kills and reaps them. A
reading process that fails loses nothing: its range is read here instead.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import struct
from collections.abc import Iterator
from typing import BinaryIO, Final, NoReturn

import msgspec

from castra_tail.filters import Selector
from castra_tail.input.framing import CHUNK, Framer
from castra_tail.input.sources import Chunk
from castra_tail.input.unpack import HEAD, kind_of
from castra_tail.output.modes import Silent
from castra_tail.pipeline import consume
from castra_tail.run import wire
from castra_tail.run.merge import merge
from castra_tail.run.state import Run
from castra_tail.run.vms import MAX_VMS
from castra_tail.stops import STOP_SIGNALS

#: Below this a fork costs more than it saves.
MIN_BYTES: Final = 16 << 20
#: The least a reading process is given.
MIN_PART: Final = 8 << 20
#: A reading process looks at its VMs this often: its part may grow by the VMs of
#: one step (at most ~6,000 at ≥ 42 bytes a line) past MAX_VMS, never past 2 × MAX_VMS.
_STEP: Final = 256 << 10
_SCAN: Final = 1 << 16
_CUT: Final = struct.Struct("<Q")


def jobs_available() -> int:
    """How many cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


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


def read_file(path: str, run: Run, max_line: int, jobs: int) -> None:
    """Read ``path`` into ``run`` in ``jobs`` ranges: the first here, the others in processes."""
    ranges = split(path, jobs)
    children: list[_Child | None] = []
    before = run.lines
    try:
        for lo, hi in ranges[1:]:
            children.append(_Child.start(path, lo, hi, max_line))
        with open(path, "rb") as f:
            _read_range(f, path, *ranges[0], max_line, run, first_line=1)
            for child, (lo, hi) in zip(children, ranges[1:], strict=True):
                cut, part = child.result(run) if child is not None else (lo, None)
                if part is not None:
                    with _signals_held():  # a stop mid-merge would leave a Run half joined
                        merge(run, part, line_offset=run.lines - before)
                if cut < hi:
                    _read_range(f, path, cut, hi, max_line, run, run.lines - before + 1)
    finally:
        for child in children:
            if child is not None:
                child.end()


def split(path: str, parts: int) -> list[tuple[int, int]]:
    """Byte ranges of ``path``, each starting at the start of a line."""
    size = os.path.getsize(path)
    cuts = [0]
    with open(path, "rb") as f:
        for k in range(1, parts):
            start = _next_line(f, max(cuts[-1], k * size // parts))
            if cuts[-1] < start < size:
                cuts.append(start)
    cuts.append(size)
    return list(zip(cuts, cuts[1:], strict=False))


def _next_line(f: BinaryIO, pos: int) -> int:
    """The offset just after the first newline at or after ``pos``, a block at a time."""
    f.seek(pos)
    while block := f.read(_SCAN):
        newline = block.find(b"\n")
        if newline >= 0:
            return pos + newline + 1
        pos += len(block)
    return pos


def _read_range(
    f: BinaryIO, path: str, lo: int, hi: int, max_line: int, run: Run, first_line: int
) -> None:
    """Bytes ``lo`` to ``hi`` (whole lines) of ``f`` into ``run``, numbered from ``first_line``."""
    consume(_chunks(f, path, lo, hi, max_line, first_line), run, Silent(), Selector(), None)


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
    """A forked process reading one range into a part Run, sent back through a pipe."""

    def __init__(self, pid: int, fd: int, lo: int) -> None:
        self.pid, self.fd, self.lo = pid, fd, lo

    @classmethod
    def start(cls, path: str, lo: int, hi: int, max_line: int) -> _Child | None:
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
                    _child(path, lo, hi, max_line, write_end)
        except OSError:
            os.close(read_end)
            return None
        finally:
            gc.unfreeze()
            os.close(write_end)
        return cls(pid, read_end, lo)

    def result(self, into: Run) -> tuple[int, Run | None]:
        """Where the child stopped, and its part for ``into`` (``(lo, None)`` when it failed)."""
        with os.fdopen(self.fd, "rb") as pipe:
            self.fd = -1
            data = pipe.read()  # the parent waits for no more than the child's reading
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        if status != 0 or len(data) < _CUT.size:
            return self.lo, None
        (cut,) = _CUT.unpack_from(data)
        if cut <= self.lo:
            return self.lo, None
        try:
            return cut, wire.loads(memoryview(data)[_CUT.size :], into)
        except msgspec.MsgspecError:  # never expected; the range is read here then
            return self.lo, None

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


def _child(path: str, lo: int, hi: int, max_line: int, fd: int) -> NoReturn:
    """The forked process: read, send ``cut`` and the part, and exit without cleanup."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        part = Run(part=True, max_vms=2 * MAX_VMS)
        cut = _read_part(path, lo, hi, max_line, part)
        data = _CUT.pack(cut) + (wire.dumps(part) if cut > lo else b"")
        with open(fd, "wb") as out:
            out.write(data)
        code = 0
    finally:
        os._exit(code)  # nothing of the parent's (buffers, atexit) runs here


def _read_part(path: str, lo: int, hi: int, max_line: int, part: Run) -> int:
    """Read from ``lo`` until ``part`` holds MAX_VMS VMs, or to ``hi``; where it stopped.

    ``lo`` when the part is not exact (it had to leave a VM untracked).
    """
    pos = lo
    with open(path, "rb") as f:
        while pos < hi and len(part.vms) < MAX_VMS:
            end = hi if pos + _STEP >= hi else min(hi, _next_line(f, pos + _STEP))
            _read_range(f, path, pos, end, max_line, part, part.lines + 1)
            pos = end
    return lo if part.fleet.untracked else pos
