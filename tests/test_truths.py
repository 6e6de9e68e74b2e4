"""Small truths: what the README promises is what castra-tail does, at the edges too."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from castra_tail.status import ExitStatus

from conftest import ROOT

BOM = b"\xef\xbb\xbf"


def wchan(pid: int) -> str:
    """What the kernel says process ``pid`` waits in (``hrtimer_nanosleep`` in a sleep)."""
    try:
        return Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return ""


def drain(fd: int, wait: float) -> bytes:
    """What the terminal shows within ``wait`` seconds, or until its other end is gone."""
    shown = b""
    while select.select([fd], [], [], wait)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: no process holds the other end any more
            break
        if not chunk:
            break
        shown += chunk
    return shown


def test_demo_at_an_absurdly_slow_speed_on_a_terminal_waits_instead_of_crashing() -> None:
    # --speed 1e-300 asked time.sleep for 1e300 seconds: an OverflowError and a traceback.
    if not Path(f"/proc/{os.getpid()}/wchan").exists():
        pytest.skip("no /proc/PID/wchan to see the replay sleeping")
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "castra_tail", "demo", "--speed", "1e-300"],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        cwd=ROOT,
    )
    os.close(secondary)
    shown = b""
    try:
        deadline = time.monotonic() + 30  # marks a hang, measures nothing
        while proc.poll() is None and "nanosleep" not in wchan(proc.pid):
            assert time.monotonic() < deadline, "the replay never got to its first pause"
            shown += drain(primary, 0.1)
        shown += drain(primary, 0.5)
        assert proc.poll() is None, shown.decode(errors="replace")  # it crashed
        proc.send_signal(signal.SIGINT)  # the pause is an hour: stop it like a person would
        assert proc.wait(timeout=30) == ExitStatus.INTERRUPTED
        shown += drain(primary, 0.5)
        assert b"Traceback" not in shown and b"Error" not in shown
        assert b"interrupted" in shown
    finally:
        proc.kill()
        proc.wait()
        os.close(primary)


def test_ndjson_drops_the_bom_that_starts_a_later_line(tmp_path: Path) -> None:
    # `cat a.ndjson b.ndjson` with a BOM in b: passed through, jq stopped at that line.
    from conftest import run_cli

    accepted = b'{"type":"command.accepted","command":"up"}'
    unknown = b'{"type":"gpu.attached","vm":"a"}'
    path = tmp_path / "joined.ndjson"
    path.write_bytes(BOM + accepted + b"\n" + BOM + unknown + b"\n" + BOM * 3 + accepted + b"\n")
    result = run_cli([str(path), "--format", "ndjson", "--fail-on", "never"])
    assert result.stdout == accepted + b"\n" + unknown + b"\n" + accepted + b"\n"
