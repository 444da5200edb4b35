"""vmove-status upgrade check: unapplied migrations, engines of another release, RPC caps missing or left."""

from oslo_config import cfg
from oslo_upgradecheck import upgradecheck
import sqlalchemy as sa

from vmove import context as vmove_context
from vmove import version
from vmove.cmd import status
from vmove.db import migration
from vmove.engine import heartbeat, rpcapi

Code = upgradecheck.Code


def _old_engine(ctx):
    heartbeat.beat(ctx, "old", "h-old", "t", version="0.0.1.dev1")  # no rpc_version: a previous release's


def _new_engine(ctx, name="new"):
    heartbeat.beat(ctx, name, "h-new", "t", version=version.version_string(), rpc_version=rpcapi.RPC_API_VERSION)


def test_db_revision(conf, db):
    assert migration.unapplied(None)[0] == "0001"
    assert migration.unapplied(migration.head()) == []
    with db.engine.begin() as c:  # the schema as the previous release left it, by its revision
        c.execute(sa.text("UPDATE alembic_version SET version_num = '0005'"))
    result = status.Checks()._check_db_revision()
    assert result.code == Code.FAILURE and "not applied: 0006" in result.details and "db sync" in result.details
    with db.engine.begin() as c:
        c.execute(sa.update(sa.table("alembic_version", sa.column("version_num"))).values(version_num=migration.head()))
    assert status.Checks()._check_db_revision().code == Code.SUCCESS


def test_engines_during_and_after_an_upgrade(conf, db):
    ctx = vmove_context.get_admin_context()
    checks = status.Checks()
    assert checks._check_engine_versions().code == Code.WARNING  # none up
    _old_engine(ctx)
    _new_engine(ctx)
    result = checks._check_engine_versions()
    assert result.code == Code.WARNING and "h-old" in result.details and "h-new" not in result.details
    # no cap while an old engine runs: set one
    result = checks._check_rpc_cap()
    assert result.code == Code.WARNING and "[upgrade_levels] engine = 1.2" in result.details
    cfg.CONF.set_override("engine", "1.2", group="upgrade_levels")
    assert checks._check_rpc_cap().code == Code.SUCCESS
    # the old engine stops: the cap is left over
    heartbeat.stopped(ctx, "old")
    assert checks._check_engine_versions().code == Code.SUCCESS
    result = checks._check_rpc_cap()
    assert result.code == Code.WARNING and "remove it" in result.details
    cfg.CONF.clear_override("engine", group="upgrade_levels")
    assert checks._check_rpc_cap().code == Code.SUCCESS
