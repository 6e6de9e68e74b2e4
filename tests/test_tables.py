"""Each rule has one home, and every dispatch table covers what it must: every event type.

A type added to the contract without a level, a state handler or a renderer
fails here, not at 2 a.m. on a stream that carries it.
"""

from __future__ import annotations

from collections import Counter

from castra_tail.contract import events as ev
from castra_tail.contract import rules
from castra_tail.contract.levels import CONSTANT_LEVELS, LEVEL_RULES
from castra_tail.render.layout import Layout
from castra_tail.render.lines import Lines
from castra_tail.render.panel import PHASES as PANEL_PHASES
from castra_tail.render.theme import Palette
from castra_tail.render.transcript import Transcript
from castra_tail.run import state
from castra_tail.run.commands import Commands
from castra_tail.run.harness import Transcript as TranscriptTracker
from castra_tail.run.phases import PHASE_EFFECTS
from castra_tail.run.records import Plan
from castra_tail.run.state import Run
from castra_tail.run.vm import Bootstrap, Shutdown, Vm
from castra_tail.run.vms import Fleet

EVERY_TYPE = set(ev.EVENT_TYPES)


def test_every_type_has_exactly_one_attention_rule() -> None:
    assert set(CONSTANT_LEVELS) | set(LEVEL_RULES) == EVERY_TYPE
    assert not set(CONSTANT_LEVELS) & set(LEVEL_RULES)


def test_every_type_changes_the_state_through_exactly_one_tracker() -> None:
    run = Run()
    assert set(run._handlers) | set(state._OWN) == EVERY_TYPE
    tables = [state._OWN, Fleet().handlers(), Commands().handlers(), TranscriptTracker().handlers()]
    owners = Counter(cls for table in tables for cls in table)
    assert all(n == 1 for n in owners.values()), owners


def test_every_type_has_a_line_renderer() -> None:
    assert set(Lines(Palette(None))._methods) == EVERY_TYPE


def test_every_known_phase_has_its_effect_and_its_required_fields() -> None:
    assert set(PHASE_EFFECTS) == set(ev.PHASES) == set(rules.PHASE_FIELDS)
    assert set(rules.PHASE_ENUMS) <= set(ev.PHASES)


def test_every_known_item_type_has_its_fields_and_its_renderer() -> None:
    assert set(rules.ITEM_FIELDS) == set(ev.ITEM_TYPES)
    assert set(Transcript(Layout(Palette(None))).items) == set(ev.ITEM_TYPES)


def test_every_spelling_names_real_fields() -> None:
    for sp in rules.SPELLINGS:
        fields = ev.CLASS_OF[sp.type].__struct_fields__
        assert sp.name in fields and sp.other in fields


def test_the_panel_shows_every_state_a_vm_can_be_in() -> None:
    plan = Plan("auto", "would_run", "r")
    vms = [
        Vm("a"),
        Vm("b", plan=plan),
        Vm("c", pid=1),
        Vm("d", pid=1, plan=plan, bootstrap=Bootstrap()),
        Vm("e", shutdown=Shutdown()),
        Vm("f", shutdown=Shutdown(outcome="graceful")),
        *(Vm(s, bootstrap=Bootstrap(status=s)) for s in ("running", "success", "failed")),
        *(Vm(s, bootstrap=Bootstrap(status=s)) for s in ("incomplete", "interrupted")),
    ]
    states = {vm.state for vm in vms}
    assert states == set(PANEL_PHASES)
