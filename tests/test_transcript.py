"""The whole stream Castra sends: harness transcript events and the native serde form."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from castra_tail.contract import events as ev
from castra_tail.contract.decode import decode
from castra_tail.render.folding import wrap

from conftest import FIXTURES, example, replay, run_cli, shared

MIXED = FIXTURES / "mixed.ndjson"


def test_the_mixed_stream_adds_up() -> None:
    run = replay([str(MIXED)])
    db0 = run.vms["db-0"]
    assert db0.bootstrap is not None and db0.bootstrap.status == "failed"
    assert [s.step for s in db0.bootstrap.steps] == [
        "wait-handshake",
        "connect",
        "transfer",
        "apply",
    ]
    assert db0.plan is not None and (db0.plan.mode, db0.plan.action) == ("always", "would_run")
    assert db0.shutdown is not None and db0.shutdown.outcome == "forced"
    assert db0.shutdown.signals == ["sigkill"]
    assert run.cleanup["real"] == {"pid-file": 6}
    assert run.messages == {"warn": 1}
    assert run.harness.commands_run == run.harness.commands_failed == 1
    assert run.malformed == run.text_lines == 1  # the ssh warning on stderr


@pytest.mark.parametrize(
    ("native", "field", "value"),
    [
        (
            b'{"BootstrapStep":{"vm":"a","step":"WaitHandshake","status":"Success","duration_ms":1}}',
            "step",
            "wait-handshake",
        ),
        (b'{"BootstrapCompleted":{"vm":"a","status":"NoOp","duration_ms":1}}', "status", "noop"),
        (b'{"Message":{"severity":"Warning","text":"x"}}', "severity", "warn"),
        (b'{"Message":{"severity":"Info","text":"x"}}', "severity", "info"),
        (
            b'{"BootstrapPlanned":{"vm":"a","mode":"Auto","action":"WouldRun","reason":"r"}}',
            "action",
            "would_run",
        ),
        (b'{"ShutdownEscalated":{"vm":"a","signal":"Sigkill"}}', "signal", "sigkill"),
        (
            b'{"CleanupProgress":{"path":"/p","kind":"PidFile","bytes":6,"dry_run":true}}',
            "category",
            "pid-file",
        ),
        (
            b'{"CooperativeTimedOut":{"vm":"a","waited_ms":1,"reason":"TimeoutExpired"}}',
            "reason",
            "timeout_expired",
        ),
        (
            b'{"EphemeralLayerDiscarded":{"vm":"a","overlay_path":"/o","reclaimed_bytes":1,'
            b'"reason":"Orphan"}}',
            "phase",
            "overlay_discarded",
        ),
    ],
)
def test_native_variants_and_enum_spellings(native: bytes, field: str, value: str) -> None:
    event = decode(native)
    assert isinstance(event, ev.Event) and getattr(event, field) == value


def test_native_lines_pass_through_ndjson_as_they_were() -> None:
    result = run_cli([str(MIXED), "--format", "ndjson", "-t", "bootstrap.step"])
    expected = [
        line
        for line in MIXED.read_bytes().splitlines(keepends=True)
        if line.startswith(b'{"BootstrapStep"')
    ]
    assert result.stdout == b"".join(expected)


def test_check_notes_the_native_form() -> None:
    result = run_cli(["check", str(MIXED)])
    assert f"{MIXED}:8: note: Castra's native form (BootstrapStep), read as bootstrap.step" in (
        result.out.splitlines()
    )
    assert result.out.splitlines()[-1] == "check FAILED: 22 lines, 1 error, 12 notes"


@pytest.mark.parametrize(
    ("pattern", "types"),
    [
        ("item", {"item.started", "item.completed"}),
        ("turn.failed", set()),
        ("thread.*", {"thread.started"}),
        ("turn", {"turn.started", "turn.completed"}),
    ],
)
def test_type_patterns_cover_the_harness(pattern: str, types: set[str]) -> None:
    out = run_cli([str(MIXED), "--format", "ndjson", "-t", pattern]).stdout
    assert {json.loads(line)["type"] for line in out.splitlines()} == types


def tokens(path: Path) -> dict[str, object]:
    return json.loads(run_cli([str(path), "--format", "json"]).stdout)["totals"]["tokens"]


def test_token_totals_from_usage_only() -> None:
    assert tokens(example("up")) == {
        "prompt": 3248,
        "cached": 1324,
        "completion": 762,
        "total": 4010,
        "source": "usage",
    }


def test_token_totals_from_turns_only() -> None:
    assert tokens(MIXED) == {
        "prompt": 9120,
        "cached": 4096,
        "completion": 388,
        "total": 9508,
        "source": "turns",
    }


def test_token_totals_never_count_a_turn_twice() -> None:
    # agent.ndjson reports its one turn both as a usage event and in turn.completed
    assert tokens(example("agent")) == {
        "prompt": 18230,
        "cached": 12288,
        "completion": 1264,
        "total": 19494,
        "source": "usage",
    }


def test_the_harness_section_of_the_summary() -> None:
    out = run_cli([str(example("agent")), "--summary-only", "--width", "120"]).out
    assert (
        "harness    2 turns (1 failed) · 3 commands run (1 failed) · 3 files changed · 1 error"
        in out
    )
    report = json.loads(run_cli([str(example("agent")), "--format", "json"]).stdout)
    assert report["harness"]["commands_failed"] == 1 and report["harness"]["files_changed"] == 3
    assert report["harness"]["items"]["agent_message"] == 1


def test_codex_auto_run_transcript_reads_well() -> None:
    path = shared("codex-exec", "auto-run.ndjson")
    out = run_cli([str(path), "--width", "100", "--color", "never"]).out
    lines = out.splitlines()
    assert "          · reasoning Determining number selection and output structure" in lines
    assert any(line.strip().startswith("Decided to pick x=50 and y=20") for line in lines)
    assert (
        "          ▸ run       $ /usr/bin/zsh -lc 'date -Is'  (running)" in lines
    )  # exit_code null
    assert "          ✓ run       $ /usr/bin/zsh -lc 'date -Is'  (exit 0)" in lines
    assert "                      2026-02-22T07:47:12+08:00" in lines
    assert '▸ agent     {"x":50,"y":20' in out
    assert "20,368 prompt (16,896 cached) · 375 completion · 20,743 total (from the turns)" in out


@pytest.mark.parametrize("width", [60, 80, 120])
def test_cjk_transcript_wraps_by_cells_and_stays_aligned(width: int) -> None:
    path = shared("codex-exec", "interactive-cjk.ndjson")
    out = run_cli([str(path), "--width", str(width), "--color", "never"]).out.splitlines()
    start = next(i for i, line in enumerate(out) if "▸ agent" in line)
    end = next(i for i, line in enumerate(out) if "· turn      completed" in line)
    body = [out[start].split("▸ agent     ", 1)[1]] + out[start + 1 : end]
    indent = " " * 22
    assert all(line == "" or line.startswith(indent) for line in out[start + 1 : end])
    assert all(cell_len(line) <= width for line in out[start:end])
    text = json.loads(path.read_text().splitlines()[3])["item"]["text"]
    assert "".join("".join(body).split()) == "".join(text.split())  # nothing lost or added
    assert "36,034 prompt (29,056 cached) · 433 completion" in "\n".join(out)


def test_codex_transcripts_keep_the_contract() -> None:
    paths = [
        str(shared("codex-exec", name)) for name in ("auto-run.ndjson", "interactive-cjk.ndjson")
    ]
    assert run_cli(["check", *paths]).code == 0
    validator = jsonschema.Draft202012Validator(json.loads(run_cli(["schema"]).stdout))
    for path in paths:
        for line in Path(path).read_text().splitlines():
            assert validator.is_valid(json.loads(line)), line


def test_the_schema_knows_what_each_item_needs() -> None:
    validator = jsonschema.Draft202012Validator(json.loads(run_cli(["schema"]).stdout))
    good = {
        "type": "item.started",
        "item": {"id": "1", "type": "command_execution", "command": "ls", "status": "in_progress"},
    }
    assert validator.is_valid(good)
    del good["item"]["command"]  # type: ignore[attr-defined]
    assert not validator.is_valid(good)
    assert decode(json.dumps(good).encode()).reason == (  # type: ignore[union-attr]
        'item.started command_execution: item: missing "command"'
    )


def test_levels_of_harness_events() -> None:
    from castra_tail.contract.levels import Level, level_of

    def item(kind: str, **fields: object) -> ev.Event:
        line = {"type": "item.completed", "item": {"id": "1", "type": kind, **fields}}
        event = decode(json.dumps(line).encode())
        assert isinstance(event, ev.Event)
        return event

    assert level_of(item("reasoning", text="x")) is Level.INFO
    assert level_of(item("agent_message", text="x")) is Level.PROGRESS
    assert level_of(item("command_execution", command="x", status="failed")) is Level.ERROR
    assert level_of(item("file_change", status="failed")) is Level.ERROR
    assert (
        level_of(item("mcp_tool_call", server="s", tool="t", status="completed")) is Level.PROGRESS
    )
    assert level_of(item("error", message="boom")) is Level.ERROR
    turn_failed = decode(b'{"type":"turn.failed","error":{"message":"quota"}}')
    assert isinstance(turn_failed, ev.Event) and level_of(turn_failed) is Level.ERROR


def test_reasoning_hides_below_level_progress() -> None:
    out = run_cli([str(example("agent")), "--level", "progress", "--no-summary"]).out
    assert "reasoning" not in out and "▸ agent" in out


@given(st.text(max_size=200), st.integers(min_value=1, max_value=40))
@settings(max_examples=300, deadline=None)
def test_wrap_keeps_every_character_within_the_width(text: str, width: int) -> None:
    line = text.replace("\n", " ")
    pieces = wrap(line, width)
    assert all(cell_len(piece) <= max(width, 2) for piece in pieces)
    assert "".join("".join(pieces).split()) == "".join(line.split())
