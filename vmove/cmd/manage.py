"""vmove-manage: database schema administration, and purging old history."""

import datetime
import sys

from oslo_config import cfg
from oslo_utils import timeutils

from vmove import conf as vmove_conf
from vmove import context as vmove_context
from vmove import service
from vmove.db import migration
from vmove.engine import heartbeat
from vmove.moves import queries as move_queries
from vmove.plans import queries as plan_queries
from vmove.recovery import queries as recovery_queries


def _db_sync():
    migration.upgrade(cfg.CONF.command.revision)
    print(f"Database at revision {migration.version()}")


def _db_version():
    print(migration.version() or "None (empty database: run 'vmove-manage db sync')")


def _db_purge():
    """Delete what ended more than --older-than days ago: moves (with their events), runs (with their
    items), notifications, and the rows of engines gone since; never a pending or ongoing move, nor a run or
    a recovery still going on or with a move that stays."""
    args = cfg.CONF.command
    if args.older_than < 0 or args.batch_size < 1:
        print("--older-than must be 0 or more, --batch-size 1 or more", file=sys.stderr)
        return 2
    ctx = vmove_context.get_admin_context()
    before = timeutils.utcnow() - datetime.timedelta(days=args.older_than)
    keep = plan_queries.active_origins(ctx) | recovery_queries.active_origins(ctx)
    kw = {"batch_size": args.batch_size, "dry_run": args.dry_run}
    counts = (
        ("moves (and their events)", move_queries.purge_ended(ctx, before, keep, **kw)),
        ("runs (and their items)", plan_queries.purge_finished(ctx, before, **kw)),
        ("notifications", recovery_queries.purge_ended(ctx, before, **kw)),
        ("engines", heartbeat.purge_gone(ctx, before, **kw)),
    )
    verb = "Would delete" if args.dry_run else "Deleted"
    print(f"{verb}, of what ended before {before.isoformat(timespec='seconds')}Z:")
    for what, n in counts:
        print(f"  {n} {what}")
    return 0


def _add_parsers(subparsers):
    db = subparsers.add_parser("db", help="Database schema commands.")
    db_sub = db.add_subparsers(dest="db_command")
    sync = db_sub.add_parser("sync", help="Create or upgrade the schema.")
    sync.add_argument("revision", nargs="?", default="heads")
    sync.set_defaults(func=_db_sync)
    ver = db_sub.add_parser("version", help="Print the schema revision.")
    ver.set_defaults(func=_db_version)
    purge = db_sub.add_parser("purge", help="Delete the history that ended more than DAYS days ago.")
    purge.add_argument("--older-than", type=int, required=True, metavar="DAYS", help="Age in days (0: all ended).")
    purge.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")
    purge.add_argument("--batch-size", type=int, default=1000, help="Rows deleted per transaction (default 1000).")
    purge.set_defaults(func=_db_purge)


def main(argv=None):
    conf = vmove_conf.CONF
    conf.register_cli_opt(cfg.SubCommandOpt("command", handler=_add_parsers))
    from oslo_log import log

    log.register_options(conf)
    conf.set_default("use_stderr", True)  # stdout is the command's answer
    service.prepare(argv)
    func = getattr(conf.command, "func", None)
    if func is None:
        print("usage: vmove-manage db {sync,version,purge}", file=sys.stderr)
        return 2
    return func() or 0
