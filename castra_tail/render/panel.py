"""The live panel: a row per VM under the scrolling log, while the stream runs.

A pure function of (state, when each VM's current step began, now, size):
the view keeps the clock, the ``Run`` keeps the facts. Rows never wrap, so
the view always knows how many lines to redraw; it takes about a third of
the screen, so the log stays readable with a fleet of VMs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Final

from rich.console import Group
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from castra_tail.contract.events import STEPS
from castra_tail.render.text import clean, count, duration, fit
from castra_tail.run.state import Run
from castra_tail.run.vm import Vm

#: Cells of each known step in a VM's small progress bar (5 steps: 10 cells).
STEP_CELLS: Final = 2
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
TROUBLE: Final = frozenset({"failed", "incomplete", "interrupted"})
#: How a finished step fills its cells of the bar: (cell, style); the next to run, and the rest.
STEP_CELL: Final = {
    "success": ("█", "step.success"),
    "failed": ("▓", "step.failed"),
    "skipped": ("░", "step.skipped"),
}
RUNNING_CELL: Final = ("▒", "sev.progress")
PENDING_CELL: Final = ("·", "muted")
#: Verbs for a command's end, in the title.
ENDED: Final = {
    "completed": ("✓", "completed"),
    "failed": ("✗", "failed"),
    "rejected": ("✗", "rejected"),
}


def panel(
    run: Run,
    since: Mapping[str, float],
    started: float | None,
    now: float,
    width: int,
    height: int,
    *,
    vm_filter: Callable[[str], bool] | None = None,
    waiting: str | None = None,
) -> Group:
    """The panel for ``run`` at time ``now`` on a screen of ``height`` rows.

    It takes about a third of them: VMs in trouble first, then those at work,
    then the rest, and a line that counts the VMs left out. ``vm_filter``: only
    the VMs ``--vm`` asks for; ``waiting``: what the input waits for, before a
    line came (``started`` is None then).
    """
    vms = [vm for vm in run.vms.values() if vm_filter is None or vm_filter(vm.name)]
    room = max(1, max(3, height // 3) - 1)  # lines under the title
    if len(vms) > room:
        room = max(1, room - 1)  # the +N more line
    ranked = sorted(vms, key=_rank)  # stable: in stream order within a rank
    shown, hidden = ranked[:room], ranked[room:]
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, overflow="ellipsis", max_width=25)
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True, overflow="ellipsis")
    grid.add_column(no_wrap=True, justify="right")
    for vm in shown:
        grid.add_row(*_row(vm, since.get(vm.name), now))
    title = _title(run, len(vms), started, now, filtered=vm_filter is not None, waiting=waiting)
    rows: list[Text | Table | Rule] = [Rule(title, align="left", style="muted")]
    if shown:
        rows.append(grid)
    if hidden:
        words = Counter(PHASES[vm.state][1] for vm in hidden).most_common()
        listed = ", ".join(f"{count(n)} {word}" for word, n in words)
        more = f"  +{count(len(hidden))} more VMs: {listed}"
        rows.append(Text(more, style="muted", no_wrap=True))
    return Group(*rows)


def _rank(vm: Vm) -> int:
    """0: in trouble, 1: at work, 2: the rest."""
    b = vm.bootstrap
    failed_step = b is not None and b.failed_step is not None
    if vm.state in TROUBLE or vm.errors or failed_step:
        return 0
    return 2 if vm.state in FINISHED else 1


def _title(
    run: Run, n: int, started: float | None, now: float, *, filtered: bool, waiting: str | None
) -> Text:
    command = run.commands[0] if run.commands else None
    name = f"castra {clean(command.name, 20)}" if command else "castra-tail"
    if started is None and not run.vms:
        return Text(f" {name} · {waiting or 'waiting for input'} ", style="heading")
    total = len(run.vms)
    parts = [name, f"{n} of {total} VMs" if filtered else f"{n} VM{'s' * (n != 1)}"]
    ended = ENDED.get(command.status) if command is not None and not run.open_commands else None
    if ended is not None:
        parts.append(" ".join(ended))
    parts.append(duration(round((now - (now if started is None else started)) * 1000)))
    return Text(f" {' · '.join(parts)} ", style="heading")


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
    if phase == "stopped" and s is not None:
        return Text(f"{clean(s.outcome or '?', 12)} in {duration(s.total_ms)}")
    if phase == "stopping" and s is not None:
        how = f"sent {s.signals[-1].upper()}" if s.signals else f"via {clean(s.method or '?', 12)}"
        return Text(f"{how}{_waiting(since, now)}")
    if b is None or b.status == "planned":
        return Text(f"pid {vm.pid}" if phase == "launching" and vm.pid is not None else "")
    done = {step.step: step.status for step in b.steps}
    text = progress_bar(done, running=phase == "bootstrapping")
    failed = b.failed_step
    if failed is not None or b.status == "failed":
        at = f" {clean(failed.step, 20)}" if failed is not None else ""
        after = f" after {duration(b.duration_ms)}" if b.duration_ms is not None else ""
        text.append(f" ✗{at} failed{after}", style="sev.error")
    elif phase == "bootstrapping":
        text.append(f" ▸ {_running_step(done)}{_waiting(since, now)}", style="sev.progress")
    elif b.duration_ms is not None:
        text.append(f" in {duration(b.duration_ms)}")
    return text


def _running_step(done: Mapping[str, str]) -> str:
    """The step under way: the first of the contract's steps not reported yet."""
    return next((step for step in STEPS if step not in done), "finishing")


def _waiting(since: float | None, now: float) -> str:
    return "" if since is None else f" {duration(round(max(0.0, now - since) * 1000))}"


def progress_bar(done: Mapping[str, str], *, running: bool) -> Text:
    """Progress through the contract's steps: each finished one by its status, the one
    under way, and those to come, so it reads without colour too."""
    bar = Text("▕")
    next_up = running and not any(status == "failed" for status in done.values())
    for step in STEPS:
        status = done.get(step)
        if status is not None:
            cell, style = STEP_CELL.get(status, ("▒", "step.other"))
        elif next_up:
            (cell, style), next_up = RUNNING_CELL, False
        else:
            cell, style = PENDING_CELL
        bar.append(cell * STEP_CELLS, style=style)
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
