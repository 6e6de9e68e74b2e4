"""Real processes: pipes, exit codes and TTY detection only behave truly here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT, example

CASTRA_TAIL = [sys.executable, "-m", "castra_tail"]


def run(
    args: list[str], stdin: bytes | None = None, **kw: object
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*CASTRA_TAIL, *args], input=stdin, capture_output=True, timeout=60, cwd=ROOT, **kw
    )


def test_pipe_in_exit_codes() -> None:
    ok = run([], stdin=example("up").read_bytes())
    assert ok.returncode == 0 and b"castra up \xc2\xb7 summary" in ok.stdout
    failed = run([str(example("up-fail"))])
    assert failed.returncode == 1 and failed.stderr == b""


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "castra-tail"
    done = subprocess.run([str(script), "--version"], capture_output=True, timeout=30)
    assert done.returncode == 0 and done.stdout.startswith(b"castra-tail ")


def test_unreadable_file_is_one_line_and_2() -> None:
    done = run(["/no/such/file.ndjson"])
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.count(b"\n") == 1 and b"Traceback" not in done.stderr


def test_stdin_terminal_without_files_is_a_usage_error() -> None:
    # A terminal on stdin with no file named: say so instead of waiting forever.
    import pty

    primary, secondary = pty.openpty()
    try:
        done = subprocess.run([*CASTRA_TAIL], stdin=secondary, capture_output=True, timeout=30)
    finally:
        import os

        os.close(primary)
        os.close(secondary)
    assert done.returncode == 2 and b"no input" in done.stderr


def test_closed_reader_exits_quietly(tmp_path: Path) -> None:
    big = tmp_path / "big.ndjson"
    big.write_bytes(example("up").read_bytes() * 3000)
    done = subprocess.run(
        f"{sys.executable} -m castra_tail {big} | head -1",
        shell=True,
        capture_output=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.stdout.count(b"\n") == 1
    assert done.stderr == b"", done.stderr.decode()
