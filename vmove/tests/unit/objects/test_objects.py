"""Object fingerprints: a changed object must get a new VERSION."""

from oslo_versionedobjects import fixture

from vmove import objects
from vmove.objects import base

# Change a hash only together with the object's VERSION (and
# obj_make_compatible for the fields it adds).
EXPECTED = {
    "Engine": "1.1-8f95b7790fa7c1953c885d0d2b8a15a3",
    "EngineList": "1.1-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "Move": "1.2-8018a932e899a62f89aa07126a9f0321",
    "MoveEvent": "1.0-0d4b7df9315be82bf8ce7e1847fecfde",
    "MoveEventList": "1.0-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "MoveList": "1.2-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "Notification": "1.1-99bbe0b04811975676028a90e004ba93",
    "NotificationList": "1.1-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "Plan": "1.1-67c26bd99169d9a243ef6deec0b4ed1b",
    "PlanItem": "1.0-baf81958af3d0bfd8c4611df70acedb9",
    "PlanList": "1.1-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "Run": "1.1-a3ce19f2cfe89dcb0421fcf679a55b11",
    "RunEvent": "1.0-6d8a331307af2951ba81e9202d4da422",
    "RunItem": "1.1-fdaff4a5af26c94a6aefd961ef9b24a8",
    "RunItemList": "1.1-15ecf022a68ddbb8c2a6739cfc9f8f5e",
    "RunList": "1.1-15ecf022a68ddbb8c2a6739cfc9f8f5e",
}


def test_fingerprints():
    objects.register_all()
    checker = fixture.ObjectVersionChecker(base.VmoveObjectRegistry.obj_classes())
    expected, actual = checker.test_hashes(EXPECTED)
    assert expected == actual, "Objects changed: bump their VERSION and update EXPECTED"


def test_move_roundtrip_through_primitive():
    from vmove.objects import move

    objects.register_all()
    m = move.Move(uuid="u", status="pending", type="live_migration", params={"a": [1, 2]}, priority=3)
    prim = m.obj_to_primitive()
    again = move.Move.obj_from_primitive(prim)
    assert again.params == {"a": [1, 2]} and again.priority == 3


def test_move_1_0_consumers_get_no_enforce_project():
    from vmove.objects import move

    objects.register_all()
    m = move.Move(uuid="u", enforce_project=True)
    assert "enforce_project" in m.obj_to_primitive()["vmove_object.data"]
    old = m.obj_to_primitive(target_version="1.0")
    assert old["vmove_object.version"] == "1.0"
    assert "enforce_project" not in old["vmove_object.data"]


def test_notification_1_0_consumers_get_engine_id_and_no_new_fields():
    from vmove.objects import notification

    objects.register_all()
    n = notification.Notification(uuid="u", claim_token="t", active_key="STOPPED:h", restore_next_try=None)
    old = n.obj_to_primitive(target_version="1.0")["vmove_object.data"]
    assert old["engine_id"] == "t"
    assert not {"claim_token", "active_key", "restore_next_try"} & set(old)


def test_plan_and_run_1_0_consumers_get_no_new_fields():
    from vmove.objects import plan

    objects.register_all()
    p = plan.Plan(uuid="p", drains={"hosts": []}, cold_fallback=True, schedule=None, items=[])
    assert not {"drains", "cold_fallback", "schedule"} & set(p.obj_to_primitive("1.0")["vmove_object.data"])
    r = plan.Run(uuid="r", estimate={"seconds": 1})
    assert "estimate" not in r.obj_to_primitive("1.0")["vmove_object.data"]
    i = plan.RunItem(item_uuid="i", decision="approved", decided_by="u", selector="host:h1")
    assert not {"decision", "decided_by", "selector"} & set(i.obj_to_primitive("1.0")["vmove_object.data"])


def _move_row(**values):
    """A row of the moves table as a Core row gives it (its ``_mapping``, as list pages read them)."""
    import datetime
    import types

    from vmove.db import models

    row = {c.name: None for c in models.Move.__table__.columns}
    row.update(
        id=1, uuid="u", resource_type="instance", resource_id="r", type="live_migration", status="pending",
        phase="queued", params={"a": 1}, priority=0, attempt=1, progress=0, project_id="p", origin="request:x",
        enforce_project=False, created_at=datetime.datetime(2026, 1, 1), updated_at=datetime.datetime(2026, 1, 1),
    )  # fmt: skip
    row.update(values)
    return types.SimpleNamespace(_mapping=row)


def test_from_row_keeps_what_coercion_keeps_and_coerces_the_rest():
    import datetime

    from vmove.objects import move

    objects.register_all()
    m = move.Move.from_row(None, _move_row())
    assert (m.status, m.resource_type, m.params) == ("pending", "instance", {"a": 1})
    assert m.created_at.tzinfo is datetime.UTC and not m.obj_what_changed()
    assert move.Move.from_row(None, _move_row(params=None)).params is None  # nullable
    for bad in ({"status": "sleeping"}, {"resource_type": "network"}, {"params": "[1]"}):
        try:
            move.Move.from_row(None, _move_row(**bad))
        except ValueError:
            continue
        raise AssertionError(f"{bad} was accepted")
