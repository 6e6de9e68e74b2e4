"""A VM's bootstrap as a timeline: its steps as bars on one time axis.

Drawn once per VM (when its bootstrap ends, or at the end of input), so it
uses Rich ``Text``: stream strings are data, never markup. A pure function of
(VM state, width); it reads well at 80 columns and without colour, where the
status marks and bar shapes carry what colour would.
"""

from __future__ import annotations

from typing import Final

from rich.console import Group
from rich.text import Text

from castra_tail.render.stream import STEP_MARKS
from castra_tail.state import Bootstrap, Step, Vm
from castra_tail.text import clean, clean_lines, duration

BAR: Final = {"success": "█", "failed": "▓", "skipped": "░"}
STEP_STYLE: Final = {"success": "step.success", "failed": "step.failed", "skipped": "step.skipped"}
MIN_BAR: Final = 10
MAX_NAME: Final = 20
DUR_WIDTH: Final = 7

_HEADLINE: Final = {
    "success": ("✓", "ok"),
    "noop": ("✓", "ok"),
    "failed": ("✗", "bad"),
    "incomplete": ("…", "sev.warn"),
    "interrupted": ("…", "sev.warn"),
    "running": ("▸", "sev.progress"),
    "planned": ("·", "muted"),
}


def timeline(vm: Vm, width: int) -> Group:
    """The bootstrap timeline of ``vm`` drawn for ``width`` columns."""
    b = vm.bootstrap
    assert b is not None, "a timeline needs a bootstrap"
    rows: list[Text] = [_headline(vm.name, b)]
    steps = b.steps
    name_width = min(MAX_NAME, max((len(clean(s.name)) for s in steps), default=8))
    bar_width = max(MIN_BAR, width - name_width - 15)
    total = max(b.duration_ms or 0, b.steps_ms, 1)
    offset = 0
    for step in steps:
        rows.append(_row(step, offset, total, name_width, bar_width))
        offset += step.duration_ms
    if b.steps_dropped:
        rows.append(Text(f"    (+{b.steps_dropped} more steps not shown)", style="muted"))
    if steps:
        rows.append(_axis(total, name_width, bar_width))
    failed = b.failed_step
    if failed is not None and failed.detail:
        lines = clean_lines(failed.detail)
        rows.append(Text.assemble((f"  ✗ {clean(failed.name, 40)}: ", "bad"), lines[0]))
        rows += [Text(f"    {line}") for line in lines[1:]]
    if b.error:
        lines = clean_lines(b.error)
        rows.append(Text.assemble(("  error: ", "bad"), (lines[0], "step.failed")))
        rows += [Text(f"         {line}", style="step.failed") for line in lines[1:]]
    return Group(*rows)


def _headline(name: str, b: Bootstrap) -> Text:
    mark, style = _HEADLINE.get(b.status, ("?", "muted"))
    n = len(b.steps)
    facts = {
        "success": f"success in {duration(b.duration_ms)}",
        "noop": f"nothing to do (noop) in {duration(b.duration_ms)}",
        "failed": _failure(b),
        "incomplete": f"incomplete: never finished, {n} step{'s' * (n != 1)} seen",
        "interrupted": f"interrupted after {n} step{'s' * (n != 1)}",
        "running": f"running, {n} step{'s' * (n != 1)} so far",
        "planned": "planned, not started",
    }.get(b.status, clean(b.status))
    return Text.assemble(
        (clean(name, 40), "heading"), " bootstrap ", (f"{mark} {facts}", style)
    )


def _failure(b: Bootstrap) -> str:
    failed = b.failed_step
    at = f" at {clean(failed.name, 40)}" if failed else ""
    return f"failed after {duration(b.duration_ms)}{at}"


def _row(step: Step, offset: int, total: int, name_width: int, bar_width: int) -> Text:
    start = offset * bar_width // total
    end = min(bar_width, round((offset + step.duration_ms) * bar_width / total))
    if step.duration_ms and end <= start:
        end = min(bar_width, start + 1)
    style = STEP_STYLE.get(step.status, "step.other")
    if end > start:
        bar = BAR.get(step.status, "▒") * (end - start)
    else:
        bar, end = "·", min(bar_width, start + 1)
        start = end - 1
    name = clean(step.name, name_width)
    return Text.assemble(
        "  ",
        (STEP_MARKS.get(step.status, "?"), style),
        f" {name:<{name_width}} ▕",
        " " * start,
        (bar, style),
        " " * (bar_width - end),
        f"▏ {duration(step.duration_ms):>{DUR_WIDTH}}",
    )


def _axis(total: int, name_width: int, bar_width: int) -> Text:
    label = duration(total)
    pad = " " * (name_width + 6)  # the bar starts after "  ✓ NAME ▕"
    gap = max(1, bar_width - 1 - len(label))
    return Text(f"{pad}0{' ' * gap}{label}", style="muted")
