"""Safe text and the small formats every view shares."""

from __future__ import annotations

import pytest

from castra_tail.render.text import clean, clean_lines, duration, size


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain", "plain"),
        ("tab\tescaped", "tab\\tescaped"),
        ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
        ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),
        ("a\r\nb", "a\\r\\nb"),
        ("nul\x00del\x7f", "nul\\x00del\\x7f"),
        ("csi\x9b31m", "csi\\u009b31m"),
        ("bidi\u202eevil", "bidi\\u202eevil"),
        ("[bold]markup[/]", "[bold]markup[/]"),
        ("漢字 ok", "漢字 ok"),
    ],
)
def test_clean_escapes_controls(raw: str, shown: str) -> None:
    assert clean(raw) == shown


def test_clean_cuts_long_fields_with_an_ellipsis() -> None:
    assert clean("x" * 50, limit=10) == "x" * 9 + "…"


def test_clean_lines_splits_and_escapes() -> None:
    assert clean_lines("one\r\ntwo\x1b\nthree") == ["one", "two\\x1b", "three"]


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "0ms"),
        (420, "420ms"),
        (1000, "1.0s"),
        (8241, "8.2s"),
        (59_949, "59.9s"),
        (125_000, "2m05s"),
        (3_720_000, "1h02m"),
        (None, "—"),
    ],
)
def test_duration(ms: int | None, text: str) -> None:
    assert duration(ms) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (5242880, "5.0 MiB"),
        (4617089843, "4.3 GiB"),
        (2**70, "1024.0 EiB"),
        (None, "—"),
    ],
)
def test_size(n: int | None, text: str) -> None:
    assert size(n) == text
