"""The words of the runs table and of a plan-only run's plan table.

Shared by the terminal summary and Markdown (strings cleaned, a tone each, as
``facts``); the JSON report takes the same records as data.
"""

from __future__ import annotations

from collections import Counter
from typing import Final

from castra_tail.render import facts
from castra_tail.render.facts import MAX_ROWS, Fact
from castra_tail.render.text import clean, count, duration, size, tail
from castra_tail.run.log import RunRecord
from castra_tail.run.state import Run
from castra_tail.run.stream import Stream
from castra_tail.run.vm import Vm

#: Characters of an input's name in the table's "from" column (its end is kept).
MAX_SOURCE: Final = 20
#: Runs in the table; past it, failed ones first, the rest counted.
MAX_RUNS: Final = 30
RUN_HEADERS: Final = ("run", "command", "from", "VMs ok/failed", "took", "result")
PLAN_HEADERS: Final = ("VM", "action", "reason", "mode", "payload", "script")
_ACTIONS: Final = ("would_run", "would_skip", "error")


def several(stream: Stream) -> bool:
    """Whether the summary lists runs: more than one was read, and more than one is chosen."""
    return stream.runs > 1 and len(stream.records()) > 1


def chosen_count(stream: Stream) -> int:
    """How many runs the verdict covers: all those read, or those ``--run`` chose."""
    return len(stream.records()) if stream.selection.explicit else stream.runs


def shown_runs(records: list[RunRecord]) -> tuple[list[RunRecord], int, int]:
    """The runs that get a row (failed ones first to choose, then the last; in order),
    and how many of the others passed and failed."""
    if len(records) <= MAX_RUNS:
        return records, 0, 0
    failed = [r for r in records if not r.ok][: MAX_RUNS // 2]
    picked = {r.number for r in failed}
    last = [r for r in reversed(records) if r.number not in picked][: MAX_RUNS - len(failed)]
    picked |= {r.number for r in last}
    rows = [r for r in records if r.number in picked]
    others = [r for r in records if r.number not in picked]
    return rows, sum(r.ok for r in others), sum(not r.ok for r in others)


def run_row(r: RunRecord) -> list[Fact]:
    """The facts of a run's row, in ``RUN_HEADERS`` order."""
    where = f"{tail(clean(r.source), MAX_SOURCE)}:{r.line}" if r.source is not None else "—"
    vms = f"{count(r.vms_ok)}/{count(r.vms_failed)}" if r.vms_total else "—"
    if r.plan_only and r.vms_total:  # nothing was launched: none is ok yet
        vms = f"{count(r.vms_total)} planned" + (
            f", {count(r.vms_failed)} ✗" if r.vms_failed else ""
        )
    took = duration(r.duration_ms) if r.duration_ms is not None else "—"
    if r.interrupted:
        result = Fact("… interrupted", "sev.warn")
    elif r.ok:
        result = Fact("✓ dry run" if r.plan_only else "✓ ok", "ok")
    else:
        # The first reason, without where it was first seen (the row says where the run is).
        reason = r.reasons[0].split(" (first: ")[0] if r.reasons else "failed"
        result = Fact(f"✗ {clean(reason)}", "bad")
    return [
        Fact(str(r.number), "heading"),
        Fact(clean(r.command, 20) if r.command else "—"),
        Fact(where, "muted"),
        Fact(vms, "bad" if r.vms_failed else ""),
        Fact(took),
        result,
    ]


def rest_of_runs(passed: int, failed: int) -> str | None:
    """``+120 more runs: 118 ok, 2 failed``."""
    if not passed + failed:
        return None
    return f"+{count(passed + failed)} more runs: {count(passed)} ok, {count(failed)} failed"


def planned_vms(run: Run) -> tuple[list[Vm], int]:
    """The planned VMs that get a row in the plan table (those with problems first, at
    most MAX_ROWS), and how many more there are."""
    vms = [vm for vm in facts.shown_vms(run, limit=len(run.vms))[0] if vm.plan is not None]
    return vms[:MAX_ROWS], max(0, len(vms) - MAX_ROWS)


def plan_rows(vms: list[Vm]) -> list[list[Fact]]:
    """One row per planned VM of a plan-only run, in ``PLAN_HEADERS`` order."""
    rows = []
    for vm in vms:
        p = vm.plan
        if p is None:
            continue
        tone = {"would_run": "ok", "would_skip": "muted", "error": "bad"}.get(p.action, "")
        mode = clean(p.mode, 12) + (f"/{clean(p.trigger, 12)}" if p.trigger else "")
        payload = size(p.payload_bytes) if p.payload_bytes is not None else "—"
        rows.append(
            [
                Fact(clean(vm.name, 40), "heading"),
                Fact(clean(p.action.replace("_", " "), 20), tone),
                Fact(clean(p.reason, 80)),
                Fact(mode),
                Fact(payload),
                Fact(clean(p.script_path, 60) if p.script_path else "—", "muted"),
            ]
        )
    return rows


def planned(run: Run) -> Fact:
    """``3 planned: 2 would run, 1 would skip, 0 would error`` (as Castra says it)."""
    actions = Counter(vm.plan.action for vm in run.vms.values() if vm.plan is not None)
    total = sum(actions.values())
    said = ", ".join(f"{count(actions[a])} {a.replace('_', ' ')}" for a in _ACTIONS[:2])
    errors = actions["error"]
    text = f"{count(total)} planned: {said}, {count(errors)} would error"
    return Fact(text, "bad" if errors else "ok")
