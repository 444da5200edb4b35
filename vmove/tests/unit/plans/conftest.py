import datetime

from oslo_utils import timeutils, uuidutils
import pytest

from vmove import clients as vmove_clients
from vmove import context as vmove_context
from vmove.plans import service as plan_service
from vmove.tests.unit.plans import fakes


@pytest.fixture
def ctx(db):
    return vmove_context.get_admin_context()


@pytest.fixture
def cloud(conf):
    cloud = fakes.FakeCloud()
    vmove_clients.use(conf, cloud)
    yield cloud
    vmove_clients.use(conf, None)


@pytest.fixture
def make_plan(ctx):
    """make_plan(items=[(resource_type, resource_id, move_type[, priority])], hosts=..., **columns) -> plan row."""

    def make(items, hosts=None, volume_types=None, backends=None, flavors=None, **values):
        row = {
            "uuid": uuidutils.generate_uuid(),
            "name": "plan",
            "project_id": fakes.PROJECT,
            "user_id": "u1",
            "approval": "auto",
            "mapping": {
                "hosts": hosts or {},
                "volume_types": volume_types or {},
                "backends": backends or {},
                "flavors": flavors or {},
            },
        }
        row.update(values)
        spec = [
            {"resource_type": i[0], "resource_id": i[1], "type": i[2], "priority": i[3] if len(i) > 3 else 0}
            for i in items
        ]
        return plan_service.create_plan(ctx, row, spec)

    return make


@pytest.fixture
def order(ctx):
    def order(plan, dry_run=False, cross_project=False):
        asker = vmove_context.get_admin_context()
        asker.user_id = "u1"
        return plan_service.order_run(asker, plan, dry_run, cross_project)

    return order


def minutes(n):
    return timeutils.utcnow() + datetime.timedelta(minutes=n)
