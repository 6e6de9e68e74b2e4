"""Runs as a Chrome Trace Event Format document (``--format trace``): Perfetto, chrome://tracing,
speedscope.

One process per run, one thread (track) per VM. Its launch, plan, bootstrap,
each step and its shutdown are complete events (``"ph": "X"``, ``ts`` and
``dur`` in microseconds) with what the stream said of them in ``args``; a
bootstrap that failed or never finished, and a plan that is an error, are
instant events (``"ph": "i"``) on its track; each run that failed has its own
verdict as an instant on its process (never another run's), and a stream that
failed for runs not drawn has its verdict as a global instant. Times are those
of ``clock.timing``; ``otherData`` says where they came from. Strings are the
state's, as ``--format json`` keeps them: JSON encoding makes them inert.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from castra_tail import CONTRACT_VERSION, __version__
from castra_tail.render import facts
from castra_tail.render.clock import RunTimes, Span, VmTimes, timing
from castra_tail.render.report import encode
from castra_tail.run.state import Run
from castra_tail.run.verdict import Verdict

Event = dict[str, Any]


def trace(
    runs: Sequence[Run], verdict: Verdict, judged: Mapping[int, Verdict] | None = None
) -> bytes:
    """The trace of ``runs``, judged by ``verdict`` and each run by its own in ``judged``
    (run/verdict.py ``per_run``; without it, the last run by ``verdict``), as JSON."""
    t = timing(runs)
    if judged is None:
        judged = {run.number: verdict for run in runs[-1:]}
    events: list[Event] = []
    for run_times in t.runs:  # a process per run, numbered as the stream numbers it
        events += _process(run_times.run.number, run_times)
    theirs = [(rt, judged.get(rt.run.number)) for rt in t.runs]
    failed = [(rt, v) for rt, v in theirs if v is not None and not v.ok]
    for run_times, own in failed:  # each failed run's verdict on its own process
        events.append(_verdict(own, run_times.end, run_times.run.number, "p"))
    if not verdict.ok and not failed and t.runs:  # what failed is not drawn: say it globally
        events.append(_verdict(verdict, t.runs[-1].end, t.runs[-1].run.number, "g"))
    document = {
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {
            "castra_tail": __version__,
            "contract": CONTRACT_VERSION,
            "clock": t.clock,
            "clock_note": t.note,
            "origin": t.origin,
            "exit_code": int(verdict.status),
            "ok": verdict.ok,
            "reasons": list(verdict.reasons),
        },
    }
    return encode(document)


def _verdict(verdict: Verdict, ts: int, pid: int, scope: str) -> Event:
    head, _ = facts.verdict(verdict)
    return {
        "name": f"{head.text} (exit {int(verdict.status)})",
        "cat": "verdict",
        "ph": "i",
        "s": scope,
        "ts": ts,
        "pid": pid,
        "tid": 0,
        "args": {"reasons": list(verdict.reasons)},
    }


def run_label(run: Run) -> str:
    """What a run is called: ``castra up``, or ``castra-tail`` when the stream does not say."""
    title = facts.title(run)
    return title.removesuffix(" · summary") if title != "summary" else "castra-tail"


def _process(pid: int, rt: RunTimes) -> list[Event]:
    events: list[Event] = [
        _meta(pid, 0, "process_name", name=f"run {pid}: {run_label(rt.run)}"),
        _meta(pid, 0, "process_sort_index", sort_index=pid),
        _meta(pid, 0, "thread_name", name="run"),
    ]
    for tid, times in enumerate(rt.vms, 1):
        events.append(_meta(pid, tid, "thread_name", name=times.vm.name))
        events.append(_meta(pid, tid, "thread_sort_index", sort_index=tid))
        events += _vm(pid, tid, times)
    return events


def _meta(pid: int, tid: int, kind: str, **args: Any) -> Event:
    return {"name": kind, "ph": "M", "pid": pid, "tid": tid, "args": args}


def _vm(pid: int, tid: int, t: VmTimes) -> list[Event]:
    """A VM's track: launch, plan, bootstrap and its steps, shutdown; failures as instants."""
    vm, out = t.vm, []
    args: dict[str, Any]
    if t.launch is not None:
        args = {"pid": vm.pid, "overlay_path": vm.overlay_path}
        out.append(_complete(pid, tid, "launch", "vm.lifecycle", t.launch, args))
    plan = vm.plan
    if t.plan is not None and plan is not None:
        args = {
            "status": plan.action,
            "mode": plan.mode,
            "reason": plan.reason,
            "warnings": list(plan.warnings) or None,
            "ssh": vm.ssh,
        }
        out.append(_complete(pid, tid, "plan", "bootstrap.planned", t.plan, args))
        if plan.action == "error":
            out.append(_instant(pid, tid, "plan error", t.plan.end, {"error": plan.reason}))
    out += _bootstrap(pid, tid, t)
    s = vm.shutdown
    if t.shutdown is not None and s is not None:
        args = {
            "status": s.outcome or "requested",
            "method": s.method,
            "signals": list(s.signals) or None,
            "timed_out": s.timed_out,
            "total_ms": s.total_ms,
        }
        out.append(_complete(pid, tid, "shutdown", "vm.lifecycle", t.shutdown, args))
    return out


def _bootstrap(pid: int, tid: int, t: VmTimes) -> list[Event]:
    b, span = t.vm.bootstrap, t.bootstrap
    if b is None or span is None:
        return []
    args: dict[str, Any] = {
        "status": b.status,
        "trigger": b.trigger,
        "duration_ms": b.duration_ms,
        "error": b.error,
        "stamp": b.stamp,
        "steps_not_tracked": b.steps_dropped or None,
    }
    out = [_complete(pid, tid, "bootstrap", "bootstrap", span, args)]
    for step, at in t.steps:
        args = {"status": step.status, "detail": step.detail, "duration_ms": step.duration_ms}
        out.append(_complete(pid, tid, step.step, "bootstrap.step", at, args))
    if b.status in ("failed", "incomplete", "interrupted"):
        failed = b.failed_step
        args = {
            "error": b.error,
            "step": failed.step if failed else None,
            "detail": failed.detail if failed else None,
        }
        out.append(_instant(pid, tid, f"bootstrap {b.status}", span.end, args))
    return out


def _complete(pid: int, tid: int, name: str, cat: str, span: Span, args: dict[str, Any]) -> Event:
    return {
        "name": name,
        "cat": cat,
        "ph": "X",
        "ts": span.start,
        "dur": span.dur,
        "pid": pid,
        "tid": tid,
        "args": {k: v for k, v in args.items() if v is not None},
    }


def _instant(pid: int, tid: int, name: str, ts: int, args: dict[str, Any]) -> Event:
    return {
        "name": name,
        "cat": "failure",
        "ph": "i",
        "s": "t",
        "ts": ts,
        "pid": pid,
        "tid": tid,
        "args": {k: v for k, v in args.items() if v is not None},
    }
