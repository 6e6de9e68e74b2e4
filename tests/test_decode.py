"""Decoding: every event of the contract, its aliases, and the reasons for bad lines."""

from __future__ import annotations

import json

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from castra_tail.contract import events as ev
from castra_tail.contract.decode import BLANK, Malformed, Unknown, decode

from conftest import EXAMPLES, fuzz
from strategies import events as any_event


def line(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def test_every_example_line_is_a_known_event() -> None:
    seen: set[str] = set()
    for path in EXAMPLES.glob("*.ndjson"):
        for number, raw in enumerate(path.read_bytes().splitlines(), 1):
            decoded = decode(raw)
            assert isinstance(decoded, ev.Event), f"{path.name}:{number}: {decoded}"
            seen.add(ev.TYPE_OF[type(decoded)])
    # Every family of the contract is present across the shipped examples.
    assert seen == set(ev.KNOWN_TYPES)


def test_schema_example_stream_decodes() -> None:
    stream = [
        '{"type":"command.accepted","command":"up"}',
        '{"type":"bootstrap.planned","vm":"web-0","mode":"auto","action":"would_run",'
        '"reason":"script present","trigger":"auto","ssh":{"user":"root","host":"127.0.0.1",'
        '"port":2222,"options":["StrictHostKeyChecking=no"]},"env_keys":["APP_ENV"],"warnings":[]}',
        '{"type":"bootstrap.completed","vm":"web-0","status":"success","duration_ms":8241}',
        '{"type":"summary","operation":"up","duration_ms":9120,"exit_code":0,'
        '"vms":{"total":1,"ok":1,"failed":0},"bytes_transferred":5242880}',
    ]
    planned = decode(stream[1].encode())
    assert isinstance(planned, ev.BootstrapPlanned)
    assert planned.ssh == ev.SshTarget(
        user="root", host="127.0.0.1", port=2222, options=["StrictHostKeyChecking=no"]
    )
    assert all(isinstance(decode(s.encode()), ev.Event) for s in stream)


@pytest.mark.parametrize("spelling", ["warning", "Warning", "WARNING", "warn", "Warn"])
def test_warning_in_any_case_is_warn(spelling: str) -> None:
    decoded = decode(line(type="message", severity=spelling, text="x"))
    assert isinstance(decoded, ev.Message) and decoded.severity == "warn"


def test_unknown_severity_is_kept_not_rejected() -> None:
    decoded = decode(line(type="message", severity="critical", text="x"))
    assert isinstance(decoded, ev.Message) and decoded.severity == "critical"


def test_usage_accepts_the_harness_names() -> None:
    decoded = decode(line(type="usage", input_tokens=7, cached_input_tokens=3, output_tokens=2))
    assert isinstance(decoded, ev.Usage)
    assert (decoded.prompt_tokens, decoded.cached_tokens, decoded.completion_tokens) == (7, 3, 2)


def test_usage_contract_names_win_and_cached_defaults_to_zero() -> None:
    decoded = decode(line(type="usage", prompt_tokens=10, input_tokens=99, completion_tokens=1))
    assert isinstance(decoded, ev.Usage)
    assert (decoded.prompt_tokens, decoded.cached_tokens) == (10, 0)


def test_cleanup_reads_kind_as_category() -> None:
    decoded = decode(line(type="cleanup", path="/p", kind="pid-file", bytes=6, dry_run=False))
    assert isinstance(decoded, ev.Cleanup) and decoded.category == "pid-file"


def test_unknown_fields_phases_and_steps_are_accepted() -> None:
    step = decode(
        line(
            type="bootstrap.step",
            vm="a",
            step="reboot",
            status="success",
            duration_ms=1,
            shiny_new_field=[1, 2],
        )
    )
    assert isinstance(step, ev.BootstrapStep) and step.step == "reboot"
    phase = decode(line(type="vm.lifecycle", vm="a", phase="migrated", host="h2"))
    assert isinstance(phase, ev.VmLifecycle) and phase.phase == "migrated"


def test_unknown_type_is_counted_not_malformed() -> None:
    assert decode(line(type="thing.new", a=1)) == Unknown("thing.new")


def test_envelope_fields() -> None:
    decoded = decode(line(type="command.accepted", command="up", ts="2026-11-26T01:00:00Z", seq=4))
    assert isinstance(decoded, ev.CommandAccepted)
    assert (decoded.ts, decoded.seq) == ("2026-11-26T01:00:00Z", 4)


@pytest.mark.parametrize(
    ("raw", "reason", "text"),
    [
        (b"error: qemu-system-x86_64 not found", "not JSON", True),
        (b"[1, 2]", "not an object (an array)", False),
        (b"42", "not an object (a number)", False),
        (b'"hello"', "not an object (a string)", False),
        (b"null", "not an object (null)", False),
        (b'{"severity":"info","text":"x"}', 'missing "type"', False),
        (b'{"type":7}', '"type" is a number, not a string', False),
        (
            b'{"type":"bootstrap.step","vm":"a","step":"apply","status":"success","duration_ms":"1"}',
            "bootstrap.step: duration_ms: expected an integer, got a string",
            False,
        ),
        (
            b'{"type":"bootstrap.step","vm":"a","step":"apply","status":"success","duration_ms":-5}',
            "bootstrap.step: duration_ms: expected an integer >= 0",
            False,
        ),
        (
            b'{"type":"bootstrap.step","vm":"a","step":"apply","status":"success","duration_ms":1e400}',
            "bootstrap.step: duration_ms: number out of range",
            False,
        ),
        (
            b'{"type":"bootstrap.failed","vm":"a","duration_ms":1}',
            'bootstrap.failed: missing "error"',
            False,
        ),
        (
            b'{"type":"bootstrap.planned","vm":"a","mode":"auto","action":"would_run","reason":"r",'
            b'"ssh":{"user":"u","host":"h","port":"22"}}',
            "bootstrap.planned: ssh.port: expected an integer, got a string",
            False,
        ),
        (
            b'{"type":"vm.lifecycle","vm":"a","phase":"launched"}',
            'vm.lifecycle launched: missing "pid"',
            False,
        ),
        (
            b'{"type":"usage","completion_tokens":1}',
            'usage: missing "prompt_tokens" (or "input_tokens")',
            False,
        ),
        (
            b'{"type":"cleanup","path":"/p","bytes":1,"dry_run":true}',
            'cleanup: missing "category" (or "kind")',
            False,
        ),
        (b'{"type":"message","severity":"info","text":"x"', "invalid JSON: truncated", False),
        (
            b'{"type":"message","severity":"info","text":"\\ud800"}',
            "invalid JSON: a \\u escape of half a surrogate pair, which is no character",
            False,
        ),
        (
            b'{"type":"message","severity":"info","text":"x","seq":1.0}',
            "message: seq: expected an integer or null, got a number",
            False,
        ),
        (b'{"type":"message","severity":"info","text":"\xff"}', "invalid UTF-8", False),
        (b"[" * 100_000, "not an object (an array)", False),
        (b'{"a":' * 100_000, "invalid JSON: nested too deeply", False),
    ],
)
def test_bad_lines_say_why(raw: bytes, reason: str, text: bool) -> None:
    assert decode(raw) == Malformed(reason, text=text)


def test_blank_lines_are_skipped() -> None:
    assert decode(b"   \t\r") is BLANK


@given(st.binary(max_size=300))
@settings(max_examples=fuzz(400), deadline=None)
def test_decoder_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    assert isinstance(decode(data), (ev.Event, Malformed, Unknown))


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
@settings(max_examples=fuzz(300), deadline=None)
def test_decoder_never_raises_on_arbitrary_json(value: object) -> None:
    assert isinstance(decode(msgspec.json.encode(value)), (ev.Event, Malformed, Unknown))


@given(any_event())
@settings(max_examples=fuzz(500), deadline=None)
def test_every_event_round_trips(event: ev.Event) -> None:
    assert decode(msgspec.json.encode(event)) == event


def test_a_bom_at_the_start_of_a_line_is_framing() -> None:
    # `cat a.ndjson b.ndjson` puts b's BOM at the start of a line mid-stream.
    decoded = decode(b"\xef\xbb\xbf" + line(type="command.accepted", command="up"))
    assert isinstance(decoded, ev.CommandAccepted)


#: What a long run of can precede a line's JSON: BOMs (`cat` of BOM-only files), blanks, NULs.
PREFIX_UNITS = (b"\xef\xbb\xbf", b" ", b"\t", b"\r", b"\x00", b"\xef\xbb", b"\n")


@given(
    unit=st.lists(st.sampled_from(PREFIX_UNITS), min_size=1, max_size=3).map(b"".join),
    times=st.integers(min_value=0, max_value=5000),
    rest=st.sampled_from([b"{}", line(type="command.accepted", command="up"), b"[", b'{"a":'])
    | st.binary(max_size=40),
)
@settings(max_examples=fuzz(100), deadline=None)
def test_decoder_never_raises_whatever_the_prefix(unit: bytes, times: int, rest: bytes) -> None:
    assert isinstance(decode(unit * times + rest), (ev.Event, Malformed, Unknown))


def test_any_number_of_boms_before_an_event_is_framing() -> None:
    # 328 BOMs were enough to exhaust the interpreter's recursion limit.
    decoded = decode(b"\xef\xbb\xbf" * 5000 + line(type="command.accepted", command="up"))
    assert isinstance(decoded, ev.CommandAccepted)
    assert decode(b"\xef\xbb\xbf" * 5000 + b"{}") == Malformed('missing "type"')


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            b'{"type":"message","type":"command.accepted","command":"up"}',
            ev.CommandAccepted(command="up"),
        ),
        (
            b'{"type":"gpu.attached","type":"command.accepted","command":"up"}',
            ev.CommandAccepted(command="up"),
        ),
        (b'{"type":5,"type":"command.accepted","command":"up"}', ev.CommandAccepted(command="up")),
        (
            b'{"type":"command.accepted","type":"gpu.attached","command":"up"}',
            Unknown("gpu.attached"),
        ),
    ],
)
def test_of_two_type_keys_the_last_wins(raw: bytes, expected: object) -> None:
    # As for any other key, and as jq and JSON Schema validators read it (README).
    assert decode(raw) == expected
