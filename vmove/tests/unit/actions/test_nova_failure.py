"""A failed Nova migration's reason: read from the instance action, waited for while Nova is still writing it."""

import datetime
import types

from oslo_utils import timeutils

from vmove.actions import instance, nova
from vmove.moves import states


class FakeActions:
    def __init__(self, events):
        self.events = events
        self.calls = 0

    def get(self, server, request_id):
        self.calls += 1
        return types.SimpleNamespace(events=self.events)


class FakeClients:
    def __init__(self, actions):
        self.instance_action = actions

    def nova(self, version=None):
        return self


def _action(events):
    action = nova.Evacuation(conf=None, clients=FakeClients(FakeActions(events)))
    # the history of this attempt holds the request id of its execute()
    action.use_history(lambda move: [{"request_id": "req-1", "executed": True}])
    return action


def _record(ago):
    stamp = (timeutils.utcnow() - datetime.timedelta(seconds=ago)).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return {"id": 7, "status": "error", "created_at": stamp, "updated_at": stamp}


MOVE = types.SimpleNamespace(uuid="m1", resource_id="s1", phase=states.STARTING)
RUNNING = [{"event": "conductor_rebuild_server", "result": None, "finish_time": None}]
ENDED = [
    {
        "event": "conductor_rebuild_server",
        "result": "Error",
        "finish_time": "2026-11-24T10:00:01",
        "details": "No valid host was found. ",
    }
]


def test_nova_reason_is_recorded():
    msg = _action(ENDED)._failure_message(MOVE, _record(1))
    assert msg == "Nova migration 7 ended error: conductor_rebuild_server failed: No valid host was found."


def test_waits_while_nova_has_not_ended_the_action_event():
    assert _action(RUNNING)._failure_message(MOVE, _record(1)) is None


def test_stops_waiting_after_the_settle_time():
    msg = _action(RUNNING)._failure_message(MOVE, _record(instance.FAILURE_SETTLE + 1))
    assert msg == "Nova migration 7 ended error."


def test_no_error_event_and_all_ended_gives_the_status_only():
    events = [{"event": "compute_rebuild_instance", "result": "Success", "finish_time": "2026-11-24T10:00:01"}]
    assert _action(events)._failure_message(MOVE, _record(1)) == "Nova migration 7 ended error."
