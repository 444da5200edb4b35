"""The live progress line of ``--wait``, and the report of what did not succeed."""

import collections
import time

from vmove.client.moves import STATUSES, TERMINAL_STATUSES

BAR_WIDTH = 24


def percent(moves) -> int:
    """Overall progress: an ended move counts as 100%."""
    if not moves:
        return 100
    total = sum(100 if m["status"] in TERMINAL_STATUSES else int(m.get("progress") or 0) for m in moves)
    return total // len(moves)


def bar(pct: int, width: int = BAR_WIDTH) -> str:
    filled = width * max(0, min(pct, 100)) // 100
    return "[" + "#" * filled + "." * (width - filled) + "]"


def describe(moves) -> str:
    """One move: its status, phase and type; several: how many are in each status."""
    if len(moves) == 1:
        m = moves[0]
        return f"{m['status']}, phase {m.get('phase') or '-'} ({m['type']} of {m['resource_type']} {m['resource_id']})"
    counts = collections.Counter(m["status"] for m in moves)
    ended = sum(counts[s] for s in TERMINAL_STATUSES)
    parts = [f"{counts[s]} {s}" for s in STATUSES if counts[s]]
    return f"{ended}/{len(moves)} ended: " + ", ".join(parts)


def line(moves, elapsed: float) -> str:
    pct = percent(moves)
    minutes, seconds = divmod(int(elapsed), 60)
    return f"{bar(pct)} {pct:3d}%  {describe(moves)}  {minutes}:{seconds:02d}"


class Progress:
    """Callback for :func:`vmove.client.wait.wait_for_moves`: draws the line on ``stream``.

    On a terminal the line is redrawn in place; otherwise (a log, a pipe) a
    line is written only when something but the clock changed.
    """

    def __init__(self, stream, clock=time.monotonic):
        self.stream = stream
        self.clock = clock
        self.started = clock()
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._last = None
        self._width = 0

    def __call__(self, moves) -> None:
        text = line(moves, self.clock() - self.started)
        if self.tty:
            self.stream.write("\r" + text.ljust(self._width))
            self._width = len(text)
        else:
            state = text.rsplit("  ", 1)[0]
            if state == self._last:
                return
            self._last = state
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._width:
            self.stream.write("\n")
            self.stream.flush()


def report(moves, stream, expected=("succeeded",)) -> int:
    """Write why each move that did not end in ``expected`` ended as it did; return how many."""
    bad = [m for m in moves if m["status"] not in expected]
    for m in bad:
        what = f"{m['type']} of {m['resource_type']} {m['resource_id']}"
        stream.write(f"Move {m['uuid']} ({what}) {m['status']}: {m.get('message') or 'no message'}\n")
    return len(bad)
