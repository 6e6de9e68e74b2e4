"""What changed between two runs, as plain records: per VM and step, the plans, the totals.

Pure: two finished runs in, a ``Comparison`` out; no words, no I/O. A duration
regressed when it grew by at least ``percent`` **and** by at least
``min_delta_ms`` (both: a 20 ms step taking 40 ms is noise, and so is a
10-minute bootstrap taking 300 ms more); it is faster when it shrank by as
much. A step that failed only in the new run is a new failure, only in the old
one fixed, in both still failing (``failing``: no change). Steps are matched
by name (the second ``apply`` of a bootstrap with the old one's second), VMs by
name. Rows are listed most urgent first (``CHANGES``), VMs by their worst row.
"""

from __future__ import annotations

from typing import Final

from castra_tail.compare.records import (
    RANK,
    Comparison,
    PlanChange,
    Row,
    RunSide,
    Thresholds,
    Total,
    VmDiff,
)
from castra_tail.run.log import RunRecord
from castra_tail.run.state import Run
from castra_tail.run.vm import BAD, Bootstrap, Vm

#: The plan's fields compared (the artifact hash: the plan's, else the one the bootstrap ran).
PLAN_FIELDS: Final = ("action", "mode", "artifact_hash", "base_hash")


def compare(
    old: tuple[RunSide, Run], new: tuple[RunSide, Run], thresholds: Thresholds
) -> Comparison:
    """What changed from ``old`` to ``new`` (each a run and what is said of it)."""
    (old_side, a), (new_side, b) = old, new
    names = list(dict.fromkeys([*a.vms, *b.vms]))
    vms = [_vm(name, a.vms.get(name), b.vms.get(name), thresholds) for name in names]
    vms.sort(key=lambda vm: (RANK[vm.change], vm.presence is None, not vm.plan))
    if old_side.ok == new_side.ok:
        result = "same" if new_side.ok else "failing"
    else:
        result = "fixed" if new_side.ok else "failed"
    return Comparison(old_side, new_side, thresholds, result, vms, _totals(a, b, thresholds))


def side_of(
    label: str, source: str, runs: int, run: Run, record: RunRecord, chosen: str = ""
) -> RunSide:
    """What is said of ``run``, read from ``source`` (``runs`` in all) as ``label``."""
    first = run.problems[0].where if run.problems else None
    return RunSide(
        label=label,
        source=source,
        run=run.number,
        runs=runs,
        command=record.command,
        ok=record.ok,
        reasons=list(record.reasons),
        duration_ms=record.duration_ms,
        events=run.events,
        malformed=run.malformed,
        first_malformed=f"{first.source}:{first.line}" if first is not None else None,
        chosen=chosen,
    )


def _vm(name: str, old: Vm | None, new: Vm | None, t: Thresholds) -> VmDiff:
    bootstrap = _bootstrap(old, new, t)
    steps = _steps(old, new, t)
    changes = [row.change for row in ([bootstrap] if bootstrap else []) + steps]
    presence = "added" if old is None else "removed" if new is None else None
    if presence is not None:  # the VM's change stays its worst: a failing VM added is "failed"
        changes.append(presence)
    change = min(changes, key=RANK.__getitem__, default="same")
    steps.sort(key=lambda row: RANK[row.change])
    return VmDiff(
        name,
        change,
        old.state if old is not None else None,
        new.state if new is not None else None,
        bootstrap,
        steps,
        _plan(old, new),
        presence,
    )


def _ran(vm: Vm | None) -> Bootstrap | None:
    """A VM's bootstrap, if it ran (a plan-only run's bootstraps are only planned)."""
    b = vm.bootstrap if vm is not None else None
    return b if b is not None and b.status != "planned" else None


def _status(vm: Vm | None) -> str | None:
    """How a VM's bootstrap ended (``error``: its plan would error), None when it had none."""
    if vm is None:
        return None
    if vm.plan is not None and vm.plan.action == "error":
        return "error"
    ran = _ran(vm)
    return ran.status if ran is not None else None


def _bootstrap(old: Vm | None, new: Vm | None, t: Thresholds) -> Row | None:
    a, b = _status(old), _status(new)
    if a is None and b is None:
        return None
    was, now = _ran(old), _ran(new)
    old_ms = was.duration_ms if was is not None else None
    new_ms = now.duration_ms if now is not None else None
    return row("bootstrap", (a, old_ms), (b, new_ms), t)


def _steps(old: Vm | None, new: Vm | None, t: Thresholds) -> list[Row]:
    a, b = _numbered(old), _numbered(new)
    rows = []
    for key in _merged(list(a), list(b)):
        was, now = a.get(key), b.get(key)
        rows.append(row(key[0], was or (None, None), now or (None, None), t, attempt=key[1]))
    return rows


def _numbered(vm: Vm | None) -> dict[tuple[str, int], tuple[str, int]]:
    """A VM's steps by (name, attempt): (status, duration)."""
    ran = _ran(vm)
    if ran is None:
        return {}
    seen: dict[str, int] = {}
    steps = {}
    for s in ran.steps:
        seen[s.step] = seen.get(s.step, 0) + 1
        steps[(s.step, seen[s.step])] = (s.status, s.duration_ms)
    return steps


def _merged(old: list[tuple[str, int]], new: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The keys of both, in the new run's order, each old-only key after the one it followed."""
    out = list(new)
    at = {key: i for i, key in enumerate(out)}
    for i, key in enumerate(old):
        if key in at:
            continue
        before = next((k for k in reversed(old[:i]) if k in at), None)
        where = out.index(before) + 1 if before is not None else 0
        out.insert(where, key)
        at = {k: j for j, k in enumerate(out)}
    return out


def row(
    step: str,
    old: tuple[str | None, int | None],
    new: tuple[str | None, int | None],
    t: Thresholds,
    *,
    attempt: int = 1,
) -> Row:
    """A step in both runs, each side (status, duration); a status None: it was not there."""
    (a, old_ms), (b, new_ms) = old, new
    delta = new_ms - old_ms if old_ms is not None and new_ms is not None else None
    percent = round(100 * delta / old_ms, 1) if delta is not None and old_ms else None
    was_bad, is_bad = _failed(a), _failed(b)
    if a is None:
        change = "failed" if is_bad else "new"
    elif b is None:
        change = "gone"
    elif was_bad or is_bad:
        change = {(True, True): "failing", (False, True): "failed"}.get((was_bad, is_bad), "fixed")
    else:
        change = timing(old_ms, new_ms, t)
    return Row(step, old_ms, new_ms, delta, percent, change, a, b, attempt)


def _failed(status: str | None) -> bool:
    return status is not None and (status in BAD or status == "error")


def timing(old: int | None, new: int | None, t: Thresholds) -> str:
    """``regression``, ``faster`` or ``same``: how a duration changed, by the thresholds."""
    if old is None or new is None:
        return "same"
    delta = new - old
    if delta == 0 or abs(delta) < t.min_delta_ms or abs(delta) * 100 < t.percent * old:
        return "same"
    return "regression" if delta > 0 else "faster"


def _plan(old: Vm | None, new: Vm | None) -> list[PlanChange]:
    """The plan's fields that differ, of those both runs had a source for (a ``down`` run
    plans nothing: that is no change of plan)."""
    if old is None or new is None:
        return []
    a, b = _plan_fields(old), _plan_fields(new)
    return [
        PlanChange(f, a[f][1], b[f][1]) for f in PLAN_FIELDS if a[f][0] and b[f][0] and a[f] != b[f]
    ]


def _plan_fields(vm: Vm) -> dict[str, tuple[bool, str | None]]:
    """Each field: whether the VM had its source (a plan, a bootstrap), and its value."""
    plan, b = vm.plan, _ran(vm)
    return {
        "action": (plan is not None, plan.action if plan else None),
        "mode": (plan is not None, plan.mode if plan else None),
        "artifact_hash": (
            plan is not None or b is not None,
            (plan.artifact_hash if plan else None) or (b.artifact_hash if b else None),
        ),
        "base_hash": (b is not None, b.base_hash if b else None),
    }


def _totals(a: Run, b: Run, t: Thresholds) -> dict[str, Total]:
    was, now = _total_values(a), _total_values(b)
    out = {}
    for name in was:
        old, new = was[name], now[name]
        delta = new - old if old is not None and new is not None else None
        percent = round(100 * delta / old, 1) if delta is not None and old else None
        if old is None or new is None:
            change = "same" if old == new else ("new" if old is None else "gone")
        elif name == "duration_ms":
            change = timing(old, new, t)
        else:
            change = "same" if delta == 0 else ("more" if new > old else "less")
        out[name] = Total(old, new, delta, percent, change)
    return out


def _total_values(run: Run) -> dict[str, int | None]:
    summary, commands = run.summary, run.commands
    duration = commands[-1].duration_ms if commands else None
    if duration is None and summary is not None:
        duration = summary.duration_ms
    tokens = run.tokens
    cleaned = run.cleanup["real"]
    return {
        "duration_ms": duration,
        "bytes_transferred": summary.bytes_transferred if summary is not None else None,
        "tokens": tokens["prompt"] + tokens["completion"] if run.token_source else None,
        "cleanup_bytes": sum(cleaned.values()) if cleaned else None,
        "vms": len(run.vms) + run.vms_not_tracked,
        "events": run.events,
        "malformed": run.malformed,
    }
