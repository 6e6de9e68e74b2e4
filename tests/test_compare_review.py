"""``castra-tail compare``: the findings of the second hostile review, each through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import example, run_cli


def doc_of(*args: str) -> dict[str, Any]:
    result = run_cli(["compare", *args, "--format", "json"])
    assert result.code == 0, result.stderr
    return json.loads(result.out)  # type: ignore[no-any-return]


def edited(tmp_path: Path, name: str, old: str, new: str, out: str = "edited.ndjson") -> Path:
    path = tmp_path / out
    path.write_text(example(name).read_text().replace(old, new))
    return path


# --- 9: the Markdown heading's icon and mark --------------------------------------------


def test_markdown_heading_is_red_while_the_new_run_still_fails(tmp_path: Path) -> None:
    faster = edited(tmp_path, "up-fail", '"duration_ms":2050', '"duration_ms":900')
    result = run_cli(["compare", str(example("up-fail")), str(faster), "--format", "markdown"])
    heading = result.out.splitlines()[0]
    assert heading.startswith("### ❌ compare: "), heading
    assert "the run still fails" in heading


def test_markdown_heading_of_an_unchanged_pair_has_no_stray_mark() -> None:
    up = str(example("up"))
    result = run_cli(["compare", up, up, "--format", "markdown"])
    assert result.out.splitlines()[0] == "### ✅ compare: nothing changed"


# --- 10: zero thresholds, tiny thresholds -----------------------------------------------


def test_zero_thresholds_do_not_call_identical_durations_faster() -> None:
    up = str(example("up"))
    doc = doc_of(up, up, "--threshold", "0", "--min-delta", "0")
    assert doc["unchanged"], doc
    assert {s["change"] for vm in doc["vms"] for s in vm["steps"]} == {"same"}
    assert doc["totals"]["duration_ms"]["change"] == "same"
    text = run_cli(["compare", up, up, "--threshold", "0", "--min-delta", "0", "--no-color"])
    assert "▼" not in text.out and "nothing changed" in text.out


def test_a_tiny_percentage_is_a_threshold_not_too_large() -> None:
    up = str(example("up"))
    result = run_cli(["compare", up, up, "--threshold", "0.00000000000000000000000000001"])
    assert result.code == 0, result.stderr
    assert "too large" not in result.stderr


# --- 13: VMs in one run only -------------------------------------------------------------


def test_a_failing_vm_new_in_the_new_run_is_added_and_counted(tmp_path: Path) -> None:
    new = edited(tmp_path, "up-fail", '"vm":"db-0"', '"vm":"db-9"')
    doc = doc_of(str(example("up-fail")), str(new))
    db9 = next(vm for vm in doc["vms"] if vm["name"] == "db-9")
    assert db9["presence"] == "added" and db9["change"] == "failed"
    assert doc["regressed"]
    text = run_cli(["compare", str(example("up-fail")), str(new), "--no-color", "--width", "120"])
    assert "db-9 (added)" in text.out
    assert "1 VM added" in text.out and "1 VM removed" in text.out
    md = run_cli(["compare", str(example("up-fail")), str(new), "--format", "markdown"])
    assert "**db-9** (added)" in md.out and "1 VM added" in md.out


def test_removed_vms_are_named_when_no_run_bootstrapped() -> None:
    args = ["compare", str(example("down")), str(example("rejected"))]
    text = run_cli([*args, "--no-color", "--width", "100"])
    assert "2 VMs removed" in text.out
    for vm in ("web-0", "db-0"):
        assert f"{vm} (removed)" in text.out
    md = run_cli([*args, "--format", "markdown"])
    assert "**web-0** (removed)" in md.out and "**db-0** (removed)" in md.out


# --- 8: a plan-only run ------------------------------------------------------------------


def test_a_plan_only_run_has_no_base_hash_nor_a_bootstrap_that_ran() -> None:
    doc = doc_of(str(example("up-plan")), str(example("up")))
    fields = {p["field"] for vm in doc["vms"] for p in vm["plan"]}
    assert "base_hash" not in fields
    for vm in doc["vms"]:
        assert vm["bootstrap"]["old_status"] is None, vm["bootstrap"]
        assert vm["bootstrap"]["change"] == "new"
    text = run_cli(
        ["compare", str(example("up-plan")), str(example("up")), "--no-color", "--width", "120"]
    )
    assert "planned" not in text.out and "base_hash" not in text.out


# --- 12: runs kept whole for FILE@-N are bounded by their VMs too ------------------------


def test_runs_kept_for_a_side_from_the_end_are_bounded_by_their_vms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from castra_tail.compare import sides

    monkeypatch.setattr(sides, "MAX_KEPT_VMS", 5, raising=False)  # up.ndjson's runs: 3 VMs
    log = tmp_path / "log.ndjson"
    log.write_bytes(example("up").read_bytes() * 4)
    result = run_cli(["compare", f"{log}@-3", f"{log}@-1"])
    assert result.code == 2 and result.stderr.startswith(
        f"castra-tail: error: {log}@-3: run -3 is run 2 of 4: name it so ({log}@2); only the "
        "last 100 runs of an input are kept whole, fewer when they hold over 5 VMs"
    ), result.stderr
    assert doc_of(f"{log}@-2", f"{log}@-1")["old"]["run"] == 3  # the last two always
    assert doc_of(str(log))["old"]["run"] == 3
    assert doc_of(f"{log}@2", f"{log}@-1")["old"]["run"] == 2  # as the error says


def test_the_vm_bound_is_the_main_streams() -> None:
    from castra_tail.compare import sides
    from castra_tail.run import stream

    assert getattr(sides, "MAX_KEPT_VMS", None) == stream.MAX_FULL_VMS
