"""castra-tail's benchmark: figures, never assertions.

Generates deterministic streams (bench/gen.py) of 100 k and 1 M lines, then
runs castra-tail's modes (pure, and compiled when ``make compiled`` built it)
and their jq equivalents alternately, and prints lines/s, the ratio to jq, CPU
seconds, peak RSS (``/usr/bin/time -f %M``), start-up time and the live-pipe
latency.

    python bench/run.py            # everything (make bench)
    python bench/run.py --quick    # 100 k lines only
"""

from __future__ import annotations

import argparse
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
TAIL = [sys.executable, "-m", "castra_tail"]
#: The compiled build (``make compiled``): the same command with this copy first on the path.
COMPILED = HERE.parent / "build" / "compiled"
COMPILED_ENV = {**os.environ, "PYTHONSAFEPATH": "1", "PYTHONPATH": str(COMPILED)}

# (name, castra-tail arguments, jq equivalent, this round's goal as a multiple of jq's speed)
COUNT = ["-n", "reduce inputs as $e (0; .+1)"]
CASES = [
    ("summary, -j1", ["--summary-only", "-j", "1"], COUNT, 1.6),
    ("summary, default -j", ["--summary-only"], COUNT, 2.0),
    (
        "select message",
        ["--format", "ndjson", "--type", "message"],
        ["-c", 'select(.type=="message")'],
        2.2,
    ),
    ("render all, colour", ["--color", "always", "--no-summary"], ["-c", "."], 1.15),
    ("json report", ["--format", "json"], None, None),
]
#: Peak RSS at 1 M lines: at most this multiple of that at 100 k, and under this many MiB.
RSS_GROWTH, RSS_MIB = 1.3, 60

#: The streams measured: the project's (a few runs of 8 VMs among 400 names) and a log of
#: many appended runs (3 VMs each, among 56,000 names): gen.py's third and fourth arguments.
STREAMS = {"project": (400, 8), "many runs": (56_000, 3)}


def dataset(lines: int, kind: str = "project") -> Path:
    """The generated stream of ``lines`` lines, made once and kept in bench/data."""
    DATA.mkdir(exist_ok=True)
    vms, per_op = STREAMS[kind]
    path = DATA / f"{lines}-{vms}-{per_op}.ndjson"
    if not path.exists():
        gen = [sys.executable, str(HERE / "gen.py"), str(lines), "1", str(vms), str(per_op)]
        with path.open("w") as out:
            subprocess.run(gen, stdout=out, check=True)
    return path


class Figures(NamedTuple):
    """One command's figures: medians of wall and CPU seconds, the highest peak RSS."""

    wall: float
    cpu: float
    rss: int  # KiB


def timed(command: list[str], env: dict[str, str] | None = None) -> Figures:
    """Wall and CPU seconds (user + system) and peak RSS of one run, its output thrown away."""
    with tempfile.NamedTemporaryFile("r") as out:
        start = time.perf_counter()
        subprocess.run(
            ["/usr/bin/time", "-f", "%U %S %M", "-o", out.name, *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            check=False,
        )
        wall = time.perf_counter() - start
        user, system, rss = out.read().split()[-3:]
        return Figures(wall, float(user) + float(system), int(rss))


def medians(runs: list[Figures]) -> Figures:
    return Figures(
        statistics.median(r.wall for r in runs),
        statistics.median(r.cpu for r in runs),
        max(r.rss for r in runs),
    )


def best(command: list[str], runs: int) -> tuple[float, int]:
    """The fastest of ``runs`` runs' wall seconds, and the highest peak RSS."""
    results = [timed(command) for _ in range(runs)]
    return min(r.wall for r in results), max(r.rss for r in results)


def latency() -> float:
    """Median seconds from a write into castra-tail's stdin to the line on its stdout (a pipe)."""
    proc = subprocess.Popen(
        [*TAIL, "--format", "ndjson"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert proc.stdin is not None and proc.stdout is not None
    delays = []
    try:
        for n in range(12):
            line = b'{"type":"message","severity":"info","text":"probe %d"}\n' % n
            sent = time.perf_counter()
            proc.stdin.write(line)
            proc.stdin.flush()
            got = b""
            while line not in got:
                select.select([proc.stdout], [], [], 10)
                got += os.read(proc.stdout.fileno(), 65536)
            if n:  # the first one includes start-up
                delays.append(time.perf_counter() - sent)
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()
    return statistics.median(delays)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 k lines only")
    parser.add_argument("--runs", type=int, default=3, help="medians of N runs (default 3)")
    args = parser.parse_args()
    jq = shutil.which("jq")
    sizes = [100_000] if args.quick else [100_000, 1_000_000]
    print(
        f"castra-tail benchmark · python {sys.version.split()[0]} · {os.cpu_count()} cores"
        f" · jq {'found' if jq else 'NOT FOUND (install jq)'}"
    )
    parallel_capacity()
    for kind in STREAMS:
        measure(kind, sizes, jq, args.runs)
    startup_and_latency()
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


def measure(kind: str, sizes: list[int], jq: str | None, runs: int) -> None:
    """Every case on the ``kind`` stream at each size, pure and compiled (when built), jq
    run alternately with them (medians of ``runs``); then peak RSS at 1 M lines against 100 k."""
    compiled = (COMPILED / ".stamp").exists()
    rss_by_size: dict[int, dict[str, int]] = {}
    for lines in sizes:
        path = dataset(lines, kind)
        per_line = path.stat().st_size / lines
        print(
            f"\n{kind} stream · {lines:,} lines, {path.stat().st_size / 2**20:.1f} MiB"
            f" ({per_line:.0f} B/line) · medians of {runs}"
            + ("" if compiled else " · no compiled build (make compiled)")
        )
        print(
            f"  {'case':<20} {'pure':>7} {'CPU s':>6} {'lines/s':>10} {'RSS MiB':>8}"
            f" {'× jq':>6} {'compiled':>8} {'CPU s':>6} {'× jq':>6} {'jq':>7} {'goal':>6}"
        )
        rss_by_size[lines] = {}
        for name, tail_args, jq_args, goal in CASES:
            command = [*TAIL, *tail_args, str(path)]
            pure, built, theirs = [], [], []
            for _ in range(runs):  # alternated: the machine's drift falls on all
                pure.append(timed(command))
                if compiled:
                    built.append(timed(command, COMPILED_ENV))
                if jq and jq_args:
                    theirs.append(timed([jq, *jq_args, str(path)]))
            tail = medians(pure)
            rss_by_size[lines][name] = tail.rss
            jq_wall = medians(theirs).wall if theirs else None
            row = (
                f"  {name:<20} {tail.wall:>6.2f}s {tail.cpu:>6.2f} {lines / tail.wall:>10,.0f}"
                f" {tail.rss / 1024:>8.1f} {_ratio(jq_wall, tail.wall)}"
            )
            best = tail.wall
            if built:
                fast = medians(built)
                best = min(best, fast.wall)
                row += f" {fast.wall:>7.2f}s {fast.cpu:>6.2f} {_ratio(jq_wall, fast.wall)}"
            else:
                row += f" {'':>8} {'':>6} {'':>6}"
            if jq_wall is not None and goal:
                mark = "✓" if jq_wall / best >= goal else "✗"
                row += f" {jq_wall:>6.2f}s {goal:>5.2f}× {mark}"
            print(row)
    if len(sizes) > 1:
        small, big = rss_by_size[sizes[0]], rss_by_size[sizes[-1]]
        print(
            f"\npeak RSS, {kind} stream, 1 M lines against 100 k"
            f" (goal ≤ {RSS_GROWTH}×, < {RSS_MIB} MiB):"
        )
        for name in small:
            ratio = big[name] / small[name]
            mark = "✓" if ratio <= RSS_GROWTH and big[name] < RSS_MIB * 1024 else "✗"
            print(
                f"  {name:<20} {small[name] / 1024:6.1f} → {big[name] / 1024:6.1f} MiB"
                f"  {ratio:.2f}× {mark}"
            )


def _ratio(jq_wall: float | None, wall: float) -> str:
    return f"{jq_wall / wall:>5.2f}×" if jq_wall is not None else f"{'':>6}"


#: A CPU-bound loop of about a second, to see how many of them the machine runs side by side.
_SPIN = "sum(i * i for i in range(12_000_000))"


def parallel_capacity() -> None:
    """How much two CPU-bound processes slow each other: what ``-j`` can gain here at most.

    A virtual machine may show two cores that share one: then two processes each run at
    half speed, and reading on two cores cannot be faster than on one.
    """
    spin = [sys.executable, "-c", _SPIN]
    alone = min(_wall([spin]) for _ in range(2))
    together = min(_wall([spin, spin]) for _ in range(2))
    print(
        f"parallel capacity: one CPU-bound process {alone:.2f} s, two at once {together:.2f} s"
        f" ({2 * alone / together:.2f} cores' worth of work side by side);"
        f" load average {os.getloadavg()[0]:.2f}"
    )


def _wall(commands: list[list[str]]) -> float:
    """Seconds until every one of ``commands``, started together, has ended."""
    start = time.perf_counter()
    procs = [subprocess.Popen(c) for c in commands]
    for proc in procs:
        proc.wait()
    return time.perf_counter() - start


def startup_and_latency() -> None:
    """Start-up times, and how soon a line written into a live pipe comes out."""
    version, _ = best([*TAIL[:1], "-m", "castra_tail", "--version"], 5)
    script = shutil.which("castra-tail") or str(Path(sys.executable).parent / "castra-tail")
    script_version, _ = best([script, "--version"], 5)
    empty = DATA / "empty.ndjson"
    empty.write_bytes(b"")
    startup, _ = best([script, "--format", "json", str(empty)], 5)
    print(
        f"\nstart-up: castra-tail --version {script_version * 1000:.0f} ms (goal < 150 ms), "
        f"python -m castra_tail --version {version * 1000:.0f} ms, "
        f"an empty stream to json {startup * 1000:.0f} ms"
    )
    print(
        f"live pipe: a line reaches stdout {latency() * 1000:.1f} ms after it was written"
        f" (median; goal < 100 ms)"
    )


if __name__ == "__main__":
    main()
