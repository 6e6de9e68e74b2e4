"""A stop that comes while stdout is written waits for the write to end.

Raised inside a buffered write, ``Stopped`` left the writer half done: the
lines it had written were written again at the end (``-f`` on a growing
archive, stopped right after its last line, printed that line twice).
"""

from __future__ import annotations

import io
import os
import signal

import pytest

from castra_tail.output.writer import Writer
from castra_tail.stops import Stopped, Stops


class SignalMidWrite(io.BytesIO):
    """A stdout that is sent SIGINT while it takes each write."""

    def __init__(self, signals: int) -> None:
        super().__init__()
        self.signals = signals

    def write(self, data: bytes) -> int:  # type: ignore[override]
        for _ in range(self.signals):
            os.kill(os.getpid(), signal.SIGINT)  # the handler runs before kill returns
        return super().write(data)


def test_a_stop_during_a_write_comes_after_it_and_nothing_is_written_twice() -> None:
    stops, out = Stops(), SignalMidWrite(signals=1)
    writer = Writer(out)
    with stops.handled(), stops.reading():
        writer.write_bytes(b"line 1\n")
        with pytest.raises(Stopped) as stopped:
            writer.flush()
        writer.flush()  # the way out writes what is left: nothing
    assert stopped.value.signum == signal.SIGINT
    assert out.getvalue() == b"line 1\n"


def test_outside_a_write_a_stop_is_at_once() -> None:
    stops = Stops()
    with stops.handled(), stops.reading(), pytest.raises(Stopped):
        os.kill(os.getpid(), signal.SIGINT)
        raise AssertionError("not reached")
