"""Third-party move actions, only using vmove's public action contract (vmove.actions.base).

- ``demo_noop`` 'moves' an instance nowhere, in two polls.
- ``demo_timed`` 'moves' it nowhere in ``seconds`` from its start. Its backend is a ledger file (the
  ``VMOVE_DEMO_LEDGER`` environment variable names it): every start request appends the move's uuid and
  the process id, so a test counts the starts of each move across engines, and across releases of vmove
  (the upgrade test installs it beside the previous release too). An engine that takes a move over finds
  in the ledger whether the move ever reached this backend.
"""

import datetime
import os

from vmove.actions import base


class NoopAction(base.Action):
    resource_type = "instance"
    schema = {
        "type": "object",
        "properties": {"note": {"type": "string", "maxLength": 64}},
        "additionalProperties": False,
    }

    def __init__(self, conf, clients):
        super().__init__(conf, clients)
        self.polls = {}

    def pre_condition(self, move):
        if (move.params or {}).get("note") == "skip me":
            raise base.ActionSkipped(reason="asked to skip")
        return {"source_host": "nowhere"}

    def execute(self, move):
        return {"plugin": "vmove-demo-action"}

    def observe(self, moves):
        seen = {}
        for m in moves:
            n = self.polls[m.uuid] = self.polls.get(m.uuid, 0) + 1
            seen[m.uuid] = base.Observation(phase="starting" if n < 2 else "succeeded", values={"dest_host": "nowhere"})
        return seen


def _ledger():
    return os.environ.get("VMOVE_DEMO_LEDGER")


def started(path):
    """``{move uuid: [pid, ...]}``: the start requests the ledger received."""
    found = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                uuid, _, pid = line.strip().partition(" ")
                found.setdefault(uuid, []).append(pid)
    return found


class TimedAction(base.Action):
    resource_type = "instance"
    schema = {
        "type": "object",
        "properties": {"seconds": {"type": "number", "minimum": 0, "maximum": 3600}},
        "additionalProperties": False,
    }

    def pre_condition(self, move):
        return {"source_host": "nowhere"}

    def execute(self, move):
        path = _ledger()
        if path:
            with open(path, "a") as f:  # one short append: whole lines from concurrent engines
                f.write(f"{move.uuid} {os.getpid()}\n")
        return {"plugin": "vmove-demo-action", "pid": os.getpid()}

    def observe(self, moves):
        now = datetime.datetime.now(datetime.timezone.utc)  # noqa: UP017 - the previous release's Python too
        ledger = started(_ledger()) if _ledger() else None
        seen = {}
        for m in moves:
            if ledger is not None and m.uuid not in ledger:
                seen[m.uuid] = base.Observation(phase=m.phase, not_started=True)
                continue
            start = m.start_time
            if start is not None and start.tzinfo is None:
                start = start.replace(tzinfo=datetime.timezone.utc)  # noqa: UP017
            if start is None or (now - start).total_seconds() >= float((m.params or {}).get("seconds", 0)):
                seen[m.uuid] = base.Observation(phase="succeeded", values={"dest_host": "nowhere"})
        return seen
