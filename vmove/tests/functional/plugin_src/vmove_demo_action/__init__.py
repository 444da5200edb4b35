"""A third-party move action: 'moves' an instance nowhere, in two polls.

It only uses vmove's public action contract (vmove.actions.base).
"""

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
