"""Rendering: timelines, widths and terminal safety (the goldens are in test_goldens.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import msgspec
import pytest

from castra_tail.contract import events as ev
from castra_tail.render.theme import Palette
from castra_tail.render.timeline import timeline
from castra_tail.run import records
from castra_tail.run.vm import Bootstrap, Vm

from conftest import EXAMPLES, Result, example, run_cli
from strategies import events as any_event

EXAMPLE_NAMES = sorted(p.stem for p in EXAMPLES.glob("*.ndjson"))
SGR = re.compile(r"\x1b\[[0-9;]*m")


def test_every_line_fits_80_columns_except_ssh_commands() -> None:
    for name in EXAMPLE_NAMES:
        out = run_cli(
            [str(example(name)), "--width", "80", "--color", "never", "--summary-only"]
        ).out
        for line in out.splitlines():
            assert len(line) <= 80 or "ssh " in line, f"{name}: {line!r}"


def Step(name: str, status: str, ms: int, detail: str | None = None) -> records.Step:
    return records.Step(name, status, ms, detail)


def draw(vm: Vm, width: int = 80) -> list[str]:
    return timeline(vm, width, Palette(None)).splitlines()


def test_timeline_bars_are_proportional_to_duration() -> None:
    vm = Vm(
        "a",
        bootstrap=Bootstrap(
            status="success",
            duration_ms=4000,
            steps=[Step("connect", "success", 1000), Step("apply", "success", 3000)],
        ),
    )
    lines = draw(vm)
    connect, apply = (line for line in lines if "▕" in line)
    bar_width = connect.index("▏") - connect.index("▕") - 1
    # Each bar is within one cell of its exact share of the axis.
    assert connect.count("█") == pytest.approx(bar_width * 1000 / 4000, abs=1)
    assert apply.count("█") == pytest.approx(bar_width * 3000 / 4000, abs=1)
    # The second bar starts where the first ends: one time axis.
    assert apply.index("█") == connect.rindex("█") + 1
    assert all(len(line) <= 80 for line in lines)


def test_failed_timeline_names_the_step_and_the_error() -> None:
    vm = Vm(
        "db-0",
        bootstrap=Bootstrap(
            status="failed",
            duration_ms=3000,
            error="apt failed\nE: no package",
            steps=[
                Step("connect", "success", 1000),
                Step("apply", "failed", 2000, detail="run.sh exited 100"),
            ],
        ),
    )
    text = "\n".join(draw(vm))
    assert "db-0 bootstrap ✗ failed after 3.0s at apply" in text
    assert "✗ apply: run.sh exited 100" in text
    assert "error: apt failed" in text and "E: no package" in text


def test_incomplete_timeline_without_steps() -> None:
    vm = Vm("a", bootstrap=Bootstrap(status="incomplete"))
    assert draw(vm) == ["a bootstrap … incomplete: never finished, 0 steps seen"]


HOSTILE = "\x1b]0;owned\x07\x1b[2J\x1b[H[bold red]x[/][link=http://e]y[/link] [/]\x9b31m\r\n\x00z"


def poison(value: object) -> object:
    """Every string inside ``value`` replaced by a hostile one."""
    if isinstance(value, str):
        return HOSTILE
    if isinstance(value, list):
        return [poison(v) for v in value]
    if isinstance(value, dict):
        return {k: (v if k == "type" else poison(v)) for k, v in value.items()}
    return value


def hostile_stream() -> bytes:
    lines = []
    for path in EXAMPLES.glob("*.ndjson"):
        for raw in path.read_bytes().splitlines():
            obj = json.loads(raw)
            keep = {
                k: obj[k] for k in ("type", "phase", "severity", "status", "action") if k in obj
            }
            lines.append(json.dumps(poison(obj) | keep))
    lines.append(json.dumps({"type": "brand.new", "x": HOSTILE}))
    lines.append(HOSTILE.replace("\n", ""))
    return ("\n".join(lines) + "\n").encode()


def assert_no_controls(result: Result) -> str:
    text = SGR.sub("", result.out)  # our own colour codes are the only escapes allowed
    bad = [c for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0]
    assert not bad, f"control characters reached the terminal: {bad[:5]}"
    return text


@pytest.mark.parametrize("colour", ["never", "always"])
def test_hostile_strings_in_every_field_come_out_inert(colour: str) -> None:
    result = run_cli(["--color", colour, "--width", "80"], stdin=hostile_stream())
    assert result.code in (0, 1)
    text = assert_no_controls(result)
    assert text.count("owned") >= 100 and "[bold red]x[/]" in text  # shown, literally
    assert "Traceback" not in result.stderr


def test_random_events_render_without_error() -> None:
    from hypothesis import given, settings

    @given(any_event())
    @settings(max_examples=200, deadline=None)
    def check(event: ev.Event) -> None:
        result = run_cli(["--color", "always"], stdin=msgspec.json.encode(event) + b"\n")
        assert result.code in (0, 1), result.stderr
        assert_no_controls(result)

    check()


def test_events_about_untracked_vms_name_the_cap_in_text_and_markdown(tmp_path: Path) -> None:
    # It said "past the first 30" (the table's rows), and Markdown said nothing.
    from castra_tail.run.vms import MAX_VMS

    path = tmp_path / "fleet.ndjson"
    launched = '{"type":"vm.lifecycle","vm":"vm-%d","phase":"launched","pid":1}\n'
    path.write_text("".join(launched % n for n in range(MAX_VMS + 5)))
    said = f"+5 VMs not tracked, past the first {MAX_VMS:,}"
    text = run_cli([str(path), "--summary-only", "--color", "never", "--width", "100"])
    assert said in text.out
    assert said in run_cli([str(path), "--format", "markdown"]).out
