"""One rule per line: the reader (``--strict``), ``check`` and ``schema`` give one verdict.

The same lines go to all three. Each is, for all of them, one of:

- valid: read as an event, ``--strict`` passes, ``check`` is silent, the schema accepts;
- note: something the contract tells consumers to show as it is (a new type,
  phase, step name, operation or item type): read, ``--strict`` passes,
  ``check`` notes it (no error), the schema accepts;
- malformed: not an event (a missing field, a number beyond 64 bits…): not
  read as an event, ``--strict`` fails, ``check`` errs, the schema rejects;
- violation: a value the contract does not name (a closed enum, a bad ``ts``):
  read and shown as it is, ``--strict`` passes, ``check`` errs, the schema rejects.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from castra_tail.contract import events as ev
from castra_tail.contract.decode import Malformed, decode

from conftest import run_cli

U64_MAX, I64_MAX, I64_MIN = ev.U64_MAX, ev.I64_MAX, ev.I64_MIN


#: Each line is checked after this one: check's per-VM order rules then have nothing to say.
STARTED = (
    '{"type":"bootstrap.started","vm":"a","base_hash":"b","artifact_hash":"c","trigger":"auto"}'
)


def failed(duration: int) -> str:
    return json.dumps(
        {"type": "bootstrap.failed", "vm": "a", "duration_ms": duration, "error": "x"}
    )


def exit_code(code: int) -> str:
    return json.dumps({"type": "command.failed", "command": "up", "exit_code": code})


def message(severity: str) -> str:
    return json.dumps({"type": "message", "severity": severity, "text": "x"})


def accepted(**envelope: object) -> str:
    return json.dumps({"type": "command.accepted", "command": "up", **envelope})


def lifecycle(phase: str, **fields: object) -> str:
    return json.dumps({"type": "vm.lifecycle", "vm": "a", "phase": phase, **fields})


def step(name: str = "apply", status: str = "success", duration: int = 1) -> str:
    return json.dumps(
        {
            "type": "bootstrap.step",
            "vm": "a",
            "step": name,
            "status": status,
            "duration_ms": duration,
        }
    )


def planned(**fields: object) -> str:
    base = {"type": "bootstrap.planned", "vm": "a", "mode": "auto", "action": "would_run"}
    return json.dumps({**base, "reason": "r", **fields})


def item(**fields: object) -> str:
    return json.dumps({"type": "item.completed", "item": {"id": "1", **fields}})


VALID = [
    accepted(),
    accepted(unknown_field=[1, {"x": 10**30}]),
    message("info"),
    message("warn"),
    message("warning"),
    message("Warning"),
    message("WARNING"),
    failed(U64_MAX),
    failed(I64_MAX + 1),  # a u64 above int64, where msgspec's own bound stops
    planned(ssh={"user": "u", "host": "h", "port": U64_MAX}),
    json.dumps({"type": "turn.completed", "usage": {"input_tokens": U64_MAX, "output_tokens": 1}}),
    exit_code(I64_MAX),
    exit_code(I64_MIN),
    accepted(seq=I64_MAX),
    accepted(seq=-1),
    accepted(ts="2026-11-26T01:00:00Z"),
    accepted(ts="2026-11-26T01:00:00.123+01:00"),
    accepted(ts="2026-11-26 01:00:00z"),
    accepted(ts="2016-12-31T23:59:60Z"),  # a leap second
    '{"type":"message","type":"command.accepted","command":"up"}',  # the last "type" wins
    '{"type":"gpu.attached","type":"command.accepted","command":"up"}',
    lifecycle("cooperative_timed_out", waited_ms=1, reason="channel_error"),
    lifecycle("shutdown_complete", outcome="forced", total_ms=1, changed=True),
    '{"type":"cleanup","path":"/p","kind":"logs","bytes":1,"dry_run":true}',
    item(type="command_execution", command="ls", status="completed", exit_code=I64_MIN),
]
NOTE = [
    '{"type":"gpu.attached","vm":"a"}',
    '{"type":"command.accepted","type":"gpu.attached","command":"up"}',  # the last wins
    lifecycle("migrated"),
    step(name="warm-cache"),
    '{"type":"summary","operation":"snapshot","duration_ms":1,"exit_code":0}',
    item(type="plan_update"),
]
MALFORMED = [
    failed(U64_MAX + 1),
    failed(10**40),
    failed(-1),
    planned(ssh={"user": "u", "host": "h", "port": U64_MAX + 1}),
    exit_code(I64_MAX + 1),
    exit_code(I64_MIN - 1),
    accepted(seq=I64_MAX + 1),
    item(type="command_execution", command="ls", status="completed", exit_code=I64_MAX + 1),
    '{"type":"usage","prompt_tokens":1e400,"completion_tokens":1}',
    '{"type":"usage","completion_tokens":1}',
    '{"type":"cleanup","path":"/p","bytes":1,"dry_run":true}',
    lifecycle("launched"),
    step(duration=-3),
    '{"type":"bootstrap.step","vm":"a"}',
    '{"severity":"info","text":"no type"}',
    '{"type":5}',
    "[1, 2]",
    '"a string"',
]
VIOLATION = [
    message("loud"),
    message("INFO"),  # enums are lowercase; only "warning" is read in any case
    message("Warn"),
    lifecycle("shutdown_escalated", signal="SIGHUP"),
    lifecycle("cooperative_attempted", method="ssh", timeout_ms=1),
    lifecycle("cooperative_timed_out", waited_ms=1, reason="bored"),
    lifecycle("overlay_discarded", overlay_path="/o", reclaimed_bytes=1, reason="timeout_expired"),
    step(status="weird"),
    planned(mode="sometimes"),
    '{"type":"bootstrap.completed","vm":"a","status":"great","duration_ms":1}',
    '{"type":"cleanup","path":"/p","kind":"cores","bytes":1,"dry_run":true}',
    item(type="command_execution", command="ls", status="stuck"),
    item(type="file_change", status="completed", changes=[{"path": "p", "kind": "move"}]),
    accepted(ts="yesterday"),
    accepted(ts="2026-13-01T00:00:00Z"),
    accepted(ts="2026-11-26T24:00:00Z"),
    accepted(ts="2026-11-26T01:00:00"),  # no offset
    accepted(ts="２０２６-11-26T01:00:00Z"),  # digits Python's \d would take
]
CASES = [
    *((line, "valid") for line in VALID),
    *((line, "note") for line in NOTE),
    *((line, "malformed") for line in MALFORMED),
    *((line, "violation") for line in VIOLATION),
]
#: What each tool says for a line of each verdict: (--strict passes, check errors, check
#: notes, the schema accepts). None: anything.
EXPECTED = {
    "valid": (True, False, False, True),
    "note": (True, False, True, True),
    "malformed": (False, True, None, False),
    "violation": (True, True, None, False),
}


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(run_cli(["schema"]).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize(("line", "verdict"), CASES, ids=[f"{v}:{line}" for line, v in CASES])
def test_reader_strict_check_and_schema_agree(
    tmp_path: Path, validator: jsonschema.protocols.Validator, line: str, verdict: str
) -> None:
    path = tmp_path / "one.ndjson"
    path.write_text(f"{STARTED}\n{line}\n")
    strict = run_cli([str(path), "--strict", "--fail-on", "never", "--format", "json"])
    checked = json.loads(run_cli(["check", "--format", "json", str(path)]).stdout)
    said = (
        strict.code == 0,
        checked["errors"] > 0,
        checked["notes"] > 0,
        validator.is_valid(json.loads(line)),
    )
    expected = EXPECTED[verdict]
    assert all(e is None or e == s for e, s in zip(expected, said, strict=True)), (
        f"{verdict}: --strict passes, check errs, check notes, schema accepts = {said}; "
        f"check said {checked['findings']}"
    )
    assert isinstance(decode(line.encode()), Malformed) == (verdict == "malformed")
