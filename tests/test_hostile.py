"""Hostile input: nothing stops the stream, nothing reaches the terminal, nothing grows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from castra_tail.contract import events as ev
from castra_tail.contract.decode import Malformed, Unknown, decode

from conftest import ROOT, fuzz, replay, run_cli
from test_check import HOSTILE, MALFORMED

VALID_LINES = {1, 12, 15, 16, 17}


def test_every_valid_line_around_hostile_ones_is_read(tmp_path: Path) -> None:
    path = tmp_path / "hostile.ndjson"
    path.write_bytes(b"\n".join(HOSTILE) + b"\n")
    run = replay([str(path)])
    assert run.events == len(VALID_LINES) + 1  # and the unknown severity "loud", shown as it is
    assert {(p.where.line, p.reason) for p in run.problems} == set(MALFORMED.items())
    assert dict(run.unknown_types) == {"gpu.attached": 1}
    text = run_cli([str(path), "--color", "never", "--width", "1000"]).out  # lines unfolded
    # plain text is shown as it is (dimmed); other bad lines say why, where they are
    for reason in {r for r in MALFORMED.values() if r != "not JSON"}:
        assert reason in text
    assert "qemu-system-x86_64: warning: host doesn't support requested feature" in text
    assert "\\x00\\x01\\x02" in text  # binary garbage, escaped
    assert "up completed (exit 0)" in text  # the last line, after all of them


def test_long_fields_are_cut_in_text_and_kept_whole_elsewhere(tmp_path: Path) -> None:
    long_text = "x" * 50_000
    line = json.dumps({"type": "message", "severity": "info", "text": long_text}).encode()
    path = tmp_path / "long.ndjson"
    path.write_bytes(line + b"\n")
    text = run_cli([str(path), "--no-summary", "--color", "never", "--width", "1000"]).out
    unfolded = text.replace("\n" + " " * 22, "")  # folded under the text column at 1000
    assert "x" * 1999 + "…" in unfolded and "x" * 2001 not in unfolded
    assert run_cli([str(path), "--format", "ndjson"]).stdout == line + b"\n"


def test_a_200_mib_line_costs_no_memory_and_the_next_event_is_shown() -> None:
    # The producer writes the line in 1 MiB pieces; castra-tail must never hold it.
    producer = (
        "import sys; w = sys.stdout.buffer; piece = b'y' * (1 << 20)\n"
        'w.write(b\'{"type":"message","severity":"info","text":"\')\n'
        "[w.write(piece) for _ in range(200)]\n"
        'w.write(b\'"}\\n{"type":"message","severity":"info","text":"after the giant"}\\n\')\n'
    )
    script = (
        f"{sys.executable} -c \"$PRODUCER\" | /usr/bin/time -f '%M' -o /dev/fd/3 "
        f"{sys.executable} -m castra_tail --color never --no-summary 3>&2"
    )
    done = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        env={"PRODUCER": producer, "PATH": "/usr/bin:/bin"},
    )
    peak_kib = int(done.stderr.decode().strip().splitlines()[-1])
    out = done.stdout.decode()
    assert "line of 200.0 MiB is longer than --max-line-bytes" in out
    assert "after the giant" in out
    # Not a timing figure (those belong to `make bench`): the point itself, with room to
    # spare: holding the line would take over 200 MiB.
    assert peak_kib < 100 * 1024, f"peak RSS {peak_kib / 1024:.0f} MiB"


def event_like() -> st.SearchStrategy[dict[str, object]]:
    """Objects with a known type and any fields: names from the contract, values of any JSON."""
    json_values = st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
        ),
        max_leaves=8,
    )
    names = sorted({f for cls in ev.EVENT_TYPES for f in cls.__struct_fields__})
    return st.builds(
        lambda kind, fields: {**fields, "type": kind},
        st.sampled_from(ev.KNOWN_TYPES),
        st.dictionaries(st.sampled_from(names), json_values, max_size=8),
    )


@given(st.lists(event_like(), min_size=1, max_size=20))
@settings(max_examples=fuzz(150), deadline=None)
def test_event_like_objects_never_break_the_stream(objects: list[dict[str, object]]) -> None:
    lines = [msgspec.json.encode(o) for o in objects]
    for raw in lines:
        assert isinstance(decode(raw), (ev.Event, Malformed, Unknown))
    stream = b"\n".join(lines) + b'\n{"type":"command.accepted","command":"last"}\n'
    result = run_cli(["--color", "always"], stdin=stream)
    assert result.code in (0, 1), result.stderr
    assert "last accepted" in result.out


def test_a_line_of_boms_is_one_bad_line_and_the_stream_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "boms.ndjson"
    path.write_bytes(
        b"\xef\xbb\xbf" * 400 + b"{}\n" + b'{"type":"command.accepted","command":"up"}\n'
    )
    result = run_cli([str(path), "--fail-on", "never", "--format", "json"])
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["malformed"] == [{"source": str(path), "line": 1, "reason": 'missing "type"'}]
    assert report["totals"]["by_type"] == {"command.accepted": 1}
