"""Each run judged on its own in the reports that show runs side by side (JUnit, trace)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import example, run_cli

#: Five runs, as an appended log holds them: runs 2 (a failed bootstrap) and 4 (rejected) fail.
RUNS = ("up", "up-fail", "down", "rejected", "clean-dry-run")


def appended(tmp_path: Path) -> Path:
    path = tmp_path / "all.ndjson"
    path.write_bytes(b"".join(example(name).read_bytes() for name in RUNS))
    return path


def suites(tmp_path: Path, *args: str) -> dict[str, ET.Element]:
    report = tmp_path / "j.xml"
    result = run_cli(["-q", *args, "--junit", str(report), str(appended(tmp_path))])
    assert result.code == 1
    root = ET.fromstring(report.read_bytes())
    return {s.get("name", ""): s for s in root.findall("testsuite")}


def failed_verdict(suite: ET.Element) -> bool:
    case = suite.find("testcase[@name='verdict']")
    assert case is not None, suite.get("name")
    return case.find("failure") is not None


@pytest.mark.parametrize("select", ["all", "1..5", "2..5"])
def test_junit_each_chosen_run_carries_its_own_verdict(tmp_path: Path, select: str) -> None:
    found = suites(tmp_path, "--run", select)
    for name, suite in found.items():
        number = int(name.split()[1].rstrip(":"))
        assert failed_verdict(suite) == (number in (2, 4)), name
        assert (suite.get("failures") != "0") == (number in (2, 4)), name
    # Each run's verdict is a test of its own, in its suite's class (CI tools key on it).
    classes = [s.find("testcase[@name='verdict']").get("classname") for s in found.values()]
    assert classes == list(found)
    rejected = found["run 4: castra up"]
    assert rejected.get("tests") == "1" and rejected.get("failures") == "1"


def test_junit_a_range_fails_the_run_that_failed_not_the_last(tmp_path: Path) -> None:
    found = suites(tmp_path, "--run", "2..3")
    assert failed_verdict(found["run 2: castra up"])
    assert not failed_verdict(found["run 3: castra down"])


def test_junit_without_run_the_last_run_passed_and_says_so(tmp_path: Path) -> None:
    found = suites(tmp_path)
    assert not failed_verdict(found["run 5: castra clean"])
    for number in (2, 4):
        (case,) = found[f"run {number}: castra up"].findall("testcase")
        assert case.find("failure") is not None


def verdicts(tmp_path: Path, *args: str) -> list[tuple[int, str]]:
    result = run_cli(["--format", "trace", *args, str(appended(tmp_path))])
    assert result.code == 1
    events = json.loads(result.stdout)["traceEvents"]
    return [(e["pid"], e["s"]) for e in events if e.get("cat") == "verdict"]


@pytest.mark.parametrize(
    ("select", "expected"),
    [("all", [(2, "p"), (4, "p")]), ("2..3", [(2, "p")]), ("3..4", [(4, "p")])],
)
def test_trace_a_verdict_on_each_failed_runs_own_process(
    tmp_path: Path, select: str, expected: list[tuple[int, str]]
) -> None:
    assert verdicts(tmp_path, "--run", select) == expected


def test_trace_of_a_run_that_passed_in_a_failed_log_says_it_globally(tmp_path: Path) -> None:
    assert verdicts(tmp_path) == [(5, "g")]


@pytest.mark.parametrize("stdin", [b"", b"hello\n"])
def test_runs_of_an_empty_input_agree_with_its_verdict(stdin: bytes) -> None:
    judged = run_cli(["-q", "-"], stdin=stdin)
    assert judged.code == 1
    listed = run_cli(["runs", "--format", "json", "-"], stdin=stdin)
    assert listed.code == 0  # listing is not judging
    (only,) = json.loads(listed.stdout)["runs"]
    assert only["ok"] is False and only["reasons"][0].startswith("no Castra events in the input")
    table = run_cli(["runs", "--width", "200", "-"], stdin=stdin).out
    assert "✓ ok" not in table and "✗ no Castra events in the input" in table


def test_runs_of_a_log_are_listed_as_each_was_judged(tmp_path: Path) -> None:
    listed = run_cli(["runs", "--format", "json", str(appended(tmp_path))])
    assert [r["ok"] for r in json.loads(listed.stdout)["runs"]] == [True, False, True, False, True]


@pytest.mark.parametrize("form", ["text", "github"])
@pytest.mark.parametrize("piped", [False, True])
def test_a_run_led_in_by_messages_is_headed_with_its_command(
    tmp_path: Path, form: str, piped: bool
) -> None:
    path = appended(tmp_path)
    args = ["--no-summary", "--format", form, "--width", "100"]
    result = (
        run_cli([*args, "-"], stdin=path.read_bytes()) if piped else run_cli([*args, str(path)])
    )
    heads = [
        " · ".join(line.split(" · ")[:2]) for line in result.out.splitlines() if "── run" in line
    ]
    assert heads == ["── run 2 · up", "── run 3 · down", "── run 4 · up", "── run 5 · clean"]


@pytest.mark.parametrize("stdin", [b"", b"hello\n"])
def test_the_json_reports_runs_agree_with_its_verdict(stdin: bytes) -> None:
    result = run_cli(["--format", "json", "-"], stdin=stdin)
    document = json.loads(result.stdout)
    assert result.code == 1 and document["ok"] is False
    (only,) = document["runs"]
    assert only["ok"] is False and only["reasons"] == document["reasons"]
