"""Filters: type patterns, VM globs, levels; a stricter filter shows a subset."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from castra_tail.contract.events import KNOWN_TYPES
from castra_tail.contract.levels import Level
from castra_tail.filters import FAMILIES, Selector, pattern_hint, type_matches

from conftest import EXAMPLES, run_cli


@pytest.mark.parametrize(
    ("pattern", "type_name", "expected"),
    [
        ("bootstrap", "bootstrap.step", True),
        ("bootstrap", "bootstrap", True),
        ("boot", "bootstrap.step", False),
        ("bootstrap.step", "bootstrap.step", True),
        ("bootstrap.step", "bootstrap.started", False),
        ("command.re*", "command.rejected", True),
        ("command.re*", "command.accepted", False),
        ("*.failed", "bootstrap.failed", True),
        ("vm", "vm.lifecycle", True),
        ("command.?ailed", "command.failed", True),
    ],
)
def test_type_patterns(pattern: str, type_name: str, expected: bool) -> None:
    assert type_matches(pattern, type_name) is expected


def test_families_cover_the_contract() -> None:
    assert FAMILIES == (
        "message",
        "vm.lifecycle",
        "bootstrap",
        "usage",
        "cleanup",
        "command",
        "summary",
        "thread",
        "turn",
        "item",
        "error",
    )


def test_hint_for_a_typo_only() -> None:
    assert pattern_hint("bootstrap") is None and pattern_hint("command.*") is None
    hint = pattern_hint("bootsrap.step")
    assert hint is not None and "did you mean 'bootstrap.step'?" in hint


def test_selector_combines_all_filters() -> None:
    sel = Selector(
        types=("bootstrap",), exclude=("bootstrap.step",), vms=("web-*",), min_level=Level.PROGRESS
    )
    assert sel.wants("bootstrap.started", "web-0", Level.PROGRESS)
    assert not sel.wants("bootstrap.step", "web-0", Level.PROGRESS)
    assert not sel.wants("bootstrap.started", "db-0", Level.PROGRESS)
    assert not sel.wants("bootstrap.completed", "web-0", Level.INFO)
    assert not sel.wants("bootstrap.started", None, Level.ERROR)


def test_non_event_lines_follow_level_and_hide_under_type_or_vm_filters() -> None:
    assert Selector().wants_line(Level.INFO)
    assert not Selector(min_level=Level.WARN).wants_line(Level.INFO)
    assert Selector(min_level=Level.WARN).wants_line(Level.WARN)
    assert not Selector(types=("message",)).wants_line(Level.WARN)
    assert not Selector(vms=("a",)).wants_line(Level.WARN)
    assert Selector(exclude=("usage",)).wants_line(Level.WARN)


PATTERNS = st.sampled_from([*KNOWN_TYPES, *FAMILIES, "*", "command.*", "*.failed", "b*"])
ALL_LINES = b"".join(p.read_bytes() for p in sorted(EXAMPLES.glob("*.ndjson")))


def shown(args: list[str]) -> list[bytes]:
    return run_cli(["--format", "ndjson", *args], stdin=ALL_LINES).stdout.splitlines()


@given(
    st.lists(PATTERNS, max_size=2),
    st.lists(PATTERNS, max_size=2),
    st.sampled_from(["info", "progress", "warn", "error", "blocker"]),
    st.lists(st.sampled_from(["web-0", "db-0", "web-*", "cache-0"]), max_size=2),
    PATTERNS,
    st.sampled_from(["progress", "warn", "error"]),
)
@settings(max_examples=30, deadline=None)
def test_a_stricter_filter_shows_a_subset(
    types: list[str],
    exclude: list[str],
    level: str,
    vms: list[str],
    extra_exclude: str,
    stricter_level: str,
) -> None:
    base = [
        *(a for t in types for a in ("-t", t)),
        *(a for t in exclude for a in ("-T", t)),
        "--level",
        level,
        *(a for v in vms for a in ("--vm", v)),
    ]
    loose = shown(base)
    assume(loose)  # a filter that already shows nothing says nothing about a stricter one
    order = ["info", "progress", "warn", "error", "blocker"]
    higher = order[max(order.index(level), order.index(stricter_level))]
    narrower = [["-T", extra_exclude], ["--level", higher]]
    if not vms:  # a second --vm widens the choice; a first one narrows it
        narrower.append(["--vm", "db-0"])
    for stricter in narrower:
        tight = shown([*base, *stricter])
        assert set(tight) <= set(loose)
        it = iter(loose)
        assert all(line in it for line in tight)  # same order, a subsequence
