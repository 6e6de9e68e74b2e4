"""Lines that trail a run and lead into none: messages after its command ended, then the end.

A message read once a run's command ended begins the next run: it leads into
it (``castra up`` says what it loaded before its command is accepted). When
the input ends before any command or work follows, those messages led into
nothing: they are the last lines of the run before, and are counted there —
not a run of their own, which ``--run last`` and ``compare`` would take for
the last run, and pass.
"""

from __future__ import annotations

from dataclasses import replace

from castra_tail.contract import events as ev
from castra_tail.run.kept import bump
from castra_tail.run.state import MAX_RECORDS, Run, remember


def only_messages(run: Run) -> bool:
    """Whether ``run`` holds messages and nothing else: no command, summary, transcript,
    usage, cleanup or VM event (lines that are not events aside). Its VMs, if any, are
    those its messages named (``→ web-0: …``), with what they said of each."""
    counts = run.by_class
    return all(n == 0 for cls, n in counts.items() if cls is not ev.Message)


def take_trailing(run: Run, other: Run) -> None:
    """Count the lines of ``other`` (``only_messages``) as ``run``'s last."""
    before = sum(run.by_level)
    for cls, n in other.by_class.items():
        run.by_class[cls] += n
    for i, n in enumerate(other.by_level):
        run.by_level[i] += n
    for i, first in enumerate(other.firsts):
        if run.firsts[i] is None and first is not None:
            run.firsts[i] = replace(first, order=first.order + before)
    for severity, n in other.messages.items():
        bump(run.messages, severity, n)
    for remedy in other.remediations:
        remember(run.remediations, remedy)
    _take_vms(run, other)
    run.malformed += other.malformed
    run.text_lines += other.text_lines
    run.problems += other.problems[: max(0, MAX_RECORDS - len(run.problems))]
    run.unknown_types.update(other.unknown_types)
    run.broken += other.broken[: max(0, MAX_RECORDS - len(run.broken))]
    if run.sample is None:
        run.sample = other.sample


def _take_vms(run: Run, other: Run) -> None:
    """What ``other``'s messages said of each VM, added to that VM in ``run`` (made there
    if the run had not seen it, as a message of its own would have)."""
    fleet = run.fleet
    for name, said in other.vms.items():
        vm = fleet.kept_vm(name)
        if vm is None:  # past the cap
            continue
        vm.warnings += said.warnings
        vm.errors += said.errors
        if vm.first_error is None:
            vm.first_error = said.first_error
        for remedy in said.remediations:
            remember(vm.remediations, remedy)
    for key in other.fleet.untracked:
        fleet.refuse_key(key)
    fleet.untracked_overflow |= other.fleet.untracked_overflow
