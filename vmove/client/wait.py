"""Waiting for moves to end (``--wait``)."""

import time

from vmove.client import exceptions
from vmove.client.moves import TERMINAL_STATUSES


def is_terminal(move) -> bool:
    return move["status"] in TERMINAL_STATUSES


def wait_for_moves(get, moves, callback=None, interval=2.0, timeout=None, sleep=time.sleep, clock=time.monotonic):
    """Poll ``get(uuid)`` until every move of ``moves`` has a terminal status.

    ``callback(moves)`` is called after every poll with the latest version of
    each move (in the order given).  Returns the final moves; raises
    :class:`~vmove.client.exceptions.WaitTimeout` after ``timeout`` seconds.
    A move that has ended is not asked for again.
    """
    ids = [m["uuid"] if isinstance(m, dict) else str(m) for m in moves]
    latest = {}
    deadline = clock() + timeout if timeout else None
    while True:
        for uuid in ids:
            if uuid not in latest or not is_terminal(latest[uuid]):
                latest[uuid] = get(uuid)
        current = [latest[uuid] for uuid in ids]
        if callback is not None:
            callback(current)
        if all(is_terminal(m) for m in current):
            return current
        if deadline is not None and clock() >= deadline:
            running = [m["uuid"] for m in current if not is_terminal(m)]
            raise exceptions.WaitTimeout(
                f"{len(running)} of {len(current)} moves had not ended after {timeout:g} s: {', '.join(running)}"
            )
        sleep(interval)
