"""One golden per formatter and example: a change to one formatter rewrites its goldens only.

``tests/golden/<formatter>/<example>``: the streamed lines, the timelines, the
summary, the Markdown report and the JSON report, each drawn at 80 columns
without colour (and the lines once with colour pinned). Rewrite them on
purpose with ``pytest --update-goldens``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from castra_tail.render.theme import Palette
from castra_tail.render.timeline import timeline

from conftest import EXAMPLES, FIXTURES, ROOT, replay, run_cli

Golden = Callable[[str, str], None]
STREAMS = {p.stem: f"examples/{p.name}" for p in sorted(EXAMPLES.glob("*.ndjson"))} | {
    p.stem: f"tests/fixtures/{p.name}" for p in sorted(FIXTURES.glob("*.ndjson"))
}
NAMES = sorted(STREAMS)
TEXT = ["--width", "80", "--color", "never"]


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the checkout's root, so rendered paths don't depend on where it is."""
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("name", NAMES)
def test_lines(name: str, golden: Golden) -> None:
    out = run_cli([STREAMS[name], *TEXT, "--no-summary", "--no-timelines"]).out
    golden(f"lines/{name}.txt", out)


def test_lines_in_colour(golden: Golden) -> None:
    result = run_cli(
        [STREAMS["up-fail"], "--width", "80", "--color", "always", "--no-summary"],
        env={"COLORTERM": None, "TERM": "xterm-256color"},
    )
    assert "\x1b[" in result.out
    golden("lines/up-fail.color.txt", result.out)


@pytest.mark.parametrize("name", NAMES)
def test_timelines(name: str, golden: Golden) -> None:
    run = replay([STREAMS[name]])
    drawn = [timeline(vm, 80, Palette(None)) for vm in run.vms.values() if vm.bootstrap]
    golden(f"timelines/{name}.txt", "\n".join(drawn))


@pytest.mark.parametrize("name", NAMES)
def test_summary(name: str, golden: Golden) -> None:
    golden(f"summary/{name}.txt", run_cli([STREAMS[name], *TEXT, "--summary-only"]).out)


def test_summary_on_a_wide_terminal_puts_ssh_in_the_table(golden: Golden) -> None:
    out = run_cli([STREAMS["up"], "--width", "200", "--color", "never", "--summary-only"]).out
    header = next(line for line in out.splitlines() if line.lstrip().startswith("VM"))
    assert header.rstrip().endswith("ssh")
    golden("summary/up.wide.txt", out)


@pytest.mark.parametrize("name", NAMES)
def test_markdown(name: str, golden: Golden) -> None:
    golden(f"markdown/{name}.md", run_cli([STREAMS[name], "--format", "markdown"]).out)


@pytest.mark.parametrize("name", NAMES)
def test_json(name: str, golden: Golden) -> None:
    golden(f"json/{name}.json", run_cli([STREAMS[name], "--format", "json"]).out)


def test_every_stream_has_its_goldens() -> None:
    assert set(NAMES) >= {p.stem for p in FIXTURES.glob("*.ndjson")}
