"""``castra-tail check``: does a stream keep Event Contract v1? For producers' own tests.

Each finding is ``FILE:LINE: reason``. Errors: a line that is not a valid
event (exactly what ``--strict`` counts as malformed: the same decoder says
so, a number beyond 64 bits included), a value the contract does not name, a
bad ``ts``, and per-VM order problems (a step before ``bootstrap.started``, a
second completion, a step after the end). Notes, which do not fail the check:
an unknown ``type`` (forward compatibility), and values the contract says
consumers must show as they are (a new phase, step name, operation or item
type). Which values are known, and which fields are open, is declared once in
``events`` (``_known``): ``castra-tail schema`` reads the same declarations.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

import msgspec

from castra_tail.contract import events as ev
from castra_tail.contract import native, rules
from castra_tail.contract.decode import BLANK, Malformed, Unknown, decode, without_boms
from castra_tail.contract.times import ts_problem
from castra_tail.input.framing import Blanks, Skipped
from castra_tail.input.read import read_inputs
from castra_tail.input.sources import Chunk, Source
from castra_tail.output.stdio import StdoutClosed
from castra_tail.output.writer import Writer
from castra_tail.render.text import clean, os_text, plural
from castra_tail.status import ExitStatus

MAX_TRACKED_VMS: Final = 100_000
_SEVERITY_KNOWN: Final = (*ev.SEVERITIES, *(f"{a} in any case" for a in ev.SEVERITY_ALIASES))


class _Spelled(msgspec.Struct):
    """The ``severity`` of a message as its line spells it (decoding folds the aliases)."""

    severity: Any = None


_SPELLED: Final = msgspec.json.Decoder(_Spelled)
_BOOTSTRAP_END: Final = (ev.BootstrapCompleted, ev.BootstrapFailed)


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing ``check`` has to say about a line."""

    source: str
    line: int
    kind: str  # "error" or "note"
    reason: str

    def text(self) -> str:
        """``FILE:LINE: reason``, or ``FILE:LINE: note: reason``."""
        note = "note: " if self.kind == "note" else ""
        return f"{self.source}:{self.line}: {note}{self.reason}"


class Checker:
    """Checks lines in order, remembering per VM where its bootstrap is."""

    def __init__(self) -> None:
        self.lines = 0
        self.errors = 0
        self.notes = 0
        self._bootstraps: dict[str, tuple[str, int]] = {}  # vm → (state, line)

    def check(self, sources: Sequence[Source], max_line: int) -> Iterator[list[Finding]]:
        """The findings about every line of ``sources``, in order, a list per batch read."""
        source = None
        for item in read_inputs(sources, max_line):
            if not isinstance(item, Chunk):
                continue
            if item.source != source:  # each file is a stream of its own
                source = item.source
                self._bootstraps.clear()
            yield list(self._chunk(item))

    def _chunk(self, item: Chunk) -> Iterator[Finding]:
        name = os_text(item.source)  # a file name that is not UTF-8 still makes JSON
        for lineno, raw in enumerate(item.lines, item.first):
            self.lines += 1
            for kind, reason in self._line(raw):
                if kind == "error":
                    self.errors += 1
                else:
                    self.notes += 1
                yield Finding(name, lineno, kind, reason)

    def _line(self, raw: bytes) -> Iterator[tuple[str, str]]:
        if isinstance(raw, Blanks):  # a run of blank lines, counted as one by check()
            self.lines += raw.lines - 1
            return
        if isinstance(raw, Skipped):
            yield "error", raw.reason
            return
        decoded = decode(raw) if raw else BLANK
        if isinstance(decoded, Malformed):
            if decoded is not BLANK:
                yield "error", decoded.reason
            return
        if isinstance(decoded, Unknown):
            yield "note", f'unknown type "{decoded.type}" (a newer contract?)'
            return
        variant = native.variant_of(raw)
        if variant is not None:
            yield "note", f"Castra's native form ({variant}), read as {ev.TYPE_OF[type(decoded)]}"
        if isinstance(decoded, ev.Message):
            # As the line spells it: decoding folded the case (the native form is read in any case).
            spelled = decoded.severity if variant else _SPELLED.decode(without_boms(raw)).severity
            if not ev.is_severity(spelled):
                yield "error", _unknown_value("message", "severity", spelled, _SEVERITY_KNOWN)
        yield from _fields(decoded)
        yield from self._order(decoded)

    def _order(self, e: ev.Event) -> Iterator[tuple[str, str]]:
        if not isinstance(
            e, ev.BootstrapStarted | ev.BootstrapStep | ev.BootstrapCompleted | ev.BootstrapFailed
        ):
            return
        state, since = self._bootstraps.get(e.vm, ("none", 0))
        name = ev.TYPE_OF[type(e)]
        at = f" (line {since})" if since else ""
        if isinstance(e, ev.BootstrapStarted):
            if state == "started":
                yield "error", f"{name} for {e.vm}: its bootstrap already started{at}"
            self._remember(e.vm, "started")
        elif state == "none":
            yield "error", f"{name} for {e.vm} before bootstrap.started"
        elif state in ("completed", "failed"):
            yield "error", f"{name} for {e.vm} after bootstrap.{state}{at}"
        if isinstance(e, _BOOTSTRAP_END) and state != "none":
            self._remember(e.vm, "failed" if isinstance(e, ev.BootstrapFailed) else "completed")

    def _remember(self, vm: str, state: str) -> None:
        if vm in self._bootstraps or len(self._bootstraps) < MAX_TRACKED_VMS:
            self._bootstraps[vm] = (state, self.lines)


def _fields(e: ev.Event) -> Iterator[tuple[str, str]]:
    name = ev.TYPE_OF[type(e)]
    yield from _known_values(name, e, "")
    if isinstance(e, ev.VmLifecycle):
        for field, values in rules.PHASE_ENUMS.get(e.phase, {}).items():
            value = getattr(e, field)
            if value not in values:
                yield "error", _unknown_value(f"{name} {e.phase}", field, value, values)
    if e.ts is not None and (problem := ts_problem(e.ts)) is not None:
        yield "error", f'{name}: ts: "{e.ts}" {problem}'


def _known_values(name: str, struct: msgspec.Struct, path: str) -> Iterator[tuple[str, str]]:
    """Each enum-valued field of ``struct``, and of the structs in it, against its declaration."""
    enums = rules.enum_fields(type(struct))
    said: set[tuple[str, tuple[str, ...]]] = set()  # an alias folded in holds the same value
    for field in struct.__struct_fields__:
        value = getattr(struct, field)
        if field in enums and value is not None:
            known, open_ = enums[field]
            if value not in known and (value, known) not in said:
                said.add((value, known))
                yield (
                    ("note" if open_ else "error"),
                    _unknown_value(name, path + field, value, known),
                )
        for inner in value if isinstance(value, list) else (value,):
            if isinstance(inner, msgspec.Struct):
                yield from _known_values(name, inner, f"{path}{field}.")


def _unknown_value(name: str, field: str, value: object, values: tuple[str, ...]) -> str:
    return f'{name}: {field}: unknown value "{value}" (known: {", ".join(values)})'


def run(sources: Sequence[Source], out: Writer, *, fmt: str, max_line: int) -> int:
    """Check ``sources``, write the findings to ``out``, and return the exit status.

    Findings are written as they are found, flushed once per batch read (a
    huge broken log costs no memory, and the first finding shows at once),
    the JSON form too: its array is streamed, the totals come last.
    """
    checker = Checker()
    try:
        if fmt == "json":
            out.write('{"findings": [')
            first = True
            for batch in checker.check(sources, max_line):
                for finding in batch:
                    out.write_bytes((b"\n  " if first else b",\n  ") + msgspec.json.encode(finding))
                    first = False
                out.flush()
            totals = {
                "lines": checker.lines,
                "errors": checker.errors,
                "notes": checker.notes,
                "ok": checker.errors == 0,
            }
            out.write_bytes(b"\n], " + msgspec.json.encode(totals)[1:] + b"\n")
        else:
            for batch in checker.check(sources, max_line):
                out.write("".join(clean(finding.text()) + "\n" for finding in batch))
                out.flush()
            verdict = "ok" if checker.errors == 0 else "FAILED"
            out.write(
                f"check {verdict}: {plural(checker.lines, 'line')}, "
                f"{plural(checker.errors, 'error')}, {plural(checker.notes, 'note')}\n"
            )
        out.flush()
    except StdoutClosed:
        return ExitStatus.PIPE_CLOSED
    return ExitStatus.FAILED if checker.errors else ExitStatus.OK
