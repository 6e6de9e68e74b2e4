"""Output and input that fail: a full disk, closed descriptors, readers that went away.

Real processes and real descriptors (``/dev/full``, ``>&-``, pipes whose reader
closed): each failure is one line on stderr and a status of its own, never a
traceback, and a stderr that cannot be written never stops stdout.
"""

from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from castra_tail.output.stdio import IOFailure, StdoutClosed
from castra_tail.output.writer import Writer
from castra_tail.status import ExitStatus

from conftest import ROOT, example

CASTRA_TAIL = [sys.executable, "-m", "castra_tail"]
FULL = b"castra-tail: error: cannot write to standard output: No space left on device\n"
CLOSED = b"castra-tail: error: cannot write to standard output: Bad file descriptor\n"
UP = str(example("up"))
UP_LINES = example("up").read_bytes().count(b"\n")


def run(args: list[str], **kw: object) -> subprocess.CompletedProcess[bytes]:
    kw = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "cwd": ROOT, **kw}
    return subprocess.run([*CASTRA_TAIL, *args], timeout=60, **kw)  # type: ignore[call-overload, no-any-return]


def shell(command: str) -> subprocess.CompletedProcess[bytes]:
    """``castra-tail`` run by a shell, for redirections Python cannot express (``>&-``)."""
    return subprocess.run(
        f"{sys.executable} -m castra_tail {command}",
        shell=True,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )


@pytest.mark.parametrize(
    "args",
    [
        [UP, "--format", "text"],
        [UP, "--format", "ndjson"],
        [UP, "--format", "json"],
        [UP, "--format", "markdown"],
        ["schema"],
        ["check", UP],
        ["check", "--format", "json", UP],
        ["demo"],
        ["--help"],
        ["--version"],
        ["check", "--help"],
        ["--show-completion", "bash"],
    ],
    ids=" ".join,
)
def test_a_full_disk_on_stdout_is_one_line_and_74(args: list[str]) -> None:
    # Typer looks for the shell among the ancestors, whatever shell is named: under
    # `sh .ci/run` it would find sh, and refuse (test_ecosystem does the same).
    env = os.environ | {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    with open("/dev/full", "wb") as full:
        done = run(args, stdout=full, env=env)
    assert (done.returncode, done.stderr) == (ExitStatus.IO_ERROR, FULL)


def test_a_full_disk_under_save_stops_the_saving_not_the_run() -> None:
    # like tee: the stream is still shown; the failure is said last and is the status
    done = run([UP, "--save", "/dev/full", "--color", "never"])
    assert done.returncode == ExitStatus.IO_ERROR
    assert (
        done.stderr == b"castra-tail: error: cannot write to '/dev/full': No space left on device\n"
    )
    assert b"passed (exit 0)" in done.stdout


@pytest.mark.parametrize("args", [UP, "schema", "--version", "--help", f"check {UP}"])
def test_a_closed_stdout_is_one_line_and_74(args: str) -> None:
    done = shell(f"{args} >&-")
    assert (done.returncode, done.stderr) == (ExitStatus.IO_ERROR, CLOSED)


def test_a_file_opened_while_stdout_is_closed_never_becomes_stdout(tmp_path: Path) -> None:
    saved = tmp_path / "saved.ndjson"
    done = shell(f"{UP} --save {saved} >&-")
    assert (done.returncode, done.stderr) == (ExitStatus.IO_ERROR, CLOSED)
    assert saved.read_bytes() == example("up").read_bytes()  # the raw input, nothing else


@pytest.mark.parametrize("args", ["", "-", "check"])
def test_a_closed_stdin_is_one_line_and_74(args: str) -> None:
    done = shell(f"{args} <&-")
    assert done.returncode == ExitStatus.IO_ERROR
    assert done.stderr == b"castra-tail: error: cannot read standard input: Bad file descriptor\n"


def test_a_closed_stdin_does_not_matter_when_it_is_not_read() -> None:
    done = shell(f"{UP} <&-")
    assert done.returncode == ExitStatus.OK and b"passed (exit 0)" in done.stdout


def malformed_stream(tmp_path: Path) -> Path:
    """The ``up`` example with a bad line after each event: ndjson says each on stderr."""
    path = tmp_path / "noisy.ndjson"
    path.write_bytes(
        b"".join(line + b"\nnot json\n" for line in example("up").read_bytes().split(b"\n") if line)
    )
    return path


def test_a_closed_stderr_does_not_stop_stdout(tmp_path: Path) -> None:
    done = shell(f"{malformed_stream(tmp_path)} --format ndjson --summary 2>&-")
    assert done.stdout == example("up").read_bytes()  # all 38 events
    assert done.returncode == ExitStatus.OK


def test_a_gone_stderr_reader_does_not_stop_stdout(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write to stderr is EPIPE from the first
    try:
        done = run(
            [str(malformed_stream(tmp_path)), "--format", "ndjson", "--summary"], stderr=write_end
        )
    finally:
        os.close(write_end)
    assert done.stdout == example("up").read_bytes()
    assert done.returncode == ExitStatus.OK


def many_vms(tmp_path: Path) -> Path:
    """A stream whose JSON report is far bigger than a pipe's buffer."""
    path = tmp_path / "fleet.ndjson"
    line = '{"type":"vm.lifecycle","vm":"vm-%d","phase":"launched","pid":%d}\n'
    path.write_text("".join(line % (n, n) for n in range(3000)))
    return path


@pytest.mark.parametrize("fmt", ["text", "ndjson", "json"])
def test_a_reader_that_reads_ten_bytes_gives_141_in_every_format(tmp_path: Path, fmt: str) -> None:
    proc = subprocess.Popen(
        [*CASTRA_TAIL, str(many_vms(tmp_path)), "--format", fmt],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    head = proc.stdout.read(10)  # head -c 10
    proc.stdout.close()
    assert proc.wait(timeout=60) == ExitStatus.PIPE_CLOSED
    assert len(head) == 10 and proc.stderr.read() == b""


@pytest.fixture
def non_utf8_name(tmp_path: Path) -> Path:
    path = tmp_path / os.fsdecode(b"bad\xff.ndjson")
    path.write_bytes(example("up-fail").read_bytes() + b'{"type":"bootstrap.step"}\n')
    return path


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["NAME", "--format", "json"], b'"source": "bad\\\\xff.ndjson"'),
        # markdown: the backslash of the escape is itself escaped (it renders as bad\xff)
        (["NAME", "--format", "markdown"], b"bad\\\\xff.ndjson"),
        # text: clean() shows the byte that is not UTF-8 as it is
        (["NAME", "--format", "text", "--color", "never"], b"bad\\xff.ndjson"),
        (["check", "NAME"], b"bad\\xff.ndjson:"),
        (["check", "NAME", "--format", "json"], b'"source":"bad\\\\xff.ndjson"'),
    ],
)
def test_a_file_name_that_is_not_utf8_is_shown_escaped(
    non_utf8_name: Path, args: list[str], shown: bytes
) -> None:
    command = [non_utf8_name.name if arg == "NAME" else arg for arg in args]
    done = run(command, cwd=non_utf8_name.parent)
    assert done.returncode == ExitStatus.FAILED, done.stderr.decode()
    assert b"Traceback" not in done.stderr
    assert shown in done.stdout
    if "json" in args:
        json.loads(done.stdout)  # valid UTF-8 JSON


class Trickle(io.RawIOBase):
    """A stream that takes a few bytes a write, then fails as ``errno`` says."""

    def __init__(self, take: int, fail_after: int, error: int) -> None:
        self.got = bytearray()
        self.take, self.fail_after, self.error = take, fail_after, error

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        if len(self.got) >= self.fail_after:
            raise OSError(self.error, os.strerror(self.error))
        chunk = bytes(memoryview(data)[: self.take])  # type: ignore[arg-type]
        self.got += chunk
        return len(chunk)


def test_the_writer_writes_what_a_short_write_left() -> None:
    stream = Trickle(take=7, fail_after=10**9, error=errno.ENOSPC)
    out = Writer(stream)  # type: ignore[arg-type]
    out.write("x" * 100)
    out.flush()
    assert stream.got == b"x" * 100


@pytest.mark.parametrize(
    ("error", "raised"), [(errno.ENOSPC, IOFailure), (errno.EPIPE, StdoutClosed)]
)
def test_a_write_that_fails_after_a_short_one_is_said(error: int, raised: type) -> None:
    out = Writer(Trickle(take=7, fail_after=20, error=error))  # type: ignore[arg-type]
    out.write("x" * 100)
    with pytest.raises(raised):
        out.flush()
