"""Generate a deterministic, realistic Event Contract v1 stream for the benchmarks.

Every family, several VMs interleaved, bootstraps that succeed and fail,
shutdowns, cleanups, usage in both spellings; ≈117 bytes a line on average.
The same seed and count always give the same bytes.

    python bench/gen.py 1000000 > bench/data/1m.ndjson
    python bench/gen.py 1000000 1 56000 3 > bench/data/1m-many.ndjson   # many runs

The third argument is how many distinct VM names the operations cycle through
(400 by default): a log of many appended runs, each with new VMs, has thousands.
The fourth is how many VMs an operation (a run) has (8 by default): with 3,
1 M lines are ~24,000 appended runs.
"""

from __future__ import annotations

import json
import random
import sys

STEPS = ("wait-handshake", "connect", "transfer", "apply", "verify")
WORDS = (
    "payload",
    "overlay",
    "handshake",
    "agent",
    "cache",
    "image",
    "seed",
    "apt",
    "ssh",
    "config",
    "mount",
    "network",
    "bridge",
    "disk",
    "snapshot",
    "guest",
)


def dumps(event: dict) -> str:
    return json.dumps(event, separators=(",", ":"))


def vm_story(rng: random.Random, vm: str, port: int) -> list[dict]:
    """One VM's events, in its own order: plan, launch, bootstrap, messages, shutdown."""
    events: list[dict] = [
        {
            "type": "bootstrap.planned",
            "vm": vm,
            "mode": "auto",
            "action": "would_run",
            "reason": "script changed",
            "trigger": "auto",
            "ssh": {
                "user": "root",
                "host": "127.0.0.1",
                "port": port,
                "identity": "~/.ssh/castra_ed25519",
                "options": ["StrictHostKeyChecking=no"],
            },
            "warnings": [],
        },
        {
            "type": "vm.lifecycle",
            "vm": vm,
            "phase": "overlay_prepared",
            "overlay_path": f"/var/lib/castra/overlays/{vm}.qcow2",
        },
        {"type": "vm.lifecycle", "vm": vm, "phase": "launched", "pid": rng.randrange(1000, 99999)},
        {
            "type": "bootstrap.started",
            "vm": vm,
            "base_hash": "3b2d8c41",
            "artifact_hash": "d71cd6a0",
            "trigger": "auto",
        },
    ]
    fails = rng.random() < 0.1
    total = 0
    for i, step in enumerate(STEPS):
        for _ in range(rng.randrange(0, 3)):
            severity = rng.choices(("info", "progress", "warn"), (5, 4, 1))[0]
            events.append(
                {
                    "type": "message",
                    "severity": severity,
                    "vm": vm,
                    "text": " ".join(rng.choices(WORDS, k=rng.randrange(4, 12))),
                }
            )
        ms = rng.randrange(100, 5000)
        total += ms
        if fails and i == 3:
            events.append(
                {
                    "type": "bootstrap.step",
                    "vm": vm,
                    "step": step,
                    "status": "failed",
                    "duration_ms": ms,
                }
            )
            events.append(
                {
                    "type": "bootstrap.failed",
                    "vm": vm,
                    "duration_ms": total,
                    "error": "apply: run.sh exited with status 1",
                }
            )
            break
        events.append(
            {
                "type": "bootstrap.step",
                "vm": vm,
                "step": step,
                "status": "success",
                "duration_ms": ms,
                "detail": f"{step} ok",
            }
        )
    else:
        events.append(
            {"type": "bootstrap.completed", "vm": vm, "status": "success", "duration_ms": total}
        )
    events.append(
        {
            "type": "usage",
            **(
                {"prompt_tokens": 1200, "cached_tokens": 300, "completion_tokens": 250}
                if rng.random() < 0.5
                else {"input_tokens": 2048, "cached_input_tokens": 1024, "output_tokens": 512}
            ),
        }
    )
    events += [
        {"type": "vm.lifecycle", "vm": vm, "phase": "shutdown_requested"},
        {
            "type": "vm.lifecycle",
            "vm": vm,
            "phase": "cooperative_attempted",
            "method": "acpi",
            "timeout_ms": 10000,
        },
        {
            "type": "vm.lifecycle",
            "vm": vm,
            "phase": "shutdown_complete",
            "outcome": "graceful",
            "total_ms": rng.randrange(500, 3000),
            "changed": True,
        },
        {
            "type": "cleanup",
            "path": f"/var/lib/castra/overlays/{vm}.qcow2",
            "category": "overlay",
            "bytes": rng.randrange(1 << 20, 1 << 32),
            "dry_run": False,
            "vm": vm,
        },
    ]
    return events


def generate(count: int, seed: int = 1, vms: int = 400, per_op: int = 8) -> list[str]:
    """``count`` lines: operations of ``per_op`` interleaved VMs, each wrapped in command +
    summary (each operation a run).

    VM names cycle through ``vms`` distinct ones.
    """
    slots = max(1, vms // per_op)
    rng = random.Random(seed)
    lines: list[str] = []
    op = 0
    while len(lines) < count:
        op += 1
        lines.append(dumps({"type": "command.accepted", "command": "up"}))
        stories = [vm_story(rng, f"vm-{op % slots}-{i}", 2222 + i) for i in range(per_op)]
        while any(stories):
            story = rng.choice([s for s in stories if s])
            lines.append(dumps(story.pop(0)))
        lines.append(
            dumps(
                {
                    "type": "summary",
                    "operation": "up",
                    "duration_ms": 20000,
                    "exit_code": 0,
                    "vms": {"total": per_op, "ok": per_op, "failed": 0},
                }
            )
        )
        lines.append(
            dumps(
                {"type": "command.completed", "command": "up", "exit_code": 0, "duration_ms": 20000}
            )
        )
    return lines[:count]


if __name__ == "__main__":
    out = sys.stdout
    args = [int(a) for a in sys.argv[1:5]]
    for line in generate(*args):
        out.write(line + "\n")
