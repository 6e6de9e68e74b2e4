"""A VM's bootstrap as a timeline: its steps as bars on one time axis.

A pure function of (VM state, width, palette) that returns finished text. It
is drawn for every bootstrap that ends, which in a fleet's log is tens of
thousands of times, so it is built as strings with styles resolved once
(``Palette``) rather than through Rich's layout engine. Stream strings are
cleaned; it reads well at 80 columns and without colour, where the status
marks and bar shapes carry what colour would.
"""

from __future__ import annotations

from typing import Final

from castra_tail.render.text import cells, clean, clean_lines, column, duration
from castra_tail.render.theme import BOOTSTRAP_MARKS, STEP_MARKS, Palette
from castra_tail.run.records import Step
from castra_tail.run.vm import Bootstrap, Vm

BAR: Final = {"success": "█", "failed": "▓", "skipped": "░"}
STEP_STYLE: Final = {"success": "step.success", "failed": "step.failed", "skipped": "step.skipped"}
MIN_BAR: Final = 10
#: The widest bar: past it a wide terminal spreads the steps thin without showing more.
MAX_BAR: Final = 60
MAX_NAME: Final = 20
DUR_WIDTH: Final = 7


def timeline(vm: Vm, width: int, p: Palette) -> str:
    """The bootstrap timeline of ``vm`` drawn for ``width`` columns, lines ending in newlines."""
    b = vm.bootstrap
    assert b is not None, "a timeline needs a bootstrap"
    rows = [_headline(vm.name, b, p)]
    steps = b.steps
    widest = max((cells(s.step, MAX_NAME + 1) for s in steps), default=8)
    name_width = min(MAX_NAME, widest)
    bar_width = min(MAX_BAR, max(MIN_BAR, width - name_width - 15))
    total = max(b.duration_ms or 0, b.steps_ms, 1)
    offset = 0
    for step in steps:
        rows.append(_row(step, offset, total, name_width, bar_width, p))
        offset += step.duration_ms
    if b.steps_dropped:
        rows.append(p.wrap("muted", f"    (+{b.steps_dropped} more steps not shown)"))
    if steps:
        rows.append(p.wrap("muted", _axis(total, name_width, bar_width)))
    failed = b.failed_step
    if failed is not None and failed.detail:
        first, *rest = clean_lines(failed.detail)
        rows.append(p.wrap("bad", f"  ✗ {clean(failed.step, 40)}: ") + first)
        rows += [f"    {line}" for line in rest]
    if b.error:
        first, *rest = clean_lines(b.error)
        rows.append(p.wrap("bad", "  error: ") + p.wrap("step.failed", first))
        rows += [p.wrap("step.failed", f"         {line}") for line in rest]
    return "\n".join(rows) + "\n"


def _headline(name: str, b: Bootstrap, p: Palette) -> str:
    mark, style = BOOTSTRAP_MARKS.get(b.status, ("?", "muted"))
    return f"{p.wrap('heading', clean(name, 40))} bootstrap {p.wrap(style, f'{mark} {_facts(b)}')}"


def _facts(b: Bootstrap) -> str:
    """What the headline says of a bootstrap in ``status``."""
    status, n = b.status, len(b.steps)
    steps = f"{n} step{'s' * (n != 1)}"
    if status == "success":
        return f"success in {duration(b.duration_ms)}"
    if status == "failed":
        return _failure(b)
    if status == "noop":
        return f"nothing to do (noop) in {duration(b.duration_ms)}"
    if status == "incomplete":
        return f"incomplete: never finished, {steps} seen"
    if status == "interrupted":
        return f"interrupted after {steps}"
    if status == "running":
        return f"running, {steps} so far"
    if status == "planned":
        return "planned, not started"
    return clean(status)


def _failure(b: Bootstrap) -> str:
    failed = b.failed_step
    at = f" at {clean(failed.step, 40)}" if failed else ""
    return f"failed after {duration(b.duration_ms)}{at}"


def _row(step: Step, offset: int, total: int, name_width: int, bar_width: int, p: Palette) -> str:
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
    name = column(step.step, name_width, 4 * name_width)
    mark = p.wrap(style, STEP_MARKS.get(step.status, "?"))
    return (
        f"  {mark} {name} ▕{' ' * start}{p.wrap(style, bar)}"
        f"{' ' * (bar_width - end)}▏ {duration(step.duration_ms):>{DUR_WIDTH}}"
    )


def _axis(total: int, name_width: int, bar_width: int) -> str:
    label = duration(total)
    pad = " " * (name_width + 6)  # the bar starts after "  ✓ NAME ▕"
    gap = max(1, bar_width - 1 - len(label))
    return f"{pad}0{' ' * gap}{label}"
