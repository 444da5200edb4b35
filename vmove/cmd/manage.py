"""vmove-manage: database schema administration."""

import sys

from oslo_config import cfg

from vmove import conf as vmove_conf
from vmove import service
from vmove.db import migration


def _db_sync():
    migration.upgrade(cfg.CONF.command.revision)
    print(f"Database at revision {migration.version()}")


def _db_version():
    print(migration.version() or "None (empty database: run 'vmove-manage db sync')")


def _add_parsers(subparsers):
    db = subparsers.add_parser("db", help="Database schema commands.")
    db_sub = db.add_subparsers(dest="db_command")
    sync = db_sub.add_parser("sync", help="Create or upgrade the schema.")
    sync.add_argument("revision", nargs="?", default="heads")
    sync.set_defaults(func=_db_sync)
    ver = db_sub.add_parser("version", help="Print the schema revision.")
    ver.set_defaults(func=_db_version)


def main(argv=None):
    conf = vmove_conf.CONF
    conf.register_cli_opt(cfg.SubCommandOpt("command", handler=_add_parsers))
    from oslo_log import log

    log.register_options(conf)
    conf.set_default("use_stderr", True)  # stdout is the command's answer
    service.prepare(argv)
    func = getattr(conf.command, "func", None)
    if func is None:
        print("usage: vmove-manage db {sync,version}", file=sys.stderr)
        return 2
    func()
    return 0
