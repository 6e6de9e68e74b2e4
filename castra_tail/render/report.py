"""The run as one JSON document (``--format json``), for machines.

Strings are unescaped here (JSON encoding makes them inert), as the state keeps them:
whole up to MAX_KEPT characters (records.py), then cut with their full length.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Iterator
from typing import Any, Final

import msgspec

from castra_tail import CONTRACT_VERSION, __version__
from castra_tail.contract.levels import LEVEL_NAMES
from castra_tail.render import why
from castra_tail.render.text import os_text
from castra_tail.run.failures import Failure
from castra_tail.run.log import RunRecord
from castra_tail.run.records import Plan
from castra_tail.run.state import Run
from castra_tail.run.stream import Stream
from castra_tail.run.verdict import Verdict, agreeing
from castra_tail.run.vm import Bootstrap, Vm

#: Problems listed in the report; past it, counted.
MAX_PROBLEMS: Final = 1_000


def report(stream: Stream, verdict: Verdict) -> dict[str, Any]:
    """The JSON report: the verdict over the runs chosen, the runs, the last run in full."""
    run = stream.detail
    failures = (f for r in stream.records() for f in r.failures)
    problems = [_problem(f) for f in itertools.islice(failures, MAX_PROBLEMS)]
    document: dict[str, Any] = {
        "castra_tail": __version__,
        "contract": CONTRACT_VERSION,
        "exit_code": int(verdict.status),
        "ok": verdict.ok,
        "reasons": list(verdict.reasons),
        "interrupted": stream.interrupted,
        "lines": stream.lines,
        # Each row encoded as it is made: a log of 25,000 runs keeps bytes, not dicts.
        "runs": RUNS,
        "runs_read": stream.runs,
        "runs_not_listed": stream.log.dropped,
        "problems": problems,
        "problems_not_listed": sum(len(r.failures) for r in stream.records()) - len(problems),
    }
    if run is not None:
        document["run"] = run.number
        document |= run_detail(run)
    return document


def run_detail(run: Run) -> dict[str, Any]:
    """Everything known of one run kept whole: its VMs, commands, totals, lines not read."""
    return {
        "incomplete": run.missing,
        "plan_only": run.plan_only,
        "vms": [_vm(vm) for vm in run.vms.values()],
        "vms_not_tracked": run.vms_not_tracked,
        "totals": {
            "events": run.events,
            "by_type": run.by_type,
            "by_family": run.by_family,
            "by_level": dict(zip(LEVEL_NAMES, run.by_level, strict=True)),
            "messages": dict(run.messages),
            "tokens": dict(run.tokens)
            | {
                "total": run.tokens["prompt"] + run.tokens["completion"],
                "source": run.token_source,
            },
            "usage_events": run.usage_events,
            "cleanup": {
                "reclaimed_bytes": dict(run.cleanup["real"]),
                "would_reclaim_bytes": dict(run.cleanup["dry_run"]),
            },
            "overlay_reclaimed_bytes": sum(vm.reclaimed_bytes for vm in run.vms.values()),
        },
        "commands": [_fields(c) for c in run.commands],
        "harness": run.harness.counts() | {"items": dict(run.harness.items)},
        "summary": msgspec.to_builtins(run.summary) if run.summary is not None else None,
        "remediations": run.remediations,
        "malformed_count": run.malformed,
        "malformed": [
            {"source": p.where.source, "line": p.where.line, "reason": p.reason}
            for p in run.problems
        ],
        "unknown_types": dict(run.unknown_types),
    }


def record(r: RunRecord, stream: Stream) -> dict[str, Any]:
    """A run's row, and its whole detail when it was kept (``--run`` chose it)."""
    row = {
        "number": r.number,
        "command": r.command,
        "source": r.source,
        "line": r.line,
        "ok": r.ok,
        "exit_code": r.exit_code,
        "vms": {"total": r.vms_total, "ok": r.vms_ok, "failed": r.vms_failed},
        "duration_ms": r.duration_ms,
        "events": r.events,
        "malformed": r.malformed,
        "plan_only": r.plan_only,
        "interrupted": r.interrupted,
        "reasons": list(r.reasons),
    }
    kept = next((run for run in stream.chosen if run.number == r.number), None)
    if kept is not None and stream.selection.explicit:
        row["detail"] = run_detail(kept)
    return row


def _problem(f: Failure) -> dict[str, Any]:
    """A failure as the report lists it: the words the summary says, and the data."""
    w = why.why(f)
    return {
        "run": f.run,
        "vm": f.vm,
        "command": f.command,
        "what": w.what,
        "detail": "\n".join(f.error) or None,
        "detail_lines": f.error_lines,
        "step_detail": f.step_detail,
        "remediation": list(f.remediation),
        "source": f.source,
        "line": f.line,
        "level": "error",
    }


def encode(document: dict[str, Any]) -> bytes:
    """A document as indented JSON with a final newline (a report: with its runs' rows)."""
    return b"".join(pieces(document, []))


def pieces(document: dict[str, Any], runs: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """``document`` as indented JSON, its ``RUNS`` placeholder filled row by row from
    ``runs``: a log of 25,000 runs is written, never held whole."""
    head, found, tail = _indented(document).partition(_PLACEHOLDER)
    if not found:
        yield head + b"\n"
        return
    yield head + b"["
    first = True
    for row in runs:
        yield (b"\n    " if first else b",\n    ") + _indented(row).replace(b"\n", b"\n    ")
        first = False
    yield (b"]" if first else b"\n  ]") + tail + b"\n"


def _indented(value: Any) -> bytes:
    try:
        data = msgspec.json.encode(value)
    except UnicodeEncodeError:  # a file name that is not UTF-8: no encoder takes it
        data = msgspec.json.encode(_os_text(msgspec.to_builtins(value)))
    return msgspec.json.format(data, indent=2)


#: Where the runs go in a report: they are written one by one (``pieces``).
RUNS: Final = "\x00runs\x00"
_PLACEHOLDER: Final = b'"\\u0000runs\\u0000"'


def whole(stream: Stream, verdict: Verdict) -> bytes:
    """The report as ``--format json`` writes it, in one piece (for tests and tools)."""
    return b"".join(pieces(report(stream, verdict), rows(stream, verdict)))


def rows(stream: Stream, verdict: Verdict) -> Iterator[dict[str, Any]]:
    """The runs' rows of a report, one by one, each run as the verdict judges it."""
    return (record(r, stream) for r in agreeing(stream, verdict, stream.records()))


def _os_text(value: Any) -> Any:
    if isinstance(value, str):
        return os_text(value)
    if isinstance(value, dict):
        return {_os_text(k): _os_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_os_text(v) for v in value]
    return value


def _fields(obj: Any) -> dict[str, Any]:
    return dataclasses.asdict(obj)


def _vm(vm: Vm) -> dict[str, Any]:
    plan = vm.plan
    return {
        "name": vm.name,
        "state": vm.state,
        "phase": vm.phase,
        "plan": None if plan is None else _plan(plan),
        "ssh": vm.ssh,
        "ssh_left_out": [{"what": part.what, "why": part.why} for part in vm.ssh_left_out],
        "overlay_path": vm.overlay_path,
        "pid": vm.pid,
        "bootstrap": _bootstrap(vm.bootstrap),
        "shutdown": None if vm.shutdown is None else _fields(vm.shutdown),
        "reclaimed_bytes": vm.reclaimed_bytes,
        "warnings": vm.warnings,
        "errors": vm.errors,
    }


def _plan(plan: Plan) -> dict[str, Any]:
    fields = msgspec.structs.asdict(plan)
    del fields["ssh"]  # the vm's "ssh" and "ssh_left_out" say it
    return fields


def _bootstrap(b: Bootstrap | None) -> dict[str, Any] | None:
    if b is None:
        return None
    failed, slowest = b.failed_step, b.slowest_step
    return {
        "status": b.status,
        "trigger": b.trigger,
        "base_hash": b.base_hash,
        "artifact_hash": b.artifact_hash,
        "duration_ms": b.duration_ms,
        "steps": [
            {"step": s.step, "status": s.status, "duration_ms": s.duration_ms, "detail": s.detail}
            for s in b.steps
        ],
        "steps_not_tracked": b.steps_dropped,
        "failed_step": failed.step if failed else None,
        "slowest_step": slowest.step if slowest else None,
        "error": b.error,
        "stamp": b.stamp,
    }
