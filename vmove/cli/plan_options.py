"""The options of ``vmove plan create|set`` that API version 1.5 brought: drains, the cold fallback,
recurring windows (the flavor mapping is with the other mappings, in :mod:`vmove.cli.plans`)."""

from osc_lib import exceptions

from vmove.cli import common


def period_option(value):
    """``<start>-<end>`` (HH:MM[:SS] each) -> a period of a recurring window."""
    start, sep, end = value.partition("-")
    if not sep or not start or not end:
        raise ValueError(value)
    return {"start": start, "end": end}


def add_drain_options(parser):
    parser.add_argument(
        "--drain-host",
        metavar="<host>",
        action="append",
        help="Drain: every instance on this compute host, found when a run is validated, live-migrated to the "
        "host's --host-map (default: any host); the run disables the host's compute service first (repeatable)",
    )
    parser.add_argument(
        "--drain-project", metavar="<project-id>", help="Drains: only this project's instances and volumes"
    )
    parser.add_argument(
        "--drain-metadata", metavar="<key>[=<value>]", help="Drains: only instances and volumes with this metadata"
    )
    parser.add_argument("--drain-flavor", metavar="<flavor>", help="Host drains: only instances of this flavor")
    parser.add_argument(
        "--drain-backend",
        metavar="<host@backend[#pool]>",
        action="append",
        help="Drain: every volume on this Cinder backend or pool, migrated to its --backend-map (repeatable)",
    )
    fallback = parser.add_mutually_exclusive_group()
    fallback.add_argument(
        "--cold-fallback",
        action="store_true",
        default=None,
        help="Host drains: cold-migrate what cannot be live-migrated (stopped, PCI devices)",
    )
    fallback.add_argument(
        "--no-cold-fallback", action="store_false", dest="cold_fallback", help="Host drains: live migration only"
    )


def drains_of(parsed_args, fields, current=None) -> dict | None:
    """The drains of --file (else the plan's, ``current``) with those of the options added; None without any."""
    a = parsed_args
    if not (a.drain_host or a.drain_backend):
        return None
    given = fields.get("drains") or (current or {}).get("drains") or {}
    drains = {k: list(given.get(k) or []) for k in ("hosts", "backends")}
    filters = {"project_id": a.drain_project, "metadata": a.drain_metadata, "flavor": a.drain_flavor}
    filters = {k: v for k, v in filters.items() if v}
    drains["hosts"] += [dict(filters, host=h) for h in a.drain_host or []]
    shared = {k: v for k, v in filters.items() if k != "flavor"}
    drains["backends"] += [dict(shared, backend=b) for b in a.drain_backend or []]
    return drains


def recurring_of(parsed_args) -> dict | None:
    a = parsed_args
    if not (a.window_period or a.window_days or a.window_timezone):
        return None
    if not a.window_period:
        raise exceptions.CommandError("A recurring window needs --window-period <start>-<end>.")
    recurring = {"periods": a.window_period}
    if a.window_days:
        recurring["days"] = common.split([a.window_days])
    if a.window_timezone:
        recurring["timezone"] = a.window_timezone
    return recurring
