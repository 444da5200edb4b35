"""Horizon test cases for vmove's panels, with vmove.client mocked at its boundary.

``self.vmove`` is the client the panels get from ``vmove.dashboard.api``: a
``vmove.client.Client`` whose managers are autospecs of the real ones, so a
call the real client would refuse (a wrong keyword) fails the test too.
Factories make API answers shaped like vmove's responses.
"""

import copy
import itertools
from unittest import mock
import uuid

from django.urls import reverse
from openstack_dashboard.test import helpers

from vmove.client import base as client_base
from vmove.client import client as client_mod
from vmove.client import engines, moves, notifications, plans, runs
from vmove.client import exceptions as vmove_exc

VMOVE_URL = "http://vmove.example.com:9393"
CATALOG_ENTRY = {
    "type": "vmove",
    "name": "vmove",
    "endpoints_links": [],
    "endpoints": [
        {"region": region, "interface": itf, "url": VMOVE_URL}
        for region in ("RegionOne", "RegionTwo")
        for itf in ("admin", "internal", "public")
    ],
}
MANAGERS = {
    "moves": moves.MoveManager,
    "plans": plans.PlanManager,
    "runs": runs.RunManager,
    "notifications": notifications.NotificationManager,
    "engines": engines.EngineManager,
}
_SEQ = itertools.count(1)
TIME = "2026-11-24T10:00:00+00:00"


def fake_client():
    client = mock.create_autospec(client_mod.Client, instance=True)
    for name, manager in MANAGERS.items():
        setattr(client, name, mock.create_autospec(manager, instance=True))
    return client


class VmoveMixin:
    """Adds vmove to the catalog and mocks vmove.client.Client where the plugin makes it."""

    def _setup_test_data(self):
        super()._setup_test_data()
        self.service_catalog.append(copy.deepcopy(CATALOG_ENTRY))

    def setUp(self):
        super().setUp()
        self.vmove = fake_client()
        patcher = mock.patch("vmove.dashboard.api.Client", return_value=self.vmove)
        self.client_class = patcher.start()
        self.addCleanup(patcher.stop)

    def get_listing(self, url, manager, rows, **filters):
        """GET the page at ``url`` listing ``rows`` of ``self.vmove.<manager>``: one list call (the first
        page, newest first, with ``filters``), no get per row."""
        listed = getattr(self.vmove, manager)
        listed.list.return_value = rows
        res = self.client.get(url)
        listed.list.assert_called_once_with(limit=21, marker=None, sort_dir="desc", **filters)
        listed.get.assert_not_called()
        return res

    def post_action(self, url, table, action, obj, **kwargs):
        """POST the row action ``action`` of ``table`` on ``obj`` to the page at ``url``."""
        return self.client.post(url, {"action": f"{table}__{action}__{obj['uuid']}"}, **kwargs)

    def assert_table_action(self, url, table, action, obj):
        """Posting ``action`` on ``obj`` (the one row) of ``table`` at ``url`` makes the client's call of
        that name on ``obj`` and comes back to the table."""
        manager = getattr(self.vmove, table)
        manager.list.return_value = [obj]
        res = self.post_action(url, table, action, obj)
        self.assertRedirectsNoFollow(res, url)
        getattr(manager, action).assert_called_once_with(obj["uuid"])

    def assert_refusal_shown(self, url, table, action, obj, call, why):
        """Posting ``action`` on ``obj``, which vmove refuses (``call`` answers 409: ``why``), shows vmove's words."""
        call.side_effect = vmove_exc.Conflict(why, code=409)
        res = self.post_action(url, table, action, obj, follow=True)
        messages = [str(m) for m in res.context["messages"]]
        self.assertTrue(any(why in m for m in messages), messages)
        return res


class TestCase(VmoveMixin, helpers.TestCase):
    """A member (and reader) of the test project."""


class AdminTestCase(VmoveMixin, helpers.BaseAdminViewTests):
    """An admin."""


def detail_url(panel, dashboard="project"):
    """``url(obj)``, the URL of the page of an object (its ``uuid``) of the plugin's ``panel``."""
    return lambda obj: reverse(f"horizon:{dashboard}:vmove_{panel}:detail", args=(obj["uuid"],))


def resource(**fields):
    return client_base.Resource(fields)


def answer(defaults, overrides):
    """An API answer: ``defaults`` but for ``overrides``."""
    return client_base.Resource({**defaults, **overrides})


def move(**overrides):
    n = next(_SEQ)
    return answer(
        {
            "uuid": str(uuid.uuid4()),
            "resource_type": "instance",
            "resource_id": str(uuid.uuid4()),
            "resource_name": f"server-{n}",
            "type": "live_migration",
            "status": "ongoing",
            "phase": "migrating",
            "source_host": "host1",
            "dest_host": "host2",
            "source_backend": None,
            "dest_backend": None,
            "source_type": None,
            "dest_type": None,
            "params": {"host": "host2"},
            "priority": 0,
            "attempt": 1,
            "progress": 40,
            "start_time": TIME,
            "end_time": None,
            "message": "Nova is migrating the instance.",
            "project_id": "1",
            "user_id": "1",
            "origin": "request:req-1",
            "created_at": TIME,
            "updated_at": TIME,
            "links": [],
        },
        overrides,
    )


def event(n, to_phase, status, message=None, from_phase=None):
    return resource(id=n, at=TIME, from_phase=from_phase, to_phase=to_phase, from_status=None, status=status,
                    attempt=1, message=message, detail=None)  # fmt: skip


def plan(**overrides):
    return answer(
        {
            "uuid": str(uuid.uuid4()),
            "name": f"plan-{next(_SEQ)}",
            "description": None,
            "project_id": "1",
            "user_id": "1",
            "mapping": {"hosts": {"host1": "host2"}},
            "limits": {"max_in_flight": 1},
            "window": {},
            "approval": "manual",
            "item_count": 0,
            "created_at": TIME,
            "updated_at": TIME,
            "links": [],
        },
        overrides,
    )


def plan_item(resource_id, **overrides):
    return answer(
        {
            "uuid": str(uuid.uuid4()),
            "resource_type": "instance",
            "resource_id": resource_id,
            "type": "live_migration",
            "priority": 0,
            "migration_status": "planned",
            "migration_message": None,
            "attempts": [],
        },
        overrides,
    )


def verdict(move_=None, **overrides):
    return answer(
        {
            "item_uuid": str(uuid.uuid4()),
            "resource_type": "instance",
            "resource_id": move_["resource_id"] if move_ else str(uuid.uuid4()),
            "resource_name": move_["resource_name"] if move_ else "server-x",
            "type": "live_migration",
            "priority": 0,
            "verdict": "ok" if move_ else "refused",
            "code": None if move_ else "no_capacity",
            "reason": None if move_ else "host2 has 512 MB of RAM left; the flavor needs 1024 MB.",
            "params": None,
            "source": "host1",
            "dest": "host2",
            "move_uuid": move_["uuid"] if move_ else None,
            "attempt": 1 if move_ else None,
        },
        overrides,
    )


def run(**overrides):
    return answer(
        {
            "uuid": str(uuid.uuid4()),
            "plan_uuid": str(uuid.uuid4()),
            "plan_name": "plan-x",
            "project_id": "1",
            "user_id": "1",
            "dry_run": False,
            "approval": "manual",
            "status": "running",
            "message": "2 of 3 moves ended.",
            "decided_by": None,
            "decided_at": None,
            "counts": {"items": 3, "approved": 3, "refused": 0, "succeeded": 2, "ongoing": 1},
            "progress": 70,
            "created_at": TIME,
            "updated_at": TIME,
            "validated_at": TIME,
            "started_at": TIME,
            "finished_at": None,
            "links": [],
        },
        overrides,
    )


def notification(**overrides):
    n = next(_SEQ)
    return answer(
        {
            "id": n,
            "notification_uuid": (u := str(uuid.uuid4())),
            "uuid": u,
            "type": "COMPUTE_HOST",
            "hostname": "host1",
            "generated_time": TIME,
            "payload": {"event": "STOPPED"},
            "status": "running",
            "progress": 50,
            "message": "Evacuating 2 instances.",
            "attempt": 1,
            "related_notification_uuid": None,
            "restore": None,
            "created_at": TIME,
            "updated_at": TIME,
            "finished_at": None,
            "links": [],
        },
        overrides,
    )


def vmove_of(notification_, **overrides):
    n = next(_SEQ)
    return answer(
        {
            "id": n,
            "uuid": str(uuid.uuid4()),
            "notification_uuid": notification_["uuid"],
            "instance_uuid": str(uuid.uuid4()),
            "instance_name": f"server-{n}",
            "source_host": notification_["hostname"],
            "dest_host": "host2",
            "start_time": TIME,
            "end_time": None,
            "type": "evacuation",
            "status": "ongoing",
            "message": None,
            "created_at": TIME,
            "updated_at": TIME,
            "phase": "rebuilding",
            "priority": 0,
            "attempt": 1,
            "progress": 50,
            "origin": f"notification:{notification_['uuid']}",
            "links": [],
        },
        overrides,
    )


def engine(**overrides):
    return answer(
        {
            "id": str(uuid.uuid4()),
            "host": "node-1",
            "topic": "vmove-engine",
            "pid": 4242,
            "version": "1.0",
            "state": "up",
            "started_at": TIME,
            "last_heartbeat": TIME,
            "stopped_at": None,
        },
        overrides,
    )
