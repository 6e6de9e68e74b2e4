"""Reading a large file on several cores: byte ranges read at once, their Runs merged.

Only where nothing is shown line by line (``--summary-only``, ``--format
json``): then no output order needs keeping, and the Runs of consecutive
ranges are joined by ``merge``. The first range is read here, straight into
the Run; each other range in a forked child that sends its part Run back.
Measured on the 2-core bench machine: 1.73 s of reading for 1 M lines becomes
0.89 s (see the README's performance section).
"""

from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING, BinaryIO, Final, cast

from castra_tail.filters import Selector
from castra_tail.input.framing import batches
from castra_tail.input.unpack import HEAD, kind_of
from castra_tail.inputs import Chunk
from castra_tail.merge import merge
from castra_tail.output.modes import Silent
from castra_tail.pipeline import consume
from castra_tail.state import Run

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

#: Below this a fork costs more than it saves.
MIN_BYTES: Final = 16 << 20
_SCAN: Final = 1 << 16


def jobs_available() -> int:
    """How many cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worth_it(path: str, jobs: int) -> bool:
    """Whether reading ``path`` in ``jobs`` parts pays (and can be done)."""
    try:
        if not (jobs > 1 and os.path.isfile(path) and os.path.getsize(path) >= MIN_BYTES):
            return False
        with open(path, "rb") as f:
            return kind_of(f.read(HEAD)) is None  # a compressed file has no lines to split at
    except OSError:
        return False


def read_file(path: str, run: Run, max_line: int, jobs: int) -> None:
    """Read ``path`` into ``run``: the first range here, the others in child processes."""
    import multiprocessing  # only when a file is big enough to split

    ranges = split(path, jobs)
    context = multiprocessing.get_context("fork")
    children: list[tuple[BaseProcess, Connection]] = []
    try:
        for lo, hi in ranges[1:]:
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=_child, args=(path, lo, hi, max_line, send), daemon=True
            )
            process.start()
            send.close()
            children.append((process, receive))
        before = run.lines
        _read_range(path, *ranges[0], max_line, run)
        offset = run.lines - before
        for child, receive in children:
            part: Run = receive.recv()
            merge(run, part, line_offset=offset)
            offset += part.lines
            child.join()
    finally:
        for child, _ in children:
            if child.is_alive():
                child.terminate()
                child.join()


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


def _child(path: str, lo: int, hi: int, max_line: int, send: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    part = Run(part=True)
    _read_range(path, lo, hi, max_line, part)
    send.send(part)
    send.close()


def _read_range(path: str, lo: int, hi: int, max_line: int, run: Run) -> None:
    with open(path, "rb") as f:
        stream = cast(BinaryIO, _Range(f, lo, hi))
        items = (Chunk(path, *batch) for batch in batches(stream, max_line) if batch is not None)
        consume(items, run, Silent(), Selector(), None)


class _Range:
    """Bytes ``lo`` to ``hi`` of an open file, as a stream."""

    def __init__(self, f: BinaryIO, lo: int, hi: int) -> None:
        f.seek(lo)
        self.f, self.left = f, hi - lo

    def read1(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        chunk = self.f.read(min(size if size > 0 else self.left, self.left))
        self.left -= len(chunk)
        return chunk

    read = read1
