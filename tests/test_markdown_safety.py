"""``--format markdown`` rendered by GitHub's own renderer: stream strings stay inert.

GitHub renders ``$GITHUB_STEP_SUMMARY`` with cmark-gfm (tables, autolinks,
strikethrough, the tag filter) and shows the HTML. A hostile stream must give
exactly the headings, tables, list items and links that a tame stream of the
same shape gives, show its strings as they were, and carry no control byte.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from castra_tail.render.facts import HEADERS
from castra_tail.render.text import clean, clean_lines

from conftest import fuzz, run_cli

cmarkgfm = pytest.importorskip("cmarkgfm")
from cmarkgfm.cmark import Options  # noqa: E402

GITHUB_EXTENSIONS = ["table", "autolink", "strikethrough", "tagfilter"]
#: Pieces of Markdown, HTML and terminal control that a stream string could hold.
HOSTILE = [
    "\n### ✅ passed\n",
    "\n\n✅ passed\n===\n\n",
    "\n\n✅ passed\n---\n\n",
    "\n\n[click](https://evil.example/x)\n",
    "www.evil.example",
    "https://evil.example/a?b=c",
    "ftp://evil.example",
    "ops@evil.example",
    "mailto:ops@evil.example",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "![img](https://evil.example/i.png)",
    "<https://evil.example>",
    "| a | b |",
    "\n| --- | --- |\n",
    "`code`",
    "``",
    "*em* **strong** _u_ ~~del~~",
    "\\",
    "&amp; &#x1b; &lt;",
    "\x1b]0;owned\x07",
    "\x1b[2J",
    "\r\n- item\n",
    "\n1. one\n",
    "\n> quote\n",
    "\n---\n",
    "\n===\n",
    "    indented",
    "\u200b",
    "\u2028",
    "[^1]",
    "<!-- c -->",
    "#",
]
CONTROLS = frozenset(chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))) - {"\n"}


def render(markdown: str) -> str:
    """The HTML GitHub makes of ``markdown`` (raw HTML rendered, then tag-filtered)."""
    rendered: str = cmarkgfm.markdown_to_html_with_extensions(
        markdown, options=Options.CMARK_OPT_UNSAFE, extensions=GITHUB_EXTENSIONS
    )
    return rendered


class Shape(HTMLParser):
    """The elements of an HTML page in order, and the text of each cell and code span."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.texts: dict[str, list[str]] = {"td": [], "code": [], "li": []}
        self._open: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "wbr":  # breaks an autolink, shows nothing
            return
        self.tags.append(tag)
        if tag in self.texts:
            self.texts[tag].append("")
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for tag in self._open:
            self.texts[tag][-1] += data


def stream(s: Callable[[str], str]) -> bytes:
    """A failed ``up`` with every string from the stream made by ``s`` (given what it is)."""
    ssh = {"user": "root", "host": "127.0.0.1", "port": 2222, "identity": s("key") + "|k",
           "options": ["ProxyCommand=" + s("option")]}  # fmt: skip
    events: list[dict[str, object]] = [
        {"type": "command.accepted", "command": s("command")},
        {"type": "message", "severity": "warn", "text": s("text"), "vm": s("vm0")},
    ]
    for n, vm in enumerate((s("vm0"), s("vm1"))):
        events += [
            {"type": "bootstrap.planned", "vm": vm, "mode": "auto", "action": "would_run",
             "reason": s("reason"), "ssh": ssh},
            {"type": "bootstrap.started", "vm": vm, "base_hash": s("h"), "artifact_hash": s("a"),
             "trigger": "auto"},
            {"type": "bootstrap.step", "vm": vm, "step": s("step"), "status": "failed",
             "duration_ms": 5, "detail": s("detail")},
            {"type": "bootstrap.failed", "vm": vm, "duration_ms": 9, "error": "e|" + s("error")},
        ]  # fmt: skip
        if n:  # vm1 is stopped; vm0 is still up, and can be connected to
            events.append({"type": "vm.lifecycle", "vm": vm, "phase": "shutdown_complete",
                           "outcome": s("outcome"), "total_ms": 3, "changed": False})  # fmt: skip
    events += [
        {"type": "cleanup", "path": s("path"), "bytes": 5, "dry_run": False, "category": s("c")},
        {"type": s("type"), "x": 1},
        {"type": "command.failed", "command": s("command"), "detail": s("detail"), "exit_code": 1},
        {"type": "summary", "operation": s("op"), "duration_ms": 9, "exit_code": 1},
    ]
    lines = [json.dumps(e, ensure_ascii=False) for e in events]
    garbage = s("garbage").replace("\r", " ").replace("\n", " ")  # one line, whatever it holds
    return ("\n".join([*lines, garbage]) + "\n").encode()


def report(tmp_path: Path, s: Callable[[str], str], form: str = "markdown") -> str:
    name = s("file").replace("/", "∕").replace("\x00", "␀").encode()[:200]  # a file can have it
    path = tmp_path / (name.decode(errors="ignore") + ".ndjson")
    path.write_bytes(stream(s))
    result = run_cli([str(path), "--format", form])
    assert result.code == 1, result.stderr
    return result.out


def tame(role: str) -> str:
    return f"t-{role}"


def test_a_tame_report_has_castra_tails_own_structure(tmp_path: Path) -> None:
    shape = Shape(render(report(tmp_path, tame)))
    assert shape.tags.count("h3") == 1 and shape.tags.count("table") == 2
    assert "a" not in shape.tags and "img" not in shape.tags
    assert shape.texts["td"][0] == "t-vm0"


def assert_inert(tmp_path: Path, hostile: str) -> None:
    def evil(role: str) -> str:
        return f"{hostile}{role}{hostile}" if role != "type" else f"{hostile}.x"

    tame_shape = Shape(render(report(tmp_path, tame)))
    markdown = report(tmp_path, evil)
    page = render(markdown)
    shape = Shape(page)
    assert shape.tags == tame_shape.tags, markdown
    headings = [t for t in shape.tags if t in ("h1", "h2", "h3", "h4", "h5", "h6")]
    assert headings == ["h3"] and "a" not in shape.tags and "img" not in shape.tags
    assert not CONTROLS.intersection(html.unescape(page)), "a control byte reached the page"
    # The strings show as they were (cleaned, cut to the column).
    columns = len(HEADERS) + 1  # and ssh
    vm_cells = shape.texts["td"][: 2 * columns : columns]
    assert vm_cells == [clean(evil(f"vm{i}"), 40) for i in range(2)]
    errors = [c for c in shape.texts["code"] if c.startswith("e|")]
    # every line (CRLF ends one too), up to ten, in a code block
    lines = ("e|" + evil("error")).replace("\r\n", "\n").split("\n")
    more = [f"… {len(lines) - 10} more line{'s' * (len(lines) > 11)}"] if len(lines) > 10 else []
    error = "\n".join([*clean_lines("\n".join(lines[:10])), *more]) + "\n"
    assert errors == [error] * 2  # "|" shows as "|", not "\|"
    vms = json.loads(report(tmp_path, evil, "json"))["vms"]
    assert [c for c in shape.texts["code"] if c.startswith("ssh ")] == [
        clean(vm["ssh"]) for vm in vms if vm["state"] != "stopped"
    ]
    # What the ssh command left out is named, as text.
    notes = [li for li in shape.texts["li"] if "ssh left out: " in li]
    assert len(notes) == 2 and all(clean(evil("option"))[:20] in note for note in notes)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_each_hostile_piece_is_inert(tmp_path: Path, hostile: str) -> None:
    assert_inert(tmp_path, hostile)


@given(st.lists(st.sampled_from(HOSTILE) | st.text(max_size=4), min_size=1, max_size=6))
@settings(
    max_examples=fuzz(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_any_mix_of_hostile_pieces_is_inert(tmp_path: Path, pieces: list[str]) -> None:
    assert_inert(tmp_path, "".join(pieces))


@pytest.mark.parametrize(
    ("where", "markdown", "shown"),
    [
        ("cell", "| h |\n| --- |\n| {} |\n", "a|b\\|c"),
        ("list", "- {}\n", "a|b\\|c"),
    ],
)
def test_a_pipe_in_a_code_span_shows_as_a_pipe(where: str, markdown: str, shown: str) -> None:
    from castra_tail.render.markdown import code

    span = code("a|b\\|c", cell=where == "cell")
    assert Shape(render(markdown.format(span))).texts["code"] == [shown]
