"""Numbers and times on the command line: out of range, huge or wrong, each is one line
``castra-tail: error: …`` in castra-tail's words and exit 2 — never an overflow, a
traceback, or Click's wording. And --max-line-bytes takes sizes with units."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import fuzz, run_cli

#: A run whose events carry a ts (what --since/--until need), two runs apart.
STAMPED = "".join(
    json.dumps(e) + "\n"
    for e in [
        {"ts": "2026-11-26T09:00:00Z", "type": "command.accepted", "command": "up"},
        {"ts": "2026-11-26T09:00:01Z", "type": "message", "severity": "info", "text": "hello"},
        {"ts": "2026-11-26T10:00:02Z", "type": "command.completed", "command": "up"},
    ]
)
HUGE = "9" * 23
DIGITS = "9" * 5000  # int() refuses more than 4,300


@pytest.fixture
def stamped(tmp_path: Path) -> str:
    path = tmp_path / "stamped.ndjson"
    path.write_text(STAMPED)
    return str(path)


def usage_error(args: list[str], *flag: str) -> str:
    """The one line a usage error is, after checking it is one (exit 2, nothing on stdout)."""
    got = run_cli(args)
    assert got.code == 2, (args, got.code, got.stderr)
    assert got.stdout == b""
    lines = got.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("castra-tail: error: "), got.stderr
    assert all(f in lines[0] for f in flag), lines[0]
    assert "valid int" not in lines[0] and "is not in the range" not in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("args", "flag", "says"),
    [
        (["-n", HUGE], "--tail", "too large"),
        (["-n", "9223372036854775808"], "--tail", "too large"),
        (["-n", DIGITS], "--tail", "too large"),
        (["--since", "99999999999d"], "--since", "too long"),
        (["--since", f"{DIGITS}s"], "--since", "too long"),
        (["--since", "100000000000000000000ms"], "--since", "too long"),
        (["--since", "10000000d"], "--since", "before year 1"),
        (["--since", "10000000d", "--format", "ndjson"], "--since", "before year 1"),
        (["--until", "3000000d"], "--until", "before year 1"),
        (["--since", "0001-01-01T00:00:00"], "--since", "out of range: times run from year 1"),
        (["--max-line-bytes", HUGE], "--max-line-bytes", "too large"),
        (["--max-line-bytes", f"{DIGITS}M"], "--max-line-bytes", "too large"),
        (["--width", HUGE], "--width", "out of range: 20 to 1000"),
        (["--run", DIGITS], "--run", "choose"),
        (["compare", "--min-delta", "9" * 400], "--min-delta", "too long a duration"),
        (["compare", "--threshold", "9" * 400], "--threshold", "too large a percentage"),
    ],
)
def test_a_value_too_large_is_a_usage_error(
    stamped: str, args: list[str], flag: str, says: str
) -> None:
    line = usage_error([*args, stamped], flag)
    assert says in line
    assert len(line) < 300  # the value is shown cut, not its 5,000 digits


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["-n", "x"], "--tail: 'x' is not a whole number"),
        (["-n", "-1"], "--tail: -1 is too small: at least 0"),
        (["--jobs", "0"], "--jobs: 0 is too small: at least 1"),
        (["--width", "abc"], "--width: 'abc' is not a whole number"),
        (["--width", "5"], "--width: 5 is out of range: 20 to 1000"),
        (["--max-line-bytes", "1x"], "--max-line-bytes: '1x' is not a size: 1048576, 64k"),
        (["--max-line-bytes", "0"], "--max-line-bytes: 0 is too small: at least 1"),
        (["stats", "--top", "x"], "--top: 'x' is not a whole number"),
        (["stats", "--jobs", "two"], "--jobs: 'two' is not a whole number"),
        (["compare", "--width", "9"], "--width: 9 is out of range: 20 to 1000"),
        (["runs", "--max-line-bytes", "1q"], "--max-line-bytes: '1q' is not a size"),
        (["check", "--max-line-bytes", "-5"], "--max-line-bytes: '-5' is not a size"),
    ],
)
def test_each_number_flag_speaks_castra_tails_words(
    stamped: str, args: list[str], says: str
) -> None:
    assert says in usage_error([*args, stamped])


def test_a_number_from_the_environment_names_its_variable(stamped: str) -> None:
    got = run_cli([stamped], env={"CASTRA_TAIL_JOBS": "-3"})
    assert got.code == 2
    assert got.stderr.startswith("castra-tail: error: $CASTRA_TAIL_JOBS (for --jobs): ")
    assert "-3 is too small: at least 1" in got.stderr


def test_a_huge_jobs_count_is_as_many_as_there_are_cores(stamped: str) -> None:
    for jobs in (HUGE, DIGITS):
        assert run_cli(["-q", "--jobs", jobs, stamped]).code == 0
        assert run_cli(["-q", stamped], env={"CASTRA_TAIL_JOBS": jobs}).code == 0


def test_demo_speed_is_a_number_at_least_0() -> None:
    for value in ("x", "nan", "-1", "inf", "1e400"):
        assert "is not a number at least 0" in usage_error(["demo", "--speed", value], "--speed")


def _line_of(size: int) -> str:
    """A message event exactly ``size`` bytes long."""
    bare = json.dumps({"type": "message", "severity": "info", "text": ""})
    return bare.replace('"text": ""', '"text": "' + "x" * (size - len(bare)) + '"')


@pytest.mark.parametrize(
    ("size", "limit"),
    [
        ("1k", 1024),
        ("1K", 1024),
        ("1KiB", 1024),
        ("1 KiB", 1024),
        ("1kB", 1000),
        ("1.5k", 1536),
        ("2000", 2000),
        ("2000b", 2000),
    ],
)
def test_max_line_bytes_takes_a_size_with_a_unit(tmp_path: Path, size: str, limit: int) -> None:
    path = tmp_path / "long.ndjson"
    lines = [_line_of(n) for n in (999, 1000, 1001, 1024, 1025, 1536, 1537, 2000, 2001)]
    path.write_text("".join(line + "\n" for line in lines))
    got = run_cli([str(path), "--format", "ndjson", "--max-line-bytes", size])
    assert got.code == 0, got.stderr
    kept = [len(line) for line in got.out.splitlines()]
    assert kept == [len(line) for line in lines if len(line) <= limit]


def test_sizes_with_megabytes(tmp_path: Path) -> None:
    path = tmp_path / "one.ndjson"
    path.write_text(STAMPED)
    for size in ("16M", "16MiB", "16MB", "1G", "0.5M"):
        assert run_cli([str(path), "-q", "--max-line-bytes", size]).code == 0


COUNTS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["9223372036854775807", "9223372036854775808", DIGITS, "-0", "+3", "0x10"]),
)


@settings(max_examples=fuzz(60), deadline=None)
@given(
    flag=st.sampled_from(["-n", "--jobs", "--width", "--max-line-bytes"]),
    value=COUNTS,
)
def test_any_count_is_taken_or_refused_in_one_line(flag: str, value: str) -> None:
    got = run_cli(["--format", "ndjson", flag, value, "-"], stdin=STAMPED.encode())
    # 1: --max-line-bytes 1 skips every line, and nothing is left to judge.
    assert got.code in (0, 1, 2), (flag, value, got)
    lines = got.stderr.splitlines()
    if got.code == 2:
        named = "--tail" if flag == "-n" else flag
        assert len(lines) == 1 and lines[0].startswith(f"castra-tail: error: {named}: ")
        assert "valid int" not in lines[0] and "is not in the range" not in lines[0]
    else:
        assert not any(line.startswith("castra-tail: error:") for line in lines), lines


@settings(max_examples=fuzz(60), deadline=None)
@given(
    flag=st.sampled_from(["--since", "--until"]),
    amount=st.integers(min_value=0, max_value=10**25),
    unit=st.sampled_from(["ms", "s", "m", "h", "d", "w"]),
)
def test_any_duration_back_from_the_last_event_is_taken_or_refused(
    tmp_path_factory: pytest.TempPathFactory, flag: str, amount: int, unit: str
) -> None:
    path = tmp_path_factory.mktemp("when") / "stamped.ndjson"
    path.write_text(STAMPED)
    got = run_cli(["--format", "ndjson", flag, f"{amount}{unit}", str(path)])
    assert got.code in (0, 2), (flag, amount, unit, got)
    if got.code == 2:
        lines = got.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"castra-tail: error: {flag}")


EDGES = st.sampled_from(
    [
        "0001-01-01T00:00:00+23:59",
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00-23:59",
        "9999-12-31T23:59:59.999999-23:59",
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59+23:59",
        "2026-11-26T09:00:00Z",
    ]
)
WHENS = st.sampled_from(
    ["10m", "1ms", "3650000d", "00:00", "23:59:59", "0001-01-02T00:00:00Z", "9999-12-31"]
)


@settings(max_examples=fuzz(60), deadline=None)
@given(
    stamps=st.lists(EDGES, min_size=1, max_size=3),
    flag=st.sampled_from(["--since", "--until"]),
    when=WHENS,
    fmt=st.sampled_from(["ndjson", "json", "text"]),
)
def test_times_at_the_edges_of_the_calendar_never_overflow(
    tmp_path_factory: pytest.TempPathFactory, stamps: list[str], flag: str, when: str, fmt: str
) -> None:
    path = tmp_path_factory.mktemp("edges") / "edges.ndjson"
    events = [{"ts": ts, "type": "message", "severity": "info", "text": "t"} for ts in stamps]
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    got = run_cli(["--format", fmt, "--color", "never", flag, when, str(path)])
    assert got.code in (0, 1, 2), (stamps, flag, when, got)
    if got.code == 2:
        lines = got.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"castra-tail: error: {flag}"), lines
