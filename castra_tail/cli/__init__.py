"""Command line: argv → a command → flags → one ``Options`` → ``app.run`` → exit.

Only this package exits (``main``). ``castra-tail [OPTIONS] [FILE]...`` reads
streams (``tail``); ``check``, ``schema`` and ``demo`` are tools for producers
and newcomers (``tools``). Usage errors are one line on stderr and exit 2.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn, cast

from castra_tail import CONTRACT_VERSION, __version__
from castra_tail.output import stdio


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point of the ``castra-tail`` command.

    Output that cannot be written ends here, whichever command wrote it: a
    reader that went away is 141, anything else one line on stderr and 74.
    """
    stdio.take_over()
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        if args in (["--version"], ["-V"]):  # before any heavy import: start-up matters
            print(f"castra-tail {__version__} (Event Contract {CONTRACT_VERSION})")
            status = 0
        else:
            status = _invoke(args)
        sys.stdout.flush()  # what print() or Typer left buffered: its failure is said here
    except stdio.StdoutClosed:
        from castra_tail.status import ExitStatus

        status = ExitStatus.PIPE_CLOSED
    except stdio.IOFailure as exc:
        from castra_tail.output.env import message_line
        from castra_tail.status import ExitStatus

        sys.stderr.write(message_line(str(exc)))
        status = ExitStatus.IO_ERROR
    sys.exit(status)


def _invoke(args: list[str]) -> int:
    from castra_tail.output.env import tame_size_variables

    tame_size_variables(os.environ)  # before Typer and Rich read them
    import typer

    from castra_tail.cli import tail, tools
    from castra_tail.options import UsageError
    from castra_tail.status import ExitStatus

    # Typer vendors click in some releases: find its base exception through the MRO.
    click_error = cast(
        "type[Exception]",
        next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"),
    )
    subcommands = {
        "demo": tools.demo_app,
        "check": tools.check_app,
        "schema": tools.schema_app,
        "runs": tools.runs_app,
    }
    if args[:1] and args[0] in subcommands:
        app, args = subcommands[args[0]](), args[1:]
    else:
        command: tuple[str, ...] = ()
        if "--" in args:  # castra-tail [OPTIONS] -- COMMAND [ARGS]...
            split = args.index("--")
            args, command = args[:split], tuple(args[split + 1 :])
            if not command:
                return _usage("-- must be followed by a command to run")
        app = tail.tail_app(command)
    try:
        status = app(args=args, prog_name="castra-tail", standalone_mode=False)
    except click_error as exc:
        return _usage(getattr(exc, "format_message", exc.__str__)())
    except UsageError as exc:
        return _usage(str(exc))
    except KeyboardInterrupt:
        return int(ExitStatus.INTERRUPTED)
    return status if isinstance(status, int) else 0


def _usage(message: str) -> int:
    from castra_tail.output.env import message_line
    from castra_tail.status import ExitStatus

    sys.stderr.write(message_line(f"{message} (see castra-tail --help)"))
    return int(ExitStatus.USAGE)
