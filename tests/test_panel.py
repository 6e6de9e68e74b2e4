"""The live panel as a pure function of (state, clocks, now, width, height), and its view.

Progress through the contract's five steps, a failed step shown as failed,
a third of the screen at most with the VMs that matter first, --vm, a clock
that stops when castra's command ended, and -F's wait for a file to appear.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.cells import cell_len
from test_live import TMUX
from test_live_view import environment

from castra_tail.contract.events import STEPS
from castra_tail.filters import Selector
from castra_tail.input.sources import Chunk
from castra_tail.output.modes import Silent
from castra_tail.output.terminal import LiveView
from castra_tail.pipeline import consume
from castra_tail.render.console import console, draw
from castra_tail.render.panel import panel
from castra_tail.run.state import Run
from castra_tail.run.stream import Stream
from castra_tail.run.verdict import judge

from conftest import ROOT, example

UP = example("up").read_bytes().splitlines()
UP_FAIL = example("up-fail").read_bytes().splitlines()


def replayed(lines: list[bytes]) -> Run:
    stream = Stream()
    consume([Chunk("up.ndjson", 1, lines)], stream, Silent(), Selector(), None)
    return stream.current


def drawn(run: Run, now: float = 5.0, width: int = 80, height: int = 23, **kw: object) -> str:
    out = panel(run, {}, 0.0, now, width, height, **kw)  # type: ignore[arg-type]
    return draw(console({}, color=False, width=width), out, width=width, crop=True)


def row(text: str, vm: str) -> str:
    return next(line for line in text.splitlines() if line.split()[:1] == [vm])


def upto(lines: list[bytes], stop: str) -> list[bytes]:
    """The lines before the first one containing ``stop``."""
    return lines[: next(i for i, line in enumerate(lines) if stop.encode() in line)]


def test_the_bar_is_progress_through_the_known_steps() -> None:
    assert len(STEPS) == 5
    before_connect = upto(UP, '"vm":"web-0","step":"connect"')
    web0 = row(drawn(replayed(before_connect)), "web-0")
    assert "▕██▒▒······▏" in web0  # wait-handshake done, connect under way, three to come
    assert "▸ connect" in web0
    done = row(drawn(replayed(UP)), "web-0")
    assert "▕██████████▏" in done and "✓ done" in done  # all five, by status


def test_a_failed_step_is_shown_failed_not_followed_by_a_running_one() -> None:
    failing = upto(UP_FAIL, '"type":"message","severity":"error"')  # the step failed, no more
    db0 = row(drawn(replayed(failing)), "db-0")
    assert "▕██████▓▓··▏" in db0 and "✗ apply failed" in db0
    assert "▸ verify" not in db0 and "▒" not in db0
    ended = row(drawn(replayed(UP_FAIL)), "db-0")
    assert "✗ failed" in ended and "✗ apply failed after 5.6s" in ended


def test_a_failed_step_is_drawn_in_the_failure_colour() -> None:
    failing = upto(UP_FAIL, '"type":"message","severity":"error"')
    out = draw(console({}, color=True, width=80), panel(replayed(failing), {}, 0.0, 5.0, 80, 23))
    db0 = next(line for line in out.splitlines() if "db-0" in line)
    assert "\x1b[1;31m▓▓" in db0  # bold red, as the timeline draws a failed step
    assert "\x1b[32m▓▓" not in db0


def fleet(done: int, running: int, failed: int) -> Run:
    lines: list[dict[str, object]] = []
    for i in range(done + running + failed):
        vm = f"vm-{i:02d}"
        lines.append({"type": "bootstrap.started", "vm": vm, "trigger": "auto"})
        lines.append(
            {
                "type": "bootstrap.step",
                "vm": vm,
                "step": "wait-handshake",
                "status": "success",
                "duration_ms": 300,
            }
        )
        if i < done:
            lines.append(
                {"type": "bootstrap.completed", "vm": vm, "status": "success", "duration_ms": 900}
            )
        elif i >= done + running:
            lines.append(
                {"type": "bootstrap.failed", "vm": vm, "duration_ms": 700, "error": "apply: exit 1"}
            )
    return replayed([json.dumps(e).encode() for e in lines])


def test_thirty_vms_take_a_third_of_the_screen_the_ones_that_matter_first() -> None:
    text = drawn(fleet(done=25, running=3, failed=2), width=80, height=23)
    lines = text.splitlines()
    assert len(lines) <= 24 // 3  # a third of an 80x24 terminal
    names = [line.split()[0] for line in lines[1:-1]]
    assert names[:2] == ["vm-28", "vm-29"]  # the failed ones
    assert names[2:5] == ["vm-25", "vm-26", "vm-27"]  # then the ones at work
    assert lines[-1].strip() == f"+{30 - len(names)} more VMs: {30 - len(names)} done"
    assert all(cell_len(line) <= 80 for line in lines)


def test_a_tall_screen_shows_more_rows() -> None:
    assert len(drawn(fleet(30, 0, 0), height=60).splitlines()) == 60 // 3


def test_the_panel_shows_only_the_vms_asked_for() -> None:
    text = drawn(replayed(UP[:20]), vm_filter=lambda name: name.startswith("web-"))
    header, *rows = text.splitlines()
    assert header.startswith(" castra up · 2 of 3 VMs · 5.0s ")
    assert [r.split()[0] for r in rows] == ["web-0", "web-1"]


def test_the_title_says_when_castra_is_done() -> None:
    assert drawn(replayed(UP[:20])).startswith(" castra up · 3 VMs · 5.0s ")
    assert drawn(replayed(UP)).startswith(" castra up · 3 VMs · ✓ completed · 5.0s ")
    assert drawn(replayed(UP_FAIL)).startswith(" castra up · 2 VMs · ✗ failed · 5.0s ")


def test_before_any_line_the_title_says_what_it_waits_for() -> None:
    waiting = panel(Run(), {}, None, 9.0, 80, 23, waiting="waiting for events.ndjson to appear")
    text = draw(console({}, color=False, width=80), waiting)
    assert text.startswith(" castra-tail · waiting for events.ndjson to appear ")
    assert "0ms" not in text
    idle = draw(console({}, color=False, width=80), panel(Run(), {}, None, 9.0, 80, 23))
    assert idle.startswith(" castra-tail · waiting for input ")


def live_view(out: io.BytesIO) -> tuple[LiveView, Stream]:
    stream = Stream()
    view = LiveView(
        environment(out),
        stream,
        color=False,
        width=80,
        lines=True,
        timelines=False,
        summary=True,
        several_sources=False,
    )
    return view, stream


@pytest.mark.parametrize("ended", [False, True])
def test_the_panel_stops_ticking_once_castra_is_done(ended: bool) -> None:
    out = io.BytesIO()
    view, stream = live_view(out)
    lines = UP if ended else upto(UP, "command.completed")
    consume([Chunk("up.ndjson", 1, lines)], stream, view, Selector(), None, clock=lambda: 1.0)
    view.tick(2.0)
    before = len(out.getvalue())
    for second in range(3, 10):  # quiet input: the view is ticked on and on
        view.tick(float(second))
    if ended:
        assert len(out.getvalue()) == before  # nothing redrawn: the clocks stopped
    else:
        assert len(out.getvalue()) > before  # still running: the clock moves on
    stream.finish()
    view.close(stream, judge(stream))


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
def test_follow_by_name_says_it_waits_for_the_file(tmp_path: Path) -> None:
    session = f"ct-wait-{os.getpid()}"
    log = tmp_path / "events.ndjson"
    # This checkout's code, whatever environment the tmux server was started with.
    command = f"cd {tmp_path} && PYTHONPATH={ROOT} {sys.executable} -m castra_tail -F {log.name}"
    command += "; sleep 60"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], check=True
    )

    def screen() -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-J", "-S", "-", "-t", session],  # and the scrollback
            capture_output=True,
            text=True,
        ).stdout

    def wait_for(text: str) -> str:
        deadline, seen = time.monotonic() + 30, ""
        while time.monotonic() < deadline and text not in seen:
            time.sleep(0.2)
            seen = screen()
        assert text in seen, seen
        return seen

    try:
        seen = wait_for(f"castra-tail · waiting for {log.name} to appear")
        assert "does not exist yet; waiting for it to appear" in seen  # the log says it too
        assert "0 VMs" not in seen
        log.write_bytes(b"\n".join(UP[:12]) + b"\n")
        seen = wait_for("castra up · 3 VMs")
        assert "appeared; reading it from the start" in seen
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
