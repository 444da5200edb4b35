"""vmove-status upgrade check: what an operator must do before and after an upgrade.

- Database revision: migrations the code has and the database lacks (run ``vmove-manage db sync``).
- Engine versions: engines that are up and run another release than this code (upgrade and restart them).
- Engine RPC cap: ``[upgrade_levels] engine`` missing while older engines run (set it), or left in place once
  every engine is upgraded (remove it and restart).
"""

import functools
import sys

from oslo_config import cfg
from oslo_upgradecheck import common_checks, upgradecheck

from vmove import conf as vmove_conf
from vmove import context as vmove_context
from vmove import version
from vmove.db import migration
from vmove.engine import heartbeat, rpcapi

Code, Result = upgradecheck.Code, upgradecheck.Result


class _NotYet(Exception):
    pass


def _up_engines():
    conf = cfg.CONF
    if migration.version() != migration.head():
        raise _NotYet("checked once the schema is current (see 'Database revision')")
    engines = heartbeat.get_all(vmove_context.get_admin_context())
    return [e for e in engines if e.state(conf.engine.engine_down_time) == "up"]


def _rpc(engine) -> str:
    return engine.rpc_version or rpcapi.UNRECORDED


def _names(engines) -> str:
    return ", ".join(f"{e.host} ({e.engine_id[:8]}: release {e.version}, RPC {_rpc(e)})" for e in engines)


def _with_engines(check):
    """A check of the engines that are up: called with them, or a warning when they cannot be read."""

    @functools.wraps(check)
    def wrapper(self):
        try:
            engines = _up_engines()
        except _NotYet as e:
            return Result(Code.WARNING, f"The engines are {e}.")
        except Exception as e:  # noqa: BLE001 - the check's answer
            return Result(Code.WARNING, f"Cannot read the engines: {e}")
        return check(self, engines)

    return wrapper


class Checks(upgradecheck.UpgradeCommands):
    def _check_db_revision(self):
        try:
            current = migration.version()
        except Exception as e:  # noqa: BLE001 - any failure is the check's answer
            return Result(Code.FAILURE, f"Cannot read the database: {e}")
        head = migration.head()
        if current != head:
            missing = migration.unapplied(current)
            return Result(
                Code.FAILURE,
                f"Database schema is at {current}, the code needs {head} (not applied: {', '.join(missing)}): "
                "run 'vmove-manage db sync'. The migrations only add to the schema: engines and API "
                "processes of the previous release keep running while they are applied.",
            )
        return Result(Code.SUCCESS, f"Database schema is at {head}.")

    @_with_engines
    def _check_engine_versions(self, engines):
        mine = version.version_string()
        # the release string alone may not tell two trees apart (untagged development trees): the RPC
        # version an engine serves does
        other = [e for e in engines if e.version != mine or _rpc(e) != rpcapi.RPC_API_VERSION]
        if not engines:
            return Result(Code.WARNING, "No engine is up: no move will start until one is.")
        if other:
            return Result(
                Code.WARNING,
                f"{len(other)} of {len(engines)} engines that are up run another release than this one "
                f"({mine}): {_names(other)}. Upgrade and restart them; then remove any [upgrade_levels] cap.",
            )
        return Result(Code.SUCCESS, f"All {len(engines)} engines that are up run release {mine}.")

    @_with_engines
    def _check_rpc_cap(self, engines):
        level = cfg.CONF.upgrade_levels.engine
        current = rpcapi.RPC_API_VERSION
        older = [e for e in engines if _rpc(e) != current]
        if older and not level:
            lowest = min((_rpc(e) for e in older), key=rpcapi.version_tuple)
            return Result(
                Code.WARNING,
                f"Engines serving an older RPC version are up: {_names(older)}. Set [upgrade_levels] engine = "
                f"{lowest} (or auto) on the upgraded API and engines until they are upgraded: their casts "
                f"at {current} are refused by those engines (which still find the moves at their next poll).",
            )
        if level and not older:
            return Result(
                Code.WARNING,
                f"[upgrade_levels] engine = {level} is set and every engine that is up serves RPC {current}: "
                "remove it and restart the API and the engines.",
            )
        if level:
            return Result(Code.SUCCESS, f"RPC to the engines capped at {level} while older engines run.")
        return Result(Code.SUCCESS, f"No RPC cap; the engines that are up serve {current}.")

    _upgrade_checks = (
        ("Database revision", _check_db_revision),
        ("Engine versions", _check_engine_versions),
        ("Engine RPC cap", _check_rpc_cap),
        ("Policy File JSON to YAML Migration", (common_checks.check_policy_json, {"conf": cfg.CONF})),
    )


def main(argv=None):
    conf = vmove_conf.CONF
    return upgradecheck.main(
        conf, project="vmove", upgrade_command=Checks(), argv=argv if argv is not None else sys.argv[1:]
    )
