"""``castra-tail -- COMMAND ARGS…``: its stdout is the stream; it runs in a group of its own."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import BinaryIO, cast

from castra_tail.input import group
from castra_tail.input.framing import CHUNK


@dataclass
class CommandSource:
    """``castra-tail -- COMMAND ARGS…``: the command's stdout is the stream.

    Its stderr is read on a thread and handed over as lines (``stderr_lines``),
    so it can be shown in the stream without breaking a live panel. It runs as
    the leader of its own process group (group.py), so that a stop reaches all
    it started.
    """

    argv: Sequence[str]
    process: subprocess.Popen[bytes] | None = None
    stderr_lines: queue.SimpleQueue[bytes] = field(default_factory=queue.SimpleQueue)
    _reader: threading.Thread | None = None

    @property
    def name(self) -> str:
        return os.path.basename(self.argv[0])

    live = True

    def open(self) -> BinaryIO:
        """Start the command in a group of its own (raises OSError when it cannot be run)."""
        self.process = subprocess.Popen(  # noqa: S603 - running the user's command is the point
            list(self.argv),
            stdin=group.stdin(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            process_group=0,
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        self._reader = threading.Thread(
            target=_pump, args=(self.process.stderr, self.stderr_lines), daemon=True
        )
        self._reader.start()
        return cast(BinaryIO, self.process.stdout)

    def pass_on(self, signum: int) -> None:
        """Pass a signal that stops castra-tail on to the command's whole group."""
        if self.process is not None:
            group.pass_on(self.process, signum)

    def kill(self) -> None:
        """End the command's whole group now (a second signal)."""
        if self.process is not None:
            group.send(self.process, signal.SIGKILL)

    def wait(self, *, stopped: bool = False) -> int:
        """The command's exit status, shell style (128+N when killed by signal N).

        Unless ``stopped``, as long as the command runs (it may work on after closing
        its stdout); after a stop, a bounded wait that ends the whole group.
        """
        assert self.process is not None
        code = group.end(self.process) if stopped else self.process.wait()
        if self._reader is not None:
            self._reader.join(1.0)
        return 128 - code if code < 0 else code


def _pump(stream: BinaryIO, out: queue.SimpleQueue[bytes]) -> None:
    for line in iter(lambda: stream.readline(CHUNK), b""):
        out.put(line.rstrip(b"\r\n"))
