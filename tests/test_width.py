"""The width castra-tail draws for: within 20…1000 columns, whatever the flag or the environment."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from castra_tail.output.env import MAX_WIDTH, MIN_WIDTH, Env, tame_size_variables
from castra_tail.output.writer import Writer

from conftest import ROOT, example, run_cli

HUGE = "9" * 5000  # int() refuses it (4,300 digits at most); a width it is not


def env_with(environ: dict[str, str], terminal: int | None = None) -> Env:
    return Env(
        stdout=Writer(io.BytesIO()),
        stderr=io.StringIO(),
        stdout_tty=terminal is not None,
        stdin_tty=False,
        environ=environ,
        terminal_width=terminal,
    )


@pytest.mark.parametrize(
    ("flag", "environ", "terminal", "expected"),
    [
        (120, {"CASTRA_TAIL_WIDTH": "90", "COLUMNS": "100"}, 110, 120),
        (None, {"CASTRA_TAIL_WIDTH": "90", "COLUMNS": "100"}, 110, 90),
        (None, {"COLUMNS": "100"}, 110, 110),
        (None, {"COLUMNS": "100"}, None, 100),
        (None, {}, None, 80),
        # out of range: brought within it
        (None, {"CASTRA_TAIL_WIDTH": "1000000000"}, None, MAX_WIDTH),
        (None, {"CASTRA_TAIL_WIDTH": HUGE}, None, MAX_WIDTH),
        (None, {"COLUMNS": "1"}, None, MIN_WIDTH),
        (None, {}, 5, MIN_WIDTH),
        (None, {}, 4000, MAX_WIDTH),
        (None, {"COLUMNS": " 0120 "}, None, 120),
        # garbage: as if unset
        (None, {"CASTRA_TAIL_WIDTH": "wide", "COLUMNS": "100"}, None, 100),
        (None, {"COLUMNS": "²"}, None, 80),
        (None, {"COLUMNS": "0"}, None, 80),
        (None, {"COLUMNS": "-5"}, None, 80),
        (None, {"COLUMNS": "1e3"}, None, 80),
        (None, {"COLUMNS": ""}, None, 80),
    ],
)
def test_width_is_the_first_usable_choice_within_range(
    flag: int | None, environ: dict[str, str], terminal: int | None, expected: int
) -> None:
    assert env_with(environ, terminal).width(flag) == expected


def summary_lines(args: list[str], env: dict[str, str | None] | None = None) -> list[str]:
    result = run_cli(
        [str(example("up-fail")), "--summary-only", "--color", "never", *args], env=env
    )
    assert result.code == 1, result.stderr
    return result.out.splitlines()


def test_columns_of_one_draws_for_twenty_not_a_character_a_line() -> None:
    assert summary_lines([], {"COLUMNS": "1"}) == summary_lines(["--width", str(MIN_WIDTH)])


def test_a_huge_width_from_the_environment_is_the_widest() -> None:
    lines = summary_lines([], {"CASTRA_TAIL_WIDTH": HUGE})
    assert lines == summary_lines(["--width", str(MAX_WIDTH)])
    assert summary_lines([], {"CASTRA_TAIL_WIDTH": "5000"}) == lines


def test_garbage_width_from_the_environment_is_as_if_unset() -> None:
    assert summary_lines([], {"CASTRA_TAIL_WIDTH": "wide"}) == summary_lines([])


@pytest.mark.parametrize("width", ["100000", "1001", "19", HUGE])
def test_a_width_flag_out_of_range_is_a_usage_error(width: str) -> None:
    result = run_cli([str(example("up")), "--width", width])
    assert result.code == 2 and result.stdout == b""
    (line,) = result.stderr.splitlines()
    assert line.startswith("castra-tail: error: ") and "--width" in line


@pytest.mark.parametrize(
    "environ",
    [{"COLUMNS": "²"}, {"LINES": "²"}, {"COLUMNS": HUGE}, {"COLUMNS": "1"}, {"LINES": HUGE}],
)
@pytest.mark.parametrize(
    "args",
    [
        ["--format", "text"],
        ["--format", "ndjson", "--summary"],
        ["--format", "json"],
        ["--format", "markdown"],
        ["--help"],
        ["--no-such-flag"],
    ],
)
def test_size_variables_never_crash_any_output(environ: dict[str, str], args: list[str]) -> None:
    result = run_cli([str(example("up")), *args], env=environ)  # type: ignore[arg-type]
    assert result.code == (2 if args == ["--no-such-flag"] else 0), result.stderr
    assert "Traceback" not in result.stderr


def test_typer_reads_terminal_width_at_import_and_survives_garbage() -> None:
    # typer.rich_utils does int($TERMINAL_WIDTH) when imported: only a new process shows it.
    for args in (["--help"], ["--no-such-flag"]):
        done = subprocess.run(
            [sys.executable, "-m", "castra_tail", *args],
            capture_output=True,
            env={**os.environ, "TERMINAL_WIDTH": "wide", "COLUMNS": "²"},
            cwd=ROOT,
            timeout=60,
        )
        assert b"Traceback" not in done.stderr, done.stderr.decode()
        assert done.returncode == (0 if args == ["--help"] else 2)


def test_tame_size_variables() -> None:
    environ = {"COLUMNS": "²", "LINES": "40", "TERMINAL_WIDTH": HUGE, "TERM": "xterm"}
    tame_size_variables(environ)
    assert environ == {"LINES": "40", "TERMINAL_WIDTH": str(MAX_WIDTH), "TERM": "xterm"}
