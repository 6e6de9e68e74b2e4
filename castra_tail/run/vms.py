"""The fleet: each VM's lifecycle, plan and bootstrap, as ``vm.lifecycle`` and ``bootstrap.*`` say.

VMs are tracked up to ``max_vms``; the ones past it are counted, each once, by
an 8-byte digest of the name (``untracked_key``), never by the name itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, Final

from castra_tail.contract import events as ev
from castra_tail.run.kept import MAX_KEPT, keep, kept_ts, plan_of, step_of
from castra_tail.run.phases import PHASE_EFFECTS
from castra_tail.run.records import Ending
from castra_tail.run.vm import TIMED, Bootstrap, Vm

MAX_VMS: Final = 10_000
#: How many VMs past MAX_VMS are remembered, to count each of them once.
MAX_UNTRACKED: Final = 100_000


class Fleet:
    """Tracks the VMs of a stream."""

    def __init__(self, *, max_vms: int = MAX_VMS) -> None:
        self.max_vms = max_vms
        self.vms: dict[str, Vm] = {}
        #: The VMs seen past ``max_vms``, not tracked: the untracked_key() of each.
        self.untracked: set[int] = set()
        self.untracked_overflow = False  # more than MAX_UNTRACKED of them

    def handlers(self) -> dict[type, Callable[[Any], None]]:
        """What each event type this tracker follows does to it."""
        return {
            ev.VmLifecycle: self.lifecycle,
            ev.BootstrapPlanned: self._planned,
            ev.BootstrapStarted: self._started,
            ev.BootstrapStep: self.step,
            ev.BootstrapCompleted: self._completed,
            ev.BootstrapFailed: self._failed,
        }

    # --- the VMs --------------------------------------------------------------------

    def vm(self, name: str) -> Vm | None:
        """The VM called ``name``, created on first sight (None past the cap)."""
        return self.vms.get(name) or self._new_vm(name)

    def find(self, name: str) -> Vm | None:
        """The VM called ``name`` (as the stream writes it), if it is tracked."""
        vm = self.vms.get(name)
        return vm if vm is not None or len(name) <= MAX_KEPT else self.vms.get(keep(name))

    def _new_vm(self, name: str) -> Vm | None:
        return self.kept_vm(keep(name))  # a long name is known by its kept form

    def kept_vm(self, name: str) -> Vm | None:
        """The VM of ``name`` as ``keep`` keeps it (another run's, say): found, made, or past
        the cap counted among those not tracked (None). Never cut a second time."""
        vm = self.vms.get(name)
        if vm is None:
            if len(self.vms) >= self.max_vms:
                self.refuse(name)
                return None
            vm = self.vms[name] = Vm(name)
        return vm

    def refuse(self, name: str) -> None:
        """Count the VM ``name`` among those not tracked (once, whatever its events)."""
        self.refuse_key(untracked_key(name))

    def refuse_key(self, key: int) -> None:
        """Count the VM of this ``untracked_key`` among those not tracked, once."""
        untracked = self.untracked
        if key not in untracked:
            if len(untracked) < MAX_UNTRACKED:
                untracked.add(key)
            else:
                self.untracked_overflow = True

    @property
    def not_tracked(self) -> int:
        """How many distinct VMs were seen past the cap (a floor if ``untracked_overflow``)."""
        return len(self.untracked)

    # --- events -----------------------------------------------------------------------

    def lifecycle(self, e: ev.VmLifecycle) -> None:
        """A VM's lifecycle step: its phase, and what the phase changes (vm.py)."""
        vm = self.vms.get(e.vm) or self._new_vm(e.vm)
        if vm is None:
            return
        vm.phase = phase = keep(e.phase)
        effect = PHASE_EFFECTS.get(phase)
        if effect is not None:
            effect(vm, e)
        if e.ts is not None and phase in TIMED:
            vm.mark(phase, e.ts)

    def _planned(self, e: ev.BootstrapPlanned) -> None:
        vm = self.vms.get(e.vm) or self._new_vm(e.vm)
        if vm is None:
            return
        vm.plan = plan_of(e)
        if e.ts is not None:
            vm.mark("planned", e.ts)
        if vm.bootstrap is None:
            vm.bootstrap = Bootstrap(trigger=keep(e.trigger))

    def _started(self, e: ev.BootstrapStarted) -> None:
        vm = self.vms.get(e.vm) or self._new_vm(e.vm)
        if vm is None:
            return
        vm.bootstrap = Bootstrap(
            status="running",
            trigger=keep(e.trigger),
            base_hash=keep(e.base_hash),
            artifact_hash=keep(e.artifact_hash),
            origin="started",
            started_ts=kept_ts(e.ts),
        )

    def _bootstrap(self, name: str) -> Bootstrap | None:
        vm = self.vms.get(name) or self._new_vm(name)
        if vm is None:
            return None
        b = vm.bootstrap
        if b is None:  # an event out of order still counts
            b = vm.bootstrap = Bootstrap(status="running", origin="implicit")
        return b

    def step(self, e: ev.BootstrapStep) -> None:
        """A bootstrap stage finished."""
        b = self._bootstrap(e.vm)
        if b is not None:
            b.add_step(step_of(e))

    def _completed(self, e: ev.BootstrapCompleted) -> None:
        b = self._bootstrap(e.vm)
        if b is not None:
            b.end(Ending(keep(e.status), e.duration_ms, stamp=keep(e.stamp), ts=kept_ts(e.ts)))

    def _failed(self, e: ev.BootstrapFailed) -> None:
        b = self._bootstrap(e.vm)
        if b is not None:
            b.end(Ending("failed", e.duration_ms, error=keep(e.error), ts=kept_ts(e.ts)))

    # --- the end ----------------------------------------------------------------------

    def finish(self, end: str) -> None:
        """Mark the bootstraps started and never ended ``end`` (``incomplete``, ``interrupted``).

        One only planned was never started: nothing of it is left open (a plan-only run).
        """
        for vm in self.vms.values():
            b = vm.bootstrap
            if b is not None and b.status == "running":
                b.status = end

    @property
    def incomplete_bootstraps(self) -> list[Vm]:
        """VMs whose bootstrap never finished."""
        return [
            vm
            for vm in self.vms.values()
            if vm.bootstrap is not None and vm.bootstrap.status in ("incomplete", "interrupted")
        ]


def untracked_key(name: str) -> int:
    """What an untracked VM is remembered by: 8 bytes of its name's digest, never the name.

    A name may be 4 KiB long (``keep``); 100,000 of them would take 400 MiB.
    A digest, not hash(): parts of a file read in other processes must agree.
    """
    digest = hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little")
