"""``castra-tail stats FILE…``: every run of the inputs read and added up, then said.

Exit 0 (telling is not judging), 2 for usage errors. A big plain file is
read on several cores (``parts``) unless ``--jobs 1``; the answer is the same.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from castra_tail import parallel
from castra_tail.filters import Selector
from castra_tail.input.read import read_inputs
from castra_tail.input.sources import FileSource
from castra_tail.output.env import Env
from castra_tail.output.modes import Silent
from castra_tail.pipeline import consume
from castra_tail.render.report import encode
from castra_tail.run.stream import Stream
from castra_tail.stats import parts
from castra_tail.stats.report import Report, report
from castra_tail.stats.tally import Tally
from castra_tail.status import ExitStatus


def read(sources: Sequence[FileSource], *, max_line: int, jobs: int, by_vm: bool) -> Report:
    """Every run of ``sources``, added up: each run is tallied as the stream folds it."""
    tally = Tally(by_vm=by_vm)
    stream = Stream(on_fold=tally.add)
    for source in sources:
        n = parallel.parts(source.path, jobs) if source.path != "-" else 1
        if n > 1:
            joined = parts.Parts(tally)
            parallel.read_file(source.path, stream, max_line, n, joined)
            if joined.inexact:  # past a name cap, parts would not add up as one reading
                return read(sources, max_line=max_line, jobs=1, by_vm=by_vm)
        else:
            consume(read_inputs([source], max_line), stream, Silent(), Selector(), None)
    stream.finish()
    return report(tally, [s.name for s in sources], stream.lines)


def run(
    sources: Sequence[FileSource],
    env: Env,
    *,
    fmt: str,
    by_vm: bool,
    top: int,
    jobs: int | None,
    color: str,
    max_line: int,
    width: int,
) -> int:
    """Read ``sources``, write their stats to stdout, and return the exit status."""
    r = read(sources, max_line=max_line, jobs=jobs or parallel.jobs_available(), by_vm=by_vm)
    out = env.stdout
    if fmt == "json":
        out.write_bytes(encode(msgspec.to_builtins(r)))
    elif fmt == "markdown":
        from castra_tail.stats.markdown import stats

        out.write(stats(r, top))
    else:
        from castra_tail.render.console import console, draw
        from castra_tail.stats.text import stats as drawn

        rich = console(env.environ, color=env.wants_color(color, tty=env.stdout_tty), width=width)
        out.write(draw(rich, drawn(r, width, top)))
    out.flush()
    return ExitStatus.OK
