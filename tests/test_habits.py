"""Habits from jq, tail, grep and journalctl: the flags they reach for, and good guesses."""

from __future__ import annotations

import pytest
import typer.main

from castra_tail.cli import tail
from castra_tail.cli.habits import HABITS, suggestion
from castra_tail.cli.words import ALIASES, split_list

from conftest import example, run_cli

UP, UP_FAIL = str(example("up")), str(example("up-fail"))
PLAIN = ["--color", "never", "--width", "80"]


def own_flags() -> list[str]:
    command = typer.main.get_command(tail.tail_app())
    return [name for p in command.params for name in (*p.opts, *p.secondary_opts)]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("--sinse", "--since"),
        ("--gerp", "--grep"),
        ("--jsn", "--json"),
        ("--quite", "--quiet"),
        ("--no-colr", "--no-color"),
        ("--no-colour", "--no-color"),
        ("--fol", "--follow"),
        ("--summary-onyl", "--summary-only"),
        ("--lines", "-n/--tail"),
        ("--regexp", "--grep"),
        ("-e", "--grep"),
        ("-M", "--no-color"),
        ("--monochrome-output", "--no-color"),
        ("--silent", "-q/--quiet"),
        ("--output", "--format"),
        ("-S", "--since"),
    ],
)
def test_an_unknown_flag_gets_the_flag_meant(typed: str, meant: str) -> None:
    result = run_cli([UP, typed, "x"])
    assert result.code == 2 and result.stdout == b""
    assert result.stderr == (
        f"castra-tail: error: no such option: {typed}; did you mean {meant}? "
        "(see castra-tail --help)\n"
    )


@pytest.mark.parametrize("typed", ["-x", "--frobnicate", "--zzz"])
def test_no_guess_is_better_than_a_wild_one(typed: str) -> None:
    result = run_cli([UP, typed])
    assert result.code == 2
    assert "did you mean" not in result.stderr


def test_the_guesses_name_only_flags_castra_tail_has() -> None:
    own = set(own_flags())
    for habit, ours in HABITS.items():
        flag = ours.split("/")[-1].split()[0]
        assert flag in own, (habit, ours)
        assert habit not in own, habit  # a habit that became a flag would never be guessed
    for name in ("--since", "--grep", "--json", "--quiet", "--no-color"):
        assert suggestion(name + "x", own) == name


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--level", "eror"],
            "--level: 'eror' is not one of info, progress, warn, error, "
            "blocker; did you mean 'error'?",
        ),
        (["--format", "jsn"], "did you mean 'json'?"),
        (["--color", "nevr"], "did you mean 'never'?"),
        (["--fail-on", "warnin"], "did you mean 'warn'?"),
        (["--format", "yaml"], "--format: 'yaml' is not one of text, ndjson, json, markdown, gi"),
    ],
)
def test_a_wrong_value_gets_the_value_meant(args: list[str], message: str) -> None:
    result = run_cli([UP, *args])
    assert result.code == 2 and len(result.stderr.splitlines()) == 1
    assert message in result.stderr


def test_a_wrong_value_from_the_environment_says_where_it_came_from() -> None:
    result = run_cli([UP], env={"CASTRA_TAIL_LEVEL": "loud"})
    assert result.code == 2
    assert result.stderr.startswith("castra-tail: error: $CASTRA_TAIL_LEVEL (for --level): 'loud'")


@pytest.mark.parametrize(
    ("habit", "same"),
    [
        (["--no-color"], ["--color", "never"]),
        (["--level", "warning"], ["--level", "warn"]),
        (["--level", "WARNING"], ["--level", "warn"]),
        (["--fail-on", "warning"], ["--fail-on", "warn"]),
        (["--json"], ["--format", "json"]),
        (["--format", "jsonl"], ["--format", "ndjson"]),
        (["--color", "off"], ["--color", "never"]),
        (["-t", "message,bootstrap.step"], ["-t", "message", "-t", "bootstrap.step"]),
        (["--vm", "web-0,db-0"], ["--vm", "web-0", "--vm", "db-0"]),
        (["--vm", "web-[0,1]"], ["--vm", "web-[01]"]),  # a glob keeps its comma
        (["-T", "bootstrap,usage,"], ["-T", "bootstrap", "-T", "usage"]),
    ],
)
def test_habits_mean_what_they_mean_elsewhere(habit: list[str], same: list[str]) -> None:
    for path in (UP, str(example("down"))):
        ours, theirs = run_cli([path, *PLAIN, *habit]), run_cli([path, *PLAIN, *same])
        assert ours.code == theirs.code and ours.stderr == theirs.stderr
        assert ours.stdout == theirs.stdout


def test_a_comma_list_chooses_the_same_lines_as_repeated_flags() -> None:
    listed = run_cli([UP, "--format", "ndjson", "-t", "message,bootstrap.step"]).stdout
    lines = listed.splitlines()
    assert lines and all(b'"message"' in line or b'"bootstrap.step"' in line for line in lines)


def test_globs_in_vm() -> None:
    out = run_cli([UP, "--format", "ndjson", "--vm", "web-*"]).stdout
    assert b'"web-0"' in out and b'"web-1"' in out and b'"db-0"' not in out


def test_split_list_keeps_brackets_and_drops_empty_items() -> None:
    assert split_list(["a,b", "c", "web-[0,1],db-*", ",,"]) == ["a", "b", "c", "web-[0,1]", "db-*"]
    assert split_list(None) is None


def test_aliases_lead_to_real_choices() -> None:
    from castra_tail.cli import words

    choices = {"level": words.LEVELS, "fail_on": words.FAIL_ON, "format": words.FORMATS}
    choices["color"] = words.COLORS
    for flag, aliases in ALIASES.items():
        assert set(aliases.values()) <= set(choices[flag]), flag


def test_quiet_prints_the_verdict_line_only() -> None:
    failed = run_cli([UP_FAIL, "-q", *PLAIN])
    assert failed.code == 1
    first, *rest = failed.out.splitlines()
    assert first == "✗ failed (exit 1): 5 events at error or above"
    assert " ".join(line.strip() for line in rest) == f"(first: {UP_FAIL}:18 bootstrap.step db-0)"
    passed = run_cli([UP, "--quiet", *PLAIN])
    assert (passed.code, passed.out) == (0, "✓ passed (exit 0)\n")


def test_quiet_twice_prints_nothing_and_the_exit_status_tells() -> None:
    assert (run_cli([UP_FAIL, "-qq"]).code, run_cli([UP_FAIL, "-qq"]).stdout) == (1, b"")
    assert (run_cli([UP, "-q", "-q"]).code, run_cli([UP, "-q", "-q"]).stdout) == (0, b"")


@pytest.mark.parametrize("quiet", ["-q", "-qq"])
def test_quiet_still_passes_a_wrapped_commands_stderr(quiet: str) -> None:
    script = f"echo 'castra: config loaded' >&2; cat {UP}"
    result = run_cli([quiet, "--", "sh", "-c", script])
    assert result.code == 0
    assert result.out == ("✓ passed (exit 0)\n" if quiet == "-q" else "")
    assert result.stderr == "castra: config loaded\n"


def test_quiet_wins_over_a_format_from_the_environment() -> None:
    result = run_cli([UP, "-q"], env={"CASTRA_TAIL_FORMAT": "json"})
    assert (result.code, result.out) == (0, "✓ passed (exit 0)\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--json", "--format", "ndjson"], "--json is --format json: not with --format ndjson"),
        (["-q", "--format", "json"], "-q/--quiet prints the verdict line only"),
        (["-q", "--json"], "-q/--quiet prints the verdict line only"),
        (["--no-color", "--color", "always"], "--no-color is --color never: not with --color"),
    ],
)
def test_two_habits_that_disagree_are_a_usage_error(args: list[str], message: str) -> None:
    result = run_cli([UP, *args])
    assert result.code == 2 and message in result.stderr


def test_json_wins_over_a_format_from_the_environment() -> None:
    result = run_cli([UP, "--json"], env={"CASTRA_TAIL_FORMAT": "ndjson"})
    assert result.code == 0 and result.out.startswith("{")


def test_no_color_wins_over_the_environment() -> None:
    result = run_cli([UP_FAIL, "--no-color"], env={"CASTRA_TAIL_COLOR": "always"})
    assert result.code == 1 and "✗ failed (exit 1)" in result.out
    assert "\x1b[" not in result.out
    assert "\x1b[" in run_cli([UP_FAIL], env={"CASTRA_TAIL_COLOR": "always"}).out
