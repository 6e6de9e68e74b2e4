"""Joining the Runs of consecutive parts of one stream, read in parallel.

``merge(run, part, line_offset)`` folds ``part`` — the Run of the lines that
follow ``run``'s, read from an empty state with ``Run(part=True)`` — into
``run``, so that the result is what reading both in one go gives. Counts add
up; per-field "latest wins" facts take the part's value when it has one; the
two order-dependent stories are joined explicitly: a bootstrap the part only
continued is replayed onto the earlier one (``Bootstrap.log``), and commands
the part saw end without seeing them accepted end the earlier open ones.

A property test checks ``merge`` against a sequential read at every split
point of generated streams.
"""

from __future__ import annotations

from castra_tail.run.commands import MAX_COMMANDS
from castra_tail.run.records import Command, Notable, Problem, Where, bump
from castra_tail.run.state import MAX_RECORDS, Run
from castra_tail.run.vm import Shutdown, Vm
from castra_tail.run.vms import untracked_key


def merge(run: Run, part: Run, line_offset: int) -> None:
    """Fold ``part`` (what came after) into ``run``; ``part``'s lines are numbered from 1."""
    events_before = run.events
    _counts(run, part)
    for level, note in enumerate(part.firsts):
        if note is not None and run.firsts[level] is None:
            run.firsts[level] = Notable(
                note.order + events_before, _moved(note.where, line_offset), note.type, note.vm
            )
    for problem in part.problems[: MAX_RECORDS - len(run.problems)]:
        run.problems.append(Problem(_moved(problem.where, line_offset), problem.reason))
    for name, later in part.vms.items():
        earlier = run.vms.get(name)
        if earlier is not None:
            _vm(earlier, later)
        elif len(run.vms) < run.fleet.max_vms:
            run.vms[name] = later
        else:
            run.fleet.refuse(name)
    if part.fleet.untracked:  # (parallel.py merges no part that left one while room was left)
        tracked = {untracked_key(name) for name in run.vms}
        for key in part.fleet.untracked - tracked:
            run.fleet.refuse_key(key)
    run.fleet.untracked_overflow |= part.fleet.untracked_overflow
    _commands(run, part)
    if part.summary is not None:
        run.summary = part.summary


def _moved(where: Where, line_offset: int) -> Where:
    return Where(where.source, where.line + line_offset)


def _add(into: dict[str, int], more: dict[str, int]) -> None:
    for key, n in more.items():
        bump(into, key, n)


def _counts(run: Run, part: Run) -> None:
    run.lines += part.lines
    run.malformed += part.malformed
    run.broken += part.broken[: MAX_RECORDS - len(run.broken)]
    run.text_lines += part.text_lines
    run.transcript.usage_events += part.usage_events
    for cls, n in part.by_class.items():
        run.by_class[cls] += n
    run.by_level = [a + b for a, b in zip(run.by_level, part.by_level, strict=True)]
    _add(run.messages, part.messages)
    _add(run.transcript.usage_tokens, part.transcript.usage_tokens)
    _add(run.transcript.turn_tokens, part.transcript.turn_tokens)
    for name, n in part.harness.counts().items():
        setattr(run.harness, name, getattr(run.harness, name) + n)
    _add(run.harness.items, part.harness.items)
    _add(run.cleanup["real"], part.cleanup["real"])
    _add(run.cleanup["dry_run"], part.cleanup["dry_run"])
    _add(run.unknown_types, part.unknown_types)


def _vm(vm: Vm, later: Vm) -> None:
    vm.phase = later.phase if later.phase is not None else vm.phase
    vm.plan = later.plan if later.plan is not None else vm.plan
    vm.overlay_path = later.overlay_path if later.overlay_path is not None else vm.overlay_path
    vm.pid = later.pid if later.pid is not None else vm.pid
    vm.reclaimed_bytes += later.reclaimed_bytes
    vm.warnings += later.warnings
    vm.errors += later.errors
    if later.times:
        vm.times = (vm.times or {}) | later.times
    b = later.bootstrap
    if b is not None:
        if b.origin == "started" or vm.bootstrap is None:
            vm.bootstrap = b
        else:  # the part only continued the bootstrap under way
            vm.bootstrap.replay(b.log or [])
    if later.shutdown is not None:
        _shutdown(vm, later.shutdown)


def _shutdown(vm: Vm, later: Shutdown) -> None:
    s = vm.shutdown
    if s is None:
        vm.shutdown = later
        return
    s.requested = s.requested or later.requested
    s.signals += later.signals
    for name in ("method", "timed_out", "outcome", "total_ms", "changed"):
        value = getattr(later, name)
        if value is not None:
            setattr(s, name, value)


def _commands(run: Run, part: Run) -> None:
    cmds, later = run.cmds, part.cmds
    paired: set[int] = set()
    for orphan in later.orphans:
        waiting = cmds.open.get(orphan.name)
        if not waiting:
            continue
        command = waiting.pop()  # as a sequential read would have ended it
        _ended(command, orphan)
        cmds.tally(orphan.name, "accepted", -1)
        paired.add(id(orphan))
    for name, per_status in later.totals.items():
        for status, n in per_status.items():
            cmds.tally(name, status, n)
    room = MAX_COMMANDS - len(cmds.commands)
    cmds.commands += [c for c in later.commands if id(c) not in paired][:room]
    for name, waiting in later.open.items():
        cmds.open.setdefault(name, []).extend(waiting)


def _ended(command: Command, ending: Command) -> None:
    command.status = ending.status
    for name in ("detail", "exit_code", "duration_ms"):
        value = getattr(ending, name)
        if value is not None:
            setattr(command, name, value)
