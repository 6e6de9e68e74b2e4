"""Framing: line numbers, endings, BOMs, chunk boundaries, oversized lines."""

from __future__ import annotations

import io

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from castra_tail.input.framing import BOM, batches, oversized
from castra_tail.input.unpack import kind_of

from conftest import fuzz


class Trickle(io.RawIOBase):
    """A stream that returns at most ``step`` bytes a read, like a slow pipe."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.step, self.pos = data, step, 0

    def readable(self) -> bool:
        return True

    def read1(self, size: int = -1) -> bytes:
        chunk = self.data[self.pos : self.pos + self.step]
        self.pos += len(chunk)
        return chunk

    read = read1  # type: ignore[assignment]


def numbered(data: bytes, step: int = 1 << 20, max_line: int = 1 << 24) -> list[tuple[int, object]]:
    return [
        (first + i, line)
        for first, lines in batches(Trickle(data, step), max_line)  # type: ignore[arg-type]
        for i, line in enumerate(lines)
    ]


def test_lines_are_numbered_from_one_with_blank_lines_counted() -> None:
    assert numbered(b"a\n\nb\n") == [(1, b"a"), (2, b""), (3, b"b")]


def test_crlf_keeps_the_original_bytes_and_last_line_needs_no_newline() -> None:
    assert numbered(b"a\r\nb") == [(1, b"a\r"), (2, b"b")]


def test_bom_is_dropped_at_the_start_of_a_stream() -> None:
    assert numbered(BOM + b"a\n" + BOM + b"b\n") == [(1, b"a"), (2, BOM + b"b")]


def test_a_bom_inside_a_line_is_content() -> None:
    assert numbered(b"a" + BOM + b"\n") == [(1, b"a" + BOM)]


def test_each_read_is_one_batch() -> None:
    got = list(batches(Trickle(b"a\nb\nc\n", 4), 100))  # type: ignore[arg-type]
    assert got == [(1, [b"a", b"b"]), (3, [b"c"])]


def test_oversized_lines_are_replaced_and_the_next_line_survives() -> None:
    data = b"x" * 50 + b"\nok\n" + b"y" * 30 + b"\nend"
    assert numbered(data, step=7, max_line=20) == [
        (1, oversized(50)),
        (2, b"ok"),
        (3, oversized(30)),
        (4, b"end"),
    ]


def test_an_oversized_last_line_without_newline() -> None:
    assert numbered(b"ok\n" + b"z" * 100, step=9, max_line=10) == [(1, b"ok"), (2, oversized(100))]


@given(
    st.lists(
        st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"").replace(b"\xef", b"")),
        max_size=30,
    ),
    st.integers(min_value=1, max_value=64),
    st.booleans(),
)
@settings(max_examples=fuzz(300), deadline=None)
def test_any_chunking_gives_the_same_lines(
    lines: list[bytes], step: int, final_newline: bool
) -> None:
    data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    assume(kind_of(data) is None)  # a stream that starts like gzip/bzip2/xz is unpacked
    expected = data.split(b"\n")
    if expected[-1] == b"":
        expected.pop()
    assert [line for _, line in numbered(data, step=step)] == expected
