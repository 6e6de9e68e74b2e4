"""The lines of the last few runs, kept on disk until the input ends (``--run last``, ``-N``).

Which run ``--run -2`` chooses is known only when the input ends, so the lines
of the runs it may still choose are written to a temporary file each, and a
run's file is dropped as soon as enough runs came after it: memory stays flat,
and the disk holds at most the last few runs' lines.
"""

from __future__ import annotations

import struct
import tempfile
from collections.abc import Iterator
from typing import IO, Final

import msgspec

from castra_tail.input.framing import Line, Skipped

_LENGTH: Final = struct.Struct("<I")
_ENCODER: Final = msgspec.msgpack.Encoder()
_DECODER: Final = msgspec.msgpack.Decoder(tuple[str, int, str | None, bytes])


class Spool:
    """Each line of the last ``window`` runs, with its source and number."""

    def __init__(self, window: int) -> None:
        self.window = window
        self._files: dict[int, IO[bytes]] = {}

    def add(self, number: int, source: str, line: int, raw: Line) -> None:
        """Keep a line of run ``number``."""
        spool = self._files.get(number)
        if spool is None:
            spool = self._start(number)
        reason = raw.reason if isinstance(raw, Skipped) else None
        record = _ENCODER.encode((source, line, reason, bytes(raw)))
        spool.write(_LENGTH.pack(len(record)) + record)

    def _start(self, number: int) -> IO[bytes]:
        # One more than the window: messages that begin a run may yet turn out to trail
        # the run before (run/trailing.py), which must still be there to be chosen.
        for old in [n for n in self._files if n <= number - self.window - 1]:
            self._files.pop(old).close()  # it can no longer be chosen
        spool = self._files[number] = tempfile.TemporaryFile()  # noqa: SIM115 - closed above
        return spool

    def lines(self, number: int) -> Iterator[tuple[str, int, Line]]:
        """The lines kept of run ``number``, in order."""
        spool = self._files.get(number)
        if spool is None:
            return
        spool.flush()
        spool.seek(0)
        while head := spool.read(_LENGTH.size):
            (size,) = _LENGTH.unpack(head)
            source, line, reason, raw = _DECODER.decode(spool.read(size))
            yield source, line, (Skipped(reason) if reason is not None else raw)

    def close(self) -> None:
        """Drop what is kept."""
        for spool in self._files.values():
            spool.close()
        self._files.clear()
