"""What the whole input held, across its runs: the event types and VM names seen.

A filter that showed nothing says so at the end (selection.py) — ``--vm db0:
no such VM in the stream`` — and that must hold for every run read, not only
the last one, which is all ``Stream.current`` keeps whole. Each run adds
what it saw when it is folded; both sets are bounded, and once a bound is
passed the set is no longer complete, so no note claims an absence it cannot
know.
"""

from __future__ import annotations

from typing import Final

from castra_tail.contract.events import TYPE_OF
from castra_tail.run.kept import MAX_KEPT, MAX_KEYS, OTHER
from castra_tail.run.state import Run
from castra_tail.run.vms import MAX_VMS

#: Distinct unknown type names remembered across the input.
MAX_TYPES: Final = MAX_KEYS


class Seen:
    """The type names and VM names of the runs added so far."""

    def __init__(self, max_vms: int = MAX_VMS) -> None:
        self.types: dict[str, None] = {}
        self.types_complete = True
        self.vms: dict[str, None] = {}
        self.vms_complete = True
        self._max_vms = max_vms

    def add(self, run: Run) -> None:
        """Account for what ``run`` held."""
        for cls, count in run.by_class.items():
            if count:
                self.types.setdefault(TYPE_OF[cls])
        for name in run.unknown_types:
            if name == OTHER or len(name) > MAX_KEPT or len(self.types) >= len(TYPE_OF) + MAX_TYPES:
                self.types_complete = False
            else:
                self.types.setdefault(name)
        if run.vms_not_tracked:
            self.vms_complete = False
        for name in run.vms:
            if name in self.vms:
                continue
            if len(self.vms) >= self._max_vms:
                self.vms_complete = False
                break
            if len(name) > MAX_KEPT:
                self.vms_complete = False  # a name cut by ``keep`` may be the one asked for
            self.vms[name] = None
