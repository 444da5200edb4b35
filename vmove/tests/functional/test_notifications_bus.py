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
from vmove.tests.functional import procs


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


def test_api_and_engine_processes_both_publish(conf, tmp_path, devcloud):
    """The production split: vmove-api and vmove-engine as separate processes on RabbitMQ and PostgreSQL.
    The move the API writes is announced by vmove-api (``vmove.move.pending``), what the engine does
    to it by vmove-engine; a cancel through the API by vmove-api again."""
    devcloud.require("nova")
    vfixtures.require_url(vfixtures.RABBIT_URL)
    dbfx = vfixtures.Database(tmpdir=tmp_path, url=vfixtures.POSTGRES_URL)
    dbfx.setUp()
    rpc.cleanup()
    suffix = uuid.uuid4().hex[:8]
    port = procs.free_port()
    conf_file = procs.write_conf(
        tmp_path / "vmove.conf",
        dbfx.url,
        f"vmove-engine-test-{suffix}",
        cloud=devcloud,
        api={"port": port},
        engine={"notifications": True},
        oslo_messaging_notifications={"topics": f"vmove-notify-test-{suffix}"},
    )
    conf.set_override("transport_url", vfixtures.RABBIT_URL)
    endpoint = Endpoint()
    listener = messaging.get_notification_listener(
        rpc.get_notification_transport(conf),
        [messaging.Target(topic=f"vmove-notify-test-{suffix}")],
        [endpoint],
        executor="threading",
    )
    listener.start()
    api = engine = None
    url = f"http://127.0.0.1:{port}"
    try:
        api = procs.api(conf_file, tmp_path / "api.log", port)
        # no engine yet: this move stays pending until cancelled through the API
        code, waiting = procs.call(url, "POST", "/v1/moves", _move())
        assert code == 202, waiting
        code, cancelled = procs.call(url, "POST", f"/v1/moves/{waiting['move']['uuid']}/action", {"cancel": None})
        assert code == 202 and cancelled["move"]["status"] == "cancelled", cancelled
        engine = procs.engine(conf_file, tmp_path / "engine.log")
        # an instance Nova does not have: the engine ends the move, and says so on the bus
        code, doomed = procs.call(url, "POST", "/v1/moves", _move())
        assert code == 202, doomed
        seen = []

        def ended():
            while not endpoint.got.empty():
                seen.append(endpoint.got.get())
            return any(
                p["vmove_object.data"]["uuid"] == doomed["move"]["uuid"] and e != "vmove.move.pending"
                for _, e, p in seen
            )

        procs.wait_for(ended, "the engine's notification of the move it ended", timeout=60)
    finally:
        for p in (api, engine):
            if p is not None:
                p.stop()
        listener.stop()
        listener.wait()
        rpc.cleanup()
        dbfx.cleanUp()
    by_move = {}
    for publisher, event, payload in seen:
        by_move.setdefault(payload["vmove_object.data"]["uuid"], []).append((publisher.split(":")[0], event))
    assert by_move[waiting["move"]["uuid"]] == [
        ("vmove-api", "vmove.move.pending"),
        ("vmove-api", "vmove.move.cancelled"),
    ]
    doomed_events = by_move[doomed["move"]["uuid"]]
    assert doomed_events[0] == ("vmove-api", "vmove.move.pending"), doomed_events
    assert all(publisher == "vmove-engine" for publisher, _ in doomed_events[1:]), doomed_events
    assert doomed_events[-1][1] in ("vmove.move.failed", "vmove.move.ignored"), doomed_events


def _move():
    return {"move": {"resource_type": "instance", "resource_id": str(uuid.uuid4()), "type": "live_migration"}}
