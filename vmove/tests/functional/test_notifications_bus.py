"""Every state change of a move is a versioned notification on the bus
(``vmove.move.<status>``), received here by a real oslo.messaging listener
over RabbitMQ."""

import queue
import uuid

import oslo_messaging as messaging

from vmove import context as vmove_context
from vmove import rpc
from vmove.moves import notify
from vmove.moves import queries as move_queries
from vmove.moves import service as move_requests
from vmove.tests import fixtures as vfixtures


class Endpoint:
    def __init__(self):
        self.got = queue.Queue()

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self.got.put((publisher_id, event_type, payload))


def test_move_changes_are_published(conf, db):
    vfixtures.require_url(vfixtures.RABBIT_URL)
    rpc.cleanup()
    topic = f"vmove-notify-test-{uuid.uuid4().hex[:8]}"
    conf.set_override("transport_url", vfixtures.RABBIT_URL)
    conf.set_override("notifications", True, group="engine")
    conf.set_override("topics", [topic], group="oslo_messaging_notifications")
    endpoint = Endpoint()
    listener = messaging.get_notification_listener(
        rpc.get_notification_transport(conf), [messaging.Target(topic=topic)], [endpoint], executor="threading"
    )
    listener.start()
    try:
        notify.setup(conf, "vmove-api:test")
        ctx = vmove_context.RequestContext(project_id="p1", user_id="u1", roles=["member"])
        move = move_requests.request_move(
            ctx, resource_type="instance", resource_id=str(uuid.uuid4()), move_type="live_migration"
        )
        move_requests.cancel_move(ctx, conf, move_queries.get(ctx, move.uuid))
        seen = [endpoint.got.get(timeout=20) for _ in range(2)]
    finally:
        listener.stop()
        listener.wait()
        notify.reset()
        rpc.cleanup()
    assert [e for _, e, _ in seen] == ["vmove.move.pending", "vmove.move.cancelled"]
    publisher, _, payload = seen[1]
    assert publisher == "vmove-api:test"
    assert payload["vmove_object.name"] == "MovePayload" and payload["vmove_object.version"] == "1.0"
    data = payload["vmove_object.data"]
    assert (data["uuid"], data["status"], data["old_status"], data["phase"]) == (
        move.uuid,
        "cancelled",
        "pending",
        "cancelled",
    )
