"""The terminal's summary and timelines as one HTML page or SVG picture (``--format html|svg``).

Drawn by Rich into a recording console, in colour, then exported by Rich's
own recorders (``export_html(inline_styles=True)``, ``export_svg``), which
escape every character of what was drawn. The page and the picture are
self-contained: styles inline, no font, script or image fetched from anywhere
(Rich's own SVG template loads a web font: this one names local monospace
fonts only), and the page's Content-Security-Policy forbids fetching anything.
For CI artifacts, and for pasting into an issue.
"""

from __future__ import annotations

import html
import io
from typing import Final, Literal

from rich.color import ColorSystem
from rich.console import Console
from rich.text import Text

from castra_tail.render.facts import title
from castra_tail.render.summary import summary
from castra_tail.render.theme import THEME, Palette
from castra_tail.render.timeline import timeline
from castra_tail.run.stream import Stream
from castra_tail.run.verdict import Verdict

Kind = Literal["html", "svg"]

#: The page around Rich's ``{code}``: its fields are Rich's (stylesheet, colours, code).
_HTML: Final = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{{stylesheet}}
body {{{{
    color: {{foreground}};
    background-color: {{background}};
}}}}
</style>
</head>
<body>
<pre style="font-family:Menlo,'DejaVu Sans Mono',Consolas,'Courier New',monospace">\
<code style="font-family:inherit">{{code}}</code></pre>
</body>
</html>
"""

#: The picture: Rich's fields, laid out as a terminal window, with local fonts only.
_SVG: Final = """\
<svg class="castra-tail" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">
<style>
.{unique_id}-matrix {{
    font-family: "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace;
    font-size: {char_height}px;
    line-height: {line_height}px;
    font-variant-east-asian: full-width;
}}
.{unique_id}-title {{
    font-size: 18px;
    font-weight: bold;
    font-family: sans-serif;
}}
{styles}
</style>
<defs>
<clipPath id="{unique_id}-clip-terminal">
<rect x="0" y="0" width="{terminal_width}" height="{terminal_height}" />
</clipPath>
{lines}
</defs>
{chrome}
<g transform="translate({terminal_x}, {terminal_y})" clip-path="url(#{unique_id}-clip-terminal)">
{backgrounds}
<g class="{unique_id}-matrix">
{matrix}
</g>
</g>
</svg>
"""
#: DejaVu Sans Mono's advance over its height (Rich's default, 0.61, is Fira Code's).
_ASPECT: Final = 0.6


def export(
    stream: Stream, verdict: Verdict, kind: Kind, *, width: int, timelines: bool = True
) -> bytes:
    """The page (``html``) or picture (``svg``) of ``stream``, ``width`` columns wide: the
    bootstrap timelines of the run shown in full, then the summary (with the runs table
    when there were several)."""
    console = _recorder(width)
    palette = Palette(ColorSystem.TRUECOLOR)
    run = stream.detail
    if timelines and run is not None:
        for vm in run.vms.values():
            if vm.bootstrap is not None:
                console.print(Text.from_ansi(timeline(vm, width, palette)), end="")
        console.print()
    console.print(summary(stream, verdict, width))
    name = title(run) if run is not None else "castra-tail"
    if kind == "svg":
        drawn = console.export_svg(
            title=f"castra-tail · {name}", code_format=_SVG, font_aspect_ratio=_ASPECT
        )
    else:
        page = _HTML.format(title=_braces(html.escape(f"castra-tail · {name}")))
        drawn = console.export_html(inline_styles=True, code_format=page)
    return drawn.encode("utf-8", "backslashreplace")


def _braces(text: str) -> str:
    """Text put into a format string that will be formatted again."""
    return text.replace("{", "{{").replace("}", "}}")


def _recorder(width: int) -> Console:
    """A colour console that draws nowhere and records what it drew."""
    return Console(
        file=io.StringIO(),
        record=True,
        theme=THEME,
        force_terminal=True,
        color_system="truecolor",
        width=width,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
        legacy_windows=False,
        _environ={},
    )
