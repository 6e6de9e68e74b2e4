"""The numbers flags take, read and bounded in castra-tail's own words.

``-n 20``, ``--jobs 4``, ``--top 0``, ``--width 120``, ``--max-line-bytes 16MiB``:
each a Typer ``parser`` that says what is wrong in one short sentence
(``--tail: 'x' is not a whole number``, ``--width: 5 is out of range: 20 to
1000``). A number too large for what it counts is a usage error too, never an
overflow deeper in; so is one with thousands of digits (``int`` refuses 4,300).

Sizes read as GNU ``head -c`` does: ``k``/``K``, ``M``, ``G``, ``T`` and
``KiB``… are powers of 1024, ``KB``, ``MB``… of 1000; ``1.5M`` is allowed.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from fractions import Fraction
from typing import Final

import typer

from castra_tail.render.text import clean

#: The largest count anything takes (a deque's length, a process count).
LIMIT: Final = sys.maxsize
_WHOLE: Final = re.compile(r"[+-]?[0-9]+", re.ASCII)
_SIZE: Final = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(?:([kmgt])(ib|i|b)?|b)?", re.I | re.A)
_POWERS: Final = {"k": 1, "m": 2, "g": 3, "t": 4}
SIZES: Final = "1048576, 64k, 16M, 16MiB, 16MB"
#: Digits beyond these make a number larger than any bound here.
_DIGITS: Final = len(str(LIMIT)) + 1


def _shown(text: str) -> str:
    return repr(clean(text.strip(), 40))


def _whole(text: str) -> int:
    word = text.strip()
    if not _WHOLE.fullmatch(word):
        raise typer.BadParameter(f"{_shown(text)} is not a whole number")
    if len(word.lstrip("+-").lstrip("0")) > _DIGITS:
        return LIMIT + 1 if not word.startswith("-") else -LIMIT - 1
    return int(word)


def _size(text: str) -> int:
    found = _SIZE.fullmatch(text.strip())
    if found is None:
        raise typer.BadParameter(f"{_shown(text)} is not a size: {SIZES}")
    number, unit, suffix = found[1], (found[2] or "").lower(), (found[3] or "").lower()
    if len(number.split(".")[0].lstrip("0")) > _DIGITS:
        return LIMIT + 1
    base = 1000 if suffix == "b" else 1024
    return int(Fraction(number) * base ** _POWERS.get(unit, 0))


def _bounded(value: int, text: str, low: int, high: int) -> int:
    if low <= value <= high:
        return value
    shown = text.strip() if len(text.strip()) <= 40 else _shown(text)
    if high != LIMIT:
        raise typer.BadParameter(f"{shown} is out of range: {low} to {high}")
    if value < low:
        raise typer.BadParameter(f"{shown} is too small: at least {low}")
    raise typer.BadParameter(f"{shown} is too large: at most {high:,}")


def whole(
    low: int = 0, high: int = LIMIT, *, cap: bool = False
) -> Callable[[str | int | None], int | None]:
    """A parser of a whole number from ``low`` to ``high`` (None: not given); ``cap``: one
    above ``high`` is ``high`` (``--jobs 1000``: as many as there are cores anyway)."""

    def parse(value: str | int | None) -> int | None:
        if value is None or isinstance(value, int):  # the default
            return value
        number = _whole(value)
        return high if cap and number > high else _bounded(number, value, low, high)

    return parse


def size(low: int = 1) -> Callable[[str | int | None], int | None]:
    """A parser of a size in bytes, with a unit or without (``16MiB``), at least ``low``."""

    def parse(value: str | int | None) -> int | None:
        if value is None or isinstance(value, int):
            return value
        return _bounded(_size(value), value, low, LIMIT)

    return parse


def rate(value: str | float) -> float:
    """A parser of a finite number at least 0 (``demo --speed``: 1, 2.5, 0, 1e-3)."""
    if isinstance(value, float):
        return value
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number >= 0):
        raise typer.BadParameter(f"{_shown(value)} is not a number at least 0: 1, 2.5, 0")
    return number
