import datetime

from oslo_utils import timeutils, uuidutils
import pytest

from vmove import context as vmove_context
from vmove.db import plans_api
from vmove.engine import plans as engine_plans
from vmove.tests.unit.plans import fakes


@pytest.fixture
def ctx(db):
    return vmove_context.get_admin_context()


@pytest.fixture
def cloud(monkeypatch):
    cloud = fakes.FakeCloud()
    monkeypatch.setattr(engine_plans, "clients_for", lambda conf: cloud)
    return cloud


@pytest.fixture
def make_plan(ctx):
    """make_plan(items=[(resource_type, resource_id, move_type[, priority])], hosts=..., **columns) -> plan row."""

    def make(items, hosts=None, volume_types=None, backends=None, **values):
        row = {
            "uuid": uuidutils.generate_uuid(),
            "name": "plan",
            "project_id": fakes.PROJECT,
            "user_id": "u1",
            "approval": "auto",
            "mapping": {"hosts": hosts or {}, "volume_types": volume_types or {}, "backends": backends or {}},
        }
        row.update(values)
        spec = [
            {"resource_type": i[0], "resource_id": i[1], "type": i[2], "priority": i[3] if len(i) > 3 else 0}
            for i in items
        ]
        return plans_api.plan_create(ctx, row, spec)

    return make


@pytest.fixture
def order(ctx):
    def order(plan, dry_run=False, cross_project=False):
        return plans_api.run_create(
            ctx, plan.uuid, {"dry_run": dry_run, "user_id": "u1", "cross_project": cross_project}
        )

    return order


def minutes(n):
    return timeutils.utcnow() + datetime.timedelta(minutes=n)
