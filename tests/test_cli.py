"""The command line, in process: flags, output modes, exit status, usage errors."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from typer.testing import CliRunner

from castra_tail import __version__
from castra_tail.cli.tail import tail_app
from castra_tail.contract.decode import decode
from castra_tail.contract.events import TYPE_OF, Event
from castra_tail.contract.levels import Level, level_of

from conftest import EXAMPLES, example, run_cli


@pytest.mark.parametrize(
    ("name", "code"),
    [("up", 0), ("up-fail", 1), ("down", 0), ("clean-dry-run", 0), ("rejected", 1), ("agent", 1)],
)
def test_exit_status_of_each_example(name: str, code: int) -> None:
    assert run_cli([str(example(name))]).code == code


def test_fail_on_warn_fails_the_forced_shutdown() -> None:
    assert run_cli([str(example("down")), "--fail-on", "warn"]).code == 1


def test_fail_on_never_passes_a_failure() -> None:
    result = run_cli([str(example("up-fail")), "--fail-on", "never"])
    assert result.code == 0 and "✓ passed (exit 0)" in result.out


def test_rejected_detail_is_shown_verbatim() -> None:
    detail = json.loads(example("rejected").read_bytes().splitlines()[1])["detail"]
    result = run_cli([str(example("rejected")), "--width", "200"])  # on one line, unfolded
    assert result.code == 1
    assert f"up rejected: {detail}" in result.out


def test_failure_story_is_told() -> None:
    out = run_cli([str(example("up-fail")), "--width", "100"]).out
    assert "db-0 bootstrap ✗ failed after 5.6s at apply" in out  # the timeline
    assert "E: Unable to locate package postgresql-17" in out  # the error text
    assert "↳ pin postgresql-16 in bootstrap/db/packages.txt" in out  # the remediation
    assert "ssh -i ~/.ssh/castra_ed25519" in out and "-p 2224 root@127.0.0.1" in out
    assert "✗ failed (exit 1)" in out


def test_stdin_and_dash_read_the_same() -> None:
    data = example("up").read_bytes()
    assert run_cli([], stdin=data).out == run_cli(["-"], stdin=data).out


def test_several_files_are_read_in_order() -> None:
    result = run_cli([str(example("up")), str(example("down")), "--format", "ndjson"])
    assert result.stdout == example("up").read_bytes() + example("down").read_bytes()


def selected(path: Path, keep: callable) -> bytes:  # type: ignore[valid-type]
    """The raw lines of ``path`` whose decoded event passes ``keep``, byte for byte."""
    out = []
    for raw in path.read_bytes().splitlines(keepends=True):
        event = decode(raw.rstrip(b"\n"))
        if isinstance(event, Event) and keep(event):
            out.append(raw)
    return b"".join(out)


@pytest.mark.parametrize(
    ("args", "keep"),
    [
        (["--type", "bootstrap"], lambda e: TYPE_OF[type(e)].startswith("bootstrap.")),
        (["-t", "command.re*"], lambda e: TYPE_OF[type(e)] == "command.rejected"),
        (["-t", "message", "-t", "usage"], lambda e: TYPE_OF[type(e)] in ("message", "usage")),
        (
            ["-T", "bootstrap.step", "-T", "vm"],
            lambda e: TYPE_OF[type(e)] not in ("bootstrap.step", "vm.lifecycle"),
        ),
        (["--vm", "db-0"], lambda e: getattr(e, "vm", None) == "db-0"),
        (["--vm", "web-*"], lambda e: fnmatchcase(getattr(e, "vm", None) or "", "web-*")),
        (["--level", "warn"], lambda e: level_of(e) >= Level.WARN),
        (
            ["-l", "error", "--vm", "db-0"],
            lambda e: level_of(e) >= Level.ERROR and getattr(e, "vm", None) == "db-0",
        ),
    ],
)
@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.ndjson")))
def test_ndjson_filters_pass_exact_input_lines(name: str, args: list[str], keep: object) -> None:
    result = run_cli([str(example(name)), "--format", "ndjson", *args])
    assert result.stdout == selected(example(name), keep)  # type: ignore[arg-type]


def test_ndjson_keeps_crlf_and_unknown_types_and_reports_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "mixed.ndjson"
    path.write_bytes(
        b'{"type":"usage","prompt_tokens":1,"completion_tokens":2}\r\n'
        b'not json\n{"type":"next.gen"}\n{"type":"summary"}\n'
    )
    result = run_cli([str(path), "--format", "ndjson"])
    assert result.stdout == (
        b'{"type":"usage","prompt_tokens":1,"completion_tokens":2}\r\n{"type":"next.gen"}\n'
    )
    assert f"castra-tail: {path}:4: summary: missing" in result.stderr
    assert "not json" in result.stderr


def test_json_report() -> None:
    result = run_cli([str(example("up-fail")), "--format", "json"])
    report = json.loads(result.stdout)
    assert result.code == report["exit_code"] == 1
    assert [vm["name"] for vm in report["vms"]] == ["web-0", "db-0"]
    db0 = report["vms"][1]
    assert db0["bootstrap"]["status"] == "failed"
    assert db0["bootstrap"]["failed_step"] == "apply"
    assert "postgresql-17" in db0["bootstrap"]["error"]
    assert report["totals"]["tokens"] == {
        "prompt": 3100,
        "cached": 0,
        "completion": 420,
        "total": 3520,
        "source": "usage",
    }
    assert report["summary"]["exit_code"] == 1
    assert report["malformed"] == [] and report["unknown_types"] == {}


def test_json_report_lists_malformed_and_unknown(tmp_path: Path) -> None:
    path = tmp_path / "bad.ndjson"
    path.write_bytes(b'{"type":"a.b"}\nxx\n{"type":"a.b"}\n[]\n')
    report = json.loads(run_cli([str(path), "--format", "json"]).stdout)
    assert report["malformed"] == [
        {"source": str(path), "line": 2, "reason": "not JSON"},
        {"source": str(path), "line": 4, "reason": "not an object (an array)"},
    ]
    assert report["unknown_types"] == {"a.b": 2}


def test_summary_flags() -> None:
    full = run_cli([str(example("up")), "--color", "never"]).out
    no_summary = run_cli([str(example("up")), "--no-summary"]).out
    only = run_cli([str(example("up")), "--summary-only"]).out
    assert "castra up · summary" in full and "castra up · summary" not in no_summary
    assert "castra up · summary" in only and "▸ plan" not in only
    assert full.startswith(no_summary)


def test_ndjson_summary_goes_to_stderr() -> None:
    result = run_cli([str(example("up")), "--format", "ndjson", "--summary"])
    assert result.stdout == example("up").read_bytes()
    assert "castra up · summary" in result.stderr


def test_colour_choices() -> None:
    path = str(example("up-fail"))
    assert "\x1b[" not in run_cli([path]).out  # not a terminal
    assert "\x1b[" in run_cli([path, "--color", "always"]).out
    assert "\x1b[" in run_cli([path, "--color", "always"], env={"NO_COLOR": "1"}).out
    assert "\x1b[" in run_cli([path], env={"FORCE_COLOR": "1"}).out
    assert "\x1b[" not in run_cli([path], env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).out
    assert "\x1b[" in run_cli([path], env={"CASTRA_TAIL_COLOR": "always"}).out


def test_strict_fails_on_malformed(tmp_path: Path) -> None:
    path = tmp_path / "s.ndjson"
    path.write_bytes(b'{"type":"message","severity":"info","text":"ok"}\n{bad\n')
    assert run_cli([str(path)]).code == 0
    result = run_cli([str(path), "--strict"])
    assert result.code == 1 and "1 malformed line (--strict)" in result.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "yaml"], "'yaml' is not one of"),
        (["--level", "loud"], "--level"),
        (["--fail-on", "sometimes"], "--fail-on"),
        (["--color", "pink"], "--color"),
        (["--no-such-flag"], "no such option: --no-such-flag"),
        (["/nonexistent/up.ndjson"], "cannot read '/nonexistent/up.ndjson': No such file"),
        (["/"], "cannot read '/': is a directory"),
        (["-", "-"], "standard input ('-') can be read only once"),
        (["--width", "3"], "--width"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = run_cli(args)
    assert result.code == 2
    assert result.stdout == b""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("castra-tail: error: ")
    assert message in lines[0]


def test_level_names_are_case_insensitive() -> None:
    assert run_cli([str(example("down")), "--fail-on", "WARN"]).code == 1


def test_type_typo_warns_but_runs() -> None:
    result = run_cli([str(example("up")), "-t", "mesage", "--format", "ndjson"])
    assert result.code == 0 and result.stdout == b""
    assert "did you mean 'message'?" in result.stderr


def test_version() -> None:
    result = run_cli(["--version"])
    assert result.code == 0 and __version__ in result.stdout.decode()


def test_help_lists_every_flag_group() -> None:
    out = run_cli(["--help"]).stdout.decode()
    for flag in (
        "--type",
        "--exclude-type",
        "--vm",
        "--level",
        "--format",
        "--summary-only",
        "--color",
        "--fail-on",
        "--strict",
        "--width",
        "--max-line-bytes",
    ):
        assert flag in out


def test_demo_replays_at_once_off_a_terminal() -> None:
    result = run_cli(["demo"])
    assert result.code == 0
    assert "castra up · summary" in result.out and "✓ passed" in result.out


def test_demo_unknown_example() -> None:
    result = run_cli(["demo", "nope"])
    assert result.code == 2 and "no example 'nope'" in result.stderr


def test_typer_cli_runner_drives_the_command() -> None:
    runner = CliRunner()
    result = runner.invoke(tail_app(), [str(example("up-fail")), "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["exit_code"] == 1
