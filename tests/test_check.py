"""`castra-tail check` and `castra-tail schema`: what producers test their output with."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest

from castra_tail.contract import events as ev
from castra_tail.contract.schema import contract_schema
from castra_tail.status import ExitStatus

from conftest import EXAMPLES, example, run_cli

HOSTILE = [
    b'{"type":"command.accepted","command":"up"}',  # 1 ok
    b"qemu-system-x86_64: warning: host doesn't support requested feature",  # 2
    b'{"type":"message","severity":"info","text":"trunc',  # 3
    b'[{"type":"message"}]',  # 4
    b'{"severity":"info","text":"no type"}',  # 5
    b'{"type":"bootstrap.step","vm":"a","step":"apply","status":"success","duration_ms":-3}',  # 6
    b'{"type":"usage","prompt_tokens":1e400,"completion_tokens":1}',  # 7
    b'{"type":"message","severity":"info","text":"\xff\xfe"}',  # 8
    b'{"type":"message","severity":"info","text":"nul\x00inside"}',  # 9
    b"[" * 100_000,  # 10
    bytes(range(256)).replace(b"\n", b""),  # 11
    b'{"type":"message","severity":"info","text":"a","text":"b"}',  # 12 ok
    b'{"type":"gpu.attached","vm":"a"}',  # 13 note
    b'{"type":"message","severity":"loud","text":"x","new_field":1}',  # 14 enum
    b'{"type":"message","severity":"info","text":"ok"}\r',  # 15 ok
    b'{"type":"summary","operation":"up","duration_ms":1,"exit_code":0}',  # 16 ok
    b'{"type":"command.completed","command":"up","exit_code":0}',  # 17 ok
]
MALFORMED = {
    2: "not JSON",
    3: "invalid JSON: truncated",
    4: "not an object (an array)",
    5: 'missing "type"',
    6: "bootstrap.step: duration_ms: expected an integer >= 0",
    7: "usage: prompt_tokens: number out of range",
    8: "invalid UTF-8",
    9: "invalid JSON: invalid character (byte 47)",
    10: "not an object (an array)",
    11: "not JSON",
}


def write(tmp_path: Path, lines: list[bytes], name: str = "s.ndjson") -> Path:
    path = tmp_path / name
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def findings(path: Path) -> list[dict[str, object]]:
    result = run_cli(["check", "--format", "json", str(path)])
    return json.loads(result.stdout)["findings"]


def test_the_examples_keep_the_contract() -> None:
    result = run_cli(["check", *map(str, sorted(EXAMPLES.glob("*.ndjson")))])
    assert result.code == 0, result.out
    lines = sum(p.read_bytes().count(b"\n") for p in EXAMPLES.glob("*.ndjson"))
    assert result.out.strip() == f"check ok: {lines} lines, 0 errors, 0 notes"


def test_hostile_lines_are_each_reported_and_the_rest_read(tmp_path: Path) -> None:
    path = write(tmp_path, HOSTILE)
    result = run_cli(["check", str(path)])
    assert result.code == 1
    lines = result.out.splitlines()
    for number, reason in MALFORMED.items():
        assert f"{path}:{number}: {reason}" in lines
    assert f'{path}:13: note: unknown type "gpu.attached" (a newer contract?)' in lines
    assert any(
        line.startswith(f'{path}:14: message: severity: unknown value "loud"') for line in lines
    )
    assert lines[-1] == "check FAILED: 17 lines, 11 errors, 1 note"


def test_check_and_strict_agree_on_what_is_malformed(tmp_path: Path) -> None:
    path = write(tmp_path, HOSTILE)
    report = json.loads(run_cli([str(path), "--format", "json", "--strict"]).stdout)
    malformed = {(m["line"], m["reason"]) for m in report["malformed"]}
    errors = {(f["line"], f["reason"]) for f in findings(path) if f["kind"] == "error"}
    assert malformed == set(MALFORMED.items())
    assert malformed <= errors
    assert all("unknown value" in reason for _, reason in errors - malformed)
    assert report["exit_code"] == 1


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            [
                b'{"type":"bootstrap.step","vm":"a","step":"apply","status":"success","duration_ms":1}'
            ],
            [(1, "bootstrap.step for a before bootstrap.started")],
        ),
        (
            [
                b'{"type":"bootstrap.started","vm":"a","base_hash":"b","artifact_hash":"c","trigger":"auto"}',
                b'{"type":"bootstrap.completed","vm":"a","status":"success","duration_ms":1}',
                b'{"type":"bootstrap.completed","vm":"a","status":"noop","duration_ms":1}',
            ],
            [(3, "bootstrap.completed for a after bootstrap.completed (line 2)")],
        ),
        (
            [
                b'{"type":"bootstrap.started","vm":"a","base_hash":"b","artifact_hash":"c","trigger":"auto"}',
                b'{"type":"bootstrap.failed","vm":"a","duration_ms":1,"error":"x"}',
                b'{"type":"bootstrap.step","vm":"a","step":"verify","status":"success","duration_ms":1}',
            ],
            [(3, "bootstrap.step for a after bootstrap.failed (line 2)")],
        ),
        (
            [
                b'{"type":"bootstrap.started","vm":"a","base_hash":"b","artifact_hash":"c","trigger":"auto"}',
                b'{"type":"bootstrap.started","vm":"a","base_hash":"b","artifact_hash":"c","trigger":"auto"}',
            ],
            [(2, "bootstrap.started for a: its bootstrap already started (line 1)")],
        ),
        (
            [b'{"type":"bootstrap.failed","vm":"b","duration_ms":1,"error":"x"}'],
            [(1, "bootstrap.failed for b before bootstrap.started")],
        ),
    ],
)
def test_order_per_vm(tmp_path: Path, lines: list[bytes], expected: list[tuple[int, str]]) -> None:
    got = [(f["line"], f["reason"]) for f in findings(write(tmp_path, lines))]
    assert got == expected


def test_interleaved_vms_in_order_are_fine(tmp_path: Path) -> None:
    assert findings(example("up")) == []


@pytest.mark.parametrize(
    ("line", "kind", "pattern"),
    [
        (
            b'{"type":"vm.lifecycle","vm":"a","phase":"shutdown_escalated","signal":"SIGHUP"}',
            "error",
            r'signal: unknown value "SIGHUP"',
        ),
        (
            b'{"type":"vm.lifecycle","vm":"a","phase":"cooperative_timed_out","waited_ms":1,'
            b'"reason":"bored"}',
            "error",
            r'reason: unknown value "bored"',
        ),
        (b'{"type":"vm.lifecycle","vm":"a","phase":"migrated"}', "note", r"phase: unknown value"),
        (
            b'{"type":"summary","operation":"snapshot","duration_ms":1,"exit_code":0}',
            "note",
            r'operation: unknown value "snapshot"',
        ),
        (
            b'{"type":"cleanup","path":"/p","kind":"cores","bytes":1,"dry_run":true}',
            "error",
            r'category: unknown value "cores"',
        ),
        (
            b'{"type":"usage","prompt_tokens":18446744073709551616,"completion_tokens":1}',
            "error",
            r"usage: prompt_tokens: expected an integer <= 18446744073709551615",
        ),
        (
            b'{"type":"command.accepted","command":"up","ts":"yesterday"}',
            "error",
            r'ts: "yesterday" is not an RFC 3339 timestamp',
        ),
    ],
)
def test_values_the_contract_does_not_name(
    tmp_path: Path, line: bytes, kind: str, pattern: str
) -> None:
    (finding,) = findings(write(tmp_path, [line]))
    assert finding["kind"] == kind and re.search(pattern, str(finding["reason"]))


def test_timestamps_that_are_fine(tmp_path: Path) -> None:
    lines = [
        b'{"type":"command.accepted","command":"up","ts":"%s"}' % ts
        for ts in (
            b"2026-11-26T01:00:00Z",
            b"2026-11-26T01:00:00.123+01:00",
            b"2026-11-26 01:00:00z",
        )
    ]
    assert findings(write(tmp_path, lines)) == []


def test_check_reads_stdin_and_reports_usage_errors() -> None:
    assert run_cli(["check"], stdin=example("up").read_bytes()).code == 0
    result = run_cli(["check", "/no/such.ndjson"])
    assert result.code == 2 and result.stderr.startswith("castra-tail: error: cannot read")


def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(run_cli(["schema"]).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_every_example_line_satisfies_the_schema() -> None:
    v = validator()
    for path in EXAMPLES.glob("*.ndjson"):
        for number, line in enumerate(path.read_bytes().splitlines(), 1):
            errors = list(v.iter_errors(json.loads(line)))
            assert not errors, f"{path.name}:{number}: {errors[0].message}"


@pytest.mark.parametrize(
    "event",
    [
        {"type": "vm.lifecycle", "vm": "a", "phase": "launched"},
        {"type": "usage", "completion_tokens": 1},
        {"type": "cleanup", "path": "/p", "bytes": 1, "dry_run": False},
        {"type": "message", "severity": "loud", "text": "x"},
        {
            "type": "bootstrap.step",
            "vm": "a",
            "step": "apply",
            "status": "success",
            "duration_ms": -1,
        },
        {
            "type": "vm.lifecycle",
            "vm": "a",
            "phase": "overlay_discarded",
            "overlay_path": "/o",
            "reclaimed_bytes": 1,
            "reason": "timeout_expired",
        },
    ],
)
def test_the_schema_rejects_what_the_contract_forbids(event: dict[str, object]) -> None:
    assert not validator().is_valid(event)


@pytest.mark.parametrize("severity", ["warning", "Warning", "WARNING", "warn"])
def test_the_schema_accepts_the_warning_alias(severity: str) -> None:
    assert validator().is_valid({"type": "message", "severity": severity, "text": "x"})


def test_the_schema_is_generated_from_the_types() -> None:
    defs = contract_schema()["$defs"]
    for cls in ev.EVENT_TYPES:
        properties = defs[cls.__name__]["properties"]
        assert set(cls.__struct_fields__) | {"type"} == set(properties), cls.__name__


@pytest.mark.parametrize(
    ("fmt", "shown"),
    [("text", b"<stdin>:1: bootstrap.step: missing"), ("json", b'"line":1,"kind":"error"')],
)
def test_check_streams_each_finding_before_the_input_ends(fmt: str, shown: bytes) -> None:
    # Findings were kept until the end: 1 M of them cost 300-384 MB and showed after 6 s.
    from test_live import read_until, start

    proc = start(["check", "--format", fmt], stdin=subprocess.PIPE)
    assert proc.stdin is not None
    try:
        proc.stdin.write(b'{"type":"bootstrap.step","vm":"a"}\n')
        proc.stdin.flush()
        read_until(proc, shown, timeout=30)  # the input is still open: a hang fails here
        proc.stdin.close()
        assert proc.wait(timeout=30) == ExitStatus.FAILED
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize(
    ("ts", "a_moment"),
    [
        ("2026-02-30T01:00:00Z", False),  # matches the pattern; no such day
        ("2025-02-29T01:00:00Z", False),
        ("2028-02-29T01:00:00Z", True),
        ("2026-12-31T23:59:60Z", True),  # a leap second is RFC 3339
        ("2026-12-31t23:59:59.5z", True),
        ("2026-12-31 23:59:59+01:00", True),
        ("2026-12-31T23:59:59", False),  # no offset
    ],
)
def test_check_and_the_reader_agree_on_what_a_ts_is(
    tmp_path: Path, ts: str, a_moment: bool
) -> None:
    path = tmp_path / "ts.ndjson"
    line = {"type": "message", "severity": "info", "text": "placed", "ts": ts}
    path.write_text(json.dumps(line) + "\n")
    checked = run_cli(["check", str(path)])
    assert checked.code == (0 if a_moment else 1), checked.out
    shown = run_cli([str(path), "--format", "ndjson", "--since", "2000-01-01"])
    assert ("placed" in shown.out) == a_moment
