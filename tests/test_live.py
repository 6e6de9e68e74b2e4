"""Live streams with real processes: latency, follow, rotation, wrapping, signals, a terminal."""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, example

CASTRA_TAIL = [sys.executable, "-m", "castra_tail"]
LINE = b'{"type":"message","severity":"info","text":"probe %d"}\n'


def start(args: list[str], **kw: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*CASTRA_TAIL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, **kw
    )  # type: ignore[call-overload]


def read_until(proc: subprocess.Popen[bytes], needle: bytes, timeout: float) -> bytes:
    """Read proc's stdout until ``needle`` shows up; what was read so far."""
    assert proc.stdout is not None
    fd, seen, deadline = proc.stdout.fileno(), b"", time.monotonic() + timeout
    while needle not in seen:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise AssertionError(f"{needle!r} did not show within {timeout}s; got {seen[-400:]!r}")
        chunk = os.read(fd, 65536)
        if not chunk:
            raise AssertionError(f"stdout closed before {needle!r}; got {seen[-400:]!r}")
        seen += chunk
    return seen


@pytest.mark.parametrize("fmt", ["text", "ndjson"])
def test_a_line_shows_without_waiting_for_more_input(fmt: str) -> None:
    """Each line goes through a pipe while the writer waits: nothing else pushes it out.

    The 10 s bound only marks a line held back (buffered until more input); how
    fast it shows is a figure `make bench` prints (the live-pipe latency).
    """
    proc = start(["--format", fmt], stdin=subprocess.PIPE)
    assert proc.stdin is not None
    try:
        proc.stdin.write(LINE % 0)
        proc.stdin.flush()
        read_until(proc, b"probe 0", timeout=30)  # start-up
        for n in range(1, 4):
            proc.stdin.write(LINE % n)
            proc.stdin.flush()
            read_until(proc, b"probe %d" % n, timeout=10)
    finally:
        proc.kill()
        proc.wait()


def test_follow_shows_appended_lines(tmp_path: Path) -> None:
    log = tmp_path / "up.ndjson"
    log.write_bytes(LINE % 1)
    proc = start(["-f", str(log), "--format", "ndjson"])
    try:
        read_until(proc, b"probe 1", timeout=30)
        with log.open("ab") as f:
            f.write(LINE % 2)
        read_until(proc, b"probe 2", timeout=10)
        proc.send_signal(signal.SIGINT)
        code = proc.wait(10)
    finally:
        proc.kill()
        proc.wait()
    assert code == 130


def test_follow_several_files_at_once(tmp_path: Path) -> None:
    a, b = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    a.write_bytes(b"")
    b.write_bytes(b"")
    proc = start(["-f", str(a), str(b), "--format", "ndjson"])
    try:
        time.sleep(0.5)
        with b.open("ab") as f:
            f.write(LINE % 7)
        read_until(proc, b"probe 7", timeout=10)
        with a.open("ab") as f:
            f.write(LINE % 8)
        read_until(proc, b"probe 8", timeout=10)
    finally:
        proc.kill()
        proc.wait()


def test_follow_by_name_survives_rotation_and_truncation(tmp_path: Path) -> None:
    log = tmp_path / "events.ndjson"
    log.write_bytes(LINE % 1)
    proc = start(["-F", str(log), "--color", "never", "--no-summary", "--width", "1000"])
    try:
        read_until(proc, b"probe 1", timeout=30)
        log.rename(tmp_path / "events.ndjson.1")  # logrotate: move away, start a new file
        log.write_bytes(LINE % 2)
        seen = read_until(proc, b"probe 2", timeout=10)
        assert b"was replaced; reading the new file from the start" in seen
        log.write_bytes(b"")  # copytruncate: emptied in place, then written again
        read_until(proc, b"was truncated; reading it again from the start", timeout=10)
        with log.open("ab") as f:
            f.write(LINE % 3)
        read_until(proc, b"probe 3", timeout=10)
    finally:
        proc.kill()
        proc.wait()


def test_follow_by_name_waits_for_a_missing_file(tmp_path: Path) -> None:
    log = tmp_path / "later.ndjson"
    proc = start(["-F", str(log), "--format", "ndjson"])
    try:
        time.sleep(0.3)
        log.write_bytes(LINE % 4)
        read_until(proc, b"probe 4", timeout=10)
    finally:
        proc.kill()
        proc.wait()


def test_wrapped_command_failure_is_the_exit_status() -> None:
    done = subprocess.run(
        [*CASTRA_TAIL, "--", "sh", "-c", f"cat {example('up')}; echo 'boom' >&2; exit 3"],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 3
    assert b"castra up \xc2\xb7 summary" in done.stdout
    assert b"boom" in done.stdout  # its stderr is shown in the stream, dimmed


@pytest.mark.parametrize(("name", "code"), [("up", 0), ("up-fail", 1)])
def test_wrapped_command_success_gives_the_streams_status(name: str, code: int) -> None:
    done = subprocess.run(
        [*CASTRA_TAIL, "--format", "json", "--", "cat", str(example(name))],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == code


def test_wrapped_command_that_cannot_run() -> None:
    done = subprocess.run(
        [*CASTRA_TAIL, "--", "no-such-castra-binary"], capture_output=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 127
    assert done.stderr.count(b"\n") == 1 and b"cannot run 'no-such-castra-binary'" in done.stderr


def half_then_wait(tmp_path: Path) -> list[str]:
    """A producer that writes the first half of up.ndjson, then hangs (castra mid-bootstrap)."""
    half = tmp_path / "half.ndjson"
    half.write_bytes(b"".join(example("up").read_bytes().splitlines(keepends=True)[:20]))
    return ["sh", "-c", f"cat {half}; sleep 30"]


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_mid_stream_summarises_what_was_seen(tmp_path: Path, signum: int, code: int) -> None:
    producer = subprocess.Popen(half_then_wait(tmp_path), stdout=subprocess.PIPE)
    proc = start(["--color", "never", "--width", "100"], stdin=producer.stdout)
    try:
        read_until(proc, b"wait-handshake", timeout=30)
        time.sleep(0.2)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=10)
    finally:
        producer.kill()
        producer.wait()
    assert proc.returncode == code
    assert b"Traceback" not in err
    assert b"bootstrap \xe2\x80\xa6 interrupted" in out  # web-0's timeline
    assert b"castra up \xc2\xb7 summary" in out and b"interrupted" in out


def test_ctrl_c_reaches_the_wrapped_command(tmp_path: Path) -> None:
    marker = tmp_path / "got-int"
    script = f"trap 'touch {marker}; exit 130' INT; cat {example('up')}; sleep 30 & wait"
    proc = start(["--", "sh", "-c", script])
    try:
        read_until(proc, b"up completed", timeout=30)
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert marker.exists()


def test_closed_reader_exits_at_once_with_141(tmp_path: Path) -> None:
    big = tmp_path / "big.ndjson"
    big.write_bytes(example("up").read_bytes() * 3000)
    done = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {sys.executable} -m castra_tail {big} | head -1"],
        capture_output=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 141 and done.stderr == b""


def test_elapsed_column(tmp_path: Path) -> None:
    log = tmp_path / "t.ndjson"
    log.write_bytes(
        LINE % 1 + b'{"type":"message","severity":"info","text":"stamped",'
        b'"ts":"2026-11-26T09:14:03.120Z"}\n'
    )
    done = subprocess.run(
        [*CASTRA_TAIL, str(log), "--elapsed", "--no-summary"],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    first, second = done.stdout.decode().splitlines()
    assert first.startswith("       +0.0s ") and "probe 1" in first
    assert second.startswith("09:14:03.120 ") and "stamped" in second


TMUX = shutil.which("tmux")


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
def test_live_panel_in_a_real_terminal(tmp_path: Path) -> None:
    session = f"ct-{os.getpid()}"
    slow = tmp_path / "slow.sh"
    slow.write_text(
        f'while IFS= read -r l; do printf "%s\\n" "$l"; sleep 0.15; done < {example("up")}\n'
    )
    done = tmp_path / "done"
    command = (
        f"cd {ROOT} && sh {slow} | {sys.executable} -m castra_tail --width 100; "
        f"echo EXIT=$? > {done}; sleep 60"
    )
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "45", command], check=True
    )

    def screen() -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", session],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    try:
        deadline = time.monotonic() + 30
        mid = ""
        while time.monotonic() < deadline and "▸ bootstrapping" not in mid:
            time.sleep(0.2)
            mid = screen()
        # While it runs: the panel's header and one row per VM, under the log.
        assert "castra up · 3 VMs" in mid
        rows = [line for line in mid.splitlines() if "bootstrapping" in line or "launching" in line]
        assert {row.split()[0] for row in rows} >= {"web-0", "web-1", "db-0"}, mid
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not done.exists():
            time.sleep(0.2)
        end = screen()
        assert done.read_text().strip() == "EXIT=0"
        # At the end the panel gave way to the summary.
        assert "castra up · summary" in end and "✓ passed (exit 0)" in end
        assert "castra up · 3 VMs" not in end and "▸ bootstrapping" not in end
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def tmux_scrollback(command: str, done: Path, name: str) -> str:
    """Run ``command`` in a 100×30 tmux window; the whole scrollback once ``done`` exists."""
    session = f"ct-{name}-{os.getpid()}"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", command], check=True
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not done.exists():
            time.sleep(0.2)
        assert done.exists(), "castra-tail did not finish"
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-J", "-S", "-", "-t", session],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def burst(tmp_path: Path) -> Path:
    """A producer that writes up.ndjson slowly, then its last lines at once, and ends."""
    producer = tmp_path / "burst.sh"
    producer.write_text(
        f"head -n 20 {example('up')} | while IFS= read -r l; do printf '%s\\n' \"$l\"; "
        f"sleep 0.1; done\ntail -n +21 {example('up')}\n"
    )
    return producer


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
def test_live_panel_keeps_every_line_and_leaves_nothing_behind(tmp_path: Path) -> None:
    """Producers finish with a burst: the last lines arrive with end of input.

    The whole scrollback of the live run must be exactly what a run without the
    panel prints: no line wiped with the panel, no stale panel left over.
    """
    done = tmp_path / "done"
    command = (
        f"cd {ROOT} && sh {burst(tmp_path)} | {sys.executable} -m castra_tail --width 100; "
        f"echo $? > {done}; sleep 60"
    )
    scrollback = tmux_scrollback(command, done, "keep")
    plain = subprocess.run(
        [*CASTRA_TAIL, "--width", "100", "--color", "never", str(example("up"))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    assert scrollback.rstrip("\n").splitlines() == plain.rstrip("\n").splitlines()


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
def test_live_panel_keeps_a_wrapped_commands_last_stderr_line(tmp_path: Path) -> None:
    done = tmp_path / "done"
    wrapped = f"sh {burst(tmp_path)}; echo 'castra: last words' >&2"
    command = (
        f'cd {ROOT} && {sys.executable} -m castra_tail --width 100 -- sh -c "{wrapped}"; '
        f"echo $? > {done}; sleep 60"
    )
    scrollback = tmux_scrollback(command, done, "stderr")
    assert "castra: last words" in scrollback
    assert "✓ passed (exit 0)" in scrollback
    assert "castra up · 3 VMs" not in scrollback  # the panel's header: gone, not left behind


def run_in_pty(args: list[str], stdin: bytes, env: dict[str, str]) -> bytes:
    """castra-tail with its stdout on a pseudo-terminal and a live pipe on stdin: all it wrote."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        args, stdin=subprocess.PIPE, stdout=slave, stderr=slave, cwd=ROOT, env=env
    )
    os.close(slave)
    assert proc.stdin is not None
    try:
        for line in stdin.splitlines(keepends=True):
            proc.stdin.write(line)
            proc.stdin.flush()
            time.sleep(0.02)
        proc.stdin.close()
    except BrokenPipeError:  # it ended before reading everything
        pass
    seen = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not select.select([master], [], [], 1)[0]:
            if proc.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side closed
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(10)
    os.close(master)
    return seen


def test_a_dumb_terminal_gets_no_cursor_movement() -> None:
    env = {**os.environ, "TERM": "dumb"}
    env.pop("NO_COLOR", None)
    out = run_in_pty([*CASTRA_TAIL], example("up").read_bytes(), env)
    assert b"castra up \xc2\xb7 summary" in out
    assert b"\x1b[?25l" not in out and b"\x1b[J" not in out
    assert not any(f"\x1b[{n}F".encode() in out for n in range(1, 100))


def test_the_cursor_is_shown_again_whatever_ends_the_run() -> None:
    # A bug that raises half way through a live run must not leave the terminal without a cursor.
    crash = (
        "import castra_tail.output.terminal as t\n"
        "real, calls = t.panel, []\n"
        "def panel(*a, **k):\n"
        "    calls.append(1)\n"
        "    if len(calls) > 2: raise RuntimeError('a bug')\n"
        "    return real(*a, **k)\n"
        "t.panel = panel\n"
        "from castra_tail.cli import main\n"
        "main([])\n"
    )
    env = {**os.environ, "TERM": "xterm"}
    out = run_in_pty([sys.executable, "-c", crash], example("up").read_bytes() * 3, env)
    assert b"\x1b[?25l" in out, "the panel never drew"
    assert b"a bug" in out  # the error itself is reported
    assert out.rindex(b"\x1b[?25h") > out.rindex(b"\x1b[?25l")
