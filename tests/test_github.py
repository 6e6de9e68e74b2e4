"""``--format github``: GitHub Actions folds and annotations, read as the Actions runner reads them.

``workflow_commands`` follows the runner's own parsing (actions/runner,
ActionCommand.TryParseV2 and the ``##[`` log markers): a line is a command when,
after leading blanks, it starts with ``::``; the command's name runs to a space
or ``::``, its properties (``k=v`` split at ``,``) to the next ``::``, and the
rest is its data; ``%25``, ``%0D``, ``%0A`` (and in properties ``%3A``,
``%2C``) are unescaped. It reads a line with its colour codes dropped, too: a
runner or viewer that drops them must not find a command either.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from castra_tail.output import github as view
from castra_tail.render.github import MAX_SHOWN, command, data, inert, prop
from castra_tail.render.text import clean

from conftest import example, fuzz, run_cli

#: What the runner skips before a command (TrimStart), with the colour codes a viewer drops.
LEAD = re.compile(r"(?:\s|\x1b\[[0-9;]*m)*")


@dataclass
class Command:
    name: str
    props: dict[str, str] = field(default_factory=dict)
    data: str = ""


def _unescape(text: str, *, prop: bool) -> str:
    pairs = [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if prop else [])
    for escaped, plain in pairs:
        text = text.replace(escaped, plain)
    return text.replace("%25", "%")


def workflow_commands(output: str) -> tuple[list[Command], list[str]]:
    """The commands the runner finds in a step's output, and the log markers (``##[``)."""
    found, markers = [], []
    for line in output.split("\n"):
        # The runner's TrimStart(); colour codes before the command dropped too, as a log
        # viewer may drop them (within the command they are its text, kept as it is).
        text = LEAD.sub("", line, count=1)
        if text.startswith("##["):
            markers.append(line)
        if not text.startswith("::"):
            continue
        end = text.find("::", 2)
        if end < 0:
            continue
        head, rest = text[2:end], text[end + 2 :]
        name, _, listed = head.partition(" ")
        props = {}
        for pair in filter(None, listed.split(",")):
            key, _, value = pair.partition("=")
            props[key] = _unescape(value, prop=True)
        found.append(Command(name, props, _unescape(rest, prop=False)))
    return found, markers


def run_github(path: Path | str, *args: str) -> tuple[int, str]:
    result = run_cli([str(path), "--format", "github", "--width", "100", *args])
    return result.code, result.out


def test_each_vm_is_a_group_and_each_problem_an_annotation() -> None:
    code, out = run_github(example("up-fail"))
    assert code == 1
    commands, markers = workflow_commands(out)
    assert markers == []
    assert [c.name for c in commands] == [
        "group",
        "endgroup",
        "group",
        "endgroup",
        "error",
        "error",
        "error",
    ]
    assert commands[0].data == "db-0 · failed · bootstrap ✗ failed 5.6s"  # ended first
    assert commands[2].data == "web-0 · ready · bootstrap ✓ success 8.0s"
    failed, command_failed, verdict = commands[4:]
    assert failed.props == {"title": "db-0: bootstrap failed at apply after 5.6s"}
    assert failed.data.splitlines() == [
        "apply: /var/lib/castra/bootstrap/run.sh exited with status 100",
        "E: Unable to locate package postgresql-17",
        "apply: run.sh exited with status 100 after apt-get install",
        "bootstrap failed on db-0: apt could not find postgresql-17",
        "Remediation: pin postgresql-16 in bootstrap/db/packages.txt, "
        "or add the PGDG apt source before installing",
    ]
    assert command_failed.props["title"] == "command up failed"
    assert verdict.props["title"] == "castra-tail: failed (exit 1)"
    # Inside db-0's group: its lines, then its timeline; the summary after all groups.
    inside = out.split("::group::db-0")[1].split("::endgroup::")[0]
    assert "db-0      ✓ step      connect" in inside and "db-0 bootstrap ✗ failed" in inside
    assert "castra up · summary" in out.rsplit("::error", 1)[1]


def test_warnings_are_annotated_with_their_remediation() -> None:
    code, out = run_github(example("up"))
    assert code == 0
    commands, _ = workflow_commands(out)
    warnings = [c for c in commands if c.name == "warning"]
    assert [w.props["title"] for w in warnings] == ["db-0: warning", "db-0: plan warning"]
    assert warnings[0].data == (
        "payload larger than 10 MiB (12.4 MiB)\nRemediation: move seed data to a shared disk "
        "image, or raise bootstrap.payload_limit in castra.toml"
    )
    assert not [c for c in commands if c.name == "error"]


HOSTILE = [
    "web\n::error::pwned",
    "::error title=x::pwned",
    "  ::warning::pwned",
    "::add-mask::secret",
    "::stop-commands::tok",
    "##[group]fake fold",
    "x%0A::error::y",
    "a,b:c=d%",
    "\r::error::cr",
    "\x1b[31m::error::coloured",
]


def hostile_stream(tmp_path: Path, text: str) -> Path:
    events = [
        {"type": "command.accepted", "command": text},
        {"type": "message", "severity": "warn", "text": text, "vm": text, "remediation": text},
        {"type": "message", "severity": "info", "text": text},
        {"type": "bootstrap.started", "vm": text, "base_hash": "b", "artifact_hash": "c",
         "trigger": "auto"},
        {"type": "bootstrap.step", "vm": text, "step": text, "status": "failed",
         "duration_ms": 5, "detail": text},
        {"type": "bootstrap.failed", "vm": text, "duration_ms": 9, "error": f"{text}\n{text}"},
    ]  # fmt: skip
    path = tmp_path / "hostile.ndjson"
    lines = [json.dumps(e) for e in events] + [text.replace("\n", " ").replace("\r", " ")]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("color", ["never", "always"])
@pytest.mark.parametrize("text", HOSTILE)
def test_stream_text_cannot_add_a_command(tmp_path: Path, text: str, color: str) -> None:
    code, out = run_github(hostile_stream(tmp_path, text), "--color", color)
    assert ("\x1b[" in out) == (color == "always")
    assert code == 1
    commands, markers = workflow_commands(out)
    assert markers == []
    assert [c.name for c in commands] == [
        "group",
        "endgroup",
        "error",
        "error",
        "warning",
        "warning",
    ]
    failed = commands[2]
    assert failed.props["title"].startswith(clean(text, 40)[:10])
    assert set(failed.props) == {"title"}


@pytest.mark.parametrize("text", HOSTILE)
def test_wrapped_commands_stderr_cannot_add_a_command(tmp_path: Path, text: str) -> None:
    result = run_cli(
        ["--format", "github", "--", "sh", "-c", 'printf "%s\\n" "$0" >&2', text.replace("\n", " ")]
    )
    commands, markers = workflow_commands(result.out)
    assert markers == []
    # The only command is castra-tail's own: the verdict on a run with no events.
    assert [(c.name, c.props, c.data) for c in commands] == [
        ("error", {"title": "castra-tail: failed (exit 1)"}, NO_EVENTS)
    ]


NO_EVENTS = "no Castra events in the input (it was empty)"


@given(st.text())
@settings(max_examples=fuzz(300))
def test_any_text_survives_as_one_commands_property_and_data(text: str) -> None:
    line = command("error", text, title=text)
    assert line.count("\n") == 1 and line.endswith("\n")
    (found,), _ = workflow_commands(line)
    assert found == Command("error", {"title": text}, text)
    assert "," not in prop(text) and "\n" not in data(text)


@given(st.lists(st.sampled_from([*HOSTILE, "ok", " ", "\n"]) | st.text(max_size=6), max_size=8))
@settings(max_examples=fuzz(300))
def test_inert_text_holds_no_command(pieces: list[str]) -> None:
    text = "".join(pieces).replace("\r", "")
    commands, markers = workflow_commands(inert(text))
    assert commands == [] and markers == []
    shown = inert(text).split("\n")
    assert len(shown) == len(text.split("\n"))
    for before, after in zip(text.split("\n"), shown, strict=True):
        assert after in (before, "\\" + before)  # the line as it was, or marked


def test_a_vm_holding_too_much_is_written_in_several_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(view, "MAX_HELD", 2_000)
    events = [
        {"type": "message", "severity": "info", "text": f"line {i}", "vm": "chatty"}
        for i in range(300)
    ]
    path = tmp_path / "chatty.ndjson"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    code, out = run_github(path)
    commands, _ = workflow_commands(out)
    groups = [c.data for c in commands if c.name == "group"]
    assert len(groups) > 2 and groups[0] == "chatty"
    assert all(g == "chatty (continued)" for g in groups[1:])
    assert all(f"line {i}\n" in out for i in range(300))  # nothing lost
    names = [c.name for c in commands]
    assert names == ["group", "endgroup"] * len(groups)


def test_annotations_are_capped_as_the_runner_shows_them(tmp_path: Path) -> None:
    events = []
    for i in range(MAX_SHOWN + 5):
        vm = f"vm-{i}"
        events += [
            {"type": "bootstrap.started", "vm": vm, "base_hash": "b", "artifact_hash": "c",
             "trigger": "auto"},
            {"type": "bootstrap.failed", "vm": vm, "duration_ms": 9, "error": f"boom {i}"},
        ]  # fmt: skip
    path = tmp_path / "many.ndjson"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    _, out = run_github(path)
    errors = [c for c in workflow_commands(out)[0] if c.name == "error"]
    assert len(errors) == MAX_SHOWN
    assert errors[-1].props["title"] == "castra-tail: failed (exit 1)"  # the verdict stays
    assert errors[-2].props["title"] == "+7 more errors"
    assert errors[-2].data.splitlines()[0] == "vm-8: bootstrap failed after 9ms"


APPENDED = ("up", "up-fail", "down", "rejected", "clean-dry-run")  # runs 2 and 4 fail


def annotations(tmp_path: Path, *args: str) -> list[tuple[str, str]]:
    path = tmp_path / "all.ndjson"
    path.write_bytes(b"".join(example(name).read_bytes() for name in APPENDED))
    code, out = run_github(path, *args)
    assert code == 1
    commands, _ = workflow_commands(out)
    return [(c.name, c.props["title"]) for c in commands if c.name in ("error", "warning")]


def test_every_run_chosen_is_annotated_alike_its_messages_with_its_problems(
    tmp_path: Path,
) -> None:
    verdict = ("error", "castra-tail: failed (exit 1)")
    assert annotations(tmp_path, "--run", "all") == [
        ("error", "run 2 · db-0: bootstrap failed at apply after 5.6s"),
        ("error", "run 2 · command up failed"),
        ("error", "run 4 · command up rejected"),
        ("error", "run 4 · error"),
        verdict,
        ("warning", "run 1 · db-0: warning"),
        ("warning", "run 1 · db-0: plan warning"),
        ("warning", "run 3 · db-0: warning"),
        ("warning", "run 3 · db-0: shutdown forced with SIGKILL"),
    ]
    assert annotations(tmp_path, "--run", "2..3")[:3] == [
        ("error", "run 2 · db-0: bootstrap failed at apply after 5.6s"),
        ("error", "run 2 · command up failed"),
        verdict,
    ]
    # By default the last run is the one chosen: the other runs' messages are not annotated
    # either, and the verdict names the runs that failed.
    assert annotations(tmp_path) == [verdict]


def test_a_vm_whose_plan_errs_and_whose_bootstrap_fails_gets_both(tmp_path: Path) -> None:
    events = [
        {"type": "bootstrap.planned", "vm": "db-0", "mode": "auto", "action": "error",
         "reason": "no script for db-0"},
        {"type": "bootstrap.started", "vm": "db-0", "base_hash": "a", "artifact_hash": "b",
         "trigger": "auto"},
        {"type": "bootstrap.failed", "vm": "db-0", "duration_ms": 200, "error": "boom"},
    ]  # fmt: skip
    path = tmp_path / "both.ndjson"
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    code, out = run_github(path)
    assert code == 1
    titles = [c.props["title"] for c in workflow_commands(out)[0] if c.name == "error"]
    assert titles == [
        "db-0: bootstrap failed after 200ms",
        "db-0: plan error",
        "castra-tail: failed (exit 1)",
    ]


def test_lines_after_a_vms_group_go_on_in_one_that_says_so() -> None:
    code, out = run_github(example("down"))
    assert code == 0
    titles = [c.data for c in workflow_commands(out)[0] if c.name == "group"]
    assert len(titles) == len(set(titles)) == 4
    assert titles[2:] == [t + " (continued)" for t in titles[:2]]
