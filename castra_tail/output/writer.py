"""The one writer of stdout: a batch of output in one write, failures said once.

Only ``Writer`` touches stdout. It collects a batch of output and writes it in
one call, and turns a reader that went away (``EPIPE``) into ``StdoutClosed``
and any other failure (a full disk) into ``IOFailure``.
"""

from __future__ import annotations

from typing import BinaryIO

from castra_tail.output.stdio import STDOUT, IOFailure, StdoutClosed, cannot_write
from castra_tail.stops import WHOLE


class Writer:
    """A batching writer over a binary stream: text and bytes, in order, one write a batch."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._text: list[str] = []
        self._bytes: list[bytes] = []

    def write(self, text: str) -> int:
        """Queue text (Rich writes through this)."""
        self._text.append(text)
        return len(text)

    def write_bytes(self, data: bytes) -> None:
        """Queue bytes as they are."""
        if self._text:
            self._move_text()
        self._bytes.append(data)

    def _move_text(self) -> None:
        self._bytes.append("".join(self._text).encode("utf-8", "replace"))
        self._text.clear()

    @property
    def pending(self) -> bool:
        """Whether anything is queued."""
        return bool(self._text or self._bytes)

    def flush(self, prefix: str = "", suffix: str = "") -> None:
        """Write what is queued in one call, between ``prefix`` and ``suffix``."""
        if prefix:
            self._bytes.insert(0, prefix.encode("utf-8", "replace"))
        if self._text:
            self._move_text()
        if suffix:
            self._bytes.append(suffix.encode("utf-8", "replace"))
        if not self._bytes:
            return
        data = memoryview(b"".join(self._bytes))
        self._bytes.clear()
        try:
            with WHOLE:  # a stop waits for the write: cut in two, its bytes would go out twice
                self._write(data)
        except BrokenPipeError as exc:
            raise StdoutClosed from exc
        except OSError as exc:
            raise cannot_write(STDOUT, exc) from exc

    def _write(self, data: memoryview) -> None:
        while data:  # a pipe or a filling disk may take part of it; the rest, or why not
            written = self._stream.write(data)
            if not written:
                raise IOFailure(f"cannot write to {STDOUT}: it takes nothing more")
            data = data[written:]
        self._stream.flush()
