"""Input as a hostile or unlucky user gives it: outputs that are inputs, cut archives,
FIFOs, followed archives, and blank-line bombs (issue 10, points 1, 6, 7, 8, 15)."""

from __future__ import annotations

import bz2
import fcntl
import gzip
import json
import lzma
import os
import pty
import select
import shlex
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from castra_tail.input import unpack
from castra_tail.input.framing import Blanks, batches
from castra_tail.input.sources import FileSource

from conftest import ROOT, example, fuzz, replay, replay_stream, run_cli

CASTRA_TAIL = [sys.executable, "-m", "castra_tail"]
MESSAGE = b'{"type":"message","severity":"info","text":"%s"}\n'
PACKERS: dict[str, Callable[[bytes], bytes]] = {
    "gz": gzip.compress,
    "bz2": bz2.compress,
    "xz": lzma.compress,
}
KINDS = {"gz": "gzip", "bz2": "bzip2", "xz": "xz"}


def run(args: list[str], **kw: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [*CASTRA_TAIL, *args], capture_output=True, timeout=60, cwd=ROOT, **kw
    )


def one_usage_line(stderr: bytes) -> str:
    text = stderr.decode()
    assert text.count("\n") == 1 and text.startswith("castra-tail: error: "), text
    assert "Traceback" not in text
    return text


# --- 1. an output that is also an input ----------------------------------------------


@pytest.mark.parametrize("how", ["same path", "symlink", "hard link", "stdin from it", "-F"])
def test_save_never_truncates_an_input(tmp_path: Path, how: str) -> None:
    log = tmp_path / "up.ndjson"
    original = example("up-fail").read_bytes()
    log.write_bytes(original)
    save, args, stdin = str(log), [str(log)], None
    if how == "symlink":
        save = str(tmp_path / "link.ndjson")
        os.symlink(log, save)
    elif how == "hard link":
        save = str(tmp_path / "hard.ndjson")
        os.link(log, save)
    elif how == "stdin from it":
        args, stdin = [], log.open("rb")
    elif how == "-F":  # followed by name, not there yet: it would be the saved file
        save, args = str(tmp_path / "later.ndjson"), ["-F", str(tmp_path / "." / "later.ndjson")]
    try:
        done = run([*args, "--save", save, "--format", "json"], stdin=stdin)
    finally:
        if stdin is not None:
            stdin.close()
    assert done.returncode == 2 and done.stdout == b""
    assert "is also an input" in one_usage_line(done.stderr)
    assert log.read_bytes() == original
    assert how != "-F" or not os.path.exists(save)


@pytest.mark.parametrize("via", ["file", "stdin", "check"])
def test_stdout_appending_to_an_input_is_refused(tmp_path: Path, via: str) -> None:
    log = tmp_path / "a.ndjson"
    original = example("up").read_bytes()
    log.write_bytes(original)
    with log.open("ab") as out, log.open("rb") as inp:  # castra-tail … a.ndjson >> a.ndjson
        args = {
            "file": ["--format", "ndjson", str(log)],
            "stdin": ["--format", "ndjson"],
            "check": ["check", str(log)],
        }[via]
        done = subprocess.run(
            [*CASTRA_TAIL, *args],
            stdin=inp if via == "stdin" else subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.PIPE,
            timeout=60,
            cwd=ROOT,
        )
    assert done.returncode == 2
    assert "input file is output file" in one_usage_line(done.stderr)
    assert log.read_bytes() == original


def test_stdout_to_an_emptied_input_is_not_refused(tmp_path: Path) -> None:
    # `castra-tail a > a`: the shell emptied it first; nothing can loop (GNU cat agrees).
    # It is read, and found empty: nothing to judge is no pass (exit 1), but no refusal (2).
    log = tmp_path / "a.ndjson"
    log.write_bytes(example("up").read_bytes())
    with log.open("wb") as out:
        done = subprocess.run(
            [*CASTRA_TAIL, str(log), "--format", "json"],
            stdout=out,
            stderr=subprocess.PIPE,
            timeout=60,
            cwd=ROOT,
        )
    assert done.returncode == 1, done.stderr
    assert "no Castra events in the input" in log.read_text()
    assert json.loads(log.read_bytes())["lines"] == 0


# --- 6. cut and corrupt archives; magic that is not an archive ------------------------


@pytest.mark.parametrize("suffix", sorted(PACKERS))
def test_a_cut_archive_of_a_complete_run_fails_and_names_itself(
    tmp_path: Path, suffix: str
) -> None:
    # A clean, complete run, then more: cut inside the "more", every event is still there.
    body = example("up").read_bytes() + MESSAGE % b"after" * 2000
    packed = PACKERS[suffix](body)
    path = tmp_path / f"up.ndjson.{suffix}"
    path.write_bytes(packed[: len(packed) - 40])
    problem = f"{path}: {KINDS[suffix]} data ends early (truncated)"
    report = json.loads(run_cli([str(path), "--format", "json"]).stdout)
    assert report["exit_code"] == 1 and report["incomplete"] == [problem]
    text = run_cli([str(path), "--color", "never", "--width", "300"])
    assert text.code == 1
    # The messages after up's command ended begin a run of their own: the cut one.
    assert "✗ failed (exit 1)" in text.out and f"incomplete: {problem}" in text.out
    assert "truncated" in run_cli([str(path), "--format", "markdown"]).out


def test_the_first_600_bytes_of_a_failed_runs_bz2_fail(tmp_path: Path) -> None:
    path = tmp_path / "up-fail.ndjson.bz2"
    path.write_bytes(bz2.compress(example("up-fail").read_bytes())[:600])
    done = run([str(path), "--summary-only", "--color", "never", "--width", "300"])
    assert done.returncode == 1
    assert b"incomplete: " + str(path).encode() + b": bzip2 data ends early" in done.stdout


def test_a_corrupt_archive_is_incomplete(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(example("up").read_bytes() * 50))
    packed[len(packed) // 2 : len(packed) // 2 + 64] = b"\xff" * 64
    path = tmp_path / "bad.ndjson.gz"
    path.write_bytes(bytes(packed))
    report = json.loads(run_cli([str(path), "--format", "json"]).stdout)
    assert report["exit_code"] == 1
    assert report["incomplete"][0].startswith(f"{path}: gzip data is corrupt")


@pytest.mark.parametrize(
    "first", [b"BZh is not bzip2", b"BZh9", b"\x1f\x8b", b"\xfd7zXZ", b"BZh91AY&S"]
)
def test_a_line_that_merely_starts_like_an_archive_is_text(tmp_path: Path, first: bytes) -> None:
    path = tmp_path / "plain.ndjson"
    path.write_bytes(first + b"\n" + example("up").read_bytes())
    stream = replay_stream([str(path)])
    run = stream.current
    assert stream.lines == 1 + example("up").read_bytes().count(b"\n")
    assert run.events == replay([str(example("up"))]).events
    assert run.missing == []


def test_bytes_rejected_before_any_output_are_read_as_text(tmp_path: Path) -> None:
    # The full bzip2 magic, then text: bzip2 rejects it; no line may be lost.
    path = tmp_path / "odd.ndjson"
    path.write_bytes(b"BZh91AY&SY is a text line\n" + example("up").read_bytes())
    run = replay([str(path)])
    assert run.events == replay([str(example("up"))]).events
    assert run.text_lines == 1
    assert run.missing == [f"{path}: bzip2 data is corrupt from its start (Invalid data stream)"]


def test_a_big_compressed_file_is_never_split_in_byte_ranges(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from castra_tail import parallel

    monkeypatch.setattr(parallel, "MIN_BYTES", 0)  # "big": every file is
    body = b"".join(MESSAGE % os.urandom(24).hex().encode() for _ in range(20_000))
    path = tmp_path / "big.ndjson.gz"
    path.write_bytes(gzip.compress(body, 1))
    report = json.loads(run_cli([str(path), "--format", "json", "--jobs", "2"]).stdout)
    assert report["lines"] == report["totals"]["events"] == 20_000


# --- 7. FIFOs, /dev/stdin, <(…) ---------------------------------------------------------


def test_a_named_fifo_is_read_with_its_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(
        [*CASTRA_TAIL, str(fifo), "--format", "ndjson"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    # The writer writes at once and goes, as `echo … > fifo` does: with the FIFO opened
    # twice (a probe, then the read) its data was gone and the read waited for ever.
    writer = subprocess.Popen(
        ["sh", "-c", 'printf "%s%s" "$1" "$2" > "$0"', str(fifo)]
        + [(MESSAGE % word).decode() for word in (b"first", b"second")]
    )
    try:
        out, err = reader.communicate(timeout=30)  # a smoke bound: the bug was a hang
    finally:
        reader.kill()
        writer.kill()
    assert writer.wait(10) == 0  # its data was read, not cut off (SIGPIPE)
    assert out == MESSAGE % b"first" + MESSAGE % b"second", err
    assert reader.returncode == 0


def test_fifos_and_process_substitution_are_live(tmp_path: Path) -> None:
    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    assert FileSource(str(fifo)).live
    assert not FileSource(str(example("up"))).live
    probe = (
        "from castra_tail.input.sources import FileSource as S; import sys;"
        " print(S(sys.argv[1]).live)"
    )
    done = subprocess.run(
        ["bash", "-c", f"{shlex.quote(sys.executable)} -c {shlex.quote(probe)} <(true)"],
        capture_output=True,
        timeout=30,
        cwd=ROOT,
    )
    assert done.stdout == b"True\n", done.stderr


def test_process_substitution_shows_the_live_panel_on_a_terminal(tmp_path: Path) -> None:
    lines = example("up").read_bytes().splitlines(keepends=True)
    head, tail = tmp_path / "head.ndjson", tmp_path / "tail.ndjson"
    head.write_bytes(b"".join(lines[:12]))
    tail.write_bytes(b"".join(lines[12:]))
    command = (
        f"{shlex.quote(sys.executable)} -m castra_tail --width 100 --color never "
        f"<(cat {shlex.quote(str(head))}; sleep 1; cat {shlex.quote(str(tail))})"
    )
    seen = in_a_terminal(["bash", "-c", command])
    assert "castra up · 3 VMs" in seen  # the panel: the input was live
    assert "✓ passed (exit 0)" in seen


def in_a_terminal(argv: list[str]) -> str:
    """Everything ``argv`` writes to a real pty until it exits."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 120, 0, 0))  # rows, columns
    proc = subprocess.Popen(argv, stdout=slave, stderr=slave, stdin=subprocess.DEVNULL, cwd=ROOT)
    os.close(slave)
    seen = b""
    try:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the other side closed
                break
            if not chunk:
                break
            seen += chunk
        assert proc.wait(30) == 0, seen[-2000:]
    finally:
        proc.kill()
        os.close(master)
    return seen.decode("utf-8", "replace")


def test_dev_stdin_is_read_as_it_is() -> None:
    done = run(["/dev/stdin", "--format", "ndjson"], input=example("up").read_bytes())
    assert done.returncode == 0 and done.stdout == example("up").read_bytes()


# --- 8. following a compressed file ----------------------------------------------------


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


@pytest.mark.parametrize("suffix", sorted(PACKERS))
def test_follow_unpacks_a_growing_archive(tmp_path: Path, suffix: str) -> None:
    log = tmp_path / f"events.ndjson.{suffix}"
    log.write_bytes(PACKERS[suffix](MESSAGE % b"packed 1"))
    proc = subprocess.Popen(
        [*CASTRA_TAIL, "-f", str(log), "--format", "ndjson"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        seen = read_until(proc, b"packed 1", timeout=30)
        with log.open("ab") as f:  # another member, as `gzip -c more >> log.gz` appends
            f.write(PACKERS[suffix](MESSAGE % b"packed 2"))
        seen += read_until(proc, b"packed 2", timeout=10)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)
    assert proc.stdout is not None
    # Nothing but the two lines: no compressed bytes shown as text.
    assert seen + proc.stdout.read() == MESSAGE % b"packed 1" + MESSAGE % b"packed 2"


def test_follow_by_name_a_replaced_archive_is_a_new_stream(tmp_path: Path) -> None:
    log = tmp_path / "events.ndjson.gz"
    log.write_bytes(gzip.compress(MESSAGE % b"old-line"))
    proc = subprocess.Popen(
        [*CASTRA_TAIL, "-F", str(log), "--color", "never", "--no-summary"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        read_until(proc, b"old-line", timeout=30)
        log.rename(tmp_path / "events.ndjson.gz.1")
        log.write_bytes(bz2.compress(MESSAGE % b"fresh-line"))  # even another compression
        seen = read_until(proc, b"fresh-line", timeout=10)
        assert b"was replaced" in seen
    finally:
        proc.kill()
        proc.wait()


def test_follow_with_save_writes_the_unpacked_bytes(tmp_path: Path) -> None:
    log, saved = tmp_path / "events.ndjson.gz", tmp_path / "saved.ndjson"
    log.write_bytes(gzip.compress(MESSAGE % b"one"))
    proc = subprocess.Popen(
        [*CASTRA_TAIL, "-f", str(log), "--save", str(saved), "--format", "ndjson"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        read_until(proc, b"one", timeout=30)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)
    assert saved.read_bytes() == MESSAGE % b"one"


def test_follow_reads_a_fifo_writer_after_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [*CASTRA_TAIL, "-f", str(fifo), "--color", "never", "--no-summary"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        for word in (b"first-writer", b"second-writer"):  # `echo … > fifo`, twice
            subprocess.run(
                ["sh", "-c", 'printf "%s" "$1" > "$0"', str(fifo), (MESSAGE % word).decode()],
                timeout=30,
                check=True,
            )
            seen = read_until(proc, word, timeout=30)
            assert b"truncated" not in seen  # a FIFO's size is always 0: no truncation
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(10)
    assert code == 130, proc.stderr.read() if proc.stderr else b""


# --- 15. blank-line and empty-member bombs ------------------------------------------------


def expanded(data: bytes, step: int) -> list[tuple[int, bytes]]:
    """Every line of ``data`` read ``step`` bytes at a time, numbered; runs spelled out."""
    from io import BytesIO

    class Trickle(BytesIO):
        def read1(self, size: int = -1) -> bytes:
            return self.read(step)

    out: list[tuple[int, bytes]] = []
    for batch in batches(Trickle(data)):
        assert batch is not None
        first, lines = batch
        assert not out or first == out[-1][0] + 1, "batches must number on"
        for i, line in enumerate(lines):
            if isinstance(line, Blanks):
                assert i == len(lines) - 1, "a run ends its batch"
                out += [(first + i + k, b"") for k in range(line.lines)]
            else:
                out.append((first + i, bytes(line)))
    return out


@given(
    st.lists(
        st.one_of(
            st.sampled_from([b"{}", b"x", b"", b"\r"]),
            st.tuples(st.integers(1, 3000), st.sampled_from([b"", b"\r"])),
        ),
        max_size=12,
    ),
    st.sampled_from([1 << 20, 4096, 1000, 7]),
)
@settings(max_examples=fuzz(60), deadline=None)
def test_runs_of_blank_lines_keep_every_number(
    parts: list[bytes | tuple[int, bytes]], step: int
) -> None:
    lines: list[bytes] = []
    for part in parts:
        lines += [part[1]] * part[0] if isinstance(part, tuple) else [part]
    data = b"".join(line + b"\n" for line in lines)
    got = expanded(data, step)
    assert [n for n, _ in got] == list(range(1, len(lines) + 1))
    # A run of CRLF blank lines is held like one of LF ones: both are blank.
    assert [line.strip() for _, line in got] == [line.strip() for line in lines]


@pytest.mark.parametrize("blank", [b"\n", b"\r\n"])
def test_a_newline_bomb_is_counted_in_bulk(tmp_path: Path, blank: bytes) -> None:
    n = 3_000_000
    path = tmp_path / "bomb.ndjson.gz"
    path.write_bytes(gzip.compress(blank * n + MESSAGE % b"after the bomb", 9))
    with gzip.open(path) as f:
        held = sum(len(lines) for _, lines in filter(None, batches(f)))
    assert held < 100  # not 3 million b"" in lists: runs are held as one line each
    stream = replay_stream([str(path)])
    run = stream.current
    assert stream.lines == n + 1 and run.events == 1
    assert run.first_at_level[min(run.first_at_level)].where.line == n + 1
    check = run_cli(["check", str(path)])
    assert f"{n + 1:,} lines" in check.out


@pytest.mark.parametrize("suffix", sorted(PACKERS))
def test_the_end_of_an_empty_member_copies_little(
    monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    """Empty members in a row: each one's end must not copy all the input after it.

    (That copy made 200,000 empty gzip members take 5 s: quadratic in a 1 MiB read.)
    """
    copies: list[int] = []
    real = unpack._Unpacker._new

    class Watched:
        def __init__(self, d: object) -> None:
            self.d = d

        def __getattr__(self, name: str) -> object:
            value = getattr(self.d, name)
            if name == "unused_data":
                copies.append(len(value))
            return value

    monkeypatch.setattr(unpack._Unpacker, "_new", lambda self: Watched(real(self)))
    data = PACKERS[suffix](b"") * 40_000 + PACKERS[suffix](MESSAGE % b"last")
    assert b"".join(filter(None, unpack.unpacked([data]))) == MESSAGE % b"last"
    assert len(copies) == 40_001 and max(copies) <= 64 << 10
