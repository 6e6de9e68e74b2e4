"""The fused intake of the frequent event types: one call per event, from decoded to counted.

message, bootstrap.step and vm.lifecycle are three lines in four of a Castra
stream. For each of them one function does what decoding's fix-up, the level
rule and ``Run.add`` do one after the other on the general path, without the
layers between them: the fix-up table, the two level tables, ``Run.add``'s
dispatch table and the calls through each.

No rule is written twice: each step calls the rule where it is declared —
the fix-ups of contract/decode.py, the level rules of contract/levels.py, the
counting and the trackers of the state (``Run.count``, ``Run.message``,
``Fleet.step``, ``Fleet.lifecycle``). tests/test_intake.py checks, line by
line, that the fused path and ``decode()`` + ``level_of()`` + ``Run.add()``
agree on the level, the event as fixed up, and the whole state.

An intake returns the event's level, or None when it takes no part in the
event (a lifecycle line its phase's rules make malformed): the general path
then says what the line is, with nothing of it counted yet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from castra_tail.contract import events as ev
from castra_tail.contract.decode import fix_lifecycle, fix_message
from castra_tail.contract.levels import Level, lifecycle_level, message_level, step_level
from castra_tail.run.state import Run

Intake = Callable[[Run, Any, str, int], "Level | None"]


def message(run: Run, e: ev.Message, source: str, line: int) -> Level | None:
    """A ``message``: its severity as the contract spells it, its level, counted, kept."""
    level = message_level(fix_message(e))
    run.count(e, level, source, line)
    run.message(e)
    return level


def step(run: Run, e: ev.BootstrapStep, source: str, line: int) -> Level | None:
    """A ``bootstrap.step``: its level, counted, and the step added to its VM's bootstrap."""
    level = step_level(e)
    run.count(e, level, source, line)
    run.fleet.step(e)
    return level


def lifecycle(run: Run, e: ev.VmLifecycle, source: str, line: int) -> Level | None:
    """A ``vm.lifecycle`` step with the fields its phase requires: its level, counted, and
    what its phase changes on its VM. Without them: None (a malformed line)."""
    if fix_lifecycle(e) is not e:
        return None
    level = lifecycle_level(e)
    run.count(e, level, source, line)
    run.fleet.lifecycle(e)
    return level


#: The types that take the fused path, and the intake of each.
INTAKES: Final[dict[type, Intake]] = {
    ev.Message: message,
    ev.BootstrapStep: step,
    ev.VmLifecycle: lifecycle,
}
