"""Ctrl-C and SIGTERM at any moment after start, the imports included: the summary, never a
traceback (README: "whenever they come").

Real processes, real signals, on an idle pipe (nothing to read: the summary is of
nothing). Two ways to reach a moment: from inside, the signal sent by the process
itself when a given module is first imported (each phase of start-up, every time);
from outside, sent after a delay counted from when castra-tail's first line ran —
the moment its handler shows in /proc/PID/status. Before that the interpreter is
starting and no Python code can act (SIGTERM's default, SIGINT's traceback from
`import re` in the console script: 20–40 ms after exec).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).with_name("castra-tail")
#: The signal sends itself when ``target`` is first imported, then runs castra-tail.
SELF_SIGNAL = """
import os, signal, sys
target, signum = sys.argv.pop(1), getattr(signal, "SIG" + sys.argv.pop(1))

class SignalOnImport:
    def find_spec(self, name, path=None, module=None):
        if name == target:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signum)
        return None

sys.meta_path.insert(0, SignalOnImport())
from castra_tail.__main__ import main
main()
"""
#: Modules imported after castra-tail's first line, in the order start-up meets them.
PHASES = ("castra_tail.cli", "typer", "castra_tail.cli.tail", "castra_tail.app")
SIGNALS = {"INT": signal.SIGINT, "TERM": signal.SIGTERM}
HANG = 60  # seconds: only to mark a hang


def _idle_stdin() -> tuple[int, int]:
    """A pipe that stays open and empty: castra-tail would wait on it for ever."""
    return os.pipe()


def _finish(proc: subprocess.Popen[bytes], keep_open: int) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=HANG)
    finally:
        os.close(keep_open)
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def _assert_summary(fmt: str, signum: int, code: int, out: str, err: str) -> None:
    assert "Traceback" not in err, err
    assert code == 128 + signum, (code, out, err)
    if fmt == "json":
        report = json.loads(out)
        assert report["interrupted"] is True and report["ok"] is False
        assert report["exit_code"] == 128 + signum
    else:
        assert "events  0" in out, out
        assert f"✗ interrupted (exit {128 + signum})" in out, out


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("name", sorted(SIGNALS))
def test_a_signal_during_each_phase_of_start_up_ends_with_the_summary(fmt: str, name: str) -> None:
    signum = SIGNALS[name]
    started = []
    for phase in PHASES:  # all at once: the machine is shared, each waits on its own pipe
        read, write = _idle_stdin()
        proc = subprocess.Popen(
            [sys.executable, "-c", SELF_SIGNAL, phase, name, "--format", fmt, "--color", "never"],
            stdin=read,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        os.close(read)
        started.append((phase, proc, write))
    for phase, proc, write in started:
        code, out, err = _finish(proc, write)
        try:
            _assert_summary(fmt, signum, code, out, err)
        except AssertionError as exc:
            raise AssertionError(f"signal while importing {phase}: {exc}") from exc


def _handler_in(pid: int) -> bool:
    """Whether castra-tail's first line ran: SIGTERM is caught (the interpreter leaves it)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            caught = next(line for line in status if line.startswith("SigCgt:"))
    except (OSError, StopIteration):
        return False
    return bool(int(caught.split()[1], 16) >> (signal.SIGTERM - 1) & 1)


def _signal_after_start(fmt: str, signum: int, delay: float) -> tuple[int, str, str]:
    read, write = _idle_stdin()
    proc = subprocess.Popen(
        [str(SCRIPT), "--format", fmt, "--color", "never"],
        stdin=read,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    os.close(read)
    deadline = time.monotonic() + HANG
    while not _handler_in(proc.pid) and proc.poll() is None:
        if time.monotonic() > deadline:
            proc.kill()
            break
        time.sleep(0.001)
    time.sleep(delay)
    proc.send_signal(signum)
    return _finish(proc, write)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("name", sorted(SIGNALS))
def test_a_signal_at_any_delay_after_start_ends_with_the_summary(fmt: str, name: str) -> None:
    signum = SIGNALS[name]
    delays = (0.0, 0.05, 0.15, 0.4)
    with ThreadPoolExecutor(len(delays)) as pool:  # each process on its own: run them at once
        results = list(pool.map(lambda d: _signal_after_start(fmt, signum, d), delays))
    for delay, (code, out, err) in zip(delays, results, strict=True):
        try:
            _assert_summary(fmt, signum, code, out, err)
        except AssertionError as exc:
            raise AssertionError(f"signal {delay}s after start: {exc}") from exc


def test_a_tool_signalled_during_start_up_ends_as_before() -> None:
    """``castra-tail check`` has no summary to give: Ctrl-C held during the imports is
    delivered when its code starts, and ends it with 130, without a traceback."""
    read, write = _idle_stdin()
    proc = subprocess.Popen(
        [sys.executable, "-c", SELF_SIGNAL, "typer", "INT", "check"],
        stdin=read,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    os.close(read)
    code, _out, err = _finish(proc, write)
    assert "Traceback" not in err, err
    assert code == 130


#: Sends SIGINT right after the first write of "hello" to stdout went out, then runs castra-tail.
SIGNAL_AFTER_WRITE = """
import os, signal, sys
real = os.write

def write(fd, data):
    written = real(fd, data)
    if fd == 1 and b"hello" in bytes(data):
        os.write = real
        os.kill(os.getpid(), signal.SIGINT)
    return written

os.write = write
from castra_tail.__main__ import main
main()
"""


@pytest.mark.parametrize("fmt", ["ndjson", "text"])
def test_a_signal_right_after_a_write_does_not_repeat_it(fmt: str) -> None:
    """Raised inside the write, the stop left the written bytes in the buffered writer,
    which wrote them again at the end: the line shown twice (a flaky -f test showed it)."""
    read, write = _idle_stdin()
    proc = subprocess.Popen(
        [sys.executable, "-c", SIGNAL_AFTER_WRITE, "--format", fmt, "--color", "never"],
        stdin=read,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    os.close(read)
    os.write(write, b'{"type":"message","severity":"info","text":"hello"}\n')
    code, out, err = _finish(proc, write)
    assert "Traceback" not in err, err
    assert code == 130, (code, out, err)
    assert out.count("hello") == 1, out
