"""The live panel as a pure function; the live view in-process, with an injected Env and clock."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from rich.cells import cell_len

from castra_tail.filters import Selector
from castra_tail.input.sources import Chunk
from castra_tail.output.env import Env
from castra_tail.output.modes import Silent
from castra_tail.output.terminal import LiveView, TextView
from castra_tail.output.writer import Writer
from castra_tail.pipeline import consume
from castra_tail.render.console import console, draw
from castra_tail.render.panel import panel
from castra_tail.run.state import Run
from castra_tail.run.stream import Stream
from castra_tail.run.verdict import judge

from conftest import example

UP = example("up").read_bytes().splitlines()


def replayed(lines: list[bytes]) -> Run:
    stream = Stream()
    consume([Chunk("up.ndjson", 1, lines)], stream, Silent(), Selector(), None)
    return stream.current


def drawn(run: Run, since: dict[str, float], now: float, width: int = 80, height: int = 23) -> str:
    return draw(console({}, color=False, width=width), panel(run, since, 0.0, now, width, height))


def test_the_panel_is_a_row_per_vm_under_a_header_with_the_elapsed_time() -> None:
    run = replayed(UP[:20])  # planned, launched, bootstraps under way
    text = drawn(run, {"web-0": 3.0, "web-1": 3.5, "db-0": 2.0}, now=4.2)
    header, *rows = text.splitlines()
    assert header.startswith(" castra up · 3 VMs · 4.2s ")
    names = [row.split()[0] for row in rows]
    assert names == ["web-0", "web-1", "db-0"]
    web0 = rows[0]
    assert "▸ bootstrapping" in web0 and "1.2s" in web0  # the step under way, since 3.0
    assert all(len(row) <= 80 for row in text.splitlines())


def test_the_panel_is_cut_to_its_height_with_the_rest_counted() -> None:
    run = replayed(UP[:20])
    text = drawn(run, {}, now=1.0, height=3)
    assert text.splitlines()[-1].strip() == "+2 more VMs: 2 bootstrapping"
    assert len(text.splitlines()) == 3


def test_a_finished_vm_says_how_it_ended() -> None:
    run = replayed(UP)
    text = drawn(run, {}, now=20.0)
    assert "✓ done" in text and "in 8.2s" in text


# --- the live view, in-process --------------------------------------------------------


class Clock:
    """A clock the test moves: each reading is ``step`` seconds after the one before."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


BURST = 4  # producers finish with a burst: the last lines arrive together, with end of input


def environment(out: io.BytesIO, rows: int = 24) -> Env:
    return Env(
        stdout=Writer(out),
        stderr=io.StringIO(),
        stdout_tty=True,
        stdin_tty=False,
        environ={"TERM": "xterm"},
        terminal_width=80,
        size=lambda: (80, rows),
    )


def screen(output: str) -> list[str]:
    """The lines a terminal keeps of ``output``: cursor-up-and-erase applied, colours dropped."""
    lines: list[str] = [""]
    for token in re.split(r"(\x1b\[\d*F\x1b\[J|\n)", re.sub(r"\x1b\[[0-9;?]*[lhm]", "", output)):
        if token == "\n":
            lines.append("")
        elif token.startswith("\x1b["):
            up = int(token[2:].split("F")[0] or 1)
            del lines[len(lines) - 1 - up :]
            lines.append("")
        else:
            lines[-1] += token
    return lines[:-1] if lines[-1] == "" else lines


def one_line_at_a_time(lines: list[bytes], clock: Clock) -> Iterator[Chunk | None]:
    """A slow producer's lines, each after a pause; then its last lines at once."""
    slow = len(lines) - BURST
    for n, line in enumerate(lines[:slow], 1):
        yield Chunk("up.ndjson", n, [line])
        yield None  # the producer pauses: a live view ticks
    clock.step = 0.01  # within the panel's refresh interval
    for n, line in enumerate(lines[slow:], slow + 1):
        yield Chunk("up.ndjson", n, [line])


def live_run(lines: list[bytes], **kw: object) -> tuple[str, Stream]:
    out = io.BytesIO()
    env = environment(out, **kw)  # type: ignore[arg-type]
    state = Stream()
    view = LiveView(
        env,
        state,
        color=False,
        width=80,
        lines=True,
        timelines=True,
        summary=True,
        several_sources=False,
    )
    clock = Clock(0.3)
    consume(one_line_at_a_time(lines, clock), state, view, Selector(), None, clock=clock)
    state.finish()
    view.close(state, judge(state))
    return out.getvalue().decode(), state


def plain_run(lines: list[bytes]) -> str:
    out = io.BytesIO()
    state = Stream()
    env = environment(out)
    view = TextView(
        env,
        state,
        color=False,
        width=80,
        lines=True,
        timelines=True,
        summary=True,
        several_sources=False,
    )
    consume([Chunk("up.ndjson", 1, lines)], state, view, Selector(), None)
    state.finish()
    view.close(state, judge(state))
    return out.getvalue().decode()


def test_the_live_view_draws_the_panel_while_lines_arrive() -> None:
    output, _ = live_run(UP)
    assert output.startswith("\x1b[?25l")  # the cursor is hidden while the panel is drawn
    assert output.count("castra up · 3 VMs") > 5  # redrawn as the run goes on
    assert "▸ bootstrapping" in output
    assert output.endswith("\x1b[?25h")  # and shown again at the end


def test_what_stays_on_screen_is_what_the_plain_view_prints() -> None:
    output, _ = live_run(UP)
    assert screen(output) == plain_run(UP).splitlines()


def test_a_run_cut_short_keeps_its_last_lines_and_no_panel() -> None:
    output, state = live_run(UP[:25])
    kept = screen(output)
    assert not any("castra up · 3 VMs" in line for line in kept)
    assert any("db-0" in line and "transfer" in line for line in kept)  # line 25 stayed
    assert kept == plain_run(UP[:25]).splitlines()


def test_the_panel_starts_afresh_with_each_run() -> None:
    down = example("down").read_bytes().splitlines()
    output, stream = live_run(UP + down)
    assert stream.runs == 2
    # The last panel drawn (before the summary replaced it) shows run 2's VMs only.
    frames = output.split("castra down · 2 VMs")
    assert len(frames) > 1, "no panel drawn for run 2"
    last = frames[-1].split("\x1b[")[0]
    assert "web-1" not in last and "db-0" in last
    assert "── run 2 · down · up.ndjson:39 " in output


def test_lines_follow_the_terminal_when_it_is_resized() -> None:
    sizes = iter([(80, 24)])  # at the start; then the window is made narrower
    out = io.BytesIO()
    env = environment(out)
    env.size = lambda: next(sizes, (50, 24))
    state = Stream()
    view = LiveView(
        env, state, color=False, width=80, lines=True, timelines=True, summary=True,
        several_sources=False,
    )  # fmt: skip
    clock = Clock(0.3)
    consume(one_line_at_a_time(UP, clock), state, view, Selector(), None, clock=clock)
    state.finish()
    view.close(state, judge(state))
    kept = screen(out.getvalue().decode())
    wide = [line for line in kept[1:] if cell_len(line) > 50 and "ssh -i" not in line]
    assert wide == [] and len(kept) > 40
