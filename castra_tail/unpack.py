"""Compressed input, recognised by its first bytes and unpacked as it streams.

gzip (several members too, as ``cat a.gz b.gz`` makes), bzip2 and xz. Output
is produced in bounded pieces, so a small compressed line that expands to a
huge one is framed — and skipped — like any other huge line. Input is fed in
small pieces too: a member's end copies what follows it in the piece, so
200,000 empty gzip members cost 0.2 s, not the 5 s that 1 MiB pieces cost.
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from collections.abc import Iterable, Iterator
from typing import Any, Final

MAGIC: Final = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
}
_HEAD: Final = max(len(m) for m in MAGIC)
_OUT: Final = 1 << 20
_IN: Final = 16 << 10


class CorruptInput(Exception):
    """Compressed data that cannot be unpacked any further."""


def kind_of(head: bytes) -> str | None:
    """The compression whose magic bytes start ``head``, if any."""
    return next((kind for magic, kind in MAGIC.items() if head.startswith(magic)), None)


def unpacked(chunks: Iterable[bytes | None]) -> Iterator[bytes | None]:
    """``chunks`` as they are, or unpacked when they start with a compression's magic.

    ``None`` items (idle ticks of a live input) pass through.
    """
    pending = iter(chunks)
    head = b""
    for chunk in pending:
        if chunk is None:
            yield None
            continue
        head += chunk
        # Decide as soon as the first bytes allow: a live line must not wait.
        if len(head) >= _HEAD or not any(m.startswith(head) for m in MAGIC):
            break
    kind = kind_of(head)
    if kind is None:
        if head:
            yield head
        yield from pending
        return
    unpacker = _Unpacker(kind)
    yield from unpacker.feed(head)
    for chunk in pending:
        if chunk is None:
            yield None
        else:
            yield from unpacker.feed(chunk)
    unpacker.end()


class _Unpacker:
    """One compressed stream, member after member, unpacked in pieces of at most 1 MiB."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.d = self._new()
        self.started = False  # a byte of the current member was seen

    def _new(self) -> Any:  # zlib's, bz2's or lzma's decompressor: alike, not one type
        if self.kind == "gzip":
            return zlib.decompressobj(wbits=31)
        if self.kind == "bzip2":
            return bz2.BZ2Decompressor()
        return lzma.LZMADecompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        """What ``data`` (the next compressed bytes) unpacks to."""
        view = memoryview(data)
        for start in range(0, len(data), _IN):
            yield from self._piece(view[start : start + _IN])

    def _piece(self, data: bytes | memoryview) -> Iterator[bytes]:
        while True:
            if data:
                self.started = True
            try:
                out = self.d.decompress(data, _OUT)
            except (zlib.error, OSError, EOFError, lzma.LZMAError) as exc:
                raise CorruptInput(
                    f"{self.kind} data is corrupt ({exc}); the rest is skipped"
                ) from exc
            if out:
                yield out
            if self.d.eof:  # the member ended: another may follow (cat a.gz b.gz)
                rest: bytes = self.d.unused_data
                self.d, self.started = self._new(), False
                if not rest.strip(b"\x00"):  # nothing, or padding after the last member
                    return
                data = rest
                continue
            if self.kind == "gzip":
                data = self.d.unconsumed_tail
                if not data and len(out) < _OUT:
                    return
            elif self.d.needs_input:
                return
            else:
                data = b""  # more output waits inside the decompressor

    def end(self) -> None:
        """At the end of input: a member cut short is corrupt input too."""
        if self.started and not self.d.eof:
            raise CorruptInput(f"{self.kind} data ends early (truncated); the lines read are kept")
