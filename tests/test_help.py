"""--help at 80 columns: castra-tail's own layout, every command, and where usage errors point."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from collections.abc import Callable

import pytest
import typer.main
from rich.cells import cell_len

from castra_tail.cli import tail, tools

from conftest import ROOT, run_cli

Golden = Callable[[str, str], None]
AT_80 = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}
COMMANDS = {
    "castra-tail": [],
    "check": ["check"],
    "compare": ["compare"],
    "demo": ["demo"],
    "schema": ["schema"],
    "stats": ["stats"],
}


def help_of(args: list[str]) -> str:
    result = run_cli([*args, "--help"], env=AT_80)
    assert result.code == 0 and result.stderr == ""
    return result.out


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_at_80_columns(name: str, golden: Golden) -> None:
    text = help_of(COMMANDS[name])
    assert all(cell_len(line) <= 80 for line in text.splitlines()), text
    assert "\x1b" not in text and "╭" not in text  # plain text: no colour, no boxes
    golden(f"help/{name}.txt", text)


def test_the_main_help_fits_a_screen_or_two_common_flags_first() -> None:
    lines = help_of([]).splitlines()
    assert len(lines) <= 80  # two 40-row screens; the README has the long story
    first_screen = "\n".join(lines[:24])  # a 80x24 terminal shows the usage and common flags
    for flag in ("--follow", "--type", "--vm", "--level", "--grep", "--tail", "--format", "-q"):
        assert flag in first_screen, flag
    assert lines.index("Common options:") < lines.index("Filters:") < lines.index("Output:")


def test_the_main_help_lists_the_subcommands() -> None:
    text = help_of([])
    commands = text.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    assert [line.split()[0] for line in commands.splitlines()] == [
        "runs",
        "compare",
        "stats",
        "check",
        "schema",
        "demo",
    ]
    assert "castra-tail runs|compare|stats|check|schema|demo" in text


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["check"], "Usage: castra-tail check [OPTIONS] [FILE]..."),
        (["demo"], "Usage: castra-tail demo [OPTIONS] [NAME]"),
        (["schema"], "Usage: castra-tail schema [OPTIONS]"),
        (["compare"], "Usage: castra-tail compare [OPTIONS] OLD [NEW]"),
        (["stats"], "Usage: castra-tail stats [OPTIONS] [FILE]..."),
        ([], "Usage: castra-tail [OPTIONS] [FILE]..."),
    ],
)
def test_each_command_says_how_it_is_called(args: list[str], usage: str) -> None:
    assert help_of(args).splitlines()[0] == usage


def test_every_flag_is_in_the_help_and_no_value_list_is_broken() -> None:
    command = typer.main.get_command(tail.tail_app())
    text = help_of([])
    for param in command.params:
        for name in (*param.opts, *param.secondary_opts):
            if name.startswith("-") and name not in ("--live", "--timelines", "--show-completion"):
                assert name in text, name
    # Values and flags are never cut inside a word (Rich broke "neve / r", "bl / ocker").
    assert "info, progress, warn, error, blocker." in text
    assert "text, ndjson, json, markdown, github, html, svg, trace" in text
    assert "auto (on a terminal, unless NO_COLOR), always, never." in text


def test_usage_errors_point_to_the_help_of_their_own_command() -> None:
    result = run_cli(["demo", "up", "--summary-only"])
    assert result.code == 2
    assert result.stderr == (
        "castra-tail: error: no such option: --summary-only (see castra-tail demo --help)\n"
    )
    assert "--summary-only" not in help_of(["demo"])  # the help it points to is its own
    result = run_cli(["check", "--sumary"])
    assert result.stderr.endswith("(see castra-tail check --help)\n")


def _on_a_terminal(args: list[str]) -> str:
    primary, secondary = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "castra_tail", *args],
            stdin=secondary,
            capture_output=True,
            timeout=60,
            cwd=ROOT,
        )
    finally:
        os.close(primary)
        os.close(secondary)
    assert done.returncode == 2
    return done.stderr.decode()


def test_no_input_says_once_where_the_help_is() -> None:
    said = _on_a_terminal([])
    assert said == (
        "castra-tail: error: no input: pipe an event stream in, name a file, or wrap a "
        "command after -- (see castra-tail --help)\n"
    )


def test_check_without_input_does_not_suggest_a_command_it_rejects() -> None:
    said = _on_a_terminal(["check"])
    assert said == (
        "castra-tail: error: no input: pipe an event stream in, or name a file "
        "(see castra-tail check --help)\n"
    )


def test_a_mistyped_subcommand_is_guessed() -> None:
    result = run_cli(["chek", "up.ndjson"])
    assert result.code == 2
    assert "did you mean castra-tail check?" in result.stderr


def test_the_commands_listed_are_the_ones_there_are() -> None:
    assert [usage.split()[0] for usage, _ in tools.COMMANDS] == [
        "runs",
        "compare",
        "stats",
        "check",
        "schema",
        "demo",
    ]
