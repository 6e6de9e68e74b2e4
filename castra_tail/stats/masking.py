"""Failure texts with what differs from one run to the next masked, so that alike ones group.

``apply: /var/lib/castra/web-3/run.sh exited with status 100`` and ``apply:
/var/lib/castra/db-0/run.sh exited with status 1`` are one failure:
``apply: …/run.sh exited with status N``. Masked, in this order: UUIDs
(``<uuid>``), hashes — a run of 7 or more hex digits with a digit and a letter
in it (``<hash>``) —, the directories of paths (``…/run.sh``: the file's own
name says what failed, where it lies varies per VM), and numbers (``N``) but
exit statuses (``status 100``: a missing package is not an out-of-memory kill).
"""

from __future__ import annotations

import re
from typing import Final

from castra_tail.run.failures import Failure
from castra_tail.run.kept import keep

_UUID: Final = re.compile(
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE
)
_HASH: Final = re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b", re.IGNORECASE)
#: A path: absolute, from home or here (``/a/b``, ``~/a``, ``./a``), or with a directory
#: (``bootstrap/db/packages.txt``); its last part is kept.
_PATH: Final = re.compile(r"(?:~|\.{1,2})?/(?:[^\s/:'\"`,;()<>\[\]{}|]+/)*|(?:[\w.-]+/)+")
#: A number, but an exit status: ``status 100`` and ``status 137`` are two failures.
_NUMBER: Final = re.compile(r"(?<!\d)(?<!status )(?<!exit )(?<!code )\d+")
#: Characters of a failure's text used for its group (a longer one is cut).
MAX_TEXT: Final = 300


def mask(text: str) -> str:
    """``text`` with UUIDs, hashes, the directories of paths and numbers masked."""
    text = _UUID.sub("<uuid>", text[:MAX_TEXT])
    text = _HASH.sub("<hash>", text)
    text = _PATH.sub(_dirs, text)
    return _NUMBER.sub("N", text)


def _dirs(found: re.Match[str]) -> str:
    return "…/"


def text_of(f: Failure) -> str:
    """What a failure says, in one line: its error's first line and, where the error or
    the failed step's detail says more, its last line (the cause: ``E: Unable to locate
    package …``); else what failed."""
    from castra_tail.render.why import what  # the words of the summary

    lines = [line.strip() for line in f.error if line.strip()]
    said = lines[0] if lines else what(f)
    detail = [line.strip() for line in (f.step_detail or "").splitlines() if line.strip()]
    cause = lines[-1] if len(lines) > 1 else detail[-1] if detail else None
    if cause is not None and cause != said:
        said = f"{said} · {cause}"
    if f.kind == "command" and f.command:
        said = f"{f.command}: {said}"
    return keep(said)
