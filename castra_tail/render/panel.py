"""The live panel: one row per VM under the scrolling log, while the stream runs.

A pure function of (state, when each VM's current step began, now, size):
the view keeps the clock, the ``Run`` keeps the facts. Rows never wrap, so
the view always knows how many lines to redraw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from rich.console import Group
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from castra_tail.contract.events import STEPS
from castra_tail.render.text import clean, duration, fit
from castra_tail.run.state import Run
from castra_tail.run.vm import Vm

MINI_BAR: Final = 12
#: A VM's state (``Vm.state``, the one rule) → how the panel shows it: (mark, word, style).
PHASES: Final = {
    "seen": ("·", "seen", "muted"),
    "planned": ("·", "planned", "muted"),
    "launching": ("▸", "launching", "sev.progress"),
    "running": ("▸", "running", "sev.progress"),
    "bootstrapping": ("▸", "bootstrapping", "sev.progress"),
    "ready": ("✓", "done", "ok"),
    "failed": ("✗", "failed", "bad"),
    "incomplete": ("…", "incomplete", "sev.warn"),
    "interrupted": ("…", "interrupted", "sev.warn"),
    "stopping": ("▸", "shutting down", "sev.warn"),
    "stopped": ("■", "stopped", "sev.progress"),
}
FINISHED: Final = frozenset({"ready", "failed", "stopped", "incomplete", "interrupted"})


def panel(
    run: Run, since: Mapping[str, float], started: float, now: float, width: int, height: int
) -> Group:
    """The panel for ``run`` at time ``now``: a header rule and at most ``height`` rows."""
    vms = list(run.vms.values())
    active = [vm for vm in vms if vm.state not in FINISHED]
    finished = [vm for vm in vms if vm.state in FINISHED]
    room = max(1, height - 2)
    shown = (active + finished)[:room]
    hidden = len(vms) - len(shown)
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, overflow="ellipsis", max_width=25)
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True, overflow="ellipsis")
    grid.add_column(no_wrap=True, justify="right")
    for vm in sorted(shown, key=vms.index):
        grid.add_row(*_row(vm, since.get(vm.name), now))
    rows: list[Text | Table | Rule] = [Rule(_title(run, started, now), align="left", style="muted")]
    if shown:
        rows.append(grid)
    if hidden:
        rows.append(Text(f"  +{hidden} more VMs", style="muted", no_wrap=True))
    return Group(*rows)


def _title(run: Run, started: float, now: float) -> Text:
    command = run.commands[0].name if run.commands else None
    name = f"castra {clean(command, 20)}" if command else "castra-tail"
    n = len(run.vms)
    return Text(
        f" {name} · {n} VM{'s' * (n != 1)} · {duration(round((now - started) * 1000))} ",
        style="heading",
    )


def _row(vm: Vm, since: float | None, now: float) -> tuple[Text, Text, Text, Text]:
    phase = vm.state
    mark, word, style = PHASES[phase]
    return (
        Text(f" {fit(clean(vm.name, 96), 24)}", style="heading"),
        Text(f"{mark} {word:<13}", style=style),
        _detail(vm, phase, since, now),
        _counts(vm),
    )


def _detail(vm: Vm, phase: str, since: float | None, now: float) -> Text:
    b, s = vm.bootstrap, vm.shutdown
    if phase == "ready" and b is not None:
        return Text(f"in {duration(b.duration_ms)}")
    if phase == "failed" and b is not None:
        step = b.failed_step
        at = f"at {clean(step.step, 20)} " if step else ""
        return Text(f"{at}after {duration(b.duration_ms)}", style="sev.error")
    if phase == "stopped" and s is not None:
        return Text(f"{clean(s.outcome or '?', 12)} in {duration(s.total_ms)}")
    if phase == "stopping" and s is not None:
        how = f"sent {s.signals[-1].upper()}" if s.signals else f"via {clean(s.method or '?', 12)}"
        return Text(f"{how}{_waiting(since, now)}")
    if phase == "bootstrapping" and b is not None:
        text = _mini_bar(b.steps_ms, [st.duration_ms for st in b.steps])
        running = _running_step([st.step for st in b.steps])
        text.append(f" ▸ {running}{_waiting(since, now)}", style="sev.progress")
        return text
    if phase == "launching" and vm.pid is not None:
        return Text(f"pid {vm.pid}")
    return Text("")


def _running_step(done: list[str]) -> str:
    """The step under way: the one after the last reported, in the contract's order."""
    if not done:
        return STEPS[0]
    if done[-1] in STEPS and done[-1] != STEPS[-1]:
        return STEPS[STEPS.index(done[-1]) + 1]
    return "finishing"


def _waiting(since: float | None, now: float) -> str:
    return "" if since is None else f" {duration(round(max(0.0, now - since) * 1000))}"


def _mini_bar(total: int, durations: list[int]) -> Text:
    """Finished steps as one small bar, each step a run of cells, alternating shades."""
    bar = Text("▕")
    if total > 0:
        used = 0
        for i, ms in enumerate(durations):
            cells = max(1, round(ms * MINI_BAR / total)) if ms else 0
            cells = min(cells, MINI_BAR - used)
            bar.append(("█" if i % 2 == 0 else "▓") * cells, style="step.success")
            used += cells
        bar.append(" " * (MINI_BAR - used))
    else:
        bar.append(" " * MINI_BAR)
    bar.append("▏")
    return bar


def _counts(vm: Vm) -> Text:
    parts = Text()
    if vm.warnings:
        parts.append(f"{vm.warnings} warn", style="sev.warn")
    if vm.errors:
        if parts:
            parts.append(" ")
        parts.append(f"{vm.errors} err", style="sev.error")
    return parts
