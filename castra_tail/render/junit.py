"""Runs as JUnit XML (``--junit FILE``): what Jenkins, GitLab and most CI systems read.

One ``testsuite`` per run, named as the run (``castra up``); for a run kept
whole (the one shown in full, or those ``--run`` chose), one ``testcase``
per VM bootstrap, its time the bootstrap's, its timeline (steps' times, the
failed step's detail, the error) in ``system-out``. A failed bootstrap, or a
plan whose action is ``error``, is a ``failure`` (the summary's words as its
message, the error in full as its text); one that never finished is an
``error``; one planned to be skipped is ``skipped``. Each run kept whole ends
with a testcase of its own, ``verdict``, failed with that run's reasons when
it failed (run/verdict.py ``per_run``: never another run's), so a run that
fails for no VM's sake (a rejected command, a stream cut short) still fails
the report. A run of an appended log that was only folded into its record
(see run/stream.py) is one testcase, failed with its reasons and what failed,
so every run judged is in the report.

Built with ElementTree, which escapes markup; what XML 1.0 cannot hold at all
(C0 controls but tab and newline, lone surrogates, U+FFFE/U+FFFF) is written
as visible escapes (``\\x1b``), as in a terminal.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Final

from castra_tail.render import facts, why
from castra_tail.render.clock import MS, parse_ts
from castra_tail.render.text import escape
from castra_tail.render.theme import Palette
from castra_tail.render.timeline import timeline
from castra_tail.render.trace import run_label
from castra_tail.run.log import RunRecord
from castra_tail.run.state import Run
from castra_tail.run.stream import Stream
from castra_tail.run.verdict import Verdict, per_run
from castra_tail.run.vm import Vm

#: What XML 1.0 does not allow in a document (its ``Char`` production), and C1 controls,
#: which it allows but no reader wants in a report.
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_NO_COLOUR: Final = Palette(None)


def xml_text(value: str) -> str:
    """Stream text that any XML 1.0 document can hold; tabs and newlines are kept."""
    return _NOT_XML.sub(lambda m: escape(m.group()), value)


def junit(stream: Stream, verdict: Verdict) -> bytes:
    """The JUnit XML report of the runs chosen from ``stream``, judged by ``verdict``."""
    whole = {run.number: run for run in stream.chosen}
    records = stream.records()
    numbered = len(records) > 1
    root = ET.Element("testsuites", name="castra-tail")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    seconds = 0.0
    judged = per_run(stream, verdict)
    for record in records:
        run, own = whole.get(record.number), judged[record.number]
        suite = (
            _suite(run, own, numbered=numbered)
            if run is not None
            else _record_suite(record, own if own.reasons != record.reasons else None)
        )
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
        seconds += float(suite.get("time", "0"))
    if not records:  # never without the verdict's testcase: CI reads the failures
        suite = _counted("castra-tail", [], verdict, 0)
        root.append(suite)
        totals["tests"], totals["failures"] = 1, int(suite.get("failures", "0"))
    for key, n in totals.items():
        root.set(key, str(n))
    root.set("time", f"{seconds:.3f}")
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode(
        "utf-8", "backslashreplace"
    )


def _suite(run: Run, verdict: Verdict | None, *, numbered: bool = False) -> ET.Element:
    label = run_label(run)
    name = xml_text(f"run {run.number}: {label}" if numbered else label)
    cases = [_case(vm, name) for vm in run.vms.values() if vm.bootstrap is not None]
    suite = _counted(name, cases, verdict, _run_ms(run))
    started = _first_time(run)
    if started is not None:
        suite.set("timestamp", started)
    return suite


def _record_suite(record: RunRecord, verdict: Verdict | None) -> ET.Element:
    """A run known only by its record: one testcase, the run itself."""
    label = f"castra {record.command}" if record.command else "castra-tail"
    name = xml_text(f"run {record.number}: {label}")
    case = ET.Element("testcase", name=f"run {record.number}", classname=name)
    case.set("time", _seconds(record.duration_ms or 0))
    if not record.ok:
        found = [why.why(f) for f in record.failures]
        body = "\n".join(
            "\n".join([f"{w.who}: {w.what}", *w.error, *([w.step] if w.step else [])])
            for w in found
        )
        message = "; ".join(record.reasons)
        kind = "error" if record.interrupted else "failure"
        _child(case, kind, message, "run", body or message)
    return _counted(name, [case], verdict, record.duration_ms or 0)


def _counted(name: str, cases: list[ET.Element], verdict: Verdict | None, ms: int) -> ET.Element:
    suite = ET.Element("testsuite", name=name)
    if verdict is not None:
        cases.append(_verdict_case(verdict, name))
    counts = {"failure": 0, "error": 0, "skipped": 0}
    for case in cases:
        for kind in counts:
            counts[kind] += case.find(kind) is not None
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(counts["failure"]))
    suite.set("errors", str(counts["error"]))
    suite.set("skipped", str(counts["skipped"]))
    suite.set("time", _seconds(ms))
    suite.extend(cases)
    return suite


def _case(vm: Vm, suite: str) -> ET.Element:
    b = vm.bootstrap
    assert b is not None
    case = ET.Element("testcase", name=xml_text(vm.name), classname=f"{suite}.bootstrap")
    case.set("time", _seconds(max(b.duration_ms or 0, b.steps_ms)))
    plan = vm.plan
    if b.status == "failed":
        failed = b.failed_step
        at = f" at {failed.step}" if failed else ""
        first = next((line for line in (b.error or "").splitlines() if line.strip()), "")
        message = f"bootstrap failed{at}: {first}" if first else f"bootstrap failed{at}"
        body = "\n".join(t for t in (b.error, failed.detail if failed else None) if t)
        _child(case, "failure", message, "bootstrap.failed", body)
    elif plan is not None and plan.action == "error":
        _child(case, "failure", f"plan error: {plan.reason}", "bootstrap.planned", plan.reason)
    elif b.status in ("incomplete", "interrupted"):
        steps = f"{len(b.steps)} step{'s' * (len(b.steps) != 1)} seen"
        _child(case, "error", f"bootstrap {b.status}: never finished, {steps}", b.status)
    elif b.status == "planned":
        why = f"{plan.action}: {plan.reason}" if plan is not None else "not started"
        ET.SubElement(case, "skipped", message=xml_text(why))
    out = ET.SubElement(case, "system-out")
    out.text = xml_text(timeline(vm, 80, _NO_COLOUR))
    return case


def _verdict_case(verdict: Verdict, suite: str) -> ET.Element:
    """The run's verdict, in its suite's class: each run's is a test of its own."""
    case = ET.Element("testcase", name="verdict", classname=suite, time="0")
    if not verdict.ok:
        head, rest = facts.verdict(verdict)
        kind = "error" if head.text.endswith("interrupted") else "failure"
        _child(case, kind, f"{head.text[2:]} {rest}", "verdict", "\n".join(verdict.reasons))
    return case


def _child(case: ET.Element, tag: str, message: str, kind: str, body: str | None = None) -> None:
    element = ET.SubElement(case, tag, message=xml_text(message), type=kind)
    if body:
        element.text = xml_text(body)


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.3f}"


def _run_ms(run: Run) -> int:
    """How long the run took: its summary's word, else its longest bootstrap."""
    if run.summary is not None:
        return run.summary.duration_ms
    boots = [vm.bootstrap for vm in run.vms.values() if vm.bootstrap is not None]
    return max((max(b.duration_ms or 0, b.steps_ms) for b in boots), default=0)


def _first_time(run: Run) -> str | None:
    """The earliest ``ts`` of the run's VMs, as JUnit's ``timestamp`` (UTC, no offset)."""
    times = [t for vm in run.vms.values() for ts in _stamps(vm) if (t := parse_ts(ts)) is not None]
    if not times:
        return None
    moment = _EPOCH + timedelta(microseconds=min(times) - min(times) % (1000 * MS))
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _stamps(vm: Vm) -> list[str]:
    stamps = list((vm.times or {}).values())
    b = vm.bootstrap
    if b is not None:
        stamps += [s for s in (b.started_ts, b.ended_ts) if s]
        stamps += [s.ts for s in b.steps[:1] if s.ts]
    return stamps
