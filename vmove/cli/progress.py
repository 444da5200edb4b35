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


def counts_text(counts: dict) -> str:
    """``{"ongoing": 2, "succeeded": 3}`` -> ``2 ongoing, 3 succeeded`` (in the order of a move's statuses)."""
    order = [s for s in STATUSES if counts.get(s)] + sorted(s for s in counts if s not in STATUSES and counts[s])
    return ", ".join(f"{counts[s]} {s}" for s in order) or "no moves yet"


def render_moves(moves) -> tuple[int, str]:
    """(percent, text) of the line of ``moves``."""
    return percent(moves), describe(moves)


def _state(pct: int, text: str) -> str:
    return f"{bar(pct)} {pct:3d}%  {text}"


def _clock(elapsed: float) -> str:
    minutes, seconds = divmod(int(elapsed), 60)
    return f"{minutes}:{seconds:02d}"


def line(moves, elapsed: float) -> str:
    return f"{_state(*render_moves(moves))}  {_clock(elapsed)}"


class Progress:
    """Callback of a wait (:func:`vmove.client.wait.wait_for_moves`, ``Client.wait_for_run``...): draws the line
    of what it is called with on ``stream``, as ``render(thing) -> (percent, text)`` says (by default: moves).

    On a terminal the line is redrawn in place; otherwise (a log, a pipe) a
    line is written only when something but the clock changed.
    """

    def __init__(self, stream, render=render_moves, clock=time.monotonic):
        self.stream = stream
        self.render = render
        self.clock = clock
        self.started = clock()
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._last = None
        self._width = 0

    def __call__(self, thing) -> None:
        state = _state(*self.render(thing))
        text = f"{state}  {_clock(self.clock() - self.started)}"
        if self.tty:
            self.stream.write("\r" + text.ljust(self._width))
            self._width = len(text)
        else:
            if state == self._last:
                return
            self._last = state
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._width:
            self.stream.write("\n")
            self.stream.flush()


def follow(wait_for, thing, parsed_args, line):
    """``wait_for(thing, line, ...)`` every ``--poll-interval`` up to ``--wait-timeout``, the line closed after;
    the final ``thing``."""
    try:
        return wait_for(thing, line, interval=parsed_args.poll_interval, timeout=parsed_args.wait_timeout)
    finally:
        line.close()


def report(moves, stream, expected=("succeeded",)) -> int:
    """Write why each move that did not end in ``expected`` ended as it did; return how many."""
    bad = [m for m in moves if m["status"] not in expected]
    for m in bad:
        what = f"{m['type']} of {m['resource_type']} {m['resource_id']}"
        stream.write(f"Move {m['uuid']} ({what}) {m['status']}: {m.get('message') or 'no message'}\n")
    return len(bad)
