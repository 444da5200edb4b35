"""The --wait progress line and the report of moves that did not succeed."""

import io

from vmove.cli import progress
from vmove.tests.unit.cli.conftest import move


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_one_move_shows_its_phase_and_progress():
    m = move("ongoing", 45, phase="migrating", resource_id="i-1")
    assert progress.line([m], 75) == (
        "[##########..............]  45%  ongoing, phase migrating (live_migration of instance i-1)  1:15"
    )


def test_several_moves_show_counts_per_status_and_the_overall_percentage():
    moves = [move("succeeded", 100), move("failed", 20), move("ongoing", 50), move("pending")]
    # ended moves count as 100%: (100 + 100 + 50 + 0) / 4
    assert progress.percent(moves) == 62
    assert progress.describe(moves) == "2/4 ended: 1 pending, 1 ongoing, 1 succeeded, 1 failed"


def test_on_a_terminal_the_line_is_redrawn_in_place():
    out, clock = Terminal(), Clock()
    line = progress.Progress(out, clock=clock)
    line([move("pending", resource_id="i-1")])
    clock.now = 3
    line([move("succeeded", 100, phase="done", resource_id="i-1")])
    line.close()
    text = out.getvalue()
    assert text.startswith("\r[........................]   0%  pending")
    assert "\r[########################] 100%  succeeded, phase done" in text and text.endswith("0:03\n")
    assert text.count("\n") == 1


def test_in_a_log_a_line_is_written_only_when_something_changed():
    out, clock = io.StringIO(), Clock()
    line = progress.Progress(out, clock=clock)
    m = move("ongoing", 10)
    for second in range(3):
        clock.now = second
        line([m])
    line([dict(m, progress=60)])
    line.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and "10%" in lines[0] and "60%" in lines[1]


def test_report_says_why_each_move_did_not_end_as_expected():
    out = io.StringIO()
    ok = move("succeeded")
    bad = move("failed", message="Nova says: no valid host.", resource_id="i-9")
    silent = move("ignored")
    assert progress.report([ok, bad, silent], out) == 2
    assert out.getvalue().splitlines() == [
        f"Move {bad['uuid']} (live_migration of instance i-9) failed: Nova says: no valid host.",
        f"Move {silent['uuid']} (live_migration of instance {silent['resource_id']}) ignored: no message",
    ]
    assert progress.report([dict(ok, status="cancelled")], io.StringIO(), expected=("cancelled",)) == 0
