"""The Run: replay streams and assert on the state, not on text."""

from __future__ import annotations

from pathlib import Path

from castra_tail.contract.decode import Malformed, Unknown
from castra_tail.contract.levels import Level
from castra_tail.run.verdict import judge_run
from castra_tail.run.vm import MAX_STEPS
from castra_tail.status import ExitStatus

from conftest import example, replay, replay_stream

SSH = (
    "ssh -i ~/.ssh/castra_ed25519 -o StrictHostKeyChecking=no "
    "-o UserKnownHostsFile=/dev/null -p {port} root@127.0.0.1"
)


def test_up_three_vms_ready() -> None:
    run = replay([str(example("up"))])
    assert list(run.vms) == ["web-0", "web-1", "db-0"]
    assert {vm.state for vm in run.vms.values()} == {"ready"}
    web0 = run.vms["web-0"]
    assert web0.pid == 41234
    assert web0.overlay_path == "/var/lib/castra/overlays/web-0.qcow2"
    assert web0.ssh == SSH.format(port=2222)
    b = web0.bootstrap
    assert b is not None and b.status == "success" and b.duration_ms == 8241
    assert [(s.step, s.duration_ms) for s in b.steps] == [
        ("wait-handshake", 420),
        ("connect", 1100),
        ("transfer", 2100),
        ("apply", 3800),
        ("verify", 821),
    ]
    assert b.slowest_step is not None and b.slowest_step.step == "apply"
    db0 = run.vms["db-0"]
    assert db0.plan is not None and db0.plan.warnings  # the payload warning
    assert db0.warnings == 2 and db0.errors == 0


def test_tokens_sum_both_spellings() -> None:
    run = replay([str(example("up"))])
    # 1200/300/250 as prompt_tokens…, 2048/1024/512 as input_tokens…
    assert run.tokens == {"prompt": 3248, "cached": 1324, "completion": 762}
    assert run.usage_events == 2


def test_up_summary_commands_and_counts() -> None:
    run = replay([str(example("up"))])
    assert run.summary is not None and run.summary.exit_code == 0
    assert [(c.name, c.status, c.exit_code) for c in run.commands] == [("up", "completed", 0)]
    assert run.by_family == {
        "message": 3,
        "vm.lifecycle": 6,
        "bootstrap": 24,
        "usage": 2,
        "command": 2,
        "summary": 1,
    }
    assert run.events == 38 == replay_stream([str(example("up"))]).lines
    assert run.missing == []
    assert judge_run(run, Level.ERROR, strict=False).status == ExitStatus.OK


def test_failed_bootstrap_names_step_and_error() -> None:
    run = replay([str(example("up-fail"))])
    db0 = run.vms["db-0"]
    b = db0.bootstrap
    assert b is not None and b.status == "failed" and db0.state == "failed"
    assert b.failed_step is not None and b.failed_step.step == "apply"
    assert b.error is not None and "Unable to locate package postgresql-17" in b.error
    assert run.vms["web-0"].state == "ready"
    assert [(c.status, c.exit_code) for c in run.commands] == [("failed", 1)]
    verdict = judge_run(run, Level.ERROR, strict=False)
    assert verdict.status == ExitStatus.FAILED
    assert "first: " in verdict.reasons[0] and "bootstrap.step db-0" in verdict.reasons[0]


def test_down_forced_shutdown_and_reclamation() -> None:
    run = replay([str(example("down"))])
    web0, db0 = run.vms["web-0"].shutdown, run.vms["db-0"].shutdown
    assert web0 is not None and (web0.method, web0.outcome, web0.total_ms) == (
        "acpi",
        "graceful",
        1910,
    )
    assert db0 is not None and db0.outcome == "forced" and db0.signals == ["sigterm", "sigkill"]
    assert db0.timed_out == "timeout_expired"
    assert run.vms["db-0"].reclaimed_bytes == 4617089843
    assert run.cleanup["real"] == {"overlay": 1879048192 + 4617089843, "pid-file": 6}
    assert not run.cleanup["dry_run"]
    assert judge_run(run, Level.ERROR, strict=False).ok
    assert judge_run(run, Level.WARN, strict=False).status == ExitStatus.FAILED


def test_clean_dry_run_counts_apart() -> None:
    run = replay([str(example("clean-dry-run"))])
    assert not run.cleanup["real"]
    assert run.cleanup["dry_run"] == {
        "images": 2147483648 + 2202009600,
        "logs": 18874368 + 7340032,
        "handshakes": 912,
        "overlay": 734003200,
        "pid-file": 6,
    }


def test_rejected_command_keeps_detail_and_needs_no_summary() -> None:
    run = replay([str(example("rejected"))])
    (command,) = run.commands
    assert command.status == "rejected" and command.detail is not None
    assert command.detail.startswith("another `castra up` (pid 40112)")
    assert run.missing == []
    assert judge_run(run, Level.ERROR, strict=False).status == ExitStatus.FAILED
    assert judge_run(run, None, strict=False).ok


def test_a_stream_cut_short_is_incomplete(tmp_path: Path) -> None:
    lines = example("up").read_bytes().splitlines(keepends=True)
    cut = tmp_path / "cut.ndjson"
    cut.write_bytes(b"".join(lines[:20]))  # stops mid-bootstrap, before any completion
    run = replay([str(cut)])
    assert {vm.name for vm in run.incomplete_bootstraps} == {"web-0", "web-1", "db-0"}
    assert {vm.bootstrap.status for vm in run.vms.values() if vm.bootstrap} == {"incomplete"}
    assert "command 'up' never completed" in run.missing
    assert not any("summary" in gap for gap in run.missing)  # its absence alone is no gap
    verdict = judge_run(run, Level.ERROR, strict=False)
    assert verdict.status == ExitStatus.FAILED
    assert any("bootstrap of web-0 never finished" in r for r in verdict.reasons)


def test_interrupted_run_says_so() -> None:
    run = replay([str(example("up"))])
    run.finish(interrupted=True)
    assert judge_run(run, Level.ERROR, strict=False).status == ExitStatus.INTERRUPTED
    assert judge_run(run, Level.ERROR, strict=False, signal=15).status == 143


def test_malformed_lines_counted_with_location(tmp_path: Path) -> None:
    path = tmp_path / "mixed.ndjson"
    path.write_bytes(b'plain text\n{"type":"message","severity":"info","text":"ok"}\n{"oops\n')
    run = replay([str(path)])
    assert run.events == 1 and run.malformed == 2 and run.text_lines == 1
    assert [(p.where.line, p.reason) for p in run.problems] == [
        (1, "not JSON"),
        (3, "invalid JSON: truncated"),
    ]
    assert judge_run(run, Level.ERROR, strict=False).ok
    assert judge_run(run, Level.ERROR, strict=True).status == ExitStatus.FAILED


def test_unknown_types_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "future.ndjson"
    path.write_bytes(b'{"type":"gpu.attached","vm":"a"}\n{"type":"gpu.attached"}\n{"type":"x"}\n')
    run = replay([str(path)])
    assert dict(run.unknown_types) == {"gpu.attached": 2, "x": 1}
    assert run.events == 0 and run.malformed == 0


def test_memory_is_bounded_per_vm(tmp_path: Path) -> None:
    step = b'{"type":"bootstrap.step","vm":"a","step":"apply","status":"success","duration_ms":1}\n'
    path = tmp_path / "many.ndjson"
    path.write_bytes(step * (MAX_STEPS + 50))
    b = replay([str(path)]).vms["a"].bootstrap
    assert b is not None and len(b.steps) == MAX_STEPS and b.steps_dropped == 50


def test_a_run_let_go_is_freed_at_once_not_by_the_cyclic_collector() -> None:
    """A folded run holds thousands of records: a reference cycle through it would keep
    them until the collector ran, and have it walk them again and again until then."""
    import gc

    from castra_tail.contract.decode import decode
    from castra_tail.contract.levels import level_of
    from castra_tail.run.state import Run
    from castra_tail.run.vm import Vm
    from castra_tail.run.vms import Fleet

    run = Run()
    for name in ("up-fail", "clean-dry-run", "agent", "rejected"):
        for n, raw in enumerate(example(name).read_bytes().splitlines(), 1):
            event = decode(raw)
            if not isinstance(event, (Malformed, Unknown)):
                run.add(event, level_of(event), name, n)
    run.finish()
    assert run.vms and run.commands and run.messages and run.summary and run.harness.seen
    assert run.cleanup["dry_run"]
    gc.collect()
    collecting = gc.isenabled()
    gc.disable()  # no collection but ours, below
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector finds unreachable, kept to be seen
    try:
        del run
        gc.collect()
        left = [type(o).__name__ for o in gc.garbage if isinstance(o, (Run, Fleet, Vm))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if collecting:
            gc.enable()
    assert left == []
