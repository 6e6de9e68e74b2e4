"""Memory is bounded by how many things a stream holds, never by how long its strings are."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zlib
from pathlib import Path

from rich.color import ColorSystem

from castra_tail.contract import events as ev
from castra_tail.contract.levels import Level
from castra_tail.filters import MAX_CACHED, Selector
from castra_tail.render.layout import MAX_REMEMBERED, Layout
from castra_tail.render.theme import VM_COLOURS, Palette
from castra_tail.run.kept import MAX_KEPT, MAX_WARNINGS, keep
from castra_tail.run.state import Run

from conftest import ROOT

MIB = 1 << 20
#: Generous: the bugs were 330 to 850 MiB; castra-tail itself takes about 30.
BOUND_KIB = 100 * 1024


def peak_kib(args: list[str], producer: str | None = None) -> tuple[int, str]:
    """Peak RSS of ``castra-tail ARGS`` (fed by the Python ``producer``, if any), and its output."""
    feed = f'{sys.executable} -c "$PRODUCER" | ' if producer else ""
    script = (
        f"{feed}/usr/bin/time -f '%M' -o /dev/fd/3 "
        f"{sys.executable} -m castra_tail --color never {' '.join(args)} 3>&2"
    )
    done = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        env={"PRODUCER": producer or "", "PATH": "/usr/bin:/bin"},
    )
    return int(done.stderr.decode().strip().splitlines()[-1]), done.stdout.decode()


def test_a_small_gz_of_long_step_details_stays_small(tmp_path: Path) -> None:
    # 400 steps with a 1 MiB detail each, packed in ~400 KiB (one gzip member a line).
    def member(event: dict[str, object]) -> bytes:
        return gzip.compress(json.dumps(event).encode() + b"\n", compresslevel=9)

    step = {"type": "bootstrap.step", "vm": "web-0", "step": "apply", "status": "success",
            "duration_ms": 5, "detail": "d" * MIB}  # fmt: skip
    started = {"type": "bootstrap.started", "vm": "web-0", "base_hash": "b",
               "artifact_hash": "a", "trigger": "auto"}  # fmt: skip
    done = {"type": "bootstrap.completed", "vm": "web-0", "status": "success", "duration_ms": 9}
    path = tmp_path / "steps.ndjson.gz"
    path.write_bytes(member(started) + member(step) * 400 + member(done))
    assert path.stat().st_size < 1 * MIB
    peak, out = peak_kib([str(path)])
    assert "web-0 bootstrap ✓ success" in out and out.count("✓ step") == 400
    assert peak < BOUND_KIB, f"peak RSS {peak / 1024:.0f} MiB"


def test_warnings_about_vms_with_1_mib_names_stay_small() -> None:
    producer = (
        "import sys; w = sys.stdout.buffer\n"
        "for i in range(300):\n"
        '    w.write(b\'{"type":"message","severity":"warn","text":"x","vm":"\''
        " + b'%04d' % i + b'v' * (1 << 20) + b'\"}\\n')\n"
    )
    peak, out = peak_kib(["--fail-on", "never"], producer)
    assert "+270 more VMs" in out and "300 (message 300)" in out
    assert peak < BOUND_KIB, f"peak RSS {peak / 1024:.0f} MiB"


def test_plans_with_1_mib_ssh_hosts_and_options_stay_small() -> None:
    producer = (
        "import sys, json; w = sys.stdout.buffer\n"
        "for i in range(150):\n"
        "    ssh = {'user': 'root', 'host': '%04d' % i + 'h' * (1 << 20), 'port': 22,\n"
        "           'options': ['StrictHostKeyChecking=no', 'X' * (1 << 20)]}\n"
        "    plan = {'type': 'bootstrap.planned', 'vm': 'vm%d' % i, 'mode': 'auto',\n"
        "            'action': 'would_skip', 'reason': 'r', 'ssh': ssh}\n"
        "    w.write(json.dumps(plan).encode() + b'\\n')\n"
    )
    peak, out = peak_kib(["--fail-on", "never"], producer)
    assert peak < BOUND_KIB, f"peak RSS {peak / 1024:.0f} MiB"
    assert out.count("ssh left out: host") == 150 + 30  # each plan line, and the summary's


def test_the_state_keeps_long_strings_cut_and_says_how_long_they_were() -> None:
    run = Run()
    name = "v" * MIB
    step = ev.BootstrapStep(vm=name, step="apply", status="failed", duration_ms=1, detail="d" * MIB)
    run.add(step, Level.ERROR, "-", 1)
    run.add(ev.BootstrapFailed(vm=name, duration_ms=2, error="e" * MIB), Level.ERROR, "-", 2)
    warnings = ["w" * MIB] * (MAX_WARNINGS + 5)
    plan = ev.BootstrapPlanned(vm=name, mode="auto", action="error", reason="r", warnings=warnings)
    run.add(plan, Level.ERROR, "-", 3)
    run.add(ev.CommandFailed(command="c" * MIB, detail="t" * MIB), Level.ERROR, "-", 4)
    run.add_unknown("u" * MIB)

    assert len(run.vms) == 1  # the same VM each time, known by its kept name
    vm = run.find(name)
    assert vm is not None and vm.bootstrap is not None and vm.plan is not None
    assert vm.name == keep(name) and vm.name.endswith("… (1,048,576 characters)")
    kept = [vm.name, vm.bootstrap.steps[0].detail, vm.bootstrap.error, *vm.plan.warnings]
    kept += [run.commands[0].name, run.commands[0].detail, *run.unknown_types]
    assert all(s is not None and len(s) < MAX_KEPT + 30 for s in kept)
    assert len(vm.plan.warnings) == MAX_WARNINGS + 1
    assert vm.plan.warnings[-1] == "… (+5 more warnings)"
    first = run.first_at_level[Level.ERROR]
    assert first.vm is not None and len(first.vm) < MAX_KEPT + 30


def test_short_strings_are_kept_as_they_are() -> None:
    assert keep("web-0") == "web-0" and keep(None) is None
    assert keep("x" * MAX_KEPT) == "x" * MAX_KEPT


def test_the_filters_remember_a_bounded_number_of_answers() -> None:
    sel = Selector(types=("message",), vms=("web-*",))
    for i in range(MAX_CACHED + 2_000):
        assert not sel.wants_type(f"brand.new.{i}")
        assert not sel.wants_vm(f"db-{i}")
    assert len(sel._type_cache) <= MAX_CACHED and len(sel._vm_cache) <= MAX_CACHED
    assert sel.wants_type("message") and sel.wants_vm("web-" + "x" * MIB)


def test_vm_colours_are_bounded_and_stable_past_the_cap() -> None:
    def colours(names: list[str]) -> tuple[Layout, list[str]]:
        lines = Layout(Palette(ColorSystem.STANDARD))
        return lines, [lines.line(n, Level.INFO, "·", "x", "") for n in names]

    names = [f"vm-{i}" for i in range(MAX_REMEMBERED + 3_000)]
    lines, first = colours(names)
    assert len(lines._vm_colour) <= MAX_REMEMBERED and len(lines._vm_cells) <= MAX_REMEMBERED
    # The first VMs take the colours in turn, as they always did (the goldens).
    assert [lines._colour(n) for n in names[: len(VM_COLOURS)]] == list(range(len(VM_COLOURS)))
    # Past the cap, a VM's colour comes from its name: the same in every run.
    late = names[-1]
    assert lines._colour(late) == zlib.crc32(late.encode()) % len(VM_COLOURS)
    assert colours(names)[1][-500:] == first[-500:]
