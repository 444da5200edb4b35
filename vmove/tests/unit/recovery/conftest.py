import pytest

from vmove import clients as vmove_clients
from vmove import context as vmove_context
from vmove.recovery import extension as engine_recovery
from vmove.recovery import service as recovery_service
from vmove.tests.unit.recovery import fakes

BODY = {
    "type": "COMPUTE_HOST",
    "hostname": "host3",
    "generated_time": "2026-11-24T10:00:00",
    "payload": {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"},
}


@pytest.fixture
def ctx():
    c = vmove_context.get_admin_context()
    c.project_id = "admin-project"
    return c


@pytest.fixture
def cloud(conf, db):
    """A fake Nova + Placement used by the recovery extension of this process."""
    clients = fakes.FakeClients()
    vmove_clients.use(conf, clients)
    yield clients
    vmove_clients.use(conf, None)


@pytest.fixture
def notify(ctx, conf):
    """Record a notification (as the API does) and return it; ``advance=True`` also lets the engine set it up."""

    def make(hostname="host3", event="STOPPED", advance=True):
        import datetime

        body = dict(BODY, hostname=hostname, payload=dict(BODY["payload"], event=event))
        n, created = recovery_service.create_notification(ctx, body, datetime.datetime(2026, 11, 24, 10, 0))
        assert created
        if advance:
            engine_recovery.process(ctx, conf, n.uuid)
        return n

    return make
