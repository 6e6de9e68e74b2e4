"""The fused line renderer (render/fused.py) writes exactly what the general one does.

Hostile streams — wide CJK, combining marks, control and invisible characters,
markup, tabs, long words, runs of blanks, VM names that widen the column —
are rendered event by event through ``Fused.event`` and ``Lines.event`` (two
renderers fed the same stream, so that their VM columns and colours evolve
alike), for narrow and wide screens, with colour and without, resized
mid-stream and with ``--grep``'s marks, and every line must be the same bytes.
"""

from __future__ import annotations

import re
import string
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.color import ColorSystem

from castra_tail.contract import events as ev
from castra_tail.contract.levels import Level, level_of
from castra_tail.render.folding import _fit, _fit_ascii, wrap, wrap_measured
from castra_tail.render.fused import Fused
from castra_tail.render.highlight import highlighter
from castra_tail.render.layout import Layout
from castra_tail.render.lines import Lines
from castra_tail.render.text import cells, clean, column, fit, pad, width_of
from castra_tail.render.theme import Palette
from castra_tail.run.vm import Shutdown, Vm

from conftest import fuzz
from strategies import events as any_event

#: Pieces of text from the stream: the common case …
PLAIN = [
    "apt",
    "handshake agent network overlay snapshot seed guest",
    "x" * 90,  # a word longer than any line
    "/var/lib/castra/overlays/vm-1-6.qcow2",
    "22.4 MiB",
    " ",
    " " * 70,  # blanks longer than the line: they fold to nothing
    "[bold]red[/bold]",
]
#: … and everything that must leave it.
HOSTILE = [
    "漢字のテキスト",
    "e\u0301",
    "\u200b",
    "\u034f",
    "\ufe0f",
    "⚠\ufe0f",
    "\x1b[31m",
    "\x07",
    "\t",
    "\r\n",
    "\n",
    "\x85",
    "\ud800",
    "\U000e0041",
    "…",
    "—",
]
ascii_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12)
plain = st.lists(st.sampled_from(PLAIN) | ascii_text, min_size=1, max_size=8).map(" ".join)
hostile = st.lists(
    st.sampled_from(PLAIN + HOSTILE) | st.text(string.printable, max_size=12) | st.text(max_size=6),
    max_size=12,
).map("".join)
text = plain | hostile
#: Long enough to widen the VM column, wide, hostile, or the ones seen before.
vm_names = st.sampled_from(
    ["vm-1", "vm-2", "web-0", "a-rather-long-vm-name-0", "x" * 300, "漢字vm", "v\u200bm", ""]
) | st.text(max_size=30)
widths = st.sampled_from([0, 1, 7, 8, 20, 33, 57, 80, 132, 1000])
palettes = st.sampled_from([None, ColorSystem.STANDARD, ColorSystem.EIGHT_BIT])


@st.composite
def frequent(draw: st.DrawFn) -> ev.Event:
    """A message, step or lifecycle event: as half the time the common case, else hostile."""
    kind = draw(st.sampled_from(["message", "step", "lifecycle"]))
    common = draw(st.booleans())
    words = plain if common else text

    def one(values: tuple[str, ...] | list[str]) -> str:
        return draw(st.sampled_from(values) if common else st.sampled_from(values) | text)

    def maybe(values: st.SearchStrategy[Any]) -> Any:
        return draw(st.none() | values)

    vm = draw(vm_names)
    if kind == "message":
        return ev.Message(
            severity=one(ev.SEVERITIES),
            text=draw(words),
            vm=draw(st.none() | st.just(vm)),
            remediation=maybe(words),
        )
    if kind == "step":
        return ev.BootstrapStep(
            vm=vm,
            step=one(ev.STEPS),
            status=one(ev.STEP_STATUSES),
            duration_ms=draw(st.integers(0, 2**64 - 1)),
            detail=maybe(words),
        )
    millis = st.integers(0, 10**12)
    return ev.VmLifecycle(
        vm=vm,
        phase=one(ev.PHASES),
        overlay_path=maybe(words),
        pid=maybe(st.integers(0, 2**64 - 1)),
        method=maybe(st.sampled_from(["unavailable", "acpi", "agent"]) | words),
        timeout_ms=maybe(millis),
        elapsed_ms=maybe(millis),
        waited_ms=maybe(millis),
        reason=maybe(words),
        detail=draw(st.none() | (st.just("") if common else text)),
        signal=maybe(st.sampled_from(["SIGTERM", "SIGKILL"]) | words),
        outcome=maybe(st.sampled_from(["graceful", "forced"]) | words),
        total_ms=maybe(millis),
        changed=draw(st.none() | st.booleans()),
        reclaimed_bytes=maybe(st.integers(0, 2**64 - 1)),
    )


#: What happens between two events: nothing mostly; a resize, or another kind of event.
step_ = st.one_of(
    frequent().map(lambda e: ("event", e)),
    frequent().map(lambda e: ("event", e)),
    frequent().map(lambda e: ("event", e)),
    any_event().map(lambda e: ("event", e)),
    widths.map(lambda w: ("resize", w)),
)


def state(name: str, method: str | None) -> Vm:
    """A VM whose shutdown went by ``method`` (the lifecycle line of its success names it)."""
    return Vm(name, shutdown=Shutdown(requested=True, method=method))


def encoded(event: ev.Event) -> bytes:
    """The event's line (a lone surrogate, which no line holds, is left out of it)."""
    try:
        return msgspec.json.encode(event)
    except UnicodeEncodeError:
        return b'{"type": "?"}'


def same_lines(
    stream: list[tuple[str, object]],
    width: int,
    color: ColorSystem | None,
    *,
    any_level: bool = False,
    grep: bool = False,
    method: str | None = None,
) -> None:
    general, fused_lines = Lines(Palette(color), width), Lines(Palette(color), width)
    fused = Fused(fused_lines)
    if grep:
        for lines in (general, fused_lines):
            lines.layout.mark = highlighter([re.compile("a|漢")])
    for n, (what, value) in enumerate(stream):
        if what == "resize":
            assert isinstance(value, int)
            general.layout.resize(value)
            fused_lines.layout.resize(value)
            continue
        assert isinstance(value, ev.Event)
        level = Level(n % 5) if any_level else level_of(value)
        raw = encoded(value)
        vm = state(getattr(value, "vm", None) or "", method) if method is not None else None
        expected = general.event(value, level, raw, vm)
        assert fused.event(value, level, raw, vm) == expected, (n, value, level)


@settings(max_examples=fuzz(300), deadline=None)
@given(st.lists(step_, max_size=30), widths, palettes)
def test_fused_lines_are_the_general_lines_byte_for_byte(
    stream: list[tuple[str, object]], width: int, color: ColorSystem | None
) -> None:
    same_lines(stream, width, color)


@settings(max_examples=fuzz(100), deadline=None)
@given(st.lists(step_, max_size=20), widths, palettes, st.sampled_from(["acpi", "agent", "漢\x1b"]))
def test_at_any_level_and_with_what_the_state_knows(
    stream: list[tuple[str, object]], width: int, color: ColorSystem | None, method: str
) -> None:
    same_lines(stream, width, color, any_level=True, method=method)


@settings(max_examples=fuzz(50), deadline=None)
@given(st.lists(step_, max_size=20), widths, palettes)
def test_with_grep_marks(
    stream: list[tuple[str, object]], width: int, color: ColorSystem | None
) -> None:
    same_lines(stream, width, color, grep=True)


def common(n: int) -> list[tuple[str, object]]:
    """A fleet's log: the kinds the fused path takes, some too long for 80 columns."""
    out: list[tuple[str, object]] = []
    for i in range(n):
        vm = f"vm-{i % 7}"
        words = " ".join(["handshake", "agent", "overlay"][: 1 + i % 3] * (1 + i % 9))
        out.append(("event", ev.Message(severity=ev.SEVERITIES[i % 5], text=words, vm=vm)))
        out.append(
            (
                "event",
                ev.BootstrapStep(
                    vm=vm, step="apply", status="success", duration_ms=i * 37, detail=words
                ),
            )
        )
        out.append(("event", ev.VmLifecycle(vm=vm, phase="launched", pid=i)))
    return out


@pytest.mark.parametrize("color", [None, ColorSystem.EIGHT_BIT])
@pytest.mark.parametrize("width", [20, 80, 200])
def test_a_fleets_log_takes_the_fused_way_and_says_the_same(
    width: int, color: ColorSystem | None
) -> None:
    stream = common(60)
    same_lines(stream, width, color)
    # The fused way is taken (it is no test of the fused lines if they all fall back).
    fused = Fused(Lines(Palette(color), width))
    taken = 0

    def general(*args: object) -> str:
        nonlocal taken
        taken -= 1
        return ""

    fused._general = general
    for _, e in stream:
        assert isinstance(e, ev.Event)
        taken += 1
        fused.event(e, level_of(e), b"", None)
    assert taken == len(stream)


#: Events at the edges of the fused way, each a case it must hand on or get exactly right.
EDGES: list[ev.Event] = [
    ev.Message(severity="info", text=" " * 100, vm="vm-1"),  # folds to nothing
    ev.Message(severity="warn", text="  padded  ", vm="vm-1"),
    ev.Message(severity="info", text="a" * 2500, vm="vm-1"),  # cut by clean
    ev.Message(severity="info", text="ab " * 700, vm="vm-1"),
    ev.Message(severity="info", text="漢字" * 20, vm="vm-1"),
    ev.Message(severity="info", text="x" * 57, vm="vm-1"),
    ev.Message(severity="info", text="x" * 58, vm="vm-1"),
    ev.Message(severity="info", text="x" * 59, vm="vm-1"),
    ev.Message(severity="notice", text="unknown severity", vm="vm-1"),
    ev.Message(severity="warn", text="disk full", vm="vm-1", remediation="free some space"),
    ev.Message(severity="info", text="hint unshown at info", remediation="never mind"),
    ev.Message(severity="error", text="", vm="vm-1"),
    ev.BootstrapStep(vm="vm-1", step="s" * 41, status="success", duration_ms=1),
    ev.BootstrapStep(vm="vm-1", step="s" * 40, status="failed", duration_ms=10**9),
    ev.BootstrapStep(vm="vm-1", step="apply", status="success", duration_ms=5, detail="x" * 2500),
    ev.BootstrapStep(vm="vm-1", step="apply", status="odd", duration_ms=5, detail="d"),
    ev.BootstrapStep(vm="vm-1", step="apply", status="skipped", duration_ms=5, detail=""),
    ev.BootstrapStep(vm="vm-1", step="apply", status="success", duration_ms=5, detail="a\nb"),
    ev.BootstrapStep(vm="vm-1", step="apply", status="success", duration_ms=5, detail=" " * 90),
    ev.VmLifecycle(vm="vm-1", phase="overlay_prepared", overlay_path="漢字" * 15),
    ev.VmLifecycle(vm="vm-1", phase="overlay_prepared", overlay_path="/x" * 1500),
    ev.VmLifecycle(vm="vm-1", phase="overlay_prepared", overlay_path="/var/lib", detail="d"),
    ev.VmLifecycle(vm="vm-1", phase="cooperative_attempted", method="unavailable"),
    ev.VmLifecycle(vm="vm-1", phase="cooperative_succeeded", elapsed_ms=3),
    ev.VmLifecycle(vm="vm-1", phase="later_phase", pid=3),
    ev.VmLifecycle(vm="x" * 300, phase="launched", pid=1),
]


@pytest.mark.parametrize("color", [None, ColorSystem.STANDARD])
@pytest.mark.parametrize("width", [0, 7, 20, 80, 1000])
def test_the_edges_of_the_fused_way(width: int, color: ColorSystem | None) -> None:
    same_lines([("event", e) for e in EDGES], width, color)
    same_lines([("event", e) for e in EDGES], width, color, any_level=True, method="acpi")


def test_a_vm_that_widens_the_column_moves_every_kept_line_start() -> None:
    stream: list[tuple[str, object]] = [
        ("event", ev.Message(severity="info", text="before", vm="vm-1")),
        ("event", ev.Message(severity="info", text="wider", vm="a-much-longer-name")),
        ("event", ev.Message(severity="info", text="after", vm="vm-1")),
        ("resize", 40),
        ("event", ev.Message(severity="info", text="narrower " * 6, vm="vm-1")),
    ]
    same_lines(stream, 80, ColorSystem.STANDARD)


@given(st.text(string.printable[:95], max_size=200), st.integers(-2, 120))
def test_ascii_folds_by_length_as_it_does_by_cells(line: str, width: int) -> None:
    assert wrap(line, width) == wrap_measured(line, width, cell_len, _fit)
    assert wrap_measured(line, width, len, _fit_ascii) == wrap_measured(line, width, cell_len, _fit)


def test_a_printable_ascii_character_takes_one_cell() -> None:
    assert all(cell_len(chr(c)) == 1 for c in range(0x20, 0x7F))


@given(text | st.text(string.printable[:95], max_size=30), st.integers(0, 40), st.integers(1, 200))
def test_a_column_of_stream_text_is_cleaned_cut_and_padded(
    value: str, width: int, limit: int
) -> None:
    # The timelines' and the chart's names: the common case skips the steps, never their result.
    assert column(value, width, limit) == pad(fit(clean(value, limit), width), width)
    assert cells(value, limit) == width_of(clean(value, limit))


@settings(max_examples=fuzz(300), deadline=None)
@given(
    st.lists(
        st.tuples(
            vm_names | st.none(),
            st.sampled_from(list(Level)),
            st.sampled_from(["·", "✓", "?"]),
            st.sampled_from(["step", "usage", "cleanup", "漢字"]),
            text,
            st.booleans(),
            st.sampled_from([None, "ssh", "step.success"]),
        ),
        max_size=12,
    ),
    widths,
    palettes,
    st.booleans(),
)
def test_a_line_that_fits_is_laid_out_as_the_general_way_lays_it_out(
    lines: list[tuple[str | None, Level, str, str, str, bool, str | None]],
    width: int,
    color: ColorSystem | None,
    grep: bool,
) -> None:
    # Layout.line's own short cut (one line, no more, ASCII that fits); ``more`` as an
    # iterator takes the general way.
    palette = Palette(color)
    fast, general = Layout(palette, width), Layout(palette, width)
    if grep:
        fast.mark = general.mark = highlighter([re.compile("a|漢")])
    for vm, level, mark, label, raw, styled, style in lines:
        pair, body = palette.pair(style) if style else None, clean(raw)  # bodies come cleaned
        expected = general.line(
            vm, level, mark, label, body, iter(()), body_styled=styled, style=pair
        )
        assert fast.line(vm, level, mark, label, body, body_styled=styled, style=pair) == expected
