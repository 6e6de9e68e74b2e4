"""``--help`` as castra-tail lays it out: plain text that fits a screen or two at 80 columns.

Each command lists its usage, what it does, its common flags first, its
subcommands, then the rest of its flags grouped by purpose (the group a flag
declares in ``flags``), one line each where the width allows, wrapped at
spaces, never inside a word or a flag. Everything comes from the flags'
declarations, so the help cannot drift from what the command takes.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any, Final

from typer.core import TyperCommand


def _wrap(text: str, columns: int) -> list[str]:
    """``text`` in lines of ``columns``, broken at spaces only (never in a word or a --flag)."""
    return textwrap.wrap(text, columns, break_long_words=False, break_on_hyphens=False)


#: Columns of the flag names, before the help text.
NAME_COLUMN: Final = 22
MIN_WIDTH: Final = 40
MAX_WIDTH: Final = 100
OTHER: Final = "Other options"


class HelpCommand(TyperCommand):
    """A Typer command whose ``--help`` is castra-tail's own layout (see the module)."""

    #: More ways to call it, after ``NAME [OPTIONS] ARGS``.
    usages: Sequence[str] = ()
    #: Flags listed first, under "Common options", by one of their names.
    common: Sequence[str] = ()
    #: Subcommands: (usage, what it does).
    commands: Sequence[tuple[str, str]] = ()
    #: Variables read besides the flags' own ``envvar``: (flag, variable).
    environment: Sequence[tuple[str, str]] = ()

    def get_help(self, ctx: Any) -> str:
        return render(self, ctx.command_path, width(), self.get_help_option(ctx))


def command_class(**sections: Sequence[Any]) -> type[HelpCommand]:
    """A ``HelpCommand`` class with these extra sections (for ``app.command(cls=…)``)."""
    return type("Help", (HelpCommand,), sections)


def width() -> int:
    """Columns to lay the help out for: the terminal's (or ``$COLUMNS``), within bounds."""
    return min(max(shutil.get_terminal_size().columns, MIN_WIDTH), MAX_WIDTH)


def render(command: HelpCommand, path: str, columns: int, help_option: Any = None) -> str:
    """The whole help of ``command``, called as ``path``, for ``columns``."""
    params = [p for p in command.params if not getattr(p, "hidden", False)]
    if help_option is not None:
        params.append(help_option)
    options = [p for p in params if p.param_type_name == "option"]
    arguments = [p for p in params if p.param_type_name == "argument"]
    out = [f"Usage: {path} [OPTIONS]{''.join(' ' + _argument(a) for a in arguments)}"]
    out += [f"       {path} {usage}" for usage in command.usages]
    if command.help:
        out += ["", *_paragraphs(command.help, columns)]
    common = [p for name in command.common for p in options if name in _names(p)]
    if common:
        out += _section("Common options", [_row(p) for p in common], columns)
    if command.commands:
        out += _section("Commands", list(command.commands), columns)
    groups: dict[str, list[Any]] = {}
    for p in options:
        if p not in common:
            groups.setdefault(getattr(p, "rich_help_panel", None) or OTHER, []).append(p)
    if OTHER in groups:  # last; when nothing came before, simply "Options"
        other = groups.pop(OTHER)
        groups[OTHER if common or groups else "Options"] = other
    for title, members in groups.items():
        out += _section(title, _rows(members), columns)
    envvars = [(_long(p), p.envvar) for p in options if isinstance(p.envvar, str)]
    envvars += command.environment
    if envvars:
        said = ", ".join(f"{flag} ${var}" for flag, var in envvars)
        out += ["", *_wrap(f"Defaults from the environment: {said}.", columns)]
    if command.epilog:
        out += ["", *command.epilog.strip("\n").splitlines()]
    return "\n".join(line.rstrip() for line in out) + "\n"


def _paragraphs(text: str, columns: int) -> list[str]:
    """Text whose paragraphs are separated by blank lines, wrapped to ``columns``."""
    out: list[str] = []
    for paragraph in text.strip().split("\n\n"):
        if out:
            out.append("")
        out += _wrap(" ".join(paragraph.split()), columns)
    return out


def _section(title: str, rows: Iterable[tuple[str, str]], columns: int) -> list[str]:
    """A titled list of (name, help): help beside its name, or under it when the name is long."""
    out = ["", f"{title}:"]
    wrap = max(20, columns - NAME_COLUMN - 4)
    for name, text in rows:
        lines = _wrap(" ".join(text.split()), wrap) or [""]
        if len(name) > NAME_COLUMN:
            out.append(f"  {name}")
        else:
            out.append(f"  {name:<{NAME_COLUMN}}  {lines.pop(0)}")
        out += [" " * (NAME_COLUMN + 4) + line for line in lines]
    return out


def _names(p: Any) -> list[str]:
    return [*p.opts, *p.secondary_opts]


def _long(p: Any) -> str:
    return str(next((n for n in p.opts if n.startswith("--")), p.opts[0]))


def _rows(options: list[Any]) -> list[tuple[str, str]]:
    """The rows of a group; Typer's two completion flags share one (their own help is long)."""
    rows = [_row(p) for p in options if p.name not in _COMPLETION]
    if any(p.name in _COMPLETION for p in options):
        rows.append(("    --install-completion", "Shell completion (--show-completion prints it)."))
    return rows


_COMPLETION: Final = frozenset({"install_completion", "show_completion"})


def _row(p: Any) -> tuple[str, str]:
    """An option's names and metavar (``-t, --type PATTERN``), and its help."""
    if p.is_flag and p.secondary_opts:
        # --live/--no-live: the one to type is the one that is not the default.
        # (With no default either way, the --no- one: its help says what the other does.)
        names = p.opts if p.default is False else p.secondary_opts
    else:
        names = p.opts
    shorts = [n for n in names if not n.startswith("--")]
    longs = [n for n in names if n.startswith("--")]
    name = ", ".join(shorts + longs)
    if not shorts:
        name = "    " + name
    if not (p.is_flag or p.count):
        name += f" {p.metavar or p.name.upper()}"
    return name, p.help or ""


def _argument(a: Any) -> str:
    name = a.metavar or a.name.upper()
    more = "..." if a.nargs == -1 else ""
    return f"{name}{more}" if a.required else f"[{name}]{more}"
