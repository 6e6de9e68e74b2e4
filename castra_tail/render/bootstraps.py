"""The run's bootstraps on one shared time axis, drawn once at the end of a run.

Each VM's own timeline (``timeline``) is drawn on its own scale when its
bootstrap ends, which makes an 8 s bootstrap and a 14 s one look alike; this
chart puts them all on the longest one's scale, a row each, so they compare
at a glance. Strings built with styles resolved once (``Palette``), as the
timelines are; readable without colour (status marks, bar shapes).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from castra_tail.render.text import cells, column, duration
from castra_tail.render.theme import BOOTSTRAP_MARKS, Palette
from castra_tail.render.timeline import BAR, DUR_WIDTH, MAX_BAR, MIN_BAR, STEP_STYLE
from castra_tail.run.vm import Bootstrap, Vm

MAX_NAME: Final = 20
#: Rows drawn; past it, those that went wrong first, and a line for the rest.
MAX_ROWS: Final = 30
_BAD: Final = frozenset({"failed", "incomplete", "interrupted"})


def chart(vms: Iterable[Vm], width: int, p: Palette) -> str:
    """The bootstraps of ``vms`` that ran a step, on one axis; "" when fewer than two."""
    ran = [vm for vm in vms if vm.bootstrap is not None and vm.bootstrap.steps]
    if len(ran) < 2:
        return ""
    shown = sorted(ran, key=lambda vm: _bootstrap(vm).status not in _BAD)[:MAX_ROWS]
    shown.sort(key=ran.index)
    scale = max(_total(vm) for vm in ran)
    name_width = min(MAX_NAME, max(cells(vm.name, MAX_NAME + 1) for vm in shown))
    bar_width = min(MAX_BAR, max(MIN_BAR, width - name_width - 15))
    rows = [p.wrap("heading", "bootstraps on one time axis")]
    rows += [_row(vm, scale, name_width, bar_width, p) for vm in shown]
    if len(ran) > len(shown):
        rows.append(p.wrap("muted", f"  (+{len(ran) - len(shown)} more bootstraps not shown)"))
    label = duration(scale)
    axis = " " * (name_width + 6) + "0" + " " * max(1, bar_width - 1 - len(label)) + label
    rows.append(p.wrap("muted", axis))
    return "\n".join(rows) + "\n"


def _bootstrap(vm: Vm) -> Bootstrap:
    assert vm.bootstrap is not None  # chart() keeps only the VMs that have one
    return vm.bootstrap


def _total(vm: Vm) -> int:
    b = _bootstrap(vm)
    return max(b.duration_ms or 0, b.steps_ms, 1)


def _row(vm: Vm, scale: int, name_width: int, bar_width: int, p: Palette) -> str:
    b = _bootstrap(vm)
    mark, style = BOOTSTRAP_MARKS.get(b.status, ("?", "muted"))
    cells: list[str] = []
    offset, used = 0, 0
    for step in b.steps:
        offset += step.duration_ms
        end = min(bar_width, round(offset * bar_width / scale))
        if end > used:
            piece = BAR.get(step.status, "▒") * (end - used)
            cells.append(p.wrap(STEP_STYLE.get(step.status, "step.other"), piece))
            used = end
    name = column(vm.name, name_width, 4 * name_width)
    took = duration(_total(vm))
    return (
        f"  {p.wrap(style, mark)} {name} ▕{''.join(cells)}"
        f"{' ' * (bar_width - used)}▏ {took:>{DUR_WIDTH}}"
    )
