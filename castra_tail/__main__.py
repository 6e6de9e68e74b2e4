"""``castra-tail`` (the console script) and ``python -m castra_tail``: the command-line tool.

Its first act is to hold the stop signals (early.py), before the heavy imports
of ``cli``: a Ctrl-C during start-up is then no traceback.
"""

from __future__ import annotations

from castra_tail import early


def main() -> None:
    """Hold the stop signals, then run the command line (``cli.main`` exits)."""
    early.hold()
    from castra_tail.cli import main as command_line

    command_line()


if __name__ == "__main__":
    main()
