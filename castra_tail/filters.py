"""What is shown: pure predicates built from ``--type``, ``--exclude-type``, ``--vm``, ``--level``,
and ``find`` (``--grep``, ``--since``/``--until``).

Filters choose what is *shown*; the state, the summary and the exit status
always cover the whole stream.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Final

from castra_tail.contract.events import KNOWN_TYPES, TYPE_OF, family_of
from castra_tail.contract.levels import Level
from castra_tail.find import Finder

FAMILIES: Final = tuple(dict.fromkeys(family_of(t) for t in KNOWN_TYPES))
_GLOB: Final = frozenset("*?[")
#: Answers remembered per cache: a stream can hold a million distinct types or VMs.
MAX_CACHED: Final = 10_000
#: Longer names are not remembered: a key keeps its whole string alive.
MAX_KEY: Final = 256


def type_matches(pattern: str, type_name: str) -> bool:
    """True when ``type_name`` is ``pattern``, in its family, or matches it as a glob.

    ``bootstrap`` matches every ``bootstrap.*``; ``command.re*`` is a glob.
    """
    if _GLOB.intersection(pattern):
        return fnmatchcase(type_name, pattern)
    return type_name == pattern or type_name.startswith(pattern + ".")


def pattern_hint(pattern: str) -> str | None:
    """A warning for a ``--type`` pattern that matches no type of the contract."""
    if any(type_matches(pattern, t) for t in KNOWN_TYPES):
        return None
    close = difflib.get_close_matches(pattern, KNOWN_TYPES + FAMILIES, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"--type/--exclude-type {pattern!r} matches no type of Event Contract v1{hint}"


@dataclass
class Selector:
    """Decides whether an event is shown.

    Lines that are not events (plain text, malformed JSON) have no type and no
    VM: they are shown only when no ``--type``/``--vm`` filter is set, and at
    ``--level`` info (text) or warn (malformed) like any event.
    """

    types: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    vms: tuple[str, ...] = ()
    min_level: Level = Level.INFO
    #: ``--grep`` and ``--since``/``--until``: asked last, about events the rest let through.
    finder: Finder | None = None
    _type_cache: dict[str, bool] = field(default_factory=dict, repr=False)
    _vm_cache: dict[str | None, bool] = field(default_factory=dict, repr=False)

    @property
    def narrowed(self) -> bool:
        """True when ``--type`` or ``--vm`` asks for particular events."""
        return bool(self.types or self.vms)

    def vms_seen(self) -> tuple[list[str], bool]:
        """The VMs ``--vm`` was asked about so far, and whether that list is all of them
        (it is not once the cache is full, or a name was too long to remember)."""
        names = [vm for vm in self._vm_cache if vm is not None]
        return names, len(self._vm_cache) < MAX_CACHED

    def wants_raw(self, raw: bytes) -> bool:
        """Whether a line that is not an event passes ``--grep``/``--since`` (a pattern can
        match its text; it has no time)."""
        return self.finder is None or self.finder.line(raw)

    def wants_type(self, type_name: str) -> bool:
        """Whether events of this type pass the type filters."""
        cached = self._type_cache.get(type_name)
        if cached is None:
            included = not self.types or any(type_matches(p, type_name) for p in self.types)
            excluded = any(type_matches(p, type_name) for p in self.exclude)
            cached = included and not excluded
            if len(self._type_cache) < MAX_CACHED and len(type_name) <= MAX_KEY:
                self._type_cache[type_name] = cached
        return cached

    def type_table(self) -> dict[type, bool]:
        """Whether each event class passes the type filters (the hot loop reads this)."""
        return {cls: self.wants_type(name) for cls, name in TYPE_OF.items()}

    def wants_vm(self, vm: str | None) -> bool:
        """Whether events about ``vm`` (None: about no VM) pass the VM filter."""
        if not self.vms:
            return True
        cached = self._vm_cache.get(vm)
        if cached is None:
            cached = vm is not None and any(fnmatchcase(vm, p) for p in self.vms)
            if len(self._vm_cache) < MAX_CACHED and (vm is None or len(vm) <= MAX_KEY):
                self._vm_cache[vm] = cached
        return cached

    def wants(self, type_name: str, vm: str | None, level: Level) -> bool:
        """Whether an event is shown."""
        return level >= self.min_level and self.wants_type(type_name) and self.wants_vm(vm)

    def wants_line(self, level: Level, raw: bytes | None = None) -> bool:
        """Whether a non-event line (text or malformed) at ``level`` is shown."""
        if self.narrowed or level < self.min_level:
            return False
        return self.finder is None or (raw is not None and self.finder.line(raw))
