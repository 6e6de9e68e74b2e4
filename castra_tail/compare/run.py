"""``castra-tail compare``: read both sides, compare them, write the comparison, say the status.

Exit 0 whatever changed (comparing is not judging); with ``--fail-on-regression``,
1 when anything got slower or newly failed. Strings in the JSON document are
the stream's as the state keeps them (JSON makes them inert).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import msgspec

from castra_tail.compare import sides
from castra_tail.compare.diff import compare, side_of
from castra_tail.compare.records import Comparison, Thresholds
from castra_tail.output.env import Env
from castra_tail.render.report import encode
from castra_tail.status import ExitStatus


def run(
    old: str,
    new: str | None,
    env: Env,
    *,
    fmt: str,
    thresholds: Thresholds,
    fail_on_regression: bool,
    color: str = "auto",
    max_line: int,
    width: int,
) -> int:
    """Compare the runs ``old`` and ``new`` name (``new`` None: the last two of ``old``)."""
    pair = sides.sides(old, new)
    a, b = sides.read(
        pair,
        stdin_tty=env.stdin_tty,
        stdin_closed=env.stdin_closed,
        max_line=max_line,
        one_file=new is None,
    )
    c = compare(
        (side_of(a.label, a.name, a.runs, a.run, a.record, a.chosen), a.run),
        (side_of(b.label, b.name, b.runs, b.run, b.record), b.run),
        thresholds,
    )
    out = env.stdout
    if fmt == "json":
        out.write_bytes(encode(document(c)))
    elif fmt == "markdown":
        from castra_tail.compare.markdown import comparison

        out.write(comparison(c))
    else:
        from castra_tail.compare.text import comparison as drawn
        from castra_tail.render.console import console, draw

        rich = console(env.environ, color=env.wants_color(color, tty=env.stdout_tty), width=width)
        out.write(draw(rich, drawn(c, width)))
    out.flush()
    return ExitStatus.FAILED if fail_on_regression and c.regressed else ExitStatus.OK


def document(c: Comparison) -> dict[str, Any]:
    """The comparison as ``--format json`` writes it."""
    doc: dict[str, Any] = msgspec.to_builtins(c)
    doc["counts"] = {
        "steps": dict(Counter(row.change for vm in c.vms for row in vm.steps)),
        "vms": dict(Counter(vm.change for vm in c.vms)),
    }
    doc["regressed"] = c.regressed
    doc["unchanged"] = c.unchanged
    return doc
