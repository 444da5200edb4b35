"""[upgrade_levels] engine: the RPC version a process sends, and the object versions it sends them at."""

import datetime
from unittest import mock

from oslo_utils import timeutils
import pytest
import sqlalchemy as sa

from vmove import context as vmove_context
from vmove import rpc
from vmove.db import models
from vmove.engine import heartbeat, manager, rpcapi
from vmove.objects import base as objects_base
from vmove.objects import move as move_obj

#: the move the tests send, apart from the two fields the object versions differ on
MOVE = {"uuid": "u1", "type": "live_migration", "resource_type": "instance", "resource_id": "r1"}


def _move():
    """A Move with enforce_project (since 1.1) and global_request_id (since 1.2) set."""
    return move_obj.Move(**MOVE, enforce_project=True, global_request_id="req-g")


def test_no_cap_by_default(conf, db):
    assert rpcapi.version_cap(vmove_context.get_admin_context(), conf) is None
    assert rpcapi.objects_for(None) is None


def test_a_version_caps(conf, db):
    conf.set_override("engine", "1.2", group="upgrade_levels")
    assert rpcapi.version_cap(vmove_context.get_admin_context(), conf) == "1.2"


def test_auto_is_the_lowest_engine_up(conf, db):
    conf.set_override("engine", "auto", group="upgrade_levels")
    ctx = vmove_context.get_admin_context()
    heartbeat.beat(ctx, "new", "h1", "t", rpc_version=rpcapi.RPC_API_VERSION)
    assert rpcapi.version_cap(ctx, conf) is None  # every engine up serves this release's version
    heartbeat.beat(ctx, "old", "h2", "t")  # an engine of the previous release writes no rpc_version
    assert rpcapi.version_cap(ctx, conf) == "1.2"
    # a dead old engine does not hold the cap down
    long_ago = timeutils.utcnow() - datetime.timedelta(seconds=conf.engine.engine_down_time + 5)
    with db.engine.begin() as c:
        c.execute(sa.update(models.Engine).where(models.Engine.engine_id == "old").values(last_heartbeat=long_ago))
    assert rpcapi.version_cap(ctx, conf) is None


@pytest.mark.parametrize("cap, version, kwargs", [(None, "1.3", {"move"}), ("1.2", "1.1", {"move_uuid"})])
def test_move_requested_at_the_capped_version(conf, db, cap, version, kwargs):
    conf.set_override("engine", cap, group="upgrade_levels")
    api = rpcapi.EngineAPI(conf)
    with mock.patch.object(api._client, "prepare", wraps=api._client.prepare) as prepare:
        with mock.patch("oslo_messaging.rpc.client._BaseCallContext.cast") as cast:
            api.move_requested(vmove_context.get_admin_context(), _move())
    assert prepare.call_args == mock.call(version=version, fanout=True, retry=rpcapi.CAST_RETRIES)
    assert set(cast.call_args.kwargs) == kwargs
    rpc.cleanup()


def test_capped_client_backports_objects(conf):
    """Under a 1.2 cap a Move goes out as 1.1 (no global_request_id); the newest carries it."""
    ctx = vmove_context.get_admin_context()
    old = objects_base.VmoveObjectSerializer(rpcapi.objects_for("1.2")).serialize_entity(ctx, _move())
    assert old["vmove_object.version"] == "1.1"
    assert "global_request_id" not in old["vmove_object.data"] and old["vmove_object.data"]["enforce_project"]
    new = objects_base.VmoveObjectSerializer(rpcapi.objects_for(None)).serialize_entity(ctx, [_move()])
    assert new[0]["vmove_object.version"] == "1.2" and new[0]["vmove_object.data"]["global_request_id"] == "req-g"
    assert move_obj.Move.obj_from_primitive(new[0]).global_request_id == "req-g"


def test_objects_for_a_version_between_two_listed():
    assert rpcapi.objects_for("1.2")["Move"] == "1.1"
    assert rpcapi.objects_for("1.9")["Move"] == rpcapi.OBJECT_VERSIONS[max(rpcapi.OBJECT_VERSIONS)]["Move"]
    assert rpcapi.objects_for("1.0")["Move"] == "1.1"  # below every listed version: the oldest listed


def test_manager_serves_both_forms(conf):
    runner = mock.Mock()
    m = manager.EngineManager(conf, "e1", runner)
    m.move_requested(vmove_context.get_admin_context(), move_uuid="u1")
    m.move_requested(vmove_context.get_admin_context(), move=_move())
    m.move_requested(vmove_context.get_admin_context(), move_uuid=None)
    assert runner.wake.call_count == 3
    assert manager.EngineManager.target.version == rpcapi.RPC_API_VERSION == "1.3"
