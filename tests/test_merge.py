"""Reading a file in ranges cut where runs begin, and joining them, equals reading it in one go."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from castra_tail import parallel
from castra_tail.filters import Selector
from castra_tail.input.read import read_inputs
from castra_tail.input.sources import FileSource
from castra_tail.output.modes import Silent
from castra_tail.pipeline import consume
from castra_tail.render.report import whole
from castra_tail.run import wire
from castra_tail.run.stream import Stream
from castra_tail.run.verdict import judge

from conftest import EXAMPLES

EXAMPLE_RUNS = [p.read_bytes() for p in sorted(EXAMPLES.glob("*.ndjson"))]
ODD_LINES = [
    b"plain text from stderr",
    b'{"type":"bootstrap.step","vm":"web-0","step":"apply","status":"failed","duration_ms":5}',
    b'{"type":"bootstrap.completed","vm":"db-0","status":"noop","duration_ms":1}',
    b'{"type":"command.completed","command":"up","exit_code":0}',
    b'{"type":"message","severity":"error","text":"x","vm":"new-vm"}',
    b'{"type":"gpu.attached","vm":"web-0"}',
    b'{"type":"summary"}',
    b"",
]


def alone(path: Path) -> Stream:
    stream = Stream()
    items = read_inputs([FileSource(str(path))], 1 << 20)
    consume(items, stream, Silent(), Selector(), None)
    stream.finish()
    return stream


def together(path: Path, jobs: int) -> Stream:
    stream = Stream()
    parallel.read_file(str(path), stream, 1 << 20, jobs)
    stream.finish()
    return stream


def document(stream: Stream) -> object:
    return json.loads(whole(stream, judge(stream)))


def test_a_file_of_many_runs_read_on_three_cores_equals_one(tmp_path: Path) -> None:
    path = tmp_path / "runs.ndjson"
    path.write_bytes(b"".join(EXAMPLE_RUNS) * 30)
    ranges = parallel.split(str(path), 3)
    assert len(ranges) == 3
    for lo, _, first_line in ranges[1:]:  # each range begins with a run, at its line number
        with path.open("rb") as f:
            head = f.read(lo)
            assert head.count(b"\n") + 1 == first_line
            assert f.readline().startswith(b'{"type":"command.accepted"')
    joined, read_alone = together(path, 3), alone(path)
    assert joined.runs == read_alone.runs > 100
    assert document(joined) == document(read_alone)


@given(
    st.lists(st.sampled_from(range(len(EXAMPLE_RUNS))), min_size=1, max_size=12),
    st.lists(st.sampled_from(ODD_LINES), max_size=6),
    st.integers(2, 4),
)
@settings(max_examples=40, deadline=None)
def test_any_stream_of_runs_joins_to_the_whole(
    tmp_path_factory: object, picks: list[int], odd: list[bytes], jobs: int
) -> None:
    path = tmp_path_factory.mktemp("joined") / "s.ndjson"  # type: ignore[attr-defined]
    body = b"".join(EXAMPLE_RUNS[i] for i in picks) + b"\n".join(odd) + b"\n"
    path.write_bytes(body * 3)
    assert document(together(path, jobs)) == document(alone(path))


def test_a_file_of_one_run_is_not_cut(tmp_path: Path) -> None:
    path = tmp_path / "one.ndjson"
    lines = [b'{"type":"message","severity":"info","text":"%d"}' % i for i in range(5_000)]
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert len(parallel.split(str(path), 4)) == 1


def test_a_cut_is_never_inside_a_line(tmp_path: Path) -> None:
    path = tmp_path / "tricky.ndjson"
    # "command.accepted" inside another event's text is no run's start.
    decoy = b'{"type":"message","severity":"info","text":"\\"command.accepted\\" x"}\n'
    path.write_bytes((decoy * 50 + EXAMPLE_RUNS[-1]) * 20)
    for lo, _, _ in parallel.split(str(path), 4)[1:]:
        with path.open("rb") as f:
            f.seek(lo - 1)
            assert f.read(1) == b"\n"
            assert f.readline().startswith(b'{"type":"command.accepted"')


def test_a_part_travels_whole(tmp_path: Path) -> None:
    path = tmp_path / "part.ndjson"
    path.write_bytes(b"".join(EXAMPLE_RUNS) + EXAMPLE_RUNS[0].split(b"\n", 20)[0] + b"\n")
    part = alone(path)
    log = part.log
    got, run = wire.loads(
        wire.dumps(part.lines, log.records(), log.total, log.failed_total, part.current)
    )
    assert got.records == log.records() and got.lines == part.lines
    assert run.vms == part.current.vms and run.by_type == part.current.by_type
    # The open commands are the same objects as those listed.
    listed = {id(c) for c in run.commands}
    assert all(id(c) in listed for c in run.open_commands)
