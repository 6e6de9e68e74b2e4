"""``castra-tail demo``: replay a shipped example as if castra were running."""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import BinaryIO, Final, cast

import msgspec

from castra_tail import app
from castra_tail.options import Color, Options, UsageError
from castra_tail.output.env import Env

DEFAULT: Final = "up"
#: Seconds of pause per second of reported step duration.
STEP_PACE: Final = 0.3
#: The longest pause before a line, whatever --speed says (--speed 1e-300 asked for 1e300
#: seconds, more than time.sleep takes): an hour a line is slow enough for any demo.
MAX_PAUSE: Final = 3600.0


def _examples() -> Traversable:
    return resources.files("castra_tail") / "examples"


def names() -> list[str]:
    """The names of the shipped examples."""
    return sorted(
        p.name.removesuffix(".ndjson") for p in _examples().iterdir() if p.name.endswith(".ndjson")
    )


def run(name: str, *, speed: float, color: str) -> int:
    """Replay the example ``name``; paced on a terminal, at once otherwise."""
    example = _examples() / f"{name}.ndjson"
    if not example.is_file():
        raise UsageError(f"no example {name!r}; choose one of: {', '.join(names())}")
    env = Env.from_process()
    # pace: seconds of pause per second of a realistic one (0: none at all)
    pace = 1 / speed if env.stdout_tty and speed > 0 else 0.0
    source = _Replay(f"examples/{name}.ndjson", example.read_bytes(), pace)
    return app.run(Options(color=Color(color)), env, sources=[source])


@dataclass(frozen=True)
class _Replay:
    """An example's bytes as a source, handed out a line at a time with pauses."""

    name: str
    data: bytes
    pace: float

    @property
    def live(self) -> bool:
        """A paced replay arrives like a live pipe."""
        return self.pace > 0

    def open(self) -> BinaryIO:
        return cast(BinaryIO, _Paced(self.data, self.pace))


class _Paced:
    """A file-like object whose reads return one line after a realistic pause."""

    def __init__(self, data: bytes, pace: float) -> None:
        self.lines = data.splitlines(keepends=True)
        self.pace = pace
        self.next = 0

    def read1(self, _size: int = -1) -> bytes:
        if self.next >= len(self.lines):
            return b""
        if self.pace <= 0:
            self.next = len(self.lines)
            return b"".join(self.lines)
        line = self.lines[self.next]
        self.next += 1
        time.sleep(min(_pause(line) * self.pace, MAX_PAUSE))
        return line

    read = read1

    def __enter__(self) -> _Paced:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _pause(line: bytes) -> float:
    try:
        event = msgspec.json.decode(line)
    except msgspec.DecodeError:
        return 0.05
    if isinstance(event, dict) and event.get("type") == "bootstrap.step":
        ms = event.get("duration_ms")
        if isinstance(ms, int):
            return min(1.5, max(0.1, ms / 1000 * STEP_PACE))
    return 0.12
