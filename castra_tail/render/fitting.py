"""Columns that fit a width: which to narrow, in what order, so that a row stays one line.

A table whose cells may not wrap (a row per VM must stay one line to read
down its columns) still has to fit the screen: the columns that can lose
their ends best (a long VM name, the shutdown's signal) are narrowed first,
each down to a floor, and the others keep their natural width.
"""

from __future__ import annotations

from collections.abc import Sequence


def narrowed(natural: Sequence[int], room: int, order: Sequence[tuple[int, int]]) -> list[int]:
    """Widths for columns of ``natural`` widths to fit ``room`` cells.

    ``order`` lists (column, floor): the columns to narrow, first to last, none
    below its floor (nor below its natural width). When even the floors do not
    fit, the widths stay at them: the caller's table crops what is left.
    """
    widths = list(natural)
    excess = sum(widths) - room
    for column, floor in order:
        if excess <= 0:
            break
        cut = min(excess, max(0, widths[column] - floor))
        widths[column] -= cut
        excess -= cut
    return widths
