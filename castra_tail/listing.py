"""``castra-tail runs FILE…``: the runs of some streams, a row each (or one JSON document).

For an appended log, the first question is what it holds: which commands ran
when, which failed and why. Every run is listed (a log of very many keeps the
first and last few thousand and every failed one, and says how many more).
The exit status is 0: listing is not judging (``castra-tail FILE`` judges).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from castra_tail.filters import Selector
from castra_tail.input.read import read_inputs
from castra_tail.input.sources import Source
from castra_tail.output.env import Env
from castra_tail.output.modes import Silent
from castra_tail.pipeline import consume
from castra_tail.render.report import encode, record
from castra_tail.run.log import RunRecord
from castra_tail.run.stream import Stream
from castra_tail.run.verdict import agreeing, judge
from castra_tail.status import ExitStatus


def run(sources: Sequence[Source], env: Env, *, fmt: str, max_line: int, width: int) -> int:
    """Read ``sources``, list their runs on stdout, and return the exit status."""
    stream = Stream()
    consume(read_inputs(sources, max_line), stream, Silent(), Selector(), None)
    stream.finish()
    records = judged(stream)
    out = env.stdout
    if fmt == "json":
        out.write_bytes(encode(document(stream, records)))
    else:
        from castra_tail.render.console import console, draw
        from castra_tail.render.summary import runs_table

        drawn = console(env.environ, color=env.wants_color("auto", tty=env.stdout_tty), width=width)
        out.write(draw(drawn, runs_table(stream, every=True, records=records)))
    out.flush()
    return ExitStatus.OK


def judged(stream: Stream) -> list[RunRecord]:
    """Every run kept, each as the verdict judges it (run/verdict.py ``agreeing``)."""
    return agreeing(stream, judge(stream), stream.log.records())


def document(stream: Stream, records: list[RunRecord] | None = None) -> dict[str, Any]:
    """The runs of ``stream`` (as ``judged`` says) as ``castra-tail runs --format json``
    writes them."""
    return {
        "runs": [record(r, stream) for r in (stream.log.records() if records is None else records)],
        "runs_read": stream.runs,
        "runs_not_listed": stream.log.dropped,
        "lines": stream.lines,
    }
