"""vmove-status upgrade check."""

import sys

from oslo_config import cfg
from oslo_upgradecheck import common_checks, upgradecheck

from vmove import conf as vmove_conf
from vmove.db import migration


class Checks(upgradecheck.UpgradeCommands):
    def _check_db_revision(self):
        try:
            current = migration.version()
        except Exception as e:  # noqa: BLE001 - any failure is the check's answer
            return upgradecheck.Result(upgradecheck.Code.FAILURE, f"Cannot read the database: {e}")
        head = migration.head()
        if current != head:
            return upgradecheck.Result(
                upgradecheck.Code.FAILURE,
                f"Database schema is at {current}, the code needs {head}: run 'vmove-manage db sync'.",
            )
        return upgradecheck.Result(upgradecheck.Code.SUCCESS, f"Database schema is at {head}.")

    _upgrade_checks = (
        ("Database revision", _check_db_revision),
        ("Policy File JSON to YAML Migration", (common_checks.check_policy_json, {"conf": cfg.CONF})),
    )


def main(argv=None):
    conf = vmove_conf.CONF
    return upgradecheck.main(
        conf, project="vmove", upgrade_command=Checks(), argv=argv if argv is not None else sys.argv[1:]
    )
