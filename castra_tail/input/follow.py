"""Following files as they grow (``-f``) and by name through rotation (``-F``), like tail."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterator
from typing import BinaryIO, Final

from castra_tail.input.framing import CHUNK, Batch, Broken, Framer
from castra_tail.input.sources import Chunk, Item, Notice
from castra_tail.input.unpack import CorruptInput, Unpacking

#: How often a followed file is looked at when nothing arrives (tail -f polls at 1 s).
POLL: Final = 0.1
#: What is said once of a file followed by name that is not there yet (as tail -F says it).
MISSING: Final = "does not exist yet; waiting for it to appear"
APPEARED: Final = "appeared; reading it from the start"


def follow(files: list[Followed]) -> Iterator[Item]:
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


class Followed:
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
        self.missing = not self._open()  # said once, at the first poll

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
                said, self.missing = self.missing, False
                return [Notice(self.path, MISSING)] if said and self.by_name else []
            return [Notice(self.path, APPEARED), *self._drain()]
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
