"""``--junit FILE``: JUnit XML beside any format, valid against the format CI systems read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from castra_tail.render.junit import junit
from castra_tail.run.state import Run
from castra_tail.run.verdict import judge

from conftest import EXAMPLES, ROOT, example, replay_stream, run_cli

xmlschema = pytest.importorskip("xmlschema")
SCHEMA = xmlschema.XMLSchema(str(Path(__file__).parent / "schema" / "junit.xsd"))
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.ndjson"))


def report(*paths: Path | str) -> tuple[Run, ET.Element]:
    """The last run of ``paths``, and the valid JUnit report of them."""
    stream = replay_stream([str(p) for p in paths])
    return stream.current, valid(junit(stream, judge(stream)))


def valid(document: bytes) -> ET.Element:
    """The report's root, once the schema has accepted it (and XML 1.0 has parsed it)."""
    SCHEMA.validate(document.decode("utf-8"))
    return ET.fromstring(document)


def test_the_schema_refuses_what_ci_systems_refuse() -> None:
    good = (
        b'<testsuites><testsuite name="s" tests="1"><testcase name="c"/></testsuite></testsuites>'
    )
    valid(good)
    for bad in (
        b'<testsuites><testsuite tests="1"><testcase name="c"/></testsuite></testsuites>',
        b'<testsuites><testsuite name="s" tests="1"><testcase/></testsuite></testsuites>',
        b'<testsuites><testsuite name="s" tests="x"/></testsuites>',
        b'<testsuites><testsuite name="s" tests="1"><testcase name="c">'
        b"<system-out/><failure/></testcase></testsuite></testsuites>",
    ):
        assert not SCHEMA.is_valid(bad.decode()), bad


@pytest.mark.parametrize("name", NAMES)
def test_every_example_gives_a_valid_report(name: str) -> None:
    run, root = report(example(name))
    (suite,) = root.findall("testsuite")
    booted = [vm for vm in run.vms.values() if vm.bootstrap is not None]
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [vm.name for vm in booted] + ["verdict"]
    assert suite.get("tests") == str(len(cases)) == root.get("tests")


def test_a_failed_bootstrap_is_a_failure_with_the_error_in_full() -> None:
    run, root = report(example("up-fail"))
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("name"), suite.get("failures"), suite.get("errors")) == (
        "castra up",
        "2",
        "0",
    )
    assert suite.get("time") == "9.410"  # the summary's duration
    web, db, verdict = suite.findall("testcase")
    assert web.find("failure") is None and web.get("time") == "7.980"
    failure = db.find("failure")
    assert failure is not None and failure.get("type") == "bootstrap.failed"
    assert failure.get("message") == (
        "bootstrap failed at apply: apply: /var/lib/castra/bootstrap/run.sh exited with status 100"
    )
    assert failure.text is not None
    assert "E: Unable to locate package postgresql-17" in failure.text  # the error in full
    assert "run.sh exited with status 100 after apt-get install" in failure.text  # the step's
    out = db.findtext("system-out") or ""
    assert "✓ connect" in out and "1.0s" in out and "✗ apply" in out  # the steps' times
    assert db.get("classname") == "castra up.bootstrap"
    verdict_failure = verdict.find("failure")
    assert verdict_failure is not None and verdict_failure.get("type") == "verdict"


def test_the_verdict_fails_a_run_no_vm_failed() -> None:
    run, root = report(example("rejected"))
    (case,) = root.iter("testcase")
    assert case.get("name") == "verdict" and case.find("failure") is not None


def test_unfinished_and_skipped_bootstraps(tmp_path: Path) -> None:
    path = tmp_path / "odd.ndjson"
    events = [
        {"type": "bootstrap.planned", "vm": "skip-me", "mode": "auto", "action": "would_skip",
         "reason": "stamp matches"},
        {"type": "bootstrap.planned", "vm": "bad-plan", "mode": "auto", "action": "error",
         "reason": "no script"},
        {"type": "bootstrap.started", "vm": "cut", "base_hash": "b", "artifact_hash": "c",
         "trigger": "auto", "ts": "2026-11-24T09:14:03.250+02:00"},
        {"type": "bootstrap.step", "vm": "cut", "step": "connect", "status": "success",
         "duration_ms": 5},
    ]  # fmt: skip
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    run, root = report(path)
    cases = {c.get("name"): c for c in root.iter("testcase")}
    skipped = cases["skip-me"].find("skipped")
    assert skipped is not None and skipped.get("message") == "would_skip: stamp matches"
    plan = cases["bad-plan"].find("failure")
    assert plan is not None and plan.get("message") == "plan error: no script"
    error = cases["cut"].find("error")
    assert error is not None and error.get("type") == "incomplete"
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("skipped"), suite.get("errors"), suite.get("failures")) == ("1", "1", "2")
    assert suite.get("timestamp") == "2026-11-24T07:14:03"  # in UTC, as JUnit writes it


def test_one_testsuite_per_run() -> None:
    from castra_tail.run.selection import parse

    paths = [str(example(n)) for n in ("up", "up-fail", "up")]
    _, root = report(*paths)
    suites = root.findall("testsuite")
    names = ["run 1: castra up", "run 2: castra up", "run 3: castra up"]
    assert [s.get("name") for s in suites] == names
    # Runs 1 and 2 were folded: a testcase each, the run; run 3, shown in full, one per VM.
    assert [len(s.findall("testcase")) for s in suites] == [1, 1, 4]  # the verdict in the last
    (folded,) = suites[1].findall("testcase")
    failure = folded.find("failure")
    assert failure is not None and "5 events at error or above" in failure.get("message", "")
    assert "E: Unable to locate package postgresql-17" in (failure.text or "")
    # Run 3 passed: its verdict does not fail for run 2's sake.
    assert root.get("tests") == "6" and root.get("failures") == "1"
    # With --run all, every run is kept whole: a testcase per VM in each, and its verdict.
    stream = replay_stream(paths, selection=parse("all"))
    every = valid(junit(stream, judge(stream)))
    assert [len(s.findall("testcase")) for s in every.findall("testsuite")] == [4, 3, 4]


HOSTILE = [
    "\x00\x01\x08\x0b\x0c\x0e\x1f",
    "\x1b]0;owned\x07\x1b[2J\x7f\x85\x9b",
    "\ud800\udfff\ufffe\uffff",
    "]]><![CDATA[x]]>",
    '<testcase name="x"/>&amp;&#0;&#x1;',
    "'\"\t\r\n",
    "\u2028\u202e\u200b",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_any_stream_text_keeps_the_report_valid(tmp_path: Path, text: str) -> None:
    events = [
        {"type": "command.accepted", "command": text},
        {"type": "bootstrap.started", "vm": text, "base_hash": "b", "artifact_hash": "c",
         "trigger": "auto"},
        {"type": "bootstrap.step", "vm": text, "step": text, "status": "failed",
         "duration_ms": 5, "detail": text},
        {"type": "bootstrap.failed", "vm": text, "duration_ms": 9, "error": text + "\n" + text},
        {"type": "summary", "operation": text, "duration_ms": 9, "exit_code": 1},
    ]  # fmt: skip
    path = tmp_path / "hostile.ndjson"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n", errors="surrogatepass")
    run, root = report(path)
    cases = root.findall("testsuite/testcase")
    assert len(cases) == 2 and cases[0].find("failure") is not None
    assert cases[0].get("name", "").count("\\x") >= sum(c < " " for c in text if c not in "\t\n\r")


def formats_alike(tmp_path: Path, form: str) -> None:
    report = tmp_path / "junit.xml"
    without = run_cli([str(example("up-fail")), "--format", form, "--width", "80"])
    beside = run_cli(
        [str(example("up-fail")), "--format", form, "--width", "80", "--junit", str(report)]
    )
    assert (beside.code, beside.stdout, beside.stderr) == (
        without.code,
        without.stdout,
        without.stderr,
    )
    root = valid(report.read_bytes())
    assert len(root.findall("testsuite/testcase")) == 3


@pytest.mark.parametrize(
    "form", ["text", "ndjson", "json", "markdown", "github", "html", "svg", "trace"]
)
def test_junit_beside_any_format_leaves_that_format_as_it_was(tmp_path: Path, form: str) -> None:
    formats_alike(tmp_path, form)


def test_a_junit_file_that_is_an_input_is_refused_before_it_is_touched(tmp_path: Path) -> None:
    log = tmp_path / "up.ndjson"
    log.write_bytes(example("up").read_bytes())
    result = run_cli([str(log), "--junit", str(log)])
    assert result.code == 2 and log.read_bytes() == example("up").read_bytes()
    assert result.stderr.startswith("castra-tail: error: --junit ")
    assert "is also an input" in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--junit", "-"], "--junit needs a file name"),
        (["--junit", "no/such/dir/junit.xml"], "no directory 'no/such/dir'"),
        (["--junit", "same.xml", "--save", "same.xml"], "--junit and --save both name"),
    ],
)
def test_junit_usage_errors_are_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], says: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli([str(example("up")), *args])
    assert result.code == 2 and says in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and result.stdout == b""
    assert not (tmp_path / "same.xml").exists()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full to fill")
def test_a_report_that_cannot_be_written_is_said_last_and_exits_74() -> None:
    result = run_cli([str(example("up")), "--junit", "/dev/full", "--summary-only"])
    assert result.code == 74
    assert result.stderr.endswith(
        "castra-tail: error: cannot write to '/dev/full': No space left on device\n"
    )
    assert b"summary" in result.stdout  # the run itself went on


def test_a_real_process_reading_a_pipe_writes_the_report(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    proc = subprocess.run(
        [sys.executable, "-m", "castra_tail", "--junit", str(report), "--format", "ndjson"],
        input=example("up-fail").read_bytes(),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == example("up-fail").read_bytes()  # ndjson: the input, untouched
    root = valid(report.read_bytes())
    assert root.find("testsuite/testcase/failure") is not None
