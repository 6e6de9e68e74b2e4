"""What each ``vm.lifecycle`` phase changes on its VM: its overlay, its pid, its shutdown.

Apart from vm.py, which declares the records: this runs for one line in four of
a stream and is compiled in the optional build (Makefile ``HOT``), where a module
that declares dataclasses msgspec sends cannot be.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from castra_tail.contract import events as ev
from castra_tail.run.kept import keep
from castra_tail.run.vm import MAX_STEPS, Shutdown, Vm


def _shutdown(vm: Vm) -> Shutdown:
    s = vm.shutdown
    if s is None:
        s = vm.shutdown = Shutdown()
    return s


def _requested(vm: Vm, e: ev.VmLifecycle) -> None:
    _shutdown(vm).requested = True


def _attempted(vm: Vm, e: ev.VmLifecycle) -> None:
    _shutdown(vm).method = keep(e.method)


def _succeeded(vm: Vm, e: ev.VmLifecycle) -> None:
    _shutdown(vm)


def _timed_out(vm: Vm, e: ev.VmLifecycle) -> None:
    _shutdown(vm).timed_out = keep(e.reason)


def _escalated(vm: Vm, e: ev.VmLifecycle) -> None:
    s = _shutdown(vm)
    if e.signal is not None and len(s.signals) < MAX_STEPS:
        s.signals.append(keep(e.signal))


def _complete(vm: Vm, e: ev.VmLifecycle) -> None:
    s = _shutdown(vm)
    s.outcome, s.total_ms, s.changed = keep(e.outcome), e.total_ms, e.changed


def _overlay(vm: Vm, e: ev.VmLifecycle) -> None:
    vm.overlay_path = keep(e.overlay_path)


def _launched(vm: Vm, e: ev.VmLifecycle) -> None:
    vm.pid = e.pid


def _discarded(vm: Vm, e: ev.VmLifecycle) -> None:
    vm.reclaimed_bytes += e.reclaimed_bytes or 0


#: What each known phase changes on the VM (an unknown phase only sets ``vm.phase``).
PHASE_EFFECTS: Final[dict[str, Callable[[Vm, ev.VmLifecycle], None]]] = {
    "overlay_prepared": _overlay,
    "launched": _launched,
    "shutdown_requested": _requested,
    "cooperative_attempted": _attempted,
    "cooperative_succeeded": _succeeded,
    "cooperative_timed_out": _timed_out,
    "shutdown_escalated": _escalated,
    "shutdown_complete": _complete,
    "overlay_discarded": _discarded,
}
