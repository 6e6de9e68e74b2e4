"""``--format html`` and ``--format svg``: the summary and timelines as Rich records them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import example, run_cli

SVG = "{http://www.w3.org/2000/svg}"
#: Anything that would make a viewer fetch or run something.
FETCHES = re.compile(
    r"https?://(?!www\.w3\.org/2000/svg\")|url\((?!#)|@import|<script|<link|src=", re.I
)


class Page(HTMLParser):
    """The elements of an HTML page and the text it shows."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: set[str] = set()
        self.text = ""
        self.meta: list[dict[str, str | None]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes |= {name for name, _ in attrs}
        if tag == "meta":
            self.meta.append(dict(attrs))

    def handle_data(self, data: str) -> None:
        self.text += data


def export(args: list[str]) -> str:
    result = run_cli(args)
    assert result.code == 1, result.stderr
    return result.out


def test_html_shows_the_timelines_and_summary_and_fetches_nothing() -> None:
    page = export([str(example("up-fail")), "--format", "html", "--width", "100"])
    shown = Page(page)
    assert shown.tags[:1] == ["html"] and "pre" in shown.tags
    assert "script" not in shown.tags and "img" not in shown.tags
    assert "db-0 bootstrap ✗ failed after 5.6s at apply" in shown.text  # a timeline
    assert "✓ wait-handshake ▕" in shown.text
    assert "✗ failed (exit 1)" in shown.text  # the verdict
    assert "E: Unable to locate package postgresql-17" in shown.text
    assert not FETCHES.search(page)
    policy = next(m["content"] for m in shown.meta if m.get("http-equiv"))
    assert policy is not None and "default-src 'none'" in policy
    assert 'style="color: #800000' in page or "color: #" in page  # in colour


def test_html_without_timelines_has_only_the_summary() -> None:
    page = export([str(example("up-fail")), "--format", "html", "--no-timelines"])
    text = Page(page).text
    assert "bootstrap ✗ failed after" not in text and "castra up · summary" in text
    summary_only = Page(export([str(example("up-fail")), "--format", "html", "--summary-only"]))
    assert summary_only.text == text


def svg_texts(picture: str) -> str:
    root = ET.fromstring(picture)  # well-formed XML, or this raises
    assert root.tag == f"{SVG}svg"
    return "\n".join("".join(t.itertext()) for t in root.iter(f"{SVG}text")).replace("\xa0", " ")


def test_svg_is_a_well_formed_picture_of_the_same_and_fetches_nothing() -> None:
    picture = export([str(example("up-fail")), "--format", "svg"])
    texts = svg_texts(picture)
    assert "castra-tail · castra up · summary" in texts  # its title
    assert "✗ failed" in texts and "apply" in texts and "postgresql-17" in texts
    assert not FETCHES.search(picture), FETCHES.search(picture)
    assert "@font-face" not in picture


HOSTILE = [
    "<script>alert(1)</script>",
    "</code></pre><img src=x onerror=alert(1)>",
    "]]>&amp;&lt;'\"",
    "{unique_id}{{x}}}{",
    "\x00\x01\x08\x0b\x0c\x1b]0;owned\x07\x7f\x85",
    "\ufffe\uffff\u2028",
    "https://evil.example/x.png",
]


def hostile_stream(tmp_path: Path, name: str) -> Path:
    events = [
        {"type": "command.accepted", "command": name},
        {"type": "bootstrap.started", "vm": name, "base_hash": "b", "artifact_hash": "c",
         "trigger": "auto"},
        {"type": "bootstrap.step", "vm": name, "step": name, "status": "failed",
         "duration_ms": 5, "detail": name},
        {"type": "bootstrap.failed", "vm": name, "duration_ms": 9, "error": name},
        {"type": "summary", "operation": name, "duration_ms": 9, "exit_code": 1},
    ]  # fmt: skip
    path = tmp_path / "hostile.ndjson"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    return path


@pytest.mark.parametrize("name", HOSTILE)
def test_stream_strings_are_only_text_in_the_page_and_the_picture(
    tmp_path: Path, name: str
) -> None:
    path = str(hostile_stream(tmp_path, name))
    page = export([path, "--format", "html", "--width", "200"])
    shown = Page(page)
    assert set(shown.tags) == PAGE_TAGS and shown.attributes == PAGE_ATTRIBUTES
    assert shown.tags.count("pre") == 1
    assert "✗ failed (exit 1)" in shown.text
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]", page)
    picture = export([path, "--format", "svg", "--width", "200"])
    assert "✗ failed" in svg_texts(picture)
    root = ET.fromstring(picture)
    assert {e.tag.removeprefix(SVG) for e in root.iter()} <= SVG_TAGS
    assert not any("href" in a for e in root.iter() for a in e.attrib)


#: What castra-tail's page is made of, whatever the stream says: nothing that fetches or runs.
PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "pre", "code", "span"}
PAGE_ATTRIBUTES = {"lang", "charset", "http-equiv", "content", "name", "style"}
SVG_TAGS = {"svg", "style", "defs", "clipPath", "rect", "g", "text", "circle"}


@pytest.mark.parametrize("kind", ["html", "svg"])
def test_the_title_is_escaped_even_with_braces(tmp_path: Path, kind: str) -> None:
    path = str(hostile_stream(tmp_path, "{0}{title}<b>"))
    out = export([path, "--format", kind])
    title = Page(out).text if kind == "html" else svg_texts(out)
    assert "castra-tail · castra {0}{title}<b>" in title


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed: no browser to open it")
def test_a_browser_renders_the_failure(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(export([str(example("up-fail")), "--format", "html", "--width", "100"]))
    assert CHROMIUM is not None
    dom = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    body = Page(dom[dom.index("<body") :]).text
    assert "db-0 bootstrap ✗ failed after 5.6s at apply" in body
    assert "E: Unable to locate package postgresql-17" in body
    assert "✗ failed (exit 1)" in body


@pytest.mark.parametrize("kind", ["html", "svg"])
def test_two_runs_are_listed_then_the_last_drawn_in_full(kind: str) -> None:
    from castra_tail.render.export import export as draw
    from castra_tail.run.verdict import judge

    from conftest import replay_stream

    stream = replay_stream([str(example(n)) for n in ("up-fail", "down")])
    out = draw(stream, judge(stream), kind, width=100).decode()
    text = Page(out).text if kind == "html" else svg_texts(out)
    table = text.index("runs")
    assert table < text.index("examples/up-fail.ndjson:1", table)  # a row per run
    assert "castra-tail · castra down · summary" in out.replace("&#160;", " ")  # its title
    assert text.index("run 2 · castra down · summary") > table
    assert "apply" not in text.split("run 2 · castra down · summary")[1].split("✗ failed")[0]
    assert "1 of 2 runs failed: run 1 (up)" in text  # the verdict covers both
