"""Where lines come from: files, standard input, a wrapped command; followed or not.

``read_inputs`` turns the sources into one sequence of items for the app loop:
a ``Chunk`` of numbered lines from one source, a ``Notice`` about a source
(a followed file was replaced or truncated), or ``None`` when nothing arrived
for a while (a live view refreshes then).
"""

from __future__ import annotations

import os
import queue
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO, Final, Protocol, cast

from castra_tail import group
from castra_tail.input.framing import CHUNK, Batch, Broken, Framer, Line, batches
from castra_tail.input.unpack import CorruptInput, Unpacking

STDIN_NAME: Final = "<stdin>"
#: How often a followed file is looked at when nothing arrives (tail -f polls at 1 s).
POLL: Final = 0.1
#: How long to wait for a quiet live input before a refresh tick.
IDLE: Final = 0.05


@dataclass(frozen=True, slots=True)
class Chunk:
    """Complete lines that arrived together from one source."""

    source: str
    first: int
    lines: list[Line]


@dataclass(frozen=True, slots=True)
class Notice:
    """Something to say about a source, in one line."""

    source: str
    text: str


Item = Chunk | Notice | None


class Source(Protocol):
    """An input: a name for messages, and a way to open it as bytes."""

    @property
    def name(self) -> str:
        """How the source is named in messages."""
        ...

    def open(self) -> BinaryIO:
        """A binary stream to read lines from (closed by the caller)."""
        ...


@dataclass(frozen=True, slots=True)
class FileSource:
    """A file path, or ``-`` for standard input."""

    path: str

    @property
    def name(self) -> str:
        """How the source is named in messages."""
        return STDIN_NAME if self.path == "-" else self.path

    @property
    def live(self) -> bool:
        """True for a pipe, FIFO, socket or terminal (``-``, ``/dev/stdin``, ``<(…)``, a
        named FIFO): lines arrive as they are written."""
        try:
            if self.path == "-":
                mode = os.fstat(sys.stdin.fileno()).st_mode
            else:
                mode = os.stat(self.path).st_mode
        except (AttributeError, OSError, ValueError):
            return False
        return not stat.S_ISREG(mode)

    def open(self) -> BinaryIO:
        """Open for reading (standard input is lent, not closed, by the caller's ``with``)."""
        if self.path == "-":
            return cast(BinaryIO, _Lent(sys.stdin.buffer))
        return open(self.path, "rb")  # noqa: SIM115 - the caller closes it


class _Lent:
    """A stream used but not owned: leaving ``with`` does not close it."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.read1 = getattr(stream, "read1", None) or stream.read
        self.read = stream.read

    def fileno(self) -> int:
        return self._stream.fileno()

    def __enter__(self) -> _Lent:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


@dataclass
class CommandSource:
    """``castra-tail -- COMMAND ARGS…``: the command's stdout is the stream.

    Its stderr is read on a thread and handed over as lines (``stderr_lines``),
    so it can be shown in the stream without breaking a live panel. It runs as
    the leader of its own process group (group.py), so that a stop reaches all
    it started.
    """

    argv: Sequence[str]
    process: subprocess.Popen[bytes] | None = None
    stderr_lines: queue.SimpleQueue[bytes] = field(default_factory=queue.SimpleQueue)
    _reader: threading.Thread | None = None

    @property
    def name(self) -> str:
        return os.path.basename(self.argv[0])

    live = True

    def open(self) -> BinaryIO:
        """Start the command in a group of its own (raises OSError when it cannot be run)."""
        self.process = subprocess.Popen(  # noqa: S603 - running the user's command is the point
            list(self.argv),
            stdin=group.stdin(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            process_group=0,
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        self._reader = threading.Thread(
            target=_pump, args=(self.process.stderr, self.stderr_lines), daemon=True
        )
        self._reader.start()
        return cast(BinaryIO, self.process.stdout)

    def pass_on(self, signum: int) -> None:
        """Pass a signal that stops castra-tail on to the command's whole group."""
        if self.process is not None:
            group.pass_on(self.process, signum)

    def kill(self) -> None:
        """End the command's whole group now (a second signal)."""
        if self.process is not None:
            group.send(self.process, signal.SIGKILL)

    def wait(self, *, stopped: bool = False) -> int:
        """The command's exit status, shell style (128+N when killed by signal N).

        Unless ``stopped``, as long as the command runs (it may work on after closing
        its stdout); after a stop, a bounded wait that ends the whole group.
        """
        assert self.process is not None
        code = group.end(self.process) if stopped else self.process.wait()
        if self._reader is not None:
            self._reader.join(1.0)
        return 128 - code if code < 0 else code


def _pump(stream: BinaryIO, out: queue.SimpleQueue[bytes]) -> None:
    for line in iter(lambda: stream.readline(CHUNK), b""):
        out.put(line.rstrip(b"\r\n"))


def read_inputs(
    sources: Sequence[Source],
    max_line: int,
    *,
    follow: str | None = None,
    live: bool = False,
    tee: Callable[[bytes], object] | None = None,
) -> Iterator[Item]:
    """Every item of every source, in order; followed files last, round robin.

    ``follow`` is None, ``"descriptor"`` (``-f``) or ``"name"`` (``-F``). ``live``
    asks for idle ticks (``None`` items) while a source is quiet. ``tee`` gets
    every byte read, in order (``--save``).
    """
    idle = IDLE if live else None
    followed: list[_Followed] = []
    for source in sources:
        if follow and isinstance(source, FileSource) and source.path != "-":
            followed.append(_Followed(source.path, max_line, by_name=follow == "name", tee=tee))
            continue
        with source.open() as stream:
            for batch in batches(stream, max_line, idle, tee):
                yield None if batch is None else Chunk(source.name, batch[0], batch[1])
    yield from _follow(followed)


def _follow(files: list[_Followed]) -> Iterator[Item]:
    if not files:
        return
    try:
        while True:
            quiet = True
            for f in files:
                for item in f.poll():
                    quiet = False
                    yield item
            if quiet:
                yield None
                time.sleep(POLL)
    finally:
        for f in files:
            f.close()


class _Followed:
    """A file read as it grows (``-f``), and reopened when replaced (``-F``).

    A compressed file is unpacked as it grows; a replaced or truncated file is a
    new stream (numbered from 1, its compression found again). A FIFO is read
    as ``tail -f`` reads it: writer after writer, without blocking the others.
    """

    def __init__(
        self, path: str, max_line: int, *, by_name: bool, tee: Callable[[bytes], object] | None
    ) -> None:
        self.path, self.max_line, self.by_name, self.tee = path, max_line, by_name, tee
        self.file: BinaryIO | None = None
        self.ident: tuple[int, int] | None = None
        self.regular = True
        self._restart()
        self._open()

    def _restart(self) -> None:
        """Read what follows as a new stream."""
        self.framer, self.unpacking, self.pos = Framer(self.max_line), Unpacking(), 0
        self.broken = False  # its compressed data broke: the rest of it is skipped

    def _open(self) -> bool:
        try:
            # Non-blocking: a FIFO opens without a writer, and a quiet one never
            # holds up the other followed files.
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            return False
        self.file = os.fdopen(fd, "rb")
        st = os.fstat(fd)
        self.ident, self.regular = (st.st_dev, st.st_ino), stat.S_ISREG(st.st_mode)
        self._restart()
        return True

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None

    def poll(self) -> list[Chunk | Notice]:
        """What arrived since the last poll, and what happened to the file."""
        if self.file is None:
            if not (self.by_name and self._open()):
                return []
            return [Notice(self.path, "appeared; reading it from the start"), *self._drain()]
        items: list[Chunk | Notice] = list(self._drain())
        if self.by_name and self._replaced():
            items += self._end()
            self.close()
            if self._open():
                items.append(Notice(self.path, "was replaced; reading the new file from the start"))
                items += self._drain()
        elif self.regular and os.fstat(self.file.fileno()).st_size < self.pos:
            items += self._end()
            self.file.seek(0)
            self._restart()
            items.append(Notice(self.path, "was truncated; reading it again from the start"))
            items += self._drain()
        return items

    def _drain(self) -> Iterator[Chunk]:
        assert self.file is not None
        fd = self.file.fileno()
        while True:
            try:
                chunk = os.read(fd, CHUNK)
            except BlockingIOError:  # a FIFO whose writer is quiet
                return
            if not chunk:
                return
            self.pos += len(chunk)
            if not self.broken:
                yield from self._unpacked(chunk)

    def _unpacked(self, chunk: bytes) -> Iterator[Chunk]:
        try:
            for data in self.unpacking.feed(chunk):
                if self.tee is not None:
                    self.tee(data)
                yield from self._chunks(self.framer.feed(data))
        except CorruptInput as exc:
            self.broken = True
            yield from self._chunks(self.framer.end(Broken(exc)))

    def _end(self) -> list[Chunk]:
        """The stream ends (the file went away): its last line, and whether it was cut short."""
        if self.broken:
            return []
        try:
            held = list(self.unpacking.end())
            broken = None
        except CorruptInput as exc:
            held, broken = [], Broken(exc)
        if self.tee is not None:
            for data in held:
                self.tee(data)
        batches = [b for data in held for b in self.framer.feed(data)]
        return self._chunks(batches + self.framer.end(broken))

    def _chunks(self, batches: list[Batch]) -> list[Chunk]:
        return [Chunk(self.path, first, lines) for first, lines in batches]

    def _replaced(self) -> bool:
        try:
            st = os.stat(self.path)
        except OSError:
            return False  # moved away, the new one not there yet: keep reading the old
        return (st.st_dev, st.st_ino) != self.ident
