"""Every state change of a move is a versioned notification on the bus
(``vmove.move.<status>``), received here by a real oslo.messaging listener
over RabbitMQ."""

import contextlib
import queue
import uuid

import oslo_messaging as messaging

from vmove import context as vmove_context
from vmove import rpc
from vmove.moves import notify
from vmove.moves import queries as move_queries
from vmove.moves import service as move_requests
from vmove.tests import fixtures as vfixtures
from vmove.tests.functional import processes


@contextlib.contextmanager
def listening(conf, publisher_id):
    """A real oslo.messaging listener on RabbitMQ, on a topic of its own; notifications on (and off after)."""
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
        notify.setup(conf, publisher_id)
        yield endpoint
    finally:
        listener.stop()
        listener.wait()
        notify.reset()
        rpc.cleanup()


class Endpoint:
    def __init__(self):
        self.got = queue.Queue()

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self.got.put((publisher_id, event_type, payload))


def test_move_changes_are_published(conf, db):
    with listening(conf, "vmove-api:test") as endpoint:
        ctx = vmove_context.RequestContext(project_id="p1", user_id="u1", roles=["member"])
        move = move_requests.request_move(
            ctx, resource_type="instance", resource_id=str(uuid.uuid4()), move_type="live_migration"
        )
        move_requests.cancel_move(ctx, conf, move_queries.get(ctx, move.uuid))
        seen = [endpoint.got.get(timeout=20) for _ in range(2)]
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


def test_plan_and_run_lifecycle_is_published_with_counts(conf, db):
    """A plan created, a run ordered, awaiting approval, its items approved one by one, started and
    finished: each is a versioned notification an approver's listener receives over RabbitMQ."""
    from vmove.plans import approvals
    from vmove.plans import queries as plan_queries
    from vmove.plans import service as plan_service

    with listening(conf, "vmove-engine:test") as endpoint:
        ctx = vmove_context.RequestContext(project_id="p1", user_id="approver", roles=["member"])
        values = {"uuid": str(uuid.uuid4()), "name": "rack-12", "project_id": "p1", "approval": "manual",
                  "mapping": {"hosts": {"h1": "h2"}}}  # fmt: skip
        plan = plan_service.create_plan(ctx, values, [
            {"resource_type": "instance", "resource_id": str(uuid.uuid4()), "type": "live_migration"}
        ])  # fmt: skip
        run = plan_service.order_run(ctx, plan, dry_run=False, cross_project=False)
        item = plan.items[0]
        plan_queries.run_items_replace(ctx, run.uuid, [
            {"item_uuid": item.uuid, "resource_type": "instance", "resource_id": item.resource_id,
             "move_type": "live_migration", "priority": 0, "verdict": "ok"}
        ])  # fmt: skip
        run = plan_queries.advance(ctx, run, "await_approval", {"counts": {"items": 1, "approved": 1, "refused": 0}})
        run, _ = approvals.decide(ctx, run.uuid, "approved", [item.resource_id])
        run = plan_queries.advance(ctx, run, "start", {})
        plan_queries.advance(ctx, run, "succeed", {"counts": dict(run.counts, succeeded=1)})
        seen = [endpoint.got.get(timeout=20) for _ in range(7)]
    assert [e for _, e, _ in seen] == [
        "vmove.plan.created",
        "vmove.run.created",
        "vmove.run.awaiting_approval",
        "vmove.run.item_decided",
        "vmove.run.approved",
        "vmove.run.running",
        "vmove.run.succeeded",
    ]
    by_type = {e: p for _, e, p in seen}
    assert by_type["vmove.plan.created"]["vmove_object.name"] == "PlanPayload"
    approved = by_type["vmove.run.approved"]
    assert (approved["vmove_object.name"], approved["vmove_object.version"]) == ("RunPayload", "1.0")
    data = approved["vmove_object.data"]
    assert (data["status"], data["old_status"], data["decided_by"]) == ("approved", "awaiting_approval", "approver")
    assert (data["counts"]["approved"], data["counts"]["denied"], data["counts"]["undecided"]) == (1, 0, 0)
    decided = by_type["vmove.run.item_decided"]["vmove_object.data"]
    assert decided["items"][0]["resource_id"] == item.resource_id and decided["decision"] == "approved"
    assert by_type["vmove.run.succeeded"]["vmove_object.data"]["counts"]["succeeded"] == 1


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
    port = processes.free_port()
    conf_file = processes.write_conf(
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
        api = processes.api(conf_file, tmp_path / "api.log", port)
        # no engine yet: this move stays pending until cancelled through the API
        code, waiting = processes.call(url, "POST", "/v1/moves", _move())
        assert code == 202, waiting
        code, cancelled = processes.call(url, "POST", f"/v1/moves/{waiting['move']['uuid']}/action", {"cancel": None})
        assert code == 202 and cancelled["move"]["status"] == "cancelled", cancelled
        engine = processes.engine(conf_file, tmp_path / "engine.log")
        # an instance Nova does not have: the engine ends the move, and says so on the bus
        code, doomed = processes.call(url, "POST", "/v1/moves", _move())
        assert code == 202, doomed
        seen = []

        def ended():
            while not endpoint.got.empty():
                seen.append(endpoint.got.get())
            return any(
                p["vmove_object.data"]["uuid"] == doomed["move"]["uuid"] and e != "vmove.move.pending"
                for _, e, p in seen
            )

        processes.wait_for(ended, "the engine's notification of the move it ended", timeout=60)
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
