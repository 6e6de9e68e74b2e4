"""Processes and signals, for real: parallel reading, stop signals, a wrapped command's group.

Every test runs castra-tail as a process and signals it with ``os.kill``. Time
bounds here only mark a hang; nothing is timed.
"""

from __future__ import annotations

import base64
import fcntl
import gzip
import json
import os
import signal
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import ROOT, example, replay_stream, run_cli

CASTRA_TAIL = [sys.executable, "-m", "castra_tail"]
HANG = 60  # seconds: past this, castra-tail is stuck
#: VMs in the big file: past the 10,000 tracked, 4,000 are not.
BIG_VMS = 14_000


def start(args: list[str], **kw: object) -> subprocess.Popen[bytes]:
    pipes: dict[str, object] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [*CASTRA_TAIL, *args], cwd=ROOT, **(pipes | kw)
    )


def run(args: list[str], **kw: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [*CASTRA_TAIL, *args], capture_output=True, cwd=ROOT, timeout=HANG, **kw
    )


def wait_for(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + HANG
    while not done():
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.005)


def state_of(pid: int) -> str | None:
    """The process's state letter (``Z`` for a zombie), None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def gone(pid: int) -> bool:
    """Dead: no such process, or a zombie (this container's init reaps no orphan)."""
    return state_of(pid) in (None, "Z")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plain stream of ≥ 16 MiB (read in parallel at -j2): 230 runs with errors, then a
    last run of BIG_VMS VMs that never ends."""
    lines = []
    for run in range(230):
        lines.append('{"type":"command.accepted","command":"up"}')
        for i in range(1_000):
            vm = f"vm-{run}-{i % 50}"
            if i % 500 == 499:
                lines.append(f'{{"type":"message","severity":"error","text":"e{i}","vm":"{vm}"}}')
            else:
                lines.append(f'{{"type":"vm.lifecycle","vm":"{vm}","phase":"launched","pid":{i}}}')
        lines.append('{"type":"command.completed","command":"up","exit_code":0}')
    lines.append('{"type":"command.accepted","command":"up"}')
    for i in range(2 * BIG_VMS):
        lines.append(
            f'{{"type":"vm.lifecycle","vm":"vm-{i % BIG_VMS}","phase":"launched","pid":1}}'
        )
    path = tmp_path_factory.mktemp("big") / "big.ndjson"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size >= 16 << 20
    return path


def two_cores() -> None:
    from castra_tail.parallel import jobs_available

    if jobs_available() < 2:
        pytest.skip("one core: nothing is read in parallel")


# --- 2. parallel reading --------------------------------------------------------------


def test_a_big_compressed_file_is_read_whole_in_one_process(tmp_path: Path) -> None:
    # Random text does not compress: ≥ 16 MiB of gzip with an error as the last event.
    text = base64.b64encode(os.urandom(16_500_000)).decode()
    lines = [
        f'{{"type":"message","severity":"info","text":"{text[k : k + 200]}"}}'
        for k in range(0, len(text), 200)
    ]
    lines.append('{"type":"message","severity":"error","text":"the last line fails"}')
    path = tmp_path / "big.ndjson.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=1))
    assert path.stat().st_size >= 16 << 20
    one, two = (run(["--format", "json", "-j", j, str(path)]) for j in ("1", "2"))
    assert one.returncode == two.returncode == 1
    assert json.loads(two.stdout) == json.loads(one.stdout)
    assert json.loads(two.stdout)["lines"] == len(lines)


@pytest.mark.parametrize("magic", [b"\x1f\x8b\x08", b"BZh91AY&SY", b"\xfd7zXZ\x00"])
def test_only_plain_files_are_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, magic: bytes
) -> None:
    from castra_tail import parallel

    monkeypatch.setattr(parallel, "jobs_available", lambda: 4)
    for name, head in (("packed", magic), ("plain", b'{"type":"message"}\n')):
        with open(tmp_path / name, "wb") as f:
            f.write(head)
            f.truncate(32 << 20)  # sparse: only the size and the first bytes matter
    assert parallel.parts(str(tmp_path / "packed"), 4) == 1
    assert parallel.parts(str(tmp_path / "plain"), 4) == 4


def test_jobs_are_capped_by_the_cores_and_the_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from castra_tail import parallel

    monkeypatch.setattr(parallel, "jobs_available", lambda: 3)
    for name, size in (("big", 200 << 20), ("small", 20 << 20)):
        with open(tmp_path / name, "wb") as f:
            f.truncate(size)
    assert parallel.parts(str(tmp_path / "big"), 10**20) == 3  # one per core
    assert parallel.parts(str(tmp_path / "small"), 3) == 2  # one per 8 MiB


@pytest.mark.parametrize(
    ("load", "cores", "jobs"), [(0.1, 2, 2), (0.7, 2, 1), (1.7, 2, 1), (6.0, 2, 1), (1.2, 8, 7)]
)
def test_the_default_jobs_are_the_cores_the_machine_leaves_idle(
    monkeypatch: pytest.MonkeyPatch, load: float, cores: int, jobs: int
) -> None:
    from castra_tail import parallel

    monkeypatch.setattr(parallel, "jobs_available", lambda: cores)
    assert parallel.idle_cores(load) == jobs


@pytest.mark.parametrize(
    ("average", "now", "busy"), [(1.8, 0, 0.0), (1.8, 1, 1.0), (0.3, 5, 0.3), (1.8, None, 1.8)]
)
def test_the_cores_busy_are_the_load_average_or_those_busy_now_if_fewer(
    monkeypatch: pytest.MonkeyPatch, average: float, now: int | None, busy: float
) -> None:
    """Just after a job the minute's average still counts cores idle now."""
    from castra_tail import parallel

    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (average, average, average))
    monkeypatch.setattr(parallel, "runnable_others", lambda: now)
    assert parallel.busy_cores() == busy


@pytest.mark.parametrize(
    ("text", "others"),
    [
        (b"1.95 1.50 1.20 1/300 12345\n", 0),
        (b"0.50 0.40 0.30 4/300 12345\n", 3),
        (b"0.50 0.40 0.30\n", None),
        (b"x y z a/b c\n", None),
        (b"", None),
    ],
)
def test_the_tasks_runnable_now_are_read_from_the_kernel(
    tmp_path: Path, text: bytes, others: int | None
) -> None:
    from castra_tail import parallel

    path = tmp_path / "loadavg"
    path.write_bytes(text)
    assert parallel.runnable_others(str(path)) == others
    assert parallel.runnable_others(str(tmp_path / "none")) is None
    if Path(parallel.LOADAVG).exists():  # Linux: this process, at least, runs
        assert isinstance(parallel.runnable_others(), int)


@pytest.mark.parametrize(("load", "forks"), [(0.0, 1), (1.8, 0)])
def test_a_busy_machine_reads_a_big_file_in_one_process_unless_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, load: float, forks: int
) -> None:
    """The default -j forks only onto a core the rest of the machine leaves idle;
    ``-j 2`` forks whatever the load. The answer is the same."""
    from castra_tail import parallel

    two_cores()
    monkeypatch.setattr(parallel, "jobs_available", lambda: 2)
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "MIN_PART", 1)
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (load, load, load))
    monkeypatch.setattr(parallel, "runnable_others", lambda: round(load))  # busy now too
    starts: list[object] = []
    start = parallel._Child.start
    monkeypatch.setattr(parallel._Child, "start", lambda *a: starts.append(a) or start(*a))
    path = tmp_path / "s.ndjson"
    path.write_bytes(example("up-fail").read_bytes() * 200)
    default = run_cli(["--format", "json", str(path)])
    assert len(starts) == forks
    asked = run_cli(["--format", "json", "-j", "2", str(path)])
    assert len(starts) == forks + 1
    assert default.stdout == asked.stdout


def test_a_huge_jobs_count_is_capped(big: Path) -> None:
    huge = "100000000000000000000"
    alone = run(["--format", "json", "-j", "1", str(big)])
    flag = run(["--format", "json", "-j", huge, str(big)])
    env = run(["--format", "json", str(big)], env={**os.environ, "CASTRA_TAIL_JOBS": huge})
    assert alone.returncode == flag.returncode == env.returncode == 1
    assert flag.stdout == env.stdout == alone.stdout


def test_vms_not_tracked_counts_vms_the_same_on_one_or_two_cores(big: Path) -> None:
    two_cores()
    one, two = (run(["--format", "json", "-j", j, str(big)]) for j in ("1", "2"))
    assert json.loads(one.stdout)["vms_not_tracked"] == BIG_VMS - 10_000
    assert two.stdout == one.stdout
    text = run(["--summary-only", "--width", "200", "-j", "2", str(big)]).stdout.decode()
    assert "+4,000 VMs not tracked, past the first 10,000" in text


@pytest.mark.parametrize("failure", ["no fork", "a failing child"])
def test_a_reading_process_that_fails_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    from castra_tail import parallel
    from castra_tail.render.report import whole
    from castra_tail.run.stream import Stream
    from castra_tail.run.verdict import judge

    def broken(*_: object) -> None:
        raise OSError("no process to be had")

    path = tmp_path / "s.ndjson"
    path.write_bytes(example("up-fail").read_bytes() * 200)
    if failure == "no fork":
        monkeypatch.setattr(parallel.os, "fork", broken)
    else:  # in the child: it exits 1 with nothing sent
        monkeypatch.setattr(parallel.wire, "dumps", broken)
    together = Stream()
    parallel.read_file(str(path), together, 1 << 20, jobs=2)
    together.finish()
    alone = replay_stream([str(path)])
    assert len(parallel.split(str(path), 2)) == 2
    assert whole(together, judge(together)) == whole(alone, judge(alone))


# --- 4. signals -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def heavy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Valid events that take 20+ ms each to decode: a signal lands while one is decoded."""
    warnings = b",".join([b'"w"'] * 200_000)
    path = tmp_path_factory.mktemp("heavy") / "heavy.ndjson"
    with path.open("wb") as f:
        for n in range(120):
            f.write(
                b'{"type":"bootstrap.planned","vm":"vm-%d","mode":"auto",'
                b'"action":"would_run","reason":"r","warnings":[%s]}\n' % (n, warnings)
            )
    return path


def bytes_read(pid: int) -> int:
    """What the process has read so far (all its reads, the file's mostly)."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    return 0


@pytest.mark.parametrize("attempt", range(3))
def test_sigterm_while_decoding_stops_and_is_no_bad_line(heavy: Path, attempt: int) -> None:
    proc = start(["--format", "json", "-j", "1", str(heavy)])
    try:
        # A third of the way through the file, castra-tail is decoding (not starting up,
        # not done): a CPU-time threshold raced a reader that got faster.
        third = heavy.stat().st_size // 3
        wait_for(lambda: bytes_read(proc.pid) >= third, "a third of the file read")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=HANG)
    finally:
        proc.kill()
    report = json.loads(out)
    assert proc.returncode == 143 and report["interrupted"], report["reasons"]
    assert report["malformed"] == [] and err == b""


@pytest.mark.parametrize("attempt", range(3))
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_processes_read_ends_in_the_summary(
    big: Path, signum: int, code: int, attempt: int
) -> None:
    two_cores()
    proc = start(["--summary-only", "-j", "2", "--width", "100", str(big)])
    helpers: list[int] = []
    try:
        wait_for(lambda: bool(helpers.extend(children(proc.pid)) or helpers), "a fork")
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=HANG)
    finally:
        proc.kill()
    assert proc.returncode == code, err.decode()
    assert err == b"", err.decode()  # no traceback, from castra-tail or its helpers
    assert f"✗ interrupted (exit {code})".encode() in out
    assert all(gone(pid) for pid in helpers)


def test_the_whole_group_stopped_still_ends_in_the_report(big: Path) -> None:
    # `timeout`, systemd and CI runners signal the whole process group.
    two_cores()
    proc = start(["--format", "json", "-j", "2", str(big)], start_new_session=True)
    try:
        wait_for(lambda: bool(children(proc.pid)), "a fork")
        os.killpg(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=HANG)
    finally:
        proc.kill()
    assert proc.returncode == 143 and err == b"", err.decode()
    assert json.loads(out)["interrupted"] is True


# --- 17. -- COMMAND ---------------------------------------------------------------------


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stop_ends_what_the_command_started(tmp_path: Path, signum: int, code: int) -> None:
    pids = tmp_path / "pids"
    script = f"sleep 300 & echo $! > {pids}; cat {example('up')}; wait"
    proc = start(["--summary-only", "--", "bash", "-c", script])
    try:
        wait_for(lambda: pids.exists() and pids.read_text().endswith("\n"), "the sleep")
        sleeper = int(pids.read_text())
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=HANG)
    finally:
        proc.kill()
    assert proc.returncode == code and b"Traceback" not in err
    assert f"✗ interrupted (exit {code})".encode() in out  # the summary's last line
    wait_for(lambda: gone(sleeper), "the end of the command's own child")


def test_a_second_signal_while_the_command_ends_keeps_the_summary(tmp_path: Path) -> None:
    ready, marker = tmp_path / "ready", tmp_path / "got-it"
    # The command hears the first signal, and works on: the second one must not cost
    # castra-tail its summary.
    script = (
        f"trap 'touch {marker}' INT TERM; touch {ready}; cat {example('up')}; "
        "while :; do sleep 0.1; done"
    )
    proc = start(["--summary-only", "--", "bash", "-c", script])
    try:
        wait_for(ready.exists, "the command's start")
        command = children(proc.pid)[0]
        proc.send_signal(signal.SIGTERM)
        wait_for(marker.exists, "the signal passed on")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=HANG)
    finally:
        proc.kill()
    assert proc.returncode == 143, err.decode()
    assert "✗ interrupted (exit 143)".encode() in out  # the summary's last line
    wait_for(lambda: gone(command), "the end of the command")


def test_a_command_that_closes_stdout_is_waited_for(tmp_path: Path) -> None:
    # Past the 10 s that castra-tail once gave it before a SIGKILL (reported as 137).
    script = f"cat {example('up')}; exec >&-; sleep 11; exit 0"
    done = run(["--summary-only", "--", "bash", "-c", script])
    assert done.returncode == 0, done.stdout.decode()[-300:]
    assert b"\xe2\x9c\x93 passed (exit 0)" in done.stdout


def test_a_command_under_a_terminal_is_not_stopped_by_reading_it(tmp_path: Path) -> None:
    # castra-tail on a terminal, in its foreground; the command in a group of its own
    # would be stopped (SIGTTIN) reading the terminal: it reads /dev/null instead.
    status = tmp_path / "read-status"
    primary, secondary = os.openpty()

    def controlling_terminal() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    try:
        proc = subprocess.Popen(
            [
                *CASTRA_TAIL,
                "--summary-only",
                "--",
                "sh",
                "-c",
                f"read answer; echo $? > {status}; cat {example('up')}",
            ],
            stdin=secondary,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            start_new_session=True,
            preexec_fn=controlling_terminal,  # noqa: PLW1509 - a terminal needs it
        )
        try:
            out, err = proc.communicate(timeout=HANG)
        finally:
            proc.kill()
    finally:
        os.close(primary)
        os.close(secondary)
    assert proc.returncode == 0, err.decode()
    assert status.read_text() == "1\n"  # end of input, at once
