"""Reading a stream in parts and merging equals reading it in one go, at every split."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from castra_tail.contract.levels import Level
from castra_tail.filters import Selector
from castra_tail.input.sources import Chunk
from castra_tail.output.modes import Silent
from castra_tail.pipeline import consume
from castra_tail.render.report import report
from castra_tail.run.merge import merge
from castra_tail.run.state import Run
from castra_tail.run.verdict import judge

from conftest import EXAMPLES

EXAMPLE_LINES = [
    line for p in sorted(EXAMPLES.glob("*.ndjson")) for line in p.read_bytes().splitlines()
]
ODD_LINES = [
    b"plain text from stderr",
    b'{"type":"bootstrap.step","vm":"web-0","step":"apply","status":"failed","duration_ms":5}',
    b'{"type":"bootstrap.completed","vm":"db-0","status":"noop","duration_ms":1}',
    b'{"type":"bootstrap.failed","vm":"web-1","duration_ms":9,"error":"boom"}',
    b'{"type":"command.completed","command":"up","exit_code":0}',
    b'{"type":"command.failed","command":"down","exit_code":2}',
    b'{"type":"command.accepted","command":"down"}',
    b'{"type":"vm.lifecycle","vm":"web-0","phase":"shutdown_escalated","signal":"sigkill"}',
    b'{"type":"message","severity":"error","text":"x","vm":"new-vm"}',
    b'{"type":"gpu.attached","vm":"web-0"}',
    b'{"type":"summary"}',
    b"",
]
POOL = EXAMPLE_LINES + ODD_LINES


def contents(run: Run) -> dict[str, object]:
    """Everything a Run holds, its trackers' fields included (not its bound handlers)."""
    trackers = {"fleet": run.fleet, "cmds": run.cmds, "transcript": run.transcript}
    held = {k: v for k, v in vars(run).items() if k != "_handlers" and k not in trackers}
    return held | {name: vars(tracker) for name, tracker in trackers.items()}


def read(lines: list[bytes], run: Run) -> Run:
    consume([Chunk("s.ndjson", 1, list(lines))], run, Silent(), Selector(), None)
    return run


def finished(run: Run) -> dict[str, object]:
    run.finish()
    document = report(run, judge(run, Level.ERROR, strict=True))
    document["open"] = [(c.name, c.status) for c in run.open_commands]
    document["command_totals"] = run.command_totals
    document["firsts"] = {
        int(k): (v.order, v.where.line, v.type, v.vm) for k, v in run.first_at_level.items()
    }
    return json.loads(json.dumps(document, default=str))


@given(st.lists(st.sampled_from(POOL), max_size=80), st.data())
@settings(max_examples=300, deadline=None)
def test_two_parts_merge_to_the_whole(lines: list[bytes], data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(lines)))
    whole = finished(read(lines, Run()))
    first = read(lines[:cut], Run())
    merge(first, read(lines[cut:], Run(part=True)), line_offset=cut)
    assert finished(first) == whole


@given(st.lists(st.sampled_from(POOL), max_size=80), st.data())
@settings(max_examples=200, deadline=None)
def test_three_parts_merge_to_the_whole(lines: list[bytes], data: st.DataObject) -> None:
    a = data.draw(st.integers(0, len(lines)))
    b = data.draw(st.integers(a, len(lines)))
    whole = finished(read(lines, Run()))
    run = read(lines[:a], Run())
    merge(run, read(lines[a:b], Run(part=True)), line_offset=a)
    merge(run, read(lines[b:], Run(part=True)), line_offset=b)
    assert finished(run) == whole


def test_split_mid_bootstrap_of_an_example() -> None:
    lines = (EXAMPLES / "up.ndjson").read_bytes().splitlines()
    for cut in range(len(lines) + 1):
        run = read(lines[:cut], Run())
        merge(run, read(lines[cut:], Run(part=True)), line_offset=cut)
        assert finished(run) == finished(read(lines, Run())), cut


def test_a_big_file_read_on_two_cores_equals_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from castra_tail import parallel
    from castra_tail.input.read import read_inputs
    from castra_tail.input.sources import FileSource
    from castra_tail.pipeline import consume as read_into

    path = tmp_path / "big.ndjson"
    body = b"\n".join(POOL) + b"\n"
    path.write_bytes(body * 40)
    assert len(parallel.split(str(path), 3)) == 3
    together = Run()
    parallel.read_file(str(path), together, 1 << 20, jobs=3)
    alone = Run()
    read_into(read_inputs([FileSource(str(path))], 1 << 20), alone, Silent(), Selector(), None)
    assert finished(together) == finished(alone)


def test_split_never_cuts_a_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from castra_tail import parallel

    path = tmp_path / "lines.ndjson"
    path.write_bytes(b"a" * 1000 + b"\n" + b"b" * 10 + b"\n" + b"c" * 5000)
    data = path.read_bytes()
    for parts in (2, 3, 7):
        ranges = parallel.split(str(path), parts)
        assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
        assert all(lo == 0 or data[lo - 1 : lo] == b"\n" for lo, _ in ranges)


def test_cli_json_report_is_the_same_on_one_or_two_cores(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from castra_tail import parallel

    from conftest import run_cli

    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    path = tmp_path / "s.ndjson"
    path.write_bytes((b"\n".join(POOL) + b"\n") * 10)
    one = run_cli([str(path), "--format", "json", "--jobs", "1"])
    two = run_cli([str(path), "--format", "json", "--jobs", "2"])
    assert one.code == two.code and one.stdout == two.stdout
    assert (
        run_cli([str(path), "--summary-only", "-j", "2"]).out
        == run_cli([str(path), "--summary-only", "-j", "1"]).out
    )


def test_a_part_travels_whole() -> None:
    from castra_tail.run import wire

    lines = POOL * 3 + [b'{"type":"command.accepted","command":"up"}'] * 3
    part = read(lines, Run(part=True))
    back = wire.loads(wire.dumps(part), into=Run())
    assert contents(back) == contents(part)
    # merge.py pairs commands by identity: the lists still share their objects.
    listed = {id(c) for c in back.commands}
    assert back.open_commands and all(id(c) in listed for c in back.open_commands)
    assert all(id(c) in listed for c in back.cmds.orphans)


def test_untracked_vms_are_counted_once_each_across_parts() -> None:
    from castra_tail.run.vms import MAX_VMS

    lines = [
        b'{"type":"vm.lifecycle","vm":"vm-%d","phase":"launched","pid":1}' % (i % (MAX_VMS + 50))
        for i in range(3 * (MAX_VMS + 50))
    ]
    whole = read(lines, Run())
    assert whole.vms_not_tracked == 50
    for cut in (0, 17, MAX_VMS + 10, len(lines) // 2, len(lines)):
        run = read(lines[:cut], Run())
        merge(run, read(lines[cut:], Run(part=True)), line_offset=cut)
        assert run.vms_not_tracked == 50, cut


def test_a_range_of_more_vms_than_a_part_holds_is_read_exactly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from castra_tail import parallel
    from castra_tail.run.vms import MAX_VMS

    # A bootstrap starts in the first half and ends after more new VMs than any Run keeps:
    # which VMs are tracked past the cap depends on the first half, which a part cannot know.
    keep = [
        b'{"type":"bootstrap.started","vm":"keep","base_hash":"b","artifact_hash":"a",'
        b'"trigger":"auto"}'
    ]
    first = [b'{"type":"message","severity":"info","text":"%d"}' % i for i in range(40_000)]
    crowd = [
        b'{"type":"vm.lifecycle","vm":"vm-%d","phase":"launched","pid":1}' % i
        for i in range(3 * MAX_VMS)
    ]
    end = [b'{"type":"bootstrap.completed","vm":"keep","status":"success","duration_ms":1}']
    path = tmp_path / "crowd.ndjson"
    path.write_bytes(b"\n".join(keep + first + crowd + end) + b"\n")
    together = Run()
    parallel.read_file(str(path), together, 1 << 20, jobs=2)
    assert len(parallel.split(str(path), 2)) == 2
    alone = read(keep + first + crowd + end, Run())
    assert finished(together) == finished(alone)
    assert together.vms["keep"].bootstrap.status == "success"  # type: ignore[union-attr]
