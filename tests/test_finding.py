"""Finding things: --grep (and -i), -n/--tail, --since/--until, and filters that match nothing."""

from __future__ import annotations

import gzip
import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from castra_tail.find import NOT_TEXT
from castra_tail.render.highlight import OFF, ON
from castra_tail.when import BLOCK, _lines_backwards

from conftest import ROOT, example, run_cli

UP, UP_FAIL, DOWN = str(example("up")), str(example("up-fail")), str(example("down"))
PLAIN = ["--color", "never", "--width", "80"]
SGR = re.compile(r"\x1b\[[0-9;]*m")


def strings(value: object) -> list[str]:
    """Every string of a decoded JSON event but its vm, ts and seq (what --grep searches)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k not in NOT_TEXT for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def lines_where(path: str, keep: object) -> bytes:
    raw = Path(path).read_bytes().splitlines(keepends=True)
    return b"".join(line for line in raw if keep(json.loads(line)))  # type: ignore[operator]


# --- --grep ---------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["apt", "postgresql-1[67]", "castra-ready", "^up$", "SIGKILL"])
def test_grep_keeps_the_events_whose_text_matches(pattern: str) -> None:
    for path in (UP, UP_FAIL, DOWN):
        got = run_cli([path, "--format", "ndjson", "--grep", pattern]).stdout
        expected = lines_where(path, lambda e: any(re.search(pattern, s) for s in strings(e)))
        assert got == expected, (path, pattern)


def test_grep_finds_errors_details_commands_and_reasons() -> None:
    def shown(pattern: str) -> list[str]:
        out = run_cli([UP_FAIL, "--format", "ndjson", "--grep", pattern]).stdout
        return [json.loads(line)["type"] for line in out.splitlines()]

    assert shown("Unable to locate") == ["bootstrap.failed"]  # an error
    assert shown("exited with status 100 after") == ["bootstrap.step"]  # a step's detail
    assert shown("mode is always") == ["bootstrap.planned"]  # a plan's reason
    assert shown("failed to bootstrap") == ["command.failed"]  # a command's detail
    assert shown("^db-0$") == []  # the VM an event is about is --vm's, not its text


def test_grep_ignore_case_and_several_patterns() -> None:
    lower = run_cli([UP_FAIL, "--format", "ndjson", "--grep", "apt"]).stdout
    assert run_cli([UP_FAIL, "--format", "ndjson", "--grep", "APT", "-i"]).stdout == lower
    assert run_cli([UP_FAIL, "--format", "ndjson", "--grep", "APT"]).stdout == b""
    either = run_cli([UP_FAIL, "--format", "ndjson", "--grep", "apt", "--grep", "castra.toml"])
    assert set(lower.splitlines()) < set(either.stdout.splitlines())


def test_grep_combines_with_the_other_filters() -> None:
    both = run_cli([UP, "--format", "ndjson", "--grep", "s", "--vm", "db-0", "-t", "bootstrap"])
    lines = [json.loads(line) for line in both.stdout.splitlines()]
    assert lines and all(e["vm"] == "db-0" and e["type"].startswith("bootstrap.") for e in lines)


def test_grep_keeps_plain_text_lines_that_match(tmp_path: Path) -> None:
    log = tmp_path / "log.ndjson"
    log.write_bytes(Path(UP_FAIL).read_bytes() + b"dpkg: error processing package\nother text\n")
    out = run_cli([str(log), *PLAIN, "--grep", "dpkg", "--no-summary"]).out
    assert "dpkg: error processing package" in out and "other text" not in out


def test_grep_highlights_the_match_in_colour_only() -> None:
    coloured = run_cli([UP_FAIL, "--color", "always", "--grep", "postgresql-1[67]"]).out
    assert f"{ON}postgresql-17{OFF}" in coloured and f"{ON}postgresql-16{OFF}" in coloured
    plain = run_cli([UP_FAIL, *PLAIN, "--grep", "postgresql-1[67]"]).out
    assert "\x1b" not in plain and "postgresql-17" in plain


HOSTILE = {"type": "message", "severity": "error", "text": "\x1b[1;31mred\x1b[0m; [m] 3;1m"}


@pytest.mark.parametrize("pattern", ["m", "3", "\\[", ";", "[0-9]+", ".", "red"])
def test_highlighting_never_breaks_an_escape_sequence(pattern: str, tmp_path: Path) -> None:
    """Patterns that match what escapes are made of mark only text; the text is unchanged."""
    log = tmp_path / "hostile.ndjson"
    log.write_bytes(Path(UP_FAIL).read_bytes() + json.dumps(HOSTILE).encode() + b"\n")
    coloured = run_cli([str(log), "--color", "always", "--no-summary", "--grep", pattern]).out
    plain = run_cli([str(log), "--color", "never", "--no-summary", "--grep", pattern]).out
    assert "red" in plain
    assert SGR.sub("", coloured) == plain
    assert "\x1b" not in SGR.sub("", coloured)  # every escape is a whole SGR sequence
    assert coloured.count(ON) == coloured.count(OFF) > 0


def test_a_bad_pattern_is_a_usage_error() -> None:
    result = run_cli([UP, "--grep", "("])
    assert result.code == 2
    assert result.stderr.startswith("castra-tail: error: --grep: '(' is not a regular expression")


# --- -n/--tail --------------------------------------------------------------------------


def test_tail_n_shows_the_last_n_lines_as_tail_does() -> None:
    raw = Path(UP).read_bytes().splitlines(keepends=True)
    for n in (1, 3, 10):
        assert run_cli([UP, "--format", "ndjson", "-n", str(n)]).stdout == b"".join(raw[-n:])
    assert run_cli([UP, "--format", "ndjson", "--tail", "1000"]).stdout == b"".join(raw)


def test_tail_counts_what_the_filters_chose() -> None:
    steps = lines_where(UP, lambda e: e["type"] == "bootstrap.step").splitlines(keepends=True)
    got = run_cli([UP, "--format", "ndjson", "-t", "bootstrap.step", "-n", "2"]).stdout
    assert got == b"".join(steps[-2:])


def test_the_summary_still_covers_the_whole_input() -> None:
    wide = ["--color", "never", "--width", "200"]
    whole = run_cli([UP_FAIL, *wide, "--summary-only"]).out
    out = run_cli([UP_FAIL, *wide, "-n", "2", "--no-timelines"]).out
    lines, summary = out.split("\n\n", 1)
    assert len(lines.splitlines()) == 2 and "command   up failed" in lines
    assert summary == whole  # 25 events, both VMs, the verdict
    assert run_cli([UP_FAIL, "-n", "0", "--no-summary", "--no-timelines"]).stdout == b""


def test_tail_holds_a_pipe_until_its_end() -> None:
    raw = Path(UP).read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "castra_tail", "--format", "ndjson", "-n", "2"],
        input=raw,
        capture_output=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.stdout == b"".join(raw.splitlines(keepends=True)[-2:])


def test_tail_then_follow_shows_what_comes(tmp_path: Path) -> None:
    from test_live import read_until, start

    log = tmp_path / "up.ndjson"
    log.write_bytes(Path(UP).read_bytes())
    proc = start(["-f", "-n", "2", "--format", "ndjson", str(log)])
    try:
        seen = read_until(proc, b"command.completed", timeout=30)
        assert seen == b"".join(Path(UP).read_bytes().splitlines(keepends=True)[-2:])
        with log.open("ab") as f:
            f.write(b'{"type":"message","severity":"info","text":"after the tail"}\n')
        read_until(proc, b"after the tail", timeout=10)
    finally:
        proc.kill()
        proc.wait()


# --- --since/--until --------------------------------------------------------------------


def stamped(tmp_path: Path, name: str = "up.ndjson", *, gz: bool = False) -> tuple[Path, list]:
    """up.ndjson with a ts a minute apart: 01:00, 01:01, … in UTC; and its events."""
    events = [json.loads(line) for line in Path(UP).read_bytes().splitlines()]
    for i, e in enumerate(events):
        e["ts"] = f"2026-11-26T01:{i:02d}:00Z"
    data = b"".join(json.dumps(e).encode() + b"\n" for e in events)
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if gz else data)
    return path, events


def ts_shown(path: Path, *args: str) -> list[str]:
    result = run_cli([str(path), "--format", "ndjson", *args])
    assert result.code in (0, 1), result.stderr
    return [json.loads(line)["ts"][11:16] for line in result.stdout.splitlines()]


def test_since_and_until_take_times(tmp_path: Path) -> None:
    path, events = stamped(tmp_path)
    assert ts_shown(path, "--since", "2026-11-26T01:35:00Z") == ["01:35", "01:36", "01:37"]
    assert ts_shown(path, "--until", "2026-11-26T01:01:30Z") == ["01:00", "01:01"]
    window = ts_shown(path, "--since", "2026-11-26 02:10+01:00", "--until", "2026-11-26T01:11Z")
    assert window == ["01:10", "01:11"]


def test_since_a_duration_is_before_the_last_event(tmp_path: Path) -> None:
    path, events = stamped(tmp_path)
    assert ts_shown(path, "--since", "2m") == ["01:35", "01:36", "01:37"]
    assert ts_shown(path, "--since", "1m30s") == ["01:36", "01:37"]
    assert ts_shown(path, "--until", "36m") == ["01:00", "01:01"]
    assert ts_shown(path, "--since", "01:36") == ["01:36", "01:37"]  # a time of its last day


def test_since_reads_a_compressed_file_through(tmp_path: Path) -> None:
    path, _ = stamped(tmp_path, "up.ndjson.gz", gz=True)
    assert ts_shown(path, "--since", "2m") == ["01:35", "01:36", "01:37"]


def test_since_relative_to_the_last_event_needs_a_file() -> None:
    result = run_cli(["--since", "10m"], stdin=Path(UP).read_bytes())
    assert result.code == 2
    assert "--since relative to the last event needs a file" in result.stderr
    assert "--since 2026-11-26T01:00:00Z" in result.stderr  # what works instead


def test_a_file_still_to_come_has_no_last_event_yet(tmp_path: Path) -> None:
    result = run_cli(["-F", str(tmp_path / "later.ndjson"), "--since", "10m"])
    assert result.code == 2
    assert "--since relative to the last event: no event in" in result.stderr
    assert "needs a file" not in result.stderr


def test_a_stream_without_ts_says_so() -> None:
    relative = run_cli([UP, "--since", "10m"])
    assert relative.code == 2
    assert f"no event in {UP} carries a ts" in relative.stderr
    absolute = run_cli([UP, *PLAIN, "--since", "2026-11-26T01:00:00Z"])
    assert absolute.stderr == (
        "castra-tail: warning: --since 2026-11-26T01:00:00Z: the events carry no ts, "
        "so none could be placed in time\n"
    )


def test_a_window_with_nothing_in_it_says_where_the_events_are(tmp_path: Path) -> None:
    path, _ = stamped(tmp_path)
    result = run_cli([str(path), *PLAIN, "--since", "2027-01-01T00:00:00Z"])
    assert "no event in that time (the events run from 2026-11-26T01:00:00Z to " in result.stderr


@pytest.mark.parametrize("when", ["yesterday", "10", "25:00", "2026-13-01", "-5m", "5 m"])
def test_a_bad_when_is_a_usage_error(when: str) -> None:
    result = run_cli([UP, "--since", when])
    assert result.code == 2 and "castra-tail: error: --since:" in result.stderr


def test_the_file_is_read_backwards_line_by_line(tmp_path: Path) -> None:
    rng = random.Random(16)
    sizes = [0, 1, 5, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK]
    lines = [b"x" * rng.choice(sizes) for _ in range(40)]
    lines = [line + str(i).encode() for i, line in enumerate(lines)]
    path = tmp_path / "lines"
    path.write_bytes(b"\n".join(lines))
    assert list(_lines_backwards(str(path), 10 * BLOCK)) == lines[::-1]
    short = [line for line in lines if len(line) <= BLOCK + 3]  # longer ones are never held
    assert list(_lines_backwards(str(path), BLOCK + 3)) == short[::-1]


def test_the_last_ts_is_found_behind_a_huge_last_line(tmp_path: Path) -> None:
    path, _ = stamped(tmp_path)
    with path.open("ab") as f:
        f.write(b'{"type":"message","severity":"info","text":"' + b"y" * (4 * BLOCK) + b'"}\n')
    assert ts_shown(path, "--since", "1m", "--max-line-bytes", str(BLOCK))[-1:] == ["01:37"]


# --- a filter that matches nothing says so ------------------------------------------------


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["--vm", "db0"],
            "--vm db0: no such VM in the stream (web-0, web-1, db-0; did you mean db-0?)",
        ),  # noqa: E501
        (["--vm", "web-0,cache-*"], "--vm cache-*: no such VM in the stream (web-0, web-1, db-0)"),
        (["-t", "cleanup"], "--type cleanup: no such event in the stream"),
        (["--grep", "zzz"], "--grep 'zzz': no event matched"),
    ],
)
def test_a_filter_that_matches_nothing_says_so(args: list[str], said: str) -> None:
    result = run_cli([UP, *PLAIN, *args])
    assert result.code == 0
    assert result.stderr == f"castra-tail: warning: {said}\n"


def test_a_note_of_grep_names_the_runs_it_looked_at(tmp_path: Path) -> None:
    log = tmp_path / "appended.ndjson"
    log.write_bytes(Path(UP).read_bytes() + Path(UP_FAIL).read_bytes())
    # run 2 says "Unable to locate package"; run 1 does not
    assert run_cli([str(log), *PLAIN, "--grep", "locate package"]).stderr == ""
    chosen = run_cli([str(log), *PLAIN, "--run", "1", "--grep", "locate package"])
    assert chosen.stderr == (
        "castra-tail: warning: --grep 'locate package': no event of the runs chosen "
        "(--run 1) matched\n"
    )
    assert run_cli([str(log), *PLAIN, "--run", "2", "--grep", "locate package"]).stderr == ""


def test_a_vm_known_only_from_its_messages_is_in_the_stream(tmp_path: Path) -> None:
    log = tmp_path / "messages.ndjson"
    log.write_text('{"type":"message","severity":"info","text":"hi","vm":"solo-0"}\n')
    assert run_cli([str(log), *PLAIN, "--vm", "solo-0"]).stderr == ""
    assert run_cli([str(log), *PLAIN, "--vm", "solo-1"]).stderr == (
        "castra-tail: warning: --vm solo-1: no such VM in the stream (solo-0; did you mean "
        "solo-0?)\n"
    )


def test_what_a_note_repeats_cannot_reach_the_terminal_as_control() -> None:
    result = run_cli([UP, *PLAIN, "--vm", "\x1b]0;pwned\x07", "--grep", "\x1b\\[2J"])
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "--vm \\x1b]0;pwned\\x07: no such VM" in result.stderr
    assert "--grep '\\x1b\\[2J': no event matched" in result.stderr


def test_filters_that_match_say_nothing() -> None:
    for args in (["--vm", "web-*"], ["-t", "usage"], ["--grep", "castra"]):
        assert run_cli([UP, *PLAIN, *args]).stderr == ""


def test_a_report_of_everything_has_no_filter_to_warn_about() -> None:
    assert "--vm db0: no such VM" in run_cli([UP, "--format", "ndjson", "--vm", "db0"]).stderr
    assert run_cli([UP, "--format", "json", "--vm", "db0"]).stderr == ""
