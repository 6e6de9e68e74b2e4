"""Framing: byte streams → batches of numbered lines, in bounded memory.

A batch is what one read returned, split into complete lines: the caller
handles a batch and flushes once, so a slow producer's line shows at once and a
fast producer's lines go through in bulk. Reads never wait to fill a buffer:
a pipe read returns what is there. A line longer than the limit is never held
in memory; it is counted and replaced by a ``Skipped`` marker, and a long
run of blank lines by one ``Blanks``. Compressed input (gzip, bzip2, xz) is
recognised by its first bytes and unpacked as it streams.
"""

from __future__ import annotations

import errno
import os
import select
import stat
from collections.abc import Callable, Iterator
from typing import BinaryIO, Final, cast

from castra_tail.input.unpack import CorruptInput, unpacked
from castra_tail.render.text import size as human_size

CHUNK: Final = 1 << 20
DEFAULT_MAX_LINE: Final = 16 << 20
BOM: Final = b"\xef\xbb\xbf"


class Marker(bytes):
    """An empty ``bytes`` in place of lines not held in memory; equal by what it says.

    Empty, so the hot loop's one ``if not line`` test sets it aside with blank
    lines, at no cost to the others.
    """

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    def __hash__(self) -> int:
        return hash((type(self), *vars(self).values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, vars(self).values()))})"


class Skipped(Marker):
    """In place of a line that could not be kept: only why."""

    reason: str

    def __new__(cls, reason: str) -> Skipped:
        line = super().__new__(cls, b"")
        line.reason = reason
        return line


class Broken(Skipped):
    """In place of the rest of a compressed input cut short or corrupt.

    ``problem`` is what is wrong (``bzip2 data ends early (truncated)``): the
    stream is incomplete (``Run.missing``).
    """

    problem: str

    def __new__(cls, exc: CorruptInput) -> Broken:
        line = cast(Broken, super().__new__(cls, str(exc)))
        line.problem = exc.problem
        return line


class Blanks(Marker):
    """In place of ``lines`` blank lines in a row (``\\n`` or ``\\r\\n``), held as one.

    It is the last line of its batch; the next batch is numbered after the run.
    """

    lines: int

    def __new__(cls, lines: int) -> Blanks:
        blanks = super().__new__(cls, b"")
        blanks.lines = lines
        return blanks


def oversized(size: int) -> Skipped:
    """A line of ``size`` bytes, longer than the limit: never held in memory."""
    return Skipped(f"line of {human_size(size)} is longer than --max-line-bytes")


Line = bytes  # or a Marker
Batch = tuple[int, list[Line]]


def unreadable(path: str) -> str | None:
    """Why ``path`` cannot be read as an input, or None when it can.

    A regular file is opened to be sure. Anything else (a FIFO, ``/dev/stdin``,
    ``<(…)``) is only looked at: opening and closing a FIFO would take its writer's
    data with it, or leave the real open waiting for a writer that is gone.
    """
    if path == "-":
        return None
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            return "is a directory"
        if not stat.S_ISREG(mode):
            return None if os.access(path, os.R_OK) else os.strerror(errno.EACCES)
        with open(path, "rb"):
            return None
    except OSError as exc:
        return exc.strerror or str(exc)


def batches(
    stream: BinaryIO,
    max_line: int = DEFAULT_MAX_LINE,
    idle: float | None = None,
    tee: Callable[[bytes], object] | None = None,
) -> Iterator[Batch | None]:
    """Yield ``(number of the first line, lines)`` for each read of ``stream``.

    Lines come without their ``\\n`` (a ``\\r`` before it is kept: it is part of
    the original bytes). A UTF-8 BOM at the start is dropped. The last line may
    lack its newline. With ``idle``, None is yielded each time nothing arrived
    for that many seconds, so a live view can refresh while the producer is quiet.
    ``tee`` gets every byte of the (unpacked) stream as it is read (``--save``).
    A long run of blank lines comes as one ``Blanks`` (see ``Framer``).
    """
    framer = Framer(max_line)
    chunks = unpacked(_chunks(stream, idle))
    broken: Broken | None = None
    while True:
        try:
            chunk = next(chunks, b"")
        except CorruptInput as exc:
            broken = Broken(exc)
            chunk = b""
        if chunk is None:
            yield None
            continue
        if not chunk:
            break
        if tee is not None:
            tee(chunk)
        yield from framer.feed(chunk)
    yield from framer.end(broken)


def _chunks(stream: BinaryIO, idle: float | None) -> Iterator[bytes | None]:
    fd = _fileno(stream) if idle is not None else None
    if fd is None:
        read = getattr(stream, "read1", None) or stream.read
        while chunk := read(CHUNK):
            yield chunk
        return
    # Raw reads on the descriptor: select() then tells the truth (no hidden buffer).
    while True:
        ready, _, _ = select.select([fd], [], [], idle)
        if not ready:
            yield None
            continue
        chunk = os.read(fd, CHUNK)
        if not chunk:
            return
        yield chunk


def _fileno(stream: BinaryIO) -> int | None:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None


def drop_bom(lines: list[Line]) -> None:
    first = lines[0]
    if isinstance(first, bytes) and first.startswith(BOM):
        lines[0] = first[len(BOM) :]


#: Blank lines in a row from which they are held as one ``Blanks``: 200 MiB of
#: newlines then cost what unpacking them costs, not 200 M turns of the hot loop.
_RUN: Final = 1024
_RUNS: Final = (b"\n" * _RUN, b"\r\n" * _RUN)


class Framer:
    """Splits one stream's chunks into numbered batches of lines.

    It holds at most ``max_line`` bytes of a pending line, drops a BOM at the
    start, and holds a long run of blank lines as one ``Blanks`` that ends its
    batch, so line numbers stay right without a line per blank.
    """

    def __init__(self, max_line: int, *, first_line: int = 1, at_start: bool = True) -> None:
        """``first_line``: the number of the first line; ``at_start``: the stream's start
        (a BOM there is dropped), false for a byte range from the middle of a file."""
        self.max_line = max_line
        self.parts: list[bytes] = []
        self.held = 0
        self.skipped = 0  # > 0 while dropping an oversized line
        self.lineno = first_line  # of the next line
        self.bom = at_start  # a BOM may still start the first line

    def feed(self, chunk: bytes) -> list[Batch]:
        """The batches of lines that ``chunk`` completes."""
        if _RUNS[0] in chunk or _RUNS[1] in chunk:
            return self._numbered(self._lines_and_runs(chunk), runs=True)
        return self._numbered(self._lines(chunk))

    def end(self, last: Line | None = None) -> list[Batch]:
        """At the end of the stream: the last line if it lacks a newline, then ``last``."""
        lines = [self._close(b"")] if self.skipped or self.parts else []
        if last is not None:
            lines.append(last)
        return self._numbered(lines)

    def _numbered(self, lines: list[Line], *, runs: bool = False) -> list[Batch]:
        if not lines:
            return []
        first = self.lineno
        if self.bom:
            drop_bom(lines)
            self.bom = False
        if not runs:  # the usual case
            self.lineno += len(lines)
            return [(first, lines)]
        batches: list[Batch] = []
        start = 0
        for i, line in enumerate(lines):
            if isinstance(line, Blanks):  # it ends its batch; the next is numbered after it
                batches.append((first, lines[start : i + 1]))
                first += i - start + line.lines
                start = i + 1
        if start < len(lines):
            batches.append((first, lines[start:]))
            first += len(lines) - start
        self.lineno = first
        return batches

    def _lines_and_runs(self, chunk: bytes) -> list[Line]:
        """``_lines``, but each long run of blank lines is one ``Blanks``."""
        lines: list[Line] = []
        start = 0
        # Where each kind of run is found next (-1: nowhere). Searching a chunk of
        # newlines for a run of CRLFs is slow: don't, when there is no CR at all.
        at = [-2, -2 if b"\r" in chunk else -1]
        while True:
            at = [
                a if a == -1 or a >= start else chunk.find(r, start)
                for a, r in zip(at, _RUNS, strict=True)
            ]
            if at == [-1, -1]:
                break
            i = min(a for a in at if a >= 0)
            run = _RUNS[0] if i == at[0] else _RUNS[1]
            unit = run[: len(run) // _RUN]
            end = i + len(unit)  # its first newline ends the line before
            lines += self._lines(chunk[start:end])
            stop = end
            while chunk.startswith(run, stop):
                stop += len(run)
            while chunk.startswith(unit, stop):
                stop += len(unit)
            lines.append(Blanks((stop - end) // len(unit)))
            start = stop
        if start < len(chunk):
            lines += self._lines(chunk[start:])
        return lines

    def _lines(self, chunk: bytes) -> list[Line]:
        pieces = chunk.split(b"\n")
        tail = pieces.pop()
        if not pieces:  # no newline in this chunk: the pending line grows
            self._hold(tail)
            return []
        lines: list[Line] = [self._close(pieces[0])]
        if len(pieces) > 1:
            if self.max_line < CHUNK:
                lines.extend(self._bounded(p) for p in pieces[1:])
            else:
                lines.extend(pieces[1:])
        self._hold(tail)
        return lines

    def _hold(self, piece: bytes) -> None:
        if not piece:
            return
        if self.skipped:
            self.skipped += len(piece)
            return
        self.held += len(piece)
        if self.held > self.max_line:
            self.skipped, self.parts, self.held = self.held, [], 0
        else:
            self.parts.append(piece)

    def _close(self, head: bytes) -> Line:
        if self.skipped:
            size, self.skipped = self.skipped + len(head), 0
            return oversized(size)
        if self.parts:
            self.parts.append(head)
            head = b"".join(self.parts)
            self.parts, self.held = [], 0
        return self._bounded(head)

    def _bounded(self, line: bytes) -> Line:
        return oversized(len(line)) if len(line) > self.max_line else line
