"""``castra-tail compare``: the findings of the second hostile review, each through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import example, run_cli

CASTRA_TAIL = [sys.executable, "-m", "castra_tail"]


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


# --- 6 and 14: at 80 columns, what tells rows apart stays --------------------------------


def test_vm_names_sharing_a_long_prefix_stay_apart_at_80_columns(tmp_path: Path) -> None:
    def named(path: Path, out: str) -> Path:
        text = path.read_text()
        for vm in ("web-0", "web-1", "db-0"):
            text = text.replace(f'"vm":"{vm}"', f'"vm":"castra-ci-runner-eu-west-pool-{vm}"')
        (tmp_path / out).write_text(text)
        return tmp_path / out

    old, new = named(example("up-fail"), "old.ndjson"), named(example("up"), "new.ndjson")
    result = run_cli(["compare", str(old), str(new), "--no-color", "--width", "80"])
    assert result.code == 0, result.stderr
    lines = result.out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["VM", "step"]) + 2
    table = lines[start : lines.index("", start)]
    firsts = [line[: line.index("  ", 1)].strip() for line in table if line[1] != " "]
    assert [f.startswith("castra-") and "…" in f for f in firsts] == [True] * 3, firsts
    ends = sorted(f.removesuffix(" (added)")[-5:] for f in firsts)
    assert ends == ["-db-0", "web-0", "web-1"], firsts  # what tells them apart
    assert "web-1 (added)" in result.out
    assert max(len(line) for line in result.out.splitlines()) <= 80


def test_huge_totals_keep_every_column_and_digit_at_80_columns(tmp_path: Path) -> None:
    huge = 18446744073709551615
    old, new = tmp_path / "old.ndjson", tmp_path / "new.ndjson"
    old.write_text(
        '{"type":"command.accepted","command":"up"}\n'
        f'{{"type":"usage","prompt_tokens":{huge},"completion_tokens":{huge}}}\n'
        f'{{"type":"summary","operation":"up","duration_ms":{huge},"exit_code":0,'
        f'"bytes_transferred":{huge}}}\n'
        f'{{"type":"command.completed","command":"up","exit_code":0,"duration_ms":{huge}}}\n'
    )
    new.write_text(
        '{"type":"command.accepted","command":"up"}\n'
        '{"type":"usage","prompt_tokens":5,"completion_tokens":5}\n'
        '{"type":"command.completed","command":"up","exit_code":0,"duration_ms":1000}\n'
    )
    result = run_cli(["compare", str(old), str(new), "--no-color", "--width", "80"])
    assert result.code == 0, result.stderr
    lines = result.out.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("total"))
    assert header.split() == ["total", "old", "new", "Δ", "%", "change"]
    table = lines[lines.index(header) : lines.index(header) + 14]
    assert not any("…" in line for line in table), "\n".join(table)
    assert "−100%" in result.out and "▼ faster" in result.out
    assert "".join(line.split()[-1] for line in table if line.strip())  # no empty rows
    assert max(len(line) for line in lines) <= 80


@given(st.text(st.characters(codec="utf-8", categories=["L", "N", "P"]), max_size=40),
       st.integers(1, 30))  # fmt: skip
def test_a_name_cut_in_the_middle_fits_and_keeps_both_ends(text: str, width: int) -> None:
    from castra_tail.compare.text import middle
    from castra_tail.render.text import width_of

    cut = middle(text, width)
    if width_of(text) <= width:
        assert cut == text
    else:
        assert width_of(cut) <= width
        if width >= 3:
            head, _, tail = cut.partition("…")
            assert text.startswith(head) and text.endswith(tail)
            assert head or not text.isascii()


# --- design note: compare FILE pairs runs of the same command ----------------------------


def joined(tmp_path: Path, *names: str) -> Path:
    path = tmp_path / "log.ndjson"
    path.write_bytes(b"".join(example(n).read_bytes() for n in names))
    return path


def test_one_file_pairs_the_last_run_with_the_last_of_its_command(tmp_path: Path) -> None:
    log = joined(tmp_path, "up-fail", "down", "up")
    doc = doc_of(str(log))
    assert (doc["old"]["run"], doc["new"]["run"]) == (1, 3)
    assert doc["old"]["command"] == doc["new"]["command"] == "up"
    said = "run 1 is the last up run before run 3 (1 run of another command between them)"
    assert doc["old"]["chosen"] == said
    text = run_cli(["compare", str(log), "--no-color", "--width", "200"])
    assert f"! {said}" in text.out and "different commands" not in text.out
    assert "the run is fixed" in text.out
    md = run_cli(["compare", str(log), "--format", "markdown"])
    assert f"- ⚠️ {said}" in md.out


def test_one_file_whose_last_command_ran_once_compares_the_run_before(tmp_path: Path) -> None:
    log = joined(tmp_path, "up", "up-fail", "down")
    doc = doc_of(str(log))
    assert (doc["old"]["run"], doc["new"]["run"]) == (2, 3)
    text = run_cli(["compare", str(log), "--no-color", "--width", "200"])
    assert "! no earlier down run: compared with the run before it" in text.out
    assert "the runs ran different commands: up, then down" in text.out


def test_named_runs_are_compared_as_named_whatever_their_command(tmp_path: Path) -> None:
    log = joined(tmp_path, "up-fail", "down", "up")
    doc = doc_of(f"{log}@-2", f"{log}@-1")
    assert (doc["old"]["run"], doc["new"]["run"], doc["old"]["chosen"]) == (2, 3, "")


def test_pairing_by_command_is_bounded_and_says_when_it_let_runs_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from castra_tail.compare import pairing

    monkeypatch.setattr(pairing, "MAX_COMMANDS", 1)  # memory: runs of other commands let go
    log = joined(tmp_path, "up-fail", "down", "up")
    doc = doc_of(str(log))
    assert (doc["old"]["run"], doc["new"]["run"]) == (2, 3)
    assert doc["old"]["chosen"].startswith("no earlier up run kept whole (runs of too many")


# --- 7: standard input's runs as sides --------------------------------------------------


def test_sides_of_standard_input_are_no_options() -> None:
    piped = example("up").read_bytes() + example("up-fail").read_bytes()
    done = subprocess.run(
        [*CASTRA_TAIL, "compare", "-@1", "-@2", "--format", "json"],
        input=piped,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert (doc["old"]["label"], doc["new"]["label"]) == ("<stdin>@1", "<stdin>@2")
    assert doc["result"] == "failed"
    result = run_cli(["compare", "-@-1", "-@first", "--no-color"], stdin=piped)
    assert result.code == 0 and "old  <stdin>@2" in result.out, result.stderr
    result = run_cli(["compare", "--", "-@1", "-@2"], stdin=piped)  # as before
    assert result.code == 0, result.stderr


def test_a_mistyped_flag_is_still_no_such_option() -> None:
    result = run_cli(["compare", "--thresold", "5", str(example("up"))])
    assert result.code == 2
    assert result.stderr.startswith("castra-tail: error: no such option: --thresold")
