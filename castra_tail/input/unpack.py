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

#: The full magic of each format: a text line that merely starts with ``BZh``
#: is text. gzip's method byte is 8 (deflate, its only one); bzip2's level digit
#: is followed by the magic of a block or of the end of an empty stream.
MAGIC: Final = {
    b"\x1f\x8b\x08": "gzip",
    **{
        b"BZh" + bytes([level]) + block: "bzip2"
        for level in b"123456789"
        for block in (b"1AY&SY", b"\x17rE8P\x90")
    },
    b"\xfd7zXZ\x00": "xz",
}
#: Enough first bytes to tell every format by its magic.
HEAD: Final = max(len(m) for m in MAGIC)
_OUT: Final = 1 << 20
_IN: Final = 16 << 10
#: Compressed bytes kept, until the first unpacked byte, to be read as text if
#: they turn out not to be an archive. A bzip2 block holds at most 900 kB.
_KEEP: Final = 4 << 20


class CorruptInput(Exception):
    """Compressed data that cannot be unpacked any further.

    ``problem`` is what is wrong (``bzip2 data ends early (truncated)``), the
    message adds what became of the input.
    """

    def __init__(self, problem: str, consequence: str) -> None:
        super().__init__(f"{problem}; {consequence}")
        self.problem = problem


def kind_of(head: bytes) -> str | None:
    """The compression whose full magic starts ``head``, if any."""
    return next((kind for magic, kind in MAGIC.items() if head.startswith(magic)), None)


def unpacked(chunks: Iterable[bytes | None]) -> Iterator[bytes | None]:
    """``chunks`` as they are, or unpacked when they start with a compression's magic.

    ``None`` items (idle ticks of a live input) pass through. Raises
    ``CorruptInput`` where the compressed data breaks or ends early.
    """
    stream = Unpacking()
    pending = iter(chunks)
    for chunk in pending:
        if chunk is None:
            yield None
            continue
        yield from stream.feed(chunk)
        if stream.plain and stream.fallback is None:
            yield from pending  # plain text from the start: nothing more to decide
            return
    yield from stream.end()


class Unpacking:
    """One input's bytes, fed as they arrive: passed through, or unpacked.

    Push-style, so a followed file can feed what each poll read. When the
    decompressor rejects the data before unpacking a byte, the bytes taken so
    far are given back as they are and the rest of the input is read as text:
    no line is dropped, and ``end`` still says the archive was corrupt.
    """

    def __init__(self) -> None:
        self.head = b""
        self.plain = False
        self.unpacker: _Unpacker | None = None
        self.kept: list[bytes] | None = []  # compressed bytes while nothing came out
        self.kept_size = 0
        self.fallback: CorruptInput | None = None

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        """What ``chunk`` (the next bytes of the input) stands for."""
        if self.plain:
            yield chunk
            return
        if self.unpacker is None:
            self.head += chunk
            # Decide as soon as the first bytes allow: a live line must not wait.
            if len(self.head) < HEAD and any(m.startswith(self.head) for m in MAGIC):
                return
            chunk, self.head = self.head, b""
            kind = kind_of(chunk)
            if kind is None:
                self.plain = True
                yield chunk
                return
            self.unpacker = _Unpacker(kind)
        yield from self._unpack(chunk)

    def _unpack(self, data: bytes) -> Iterator[bytes]:
        assert self.unpacker is not None
        if self.kept is not None:
            self.kept.append(data)
            self.kept_size += len(data)
            if self.kept_size > _KEEP:
                self.kept = None
        try:
            for out in self.unpacker.feed(data):
                self.kept = None
                yield out
        except CorruptInput as exc:
            if self.kept is None:
                raise
            kept, self.kept = self.kept, None
            self.plain = True
            self.fallback = CorruptInput(
                f"{self.unpacker.kind} data is corrupt from its start ({exc.__cause__})",
                "its bytes were read as text",
            )
            yield from kept

    def end(self) -> Iterator[bytes]:
        """At the end of the input: what was held back, or ``CorruptInput`` if cut short."""
        if self.head:  # fewer bytes than a magic: text
            yield self.head
            self.head = b""
        if self.fallback is not None:
            raise self.fallback
        if self.unpacker is not None and not self.plain:
            self.unpacker.end()


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
                    f"{self.kind} data is corrupt ({exc})", "the rest is skipped"
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
            raise CorruptInput(
                f"{self.kind} data ends early (truncated)", "the lines read are kept"
            )
