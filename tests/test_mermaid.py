"""The Mermaid gantt in ``--format markdown``: its shape, its cap, and names made safe for it."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from castra_tail.render.mermaid import MAX_STEPS, MAX_TEXT, MAX_VMS, gantt

from conftest import example, replay, run_cli

#: The lines a gantt block may hold: castra-tail's own, a section, or a task whose
#: name ends at the first ":" and whose data holds no "#" or ";" (Mermaid's lexer).
HEAD = {
    "gantt",
    "    dateFormat YYYY-MM-DD HH:mm:ss.SSS",
    "    axisFormat %M:%S",
    "    axisFormat %H:%M:%S",
    "    todayMarker off",
}
SECTION = re.compile(r"    section [^:#;%\n]+")
TASK = re.compile(
    r"    [✓✗–?…·▸] [^:#;%\n]+ :(crit, |done, )?"
    r"2000-01-01 \d\d:\d\d:\d\d\.\d{3}, 2000-01-01 \d\d:\d\d:\d\d\.\d{3}"
)
TITLE = re.compile(r"    title [^:#;%\n]+")


def block(markdown: str) -> list[str]:
    """The lines inside the ```mermaid fence."""
    start = markdown.index("```mermaid\n") + len("```mermaid\n")
    end = markdown.index("\n```\n", start)
    return markdown[start:end].split("\n")


def shape(lines: list[str]) -> list[str]:
    """What each line is, as Mermaid's gantt grammar reads it."""
    kinds = []
    for line in lines:
        if line in HEAD:
            kinds.append("head")
        elif TITLE.fullmatch(line):
            kinds.append("title")
        elif SECTION.fullmatch(line):
            kinds.append("section")
        elif TASK.fullmatch(line):
            kinds.append("crit" if ":crit, " in line else "task")
        else:
            raise AssertionError(f"not a line Mermaid reads as castra-tail meant: {line!r}")
    return kinds


def test_markdown_ends_with_a_gantt_of_each_vms_steps() -> None:
    result = run_cli([str(example("up-fail")), "--format", "markdown"])
    lines = block(result.out)
    assert shape(lines) == ["head", "title", "head", "head", "head"] + ["section"] + [
        "task"
    ] * 5 + ["section"] + ["task"] * 3 + ["crit"]
    assert "    section db-0 · failed" in lines and "    section web-0" in lines
    assert "    ✗ apply 2.3s :crit, 2000-01-01 00:00:03.310, 2000-01-01 00:00:05.620" in lines
    assert "    ✓ wait-handshake 450ms :2000-01-01 00:00:00.000, 2000-01-01 00:00:00.450" in lines


def test_a_stream_without_bootstraps_has_no_gantt() -> None:
    result = run_cli([str(example("rejected")), "--format", "markdown"])
    assert "```mermaid" not in result.out


def fleet(tmp_path: Path, vms: int, steps: int, name: str = "vm-{i}") -> Path:
    events = []
    for i in range(vms):
        vm = name.format(i=i)
        events.append({"type": "bootstrap.started", "vm": vm, "base_hash": "b",
                       "artifact_hash": "c", "trigger": "auto"})  # fmt: skip
        events += [
            {"type": "bootstrap.step", "vm": vm, "step": f"{name.format(i=i)}-step-{j}",
             "status": "failed" if i == vms - 1 and j == steps - 1 else "success",
             "duration_ms": 10 + j}
            for j in range(steps)
        ]  # fmt: skip
        if i < vms - 1:
            events.append({"type": "bootstrap.completed", "vm": vm, "status": "success",
                           "duration_ms": 99})  # fmt: skip
    path = tmp_path / "fleet.ndjson"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    return path


def test_a_fleet_is_capped_with_the_rest_counted_and_the_failed_one_drawn(tmp_path: Path) -> None:
    run = replay([str(fleet(tmp_path, MAX_VMS + 7, 3))])
    out = gantt(run)
    kinds = shape(block(out))
    assert kinds.count("section") == MAX_VMS
    assert kinds.count("crit") == 1  # the one that failed is among those drawn, though last
    assert "+7 more VMs: 7 ready (not drawn)" in out


def test_a_vm_with_many_steps_shows_the_first_and_counts_the_rest(tmp_path: Path) -> None:
    run = replay([str(fleet(tmp_path, 1, MAX_STEPS + 30))])
    lines = block(gantt(run))
    assert shape(lines).count("task") == MAX_STEPS
    assert shape(lines).count("crit") == 1  # the rest, holding the failed step
    assert any("… 30 more steps :crit," in line for line in lines)


def test_the_largest_gantt_stays_within_what_mermaid_draws(tmp_path: Path) -> None:
    long = "v" * 30 + "{i}" + "x" * 4000
    run = replay([str(fleet(tmp_path, MAX_VMS * 3, MAX_STEPS * 5, long))])
    assert len("\n".join(block(gantt(run)))) < MAX_TEXT


HOSTILE = [
    "web:0",
    "a#b;c",
    "%%{init: {'theme':'dark'}}%%",
    "x %% comment",
    "#quot; &amp; #35;",
    "click web-0 call alert()",
    "section evil",
    "title owned",
    "dateFormat x",
    "2026-11-24",
    "line\nbreak",
    "cr\rreturn",
    "sep\u2028arator",
    "a<br>b<br/>c",
    "```",
    "\n```\n# heading\n",
    "   ",
    ":crit, 2000-01-01 00:00:00.000, 2000-01-01 00:00:09.000",
]


def hostile_stream(tmp_path: Path, name: str) -> Path:
    events = []
    for vm in (f"{name}-vm", f"ok-{name}"):
        events += [
            {"type": "bootstrap.started", "vm": vm, "base_hash": "b", "artifact_hash": "c",
             "trigger": "auto"},
            {"type": "bootstrap.step", "vm": vm, "step": name, "status": "success",
             "duration_ms": 5},
            {"type": "bootstrap.step", "vm": vm, "step": f"apply {name}", "status": "failed",
             "duration_ms": 7},
            {"type": "bootstrap.failed", "vm": vm, "duration_ms": 12, "error": name},
        ]  # fmt: skip
    path = tmp_path / "hostile.ndjson"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    return path


@pytest.mark.parametrize("name", HOSTILE)
def test_names_cannot_change_what_mermaid_reads(tmp_path: Path, name: str) -> None:
    out = run_cli([str(hostile_stream(tmp_path, name)), "--format", "markdown"]).out
    kinds = shape(block(out))
    assert kinds.count("section") == 2 and kinds.count("task") == 2 and kinds.count("crit") == 2


@pytest.mark.parametrize("name", HOSTILE)
def test_names_cannot_close_the_fence_on_github(tmp_path: Path, name: str) -> None:
    cmarkgfm = pytest.importorskip("cmarkgfm")
    out = run_cli([str(hostile_stream(tmp_path, name)), "--format", "markdown"]).out
    page = cmarkgfm.github_flavored_markdown_to_html(out)
    blocks = re.findall(r'<pre lang="mermaid"><code>(.*?)</code></pre>', page, re.S)
    assert len(blocks) == 1
    assert html.unescape(blocks[0]).rstrip("\n").split("\n") == block(out)


MERMAID_JS = os.environ.get("CASTRA_TAIL_MERMAID_JS", "")


@pytest.mark.skipif(
    not (shutil.which("chromium") and os.path.isfile(MERMAID_JS)),
    reason="needs chromium and CASTRA_TAIL_MERMAID_JS=path/to/mermaid.min.js "
    "(npm's mermaid package): Mermaid itself draws the gantt",
)
def test_mermaid_itself_draws_hostile_names_as_castra_tail_meant(tmp_path: Path) -> None:
    for name in HOSTILE:
        out = run_cli([str(hostile_stream(tmp_path, name)), "--format", "markdown"]).out
        drawn = draw_with_mermaid(tmp_path, "\n".join(block(out)))
        assert drawn["error"] is None, (name, drawn)
        assert drawn["sections"] == 2 and drawn["tasks"] == 4, (name, drawn)
        assert drawn["crit"] == 2, (name, drawn)


def draw_with_mermaid(tmp_path: Path, diagram: str) -> dict[str, object]:
    """Mermaid's own parse and drawing of ``diagram``, in headless Chromium."""
    page = tmp_path / "gantt.html"
    page.write_text(
        f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<script src="file://{html.escape(MERMAID_JS)}"></script></head><body>
<pre class="mermaid">{html.escape(diagram)}</pre><pre id="out"></pre><script>
const say = o => document.getElementById("out").textContent = JSON.stringify(o);
mermaid.initialize({{startOnLoad: false, securityLevel: "strict"}});
mermaid.run({{querySelector: ".mermaid"}}).then(() => say({{
  error: null,
  sections: document.querySelectorAll(".sectionTitle").length,
  tasks: document.querySelectorAll("rect.task").length,
  crit: document.querySelectorAll("rect.crit0, rect.crit1, rect.crit2, rect.crit3").length,
}})).catch(e => say({{error: String(e && e.message || e)}}));
</script></body></html>"""
    )
    dom = subprocess.run(
        [
            "chromium",
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--allow-file-access-from-files",
            "--virtual-time-budget=10000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    found = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    result: dict[str, object] = json.loads(html.unescape(found.group(1)))
    return result


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
